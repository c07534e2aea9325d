import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CallDeadline } from '../../functions/adapters/call-deadline.ts';
import { CheckQueue } from '../../functions/adapters/check-queue.ts';
import { groupIntoBatches, QueueSendError } from '../../functions/adapters/sqs-batch-send.ts';
import {
  LOCAL_CLIENT,
  type SilentServer,
  startSilentServer,
  timeRejection,
} from '../support/silent-server.ts';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/checks';
const noSleep = async () => {};

describe('CheckQueue', () => {
  let sqs: AwsClientStub<SQSClient>;
  beforeAll(() => {
    sqs = mockClient(SQSClient);
  });
  afterEach(() => sqs.reset());
  afterAll(() => sqs.restore());

  it('retries only the entries SendMessageBatch reports in Failed[], until all are accepted', async () => {
    // Prepare
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }] })
      .resolvesOnce({ Successful: [{ Id: '1', MessageId: 'b', MD5OfMessageBody: '' }], Failed: [] });
    const queue = new CheckQueue(new SQSClient({ region: 'us-east-1' }), QUEUE_URL, {
      retry: { attempts: 5, baseDelayMs: 1 },
      sleep: noSleep,
    });

    // Act
    await queue.send(['{"a":1}', '{"b":2}', '{"c":3}']);

    // Assess
    const calls = sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.map((entry) => entry.MessageBody)).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
    expect(calls[1]).toEqual([{ Id: '1', MessageBody: '{"b":2}' }]);
  });

  it('gives up with QueueSendError after the configured attempts', async () => {
    // Prepare
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [], Failed: [{ Id: '0', Code: 'ServiceUnavailable', SenderFault: false }] });
    const queue = new CheckQueue(new SQSClient({ region: 'us-east-1' }), QUEUE_URL, {
      retry: { attempts: 3, baseDelayMs: 1 },
      sleep: noSleep,
    });

    // Act
    const sending = queue.send(['{}']);

    // Assess
    await expect(sending).rejects.toThrow(QueueSendError);
    await expect(sending).rejects.toThrow(
      '1 of 1 check messages not accepted after 3 attempt(s): ServiceUnavailable',
    );
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(3);
  });

  it('does not retry entries SQS rejected as the sender’s fault', async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: '0', Code: 'InvalidParameterValue', SenderFault: true, Message: 'too long' }],
    });
    const queue = new CheckQueue(new SQSClient({ region: 'us-east-1' }), QUEUE_URL, {
      retry: { attempts: 5, baseDelayMs: 1 },
      sleep: noSleep,
    });

    // Act
    const sending = queue.send(['{}']);

    // Assess
    await expect(sending).rejects.toThrow('InvalidParameterValue too long');
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });

  it('sets DelaySeconds on every entry of a delayed (confirmation) send', async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const queue = new CheckQueue(new SQSClient({ region: 'us-east-1' }), QUEUE_URL);

    // Act
    await queue.send(['{}'], 30);

    // Assess
    expect(sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries).toEqual([
      { Id: '0', MessageBody: '{}', DelaySeconds: 30 },
    ]);
  });
});

describe('CheckQueue against an endpoint that never answers', () => {
  let silent: SilentServer;
  beforeAll(async () => {
    silent = await startSilentServer();
  });
  afterAll(() => silent.close());

  it('aborts a SendMessageBatch when the invocation’s 300 ms are up', async () => {
    // Prepare
    const sqs = new SQSClient({ ...LOCAL_CLIENT, endpoint: silent.url });
    const deadline = new CallDeadline();
    deadline.startInvocation(Date.now() + 300);
    const queue = new CheckQueue(sqs, `${silent.url}/123456789012/checks`, { deadline });

    // Act
    const { error, elapsedMs } = await timeRejection(() => queue.send(['{}']));
    sqs.destroy();

    // Assess
    expect(error.name).toBe('AbortError');
    expect(elapsedMs).toBeGreaterThanOrEqual(250);
    expect(elapsedMs).toBeLessThan(3_000);
  });
});

describe('groupIntoBatches', () => {
  it.each([
    { bodies: 0, bytesEach: 10, expected: [] },
    { bodies: 10, bytesEach: 10, expected: [10] },
    { bodies: 25, bytesEach: 10, expected: [10, 10, 5] },
    { bodies: 10, bytesEach: 63 * 1024, expected: [4, 4, 2] },
    { bodies: 2, bytesEach: 300 * 1024, expected: [1, 1] },
  ])(
    'splits $bodies bodies of $bytesEach bytes into batches of $expected',
    ({ bodies, bytesEach, expected }) => {
      // Prepare
      const input = Array.from({ length: bodies }, () => 'x'.repeat(bytesEach));

      // Act
      const batches = groupIntoBatches(input);

      // Assess
      expect(batches.map((batch) => batch.length)).toEqual(expected);
    },
  );
});
