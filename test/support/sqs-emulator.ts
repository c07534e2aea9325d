import type { AddressInfo } from 'node:net';
import { SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import { LOCAL_CLIENT } from './silent-server.ts';

export interface SqsEmulator {
  readonly endpoint: string;
  /** Sends to the endpoint, whatever host a queue URL names (fauxqs's do not resolve here). */
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  /** Creates a queue (a `.fifo` name makes a FIFO queue); its URL and ARN. */
  createQueue(name: string, attributes?: Record<string, string>): Promise<{ url: string; arn: string }>;
  stop(): Promise<void>;
}

/** fauxqs's SQS and SNS in-process on a free loopback port (as local/emulators.ts runs it), with clients. */
export async function startSqsEmulator(): Promise<SqsEmulator> {
  const app = buildApp({ logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const endpoint = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const sqs = new SQSClient({ ...LOCAL_CLIENT, endpoint, useQueueUrlAsEndpoint: false });
  const sns = new SNSClient({ ...LOCAL_CLIENT, endpoint });
  return {
    endpoint,
    sqs,
    sns,
    async createQueue(name, attributes = {}) {
      const isFifo = name.endsWith('.fifo');
      const { QueueUrl = '' } = await sqs.send(
        new CreateQueueCommand({
          QueueName: name,
          Attributes: { ...(isFifo ? { FifoQueue: 'true' } : {}), ...attributes },
        }),
      );
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      return { url: QueueUrl, arn: Attributes?.QueueArn ?? '' };
    },
    async stop() {
      sqs.destroy();
      sns.destroy();
      await app.close();
    },
  };
}
