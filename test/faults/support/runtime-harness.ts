import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { QueueRecord } from '../../../functions/services/check-batch.ts';
import type { ReceivedAlert } from '../../../local/alert-inbox.ts';
import type { LocalRuntime, LocalRuntimeOptions } from '../../../local/runtime.ts';
import { makeDataDir, startTestRuntime, waitFor } from '../../helpers/local-runtime.ts';

/** Things to undo after a scenario, last first. */
export class Cleanups {
  readonly #steps: Array<() => Promise<unknown> | unknown> = [];

  add<T extends { close(): Promise<unknown> } | { stop(): Promise<unknown> }>(resource: T): T {
    this.#steps.push(() => ('close' in resource ? resource.close() : resource.stop()));
    return resource;
  }

  defer(step: () => Promise<unknown> | unknown): void {
    this.#steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.#steps.splice(0).reverse()) await step();
  }
}

/** A local runtime on a fresh data directory (removed afterwards), sweeping only on `tick()`. */
export async function startRuntime(
  cleanups: Cleanups,
  options: Partial<LocalRuntimeOptions> = {},
): Promise<LocalRuntime> {
  const dir = await makeDataDir();
  cleanups.defer(dir.remove);
  const runtime = await startTestRuntime(dir.path, { receiveWaitSeconds: 1, ...options });
  cleanups.defer(() => runtime.stop());
  return runtime;
}

/** An SQS client on the runtime's emulator, for sending and reading messages as a test. */
export function sqsClientFor(cleanups: Cleanups, runtime: LocalRuntime): SQSClient {
  const sqs = new SQSClient({
    region: runtime.endpoints.region,
    endpoint: runtime.endpoints.sqsEndpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  cleanups.defer(() => sqs.destroy());
  return sqs;
}

/** Sends bodies to the checks queue in one SendMessageBatch (one receive then gets them all). */
export async function sendChecks(sqs: SQSClient, runtime: LocalRuntime, bodies: readonly string[]) {
  const { Failed = [] } = await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: runtime.endpoints.queueUrl,
      Entries: bodies.map((body, index) => ({ Id: String(index), MessageBody: body })),
    }),
  );
  if (Failed.length > 0) throw new Error(`test messages not accepted: ${JSON.stringify(Failed)}`);
}

export const alertsFor = (runtime: LocalRuntime, siteId: string): ReceivedAlert[] =>
  runtime.alerts.filter((alert) => alert.attributes.siteId === siteId);

/** The "Down since" / "Down from" time an alert's email gives, as written ("2026-01-15 09:01:00 UTC"). */
export function outageStartIn(alert: ReceivedAlert): string | undefined {
  return /(?:Down since|Down from):\s+(\S+ \S+ UTC)/.exec(alert.text)?.[1];
}

/** "Confirmed: …" of a DOWN alert. */
export function confirmedIn(alert: ReceivedAlert): string | undefined {
  return /Confirmed:\s+(\S+ \S+ UTC)/.exec(alert.text)?.[1];
}

/** hh:mm:ss of an epoch time, for the table. */
export const clockTime = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

/** Waits until the checks queue is empty (nothing visible, in flight or delayed). */
export async function waitForEmptyQueue(runtime: LocalRuntime, timeoutMs = 10_000): Promise<void> {
  await waitFor(
    'an empty checks queue',
    async () => {
      const depths = await runtime.queueDepths();
      return depths.checksVisible + depths.checksInFlight + depths.checksDelayed === 0;
    },
    timeoutMs,
  );
}

/** Lets late duplicates show up: a fixed pause, used only before asserting that something did NOT happen. */
export const settle = (ms = 500): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts the checker's 'state committed' log lines per site, from now on. */
export function countCommits(runtime: LocalRuntime): (siteId: string) => number {
  const commits = new Map<string, number>();
  runtime.on('log', (line) => {
    const json = line.json;
    if (json?.message !== 'state committed' || typeof json.siteId !== 'string') return;
    commits.set(json.siteId, (commits.get(json.siteId) ?? 0) + 1);
  });
  return (siteId) => commits.get(siteId) ?? 0;
}

/**
 * Receives `count` messages from the checks queue (waiting out their delays, at most `timeoutMs`) and deletes
 * them: what the checker sent back, for a test to run by hand.
 */
export async function receiveAll(
  sqs: SQSClient,
  runtime: LocalRuntime,
  count: number,
  timeoutMs = 20_000,
): Promise<QueueRecord[]> {
  const received: QueueRecord[] = [];
  const giveUpAtMs = Date.now() + timeoutMs;
  while (received.length < count && Date.now() < giveUpAtMs) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: runtime.endpoints.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    for (const message of Messages) {
      received.push({ messageId: message.MessageId ?? '', body: message.Body ?? '' });
      await sqs.send(
        new DeleteMessageCommand({
          QueueUrl: runtime.endpoints.queueUrl,
          ReceiptHandle: message.ReceiptHandle,
        }),
      );
    }
  }
  if (received.length < count)
    throw new Error(`received ${received.length} of ${count} messages in ${timeoutMs} ms`);
  return received;
}
