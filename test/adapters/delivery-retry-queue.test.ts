import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { CallDeadline } from '../../functions/adapters/call-deadline.ts';
import {
  DeliveryRetryQueue,
  MAX_VISIBILITY_TIMEOUT_SECONDS,
  PARKED_REASON_ATTRIBUTE,
} from '../../functions/adapters/delivery-retry-queue.ts';
import { startSilentServer, timeRejection } from '../support/silent-server.ts';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/1/channel-deliveries.fifo';
const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/1/channel-deliveries-dlq.fifo';
const sqs = mockClient(SQSClient);

afterEach(() => {
  sqs.reset();
});

const queue = (deadline?: CallDeadline) =>
  new DeliveryRetryQueue(
    new SQSClient({ region: 'us-east-1' }),
    QUEUE_URL,
    DLQ_URL,
    deadline ? { deadline } : {},
  );

describe('DeliveryRetryQueue', () => {
  it.each([
    [30_000, 30],
    [1_500, 2],
    [0, 0],
    [-5, 0],
    [48 * 3_600_000, MAX_VISIBILITY_TIMEOUT_SECONDS],
  ])('postpones a delay of %i ms as a visibility timeout of %i s', async (delayMs, seconds) => {
    sqs.on(ChangeMessageVisibilityCommand).resolves({});

    await queue().postpone('receipt-1', delayMs);

    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input).toEqual({
      QueueUrl: QUEUE_URL,
      ReceiptHandle: 'receipt-1',
      VisibilityTimeout: seconds,
    });
  });

  it('parks on the FIFO dead-letter queue with the group, deduplication id and reason', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'x' });

    await queue().park(
      { body: '{"version":1}', groupId: 'ch-aaaaaaaaaa', deduplicationId: 'abc' },
      'r'.repeat(5_000),
    );

    const input = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      QueueUrl: DLQ_URL,
      MessageBody: '{"version":1}',
      MessageGroupId: 'ch-aaaaaaaaaa',
      MessageDeduplicationId: 'abc',
    });
    expect(input?.MessageAttributes?.[PARKED_REASON_ATTRIBUTE]?.StringValue).toHaveLength(1_000);
  });

  it('rejects when SQS does', async () => {
    sqs.on(ChangeMessageVisibilityCommand).rejects(new Error('ReceiptHandleIsInvalid'));

    await expect(queue().postpone('receipt-1', 30_000)).rejects.toThrow('ReceiptHandleIsInvalid');
  });
});

describe('DeliveryRetryQueue against an endpoint that never answers', () => {
  it('aborts a park when the invocation’s 300 ms are up', async () => {
    sqs.restore();
    const silent = await startSilentServer();
    const client = new SQSClient({
      region: 'us-east-1',
      endpoint: silent.url,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const deadline = new CallDeadline();
    deadline.startInvocation(Date.now() + 300);
    try {
      const parking = new DeliveryRetryQueue(client, `${silent.url}/1/q.fifo`, `${silent.url}/1/dlq.fifo`, {
        deadline,
      });

      const { error, elapsedMs } = await timeRejection(() =>
        parking.park({ body: '{}', groupId: 'g', deduplicationId: 'd' }, 'parked'),
      );

      expect(error.name).toBe('AbortError');
      expect(elapsedMs).toBeLessThan(3_000);
    } finally {
      client.destroy();
      await silent.close();
    }
  });
});
