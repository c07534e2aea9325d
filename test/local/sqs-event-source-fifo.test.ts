import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulators } from '../../local/emulators.ts';
import { SqsEventSource } from '../../local/sqs-event-source.ts';
import { makeDataDir, waitFor } from '../helpers/local-runtime.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Seen {
  readonly body: string;
  readonly group: string | undefined;
  readonly atMs: number;
  readonly receiveCount: string;
}

describe('SqsEventSource on a FIFO queue (the channel deliveries queue), against the SQS emulator', () => {
  it('keeps each group in order behind a failure, lets other groups through, and the handler’s delay wins', async () => {
    // Prepare: a FIFO queue whose own visibility timeout (60 s) would far outlast the test
    const dir = await makeDataDir();
    cleanups.push(dir.remove);
    const emulators = await startEmulators({
      dynamodbPath: `${dir.path}/dynamodb`,
      dynamodb: { port: 0, fallbackToFreePort: false },
      sqs: { port: 0, fallbackToFreePort: false },
      ssm: { port: 0, fallbackToFreePort: false },
      ssmDataDir: dir.path,
      region: 'us-east-1',
    });
    cleanups.push(() => emulators.close());
    const sqs = new SQSClient({
      region: 'us-east-1',
      endpoint: emulators.sqsEndpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    cleanups.push(() => sqs.destroy());
    const { QueueUrl: queueUrl = '' } = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'deliveries.fifo',
        Attributes: { FifoQueue: 'true', VisibilityTimeout: '60' },
      }),
    );
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    for (const [group, body] of [
      ['slack', 's1'],
      ['slack', 's2'],
      ['slack', 's3'],
      ['hook', 'h1'],
      ['hook', 'h2'],
    ]) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: body,
          MessageGroupId: group,
          MessageDeduplicationId: body,
        }),
      );
    }
    const seen: Seen[] = [];
    let isFirstTryOfS1 = true;
    const startedAtMs = Date.now();
    // The deliverer's contract: a retry sets its own delay (here 2 s) and reports the message failed.
    const invoke = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      const failures: SQSBatchResponse['batchItemFailures'] = [];
      for (const record of event.Records) {
        seen.push({
          body: record.body,
          group: record.attributes.MessageGroupId,
          atMs: Date.now() - startedAtMs,
          receiveCount: record.attributes.ApproximateReceiveCount,
        });
        if (record.body === 's1' && isFirstTryOfS1) {
          isFirstTryOfS1 = false;
          await sqs.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: queueUrl,
              ReceiptHandle: record.receiptHandle,
              VisibilityTimeout: 2,
            }),
          );
          failures.push({ itemIdentifier: record.messageId });
        }
      }
      return { batchItemFailures: failures };
    };
    const source = new SqsEventSource({
      queueName: 'deliveries queue',
      functionName: 'deliverer',
      sqs,
      queueUrl,
      queueArn: Attributes?.QueueArn ?? '',
      region: 'us-east-1',
      isFifo: true,
      pollers: 2,
      batchSize: 10,
      waitTimeSeconds: 1,
      invoke,
      onProblem: (problem) => {
        throw new Error(problem);
      },
    });
    cleanups.push(() => source.stop());

    // Act
    source.start();
    await waitFor('every message handled and deleted', () => source.stats.messagesDeleted === 5, 15_000);

    // Assess: one group's order, the other group unhindered, the retry after the handler's 2 s, not 60 s
    const slack = seen.filter((entry) => entry.group === 'slack');
    const hook = seen.filter((entry) => entry.group === 'hook');
    expect(slack.map((entry) => `${entry.body}#${entry.receiveCount}`)).toEqual([
      's1#1',
      's1#2',
      's2#1',
      's3#1',
    ]);
    expect(hook.map((entry) => entry.body)).toEqual(['h1', 'h2']);
    const [firstTry, retry] = slack;
    expect((retry?.atMs ?? 0) - (firstTry?.atMs ?? 0)).toBeGreaterThanOrEqual(1_900);
    expect((retry?.atMs ?? 0) - (firstTry?.atMs ?? 0)).toBeLessThan(10_000);
    expect(hook.at(-1)?.atMs ?? Number.POSITIVE_INFINITY).toBeLessThan(retry?.atMs ?? 0);
    expect(source.stats).toMatchObject({ messagesReceived: 6, messagesDeleted: 5, messagesRetried: 1 });
  }, 30_000);
});
