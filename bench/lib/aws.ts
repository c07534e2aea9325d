import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { EmulatorEndpoints } from './emulators.ts';

// SQS bills each 64 KiB of a request's payload as one request.
export const SQS_BILLING_CHUNK_BYTES = 64 * 1024;

/** What the AWS bill would count for the calls made through the metered clients. */
export interface SdkUsage {
  /** Calls by command name (`SendMessageBatchCommand` → `SendMessageBatch`). */
  readonly calls: Record<string, number>;
  /** SQS requests as billed: every call, each 64 KiB of payload counted as one more. */
  sqsBilledRequests: number;
  sqsMessagesSent: number;
  sqsMessagesReceived: number;
  sqsPayloadBytesSent: number;
  /** DynamoDB read request units reported by the emulator (Scan with ReturnConsumedCapacity). */
  dynamodbReadUnits: number;
  dynamodbWrites: number;
  snsPublishes: number;
}

export const emptyUsage = (): SdkUsage => ({
  calls: {},
  sqsBilledRequests: 0,
  sqsMessagesSent: 0,
  sqsMessagesReceived: 0,
  sqsPayloadBytesSent: 0,
  dynamodbReadUnits: 0,
  dynamodbWrites: 0,
  snsPublishes: 0,
});

/** Zeroes the counters (e.g. after seeding, so only the measured work is counted). */
export function resetUsage(usage: SdkUsage): void {
  Object.assign(usage, emptyUsage());
}

export interface BenchClients {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly usage: SdkUsage;
}

const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const REGION = 'us-east-1';
const WRITE_COMMANDS = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

const chunks = (bytes: number) => Math.max(1, Math.ceil(bytes / SQS_BILLING_CHUNK_BYTES));

type Middleware = (
  next: (args: { input: object }) => Promise<{ output: unknown }>,
  context: { commandName?: string },
) => (args: { input: object }) => Promise<{ output: unknown }>;

/** SDK clients pointed at the emulators, each metering what AWS would bill. */
export function createBenchClients(endpoints: EmulatorEndpoints): BenchClients {
  const usage = emptyUsage();
  const meter: Middleware = (next, context) => async (args) => {
    const name = (context.commandName ?? 'Unknown').replace(/Command$/, '');
    usage.calls[name] = (usage.calls[name] ?? 0) + 1;
    const input = args.input as Record<string, unknown>;
    // Ask the emulator what a Scan consumed; the adapter itself does not need to know.
    if (name === 'Scan') input.ReturnConsumedCapacity = 'TOTAL';
    if (WRITE_COMMANDS.has(name)) usage.dynamodbWrites++;
    if (name === 'Publish') usage.snsPublishes++;
    if (name === 'SendMessageBatch' || name === 'SendMessage') {
      const entries = (input.Entries as { MessageBody?: string }[] | undefined) ?? [
        input as { MessageBody?: string },
      ];
      const bytes = entries.reduce((sum, entry) => sum + Buffer.byteLength(entry.MessageBody ?? ''), 0);
      usage.sqsMessagesSent += entries.length;
      usage.sqsPayloadBytesSent += bytes;
      usage.sqsBilledRequests += chunks(bytes);
    }
    const result = await next(args);
    const output = (result.output ?? {}) as unknown as Record<string, unknown>;
    if (name === 'Scan') {
      const consumed = output.ConsumedCapacity as { CapacityUnits?: number } | undefined;
      usage.dynamodbReadUnits += consumed?.CapacityUnits ?? 0;
    }
    if (name === 'ReceiveMessage') {
      const messages = (output.Messages as { Body?: string }[] | undefined) ?? [];
      const bytes = messages.reduce((sum, message) => sum + Buffer.byteLength(message.Body ?? ''), 0);
      usage.sqsMessagesReceived += messages.length;
      usage.sqsBilledRequests += chunks(bytes);
    }
    if (
      name === 'DeleteMessageBatch' ||
      name === 'DeleteMessage' ||
      name === 'ChangeMessageVisibilityBatch'
    ) {
      usage.sqsBilledRequests += 1;
    }
    return result;
  };
  const common = { region: REGION, credentials: CREDENTIALS };
  const dynamodb = new DynamoDBClient({ ...common, endpoint: endpoints.dynamodbEndpoint });
  const sqs = new SQSClient({ ...common, endpoint: endpoints.sqsEndpoint });
  const sns = new SNSClient({ ...common, endpoint: endpoints.sqsEndpoint });
  // Each client's stack has its own input/output types; the meter only reads plain fields.
  dynamodb.middlewareStack.add(meter as never, { step: 'initialize', name: 'benchMeter' });
  sqs.middlewareStack.add(meter as never, { step: 'initialize', name: 'benchMeter' });
  sns.middlewareStack.add(meter as never, { step: 'initialize', name: 'benchMeter' });
  return { dynamodb, sqs, sns, usage };
}
