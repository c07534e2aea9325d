import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createChannelPoster } from '../../functions/adapters/channel-http.ts';
import {
  DeliveryRetryQueue,
  PARKED_REASON_ATTRIBUTE,
} from '../../functions/adapters/delivery-retry-queue.ts';
import { createJsonLogger } from '../../functions/adapters/logger.ts';
import type { Channel } from '../../functions/domain/channels/channel.ts';
import type { RenderInput } from '../../functions/domain/channels/channel-request.ts';
import { type DeliveryMessage, deliveryIdOf } from '../../functions/domain/channels/delivery-message.ts';
import { RETRY_WINDOW_MS } from '../../functions/domain/channels/retry-policy.ts';
import { createDeliveryLog, REJECTED_PARK_REASON } from '../../functions/services/channel-delivery.ts';
import { type DeliveryBatchDeps, processDeliveryBatch } from '../../functions/services/delivery-batch.ts';
import { type AnswerPlan, type ChannelReceiver, startChannelReceiver } from '../support/channel-receiver.ts';
import { anAlert } from '../support/fixtures.ts';
import { InMemoryChannels } from '../support/in-memory-channels.ts';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/channel-deliveries.fifo';
const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/channel-deliveries-dlq.fifo';
const OWNER = 'ops@example.com';
const FIRST_RECEIVE_MS = Date.UTC(2026, 11, 6, 20, 0, 0);
const HOOK_PATH = '/hooks/T0SECRET/B0SECRET/tokenSECRETpart';
const SIGNING_SECRET = 'whsec_dGVzdC1vbmx5LXNpZ25pbmctc2VjcmV0LXZhbHVlLXh5eg';

const sqs = mockClient(SQSClient);
const cleanups: (() => Promise<void>)[] = [];
let channels: InMemoryChannels;
let lines: string[];
let nowMs: number;

beforeEach(() => {
  sqs.reset();
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
  sqs.on(SendMessageCommand).resolves({ MessageId: 'parked-1' });
  channels = new InMemoryChannels();
  lines = [];
  nowMs = FIRST_RECEIVE_MS;
});

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  for (const line of lines) {
    for (const secret of ['SECRET', SIGNING_SECRET, 'http://', 'ops@example.com']) {
      expect(line).not.toContain(secret);
    }
  }
});

async function receiver(plan?: AnswerPlan): Promise<ChannelReceiver> {
  const started = await startChannelReceiver(plan);
  cleanups.push(() => started.close());
  return started;
}

/** A webhook channel of OWNER posting to `hook`; the id is `ch-` and 10 base32 characters. */
function addChannel(channelId: string, hook: ChannelReceiver): Channel {
  const channel: Channel = {
    owner: OWNER,
    channelId,
    kind: 'webhook',
    label: '127.0.0.1/hooks/T0…',
    secretName: `/uptime-squirrel/test/channels/${channelId}`,
    createdAtMs: FIRST_RECEIVE_MS - 86_400_000,
  };
  channels.add(channel, {
    kind: 'webhook',
    url: `${hook.origin}${HOOK_PATH}`,
    signingSecret: SIGNING_SECRET,
  });
  return channel;
}

function aMessage(channelId: string, alertId: string): DeliveryMessage {
  return {
    version: 1,
    deliveryId: deliveryIdOf(alertId, channelId),
    owner: OWNER,
    channelId,
    kind: 'webhook',
    notification: { type: 'alert', alert: anAlert({ alertId, owner: OWNER }) },
    dispatchedAtMs: FIRST_RECEIVE_MS - 500,
  };
}

/** A record as Lambda's SQS event source hands over a FIFO message. */
function aRecord(
  body: DeliveryMessage | string,
  options: { messageId: string; groupId: string; receiveCount?: number; firstReceivedMs?: number },
): SQSRecord {
  return {
    messageId: options.messageId,
    receiptHandle: `receipt-${options.messageId}-${options.receiveCount ?? 1}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(FIRST_RECEIVE_MS - 400),
      SenderId: 'AROAEXAMPLE:channel-dispatcher',
      ApproximateFirstReceiveTimestamp: String(options.firstReceivedMs ?? FIRST_RECEIVE_MS),
      MessageGroupId: options.groupId,
      MessageDeduplicationId: `dedup-${options.messageId}`,
      SequenceNumber: '18849496460467696128',
    } as SQSRecord['attributes'],
    messageAttributes: {},
    md5OfBody: 'not-checked',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:channel-deliveries.fifo',
    awsRegion: 'us-east-1',
  };
}

/** Stands in for renderDelivery: posts the alert id to the secret's URL. */
const render = (input: RenderInput) => ({
  kind: 'requests' as const,
  requests: [
    {
      url: 'url' in input.secret ? input.secret.url : 'http://invalid.test/',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ deliveryId: input.deliveryId }),
      followRedirects: false,
    },
  ],
});

function deps(): DeliveryBatchDeps {
  const http = createChannelPoster({ allowPrivateTargets: true, timeoutMs: 2_000 });
  cleanups.push(() => http.close());
  return {
    store: channels.store,
    secrets: channels.secrets,
    publisher: channels.publisher,
    http,
    endpoints: { telegramApiUrl: 'http://invalid.test', pagerDutyEventsUrl: 'http://invalid.test' },
    render,
    log: createDeliveryLog((line) => lines.push(line)),
    logger: createJsonLogger((line) => lines.push(line)),
    queue: new DeliveryRetryQueue(new SQSClient({ region: 'us-east-1' }), QUEUE_URL, DLQ_URL),
    nowMs: () => nowMs,
  };
}

const run = (records: readonly SQSRecord[]) =>
  processDeliveryBatch(records, deps(), { deadlineMs: nowMs + 30_000 });
const visibilityChanges = () =>
  sqs.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input);
const deliveryLines = () =>
  lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'delivery');

describe('processDeliveryBatch', () => {
  it('retries through a receiver that fails for a while, backing off on the queue, then delivers', async () => {
    const hook = await receiver((_request, index) => (index < 3 ? { status: 503 } : { status: 200 }));
    addChannel('ch-aaaaaaaaaa', hook);
    const message = aMessage('ch-aaaaaaaaaa', 'example:1');
    const reports = [];

    // SQS hands the message over again each time its visibility timeout (the backoff) is over.
    for (let receiveCount = 1; receiveCount <= 4; receiveCount++) {
      const report = await run([
        aRecord(message, { messageId: 'm1', groupId: 'ch-aaaaaaaaaa', receiveCount }),
      ]);
      reports.push(report.failedMessageIds);
      const last = visibilityChanges().at(-1);
      if (report.failedMessageIds.length > 0 && last !== undefined)
        nowMs += (last.VisibilityTimeout ?? 0) * 1_000;
    }

    expect(reports).toEqual([['m1'], ['m1'], ['m1'], []]);
    expect(visibilityChanges()).toEqual([
      { QueueUrl: QUEUE_URL, ReceiptHandle: 'receipt-m1-1', VisibilityTimeout: 30 },
      { QueueUrl: QUEUE_URL, ReceiptHandle: 'receipt-m1-2', VisibilityTimeout: 60 },
      { QueueUrl: QUEUE_URL, ReceiptHandle: 'receipt-m1-3', VisibilityTimeout: 120 },
    ]);
    expect(hook.requests).toHaveLength(4);
    expect(deliveryLines().map((line) => [line.outcome, line.status, line.attempt])).toEqual([
      ['retry', 503, 1],
      ['retry', 503, 2],
      ['retry', 503, 3],
      ['delivered', 200, 4],
    ]);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it("holds a delivery back as long as a 429's Retry-After asks", async () => {
    const hook = await receiver(() => ({ status: 429, headers: { 'retry-after': '240' } }));
    addChannel('ch-aaaaaaaaaa', hook);

    const report = await run([
      aRecord(aMessage('ch-aaaaaaaaaa', 'example:1'), { messageId: 'm1', groupId: 'ch-aaaaaaaaaa' }),
    ]);

    expect(report.failedMessageIds).toEqual(['m1']);
    expect(visibilityChanges()).toMatchObject([{ VisibilityTimeout: 240 }]);
  });

  it('parks a delivery still failing an hour after its first receive on the dead-letter queue, then is done with it', async () => {
    const hook = await receiver(() => ({ status: 500, body: 'internal error' }));
    addChannel('ch-aaaaaaaaaa', hook);
    const message = aMessage('ch-aaaaaaaaaa', 'example:1');
    nowMs = FIRST_RECEIVE_MS + RETRY_WINDOW_MS + 330_000;

    const report = await run([
      aRecord(message, { messageId: 'm1', groupId: 'ch-aaaaaaaaaa', receiveCount: 11 }),
    ]);

    expect(report).toMatchObject({ failedMessageIds: [], parked: 1 });
    expect(visibilityChanges()).toEqual([]);
    expect(sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input)).toEqual([
      {
        QueueUrl: DLQ_URL,
        MessageBody: JSON.stringify(message),
        MessageGroupId: 'ch-aaaaaaaaaa',
        MessageDeduplicationId: 'dedup-m1',
        MessageAttributes: {
          [PARKED_REASON_ATTRIBUTE]: {
            DataType: 'String',
            StringValue: 'still failing after 11 attempts over 65 minutes: HTTP 500: internal error',
          },
        },
      },
    ]);
  });

  it('keeps a failed delivery in the queue when parking it fails', async () => {
    const hook = await receiver(() => ({ status: 500 }));
    addChannel('ch-aaaaaaaaaa', hook);
    sqs
      .on(SendMessageCommand)
      .rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    nowMs = FIRST_RECEIVE_MS + RETRY_WINDOW_MS;

    const report = await run([
      aRecord(aMessage('ch-aaaaaaaaaa', 'example:1'), {
        messageId: 'm1',
        groupId: 'ch-aaaaaaaaaa',
        receiveCount: 11,
      }),
    ]);

    expect(report).toMatchObject({ failedMessageIds: ['m1'], parked: 0, faults: 1 });
  });

  it("holds back the rest of a channel's messages behind a retry, released at once, while other channels deliver", async () => {
    const failing = await receiver(() => ({ status: 503 }));
    const healthy = await receiver();
    addChannel('ch-aaaaaaaaaa', failing);
    addChannel('ch-bbbbbbbbbb', healthy);

    const report = await run([
      aRecord(aMessage('ch-aaaaaaaaaa', 'example:1'), { messageId: 'a1', groupId: 'ch-aaaaaaaaaa' }),
      aRecord(aMessage('ch-bbbbbbbbbb', 'example:1'), { messageId: 'b1', groupId: 'ch-bbbbbbbbbb' }),
      aRecord(aMessage('ch-aaaaaaaaaa', 'example:2'), { messageId: 'a2', groupId: 'ch-aaaaaaaaaa' }),
      aRecord(aMessage('ch-bbbbbbbbbb', 'example:2'), { messageId: 'b2', groupId: 'ch-bbbbbbbbbb' }),
      aRecord(aMessage('ch-aaaaaaaaaa', 'example:3'), { messageId: 'a3', groupId: 'ch-aaaaaaaaaa' }),
    ]);

    expect(report).toMatchObject({
      failedMessageIds: ['a1', 'a2', 'a3'],
      retried: 1,
      heldBack: 2,
      delivered: 2,
    });
    expect(failing.requests).toHaveLength(1);
    expect(healthy.requests.map((request) => JSON.parse(request.body).deliveryId)).toEqual([
      'example:1|ch-bbbbbbbbbb',
      'example:2|ch-bbbbbbbbbb',
    ]);
    // Only the retried one is held for its backoff. The others are made visible at once: otherwise they would stay
    // in flight for the queue's visibility timeout and keep the whole group (the retry too) locked that long.
    expect(visibilityChanges()).toEqual([
      { QueueUrl: QUEUE_URL, ReceiptHandle: 'receipt-a1-1', VisibilityTimeout: 30 },
      { QueueUrl: QUEUE_URL, ReceiptHandle: 'receipt-a2-1', VisibilityTimeout: 0 },
      { QueueUrl: QUEUE_URL, ReceiptHandle: 'receipt-a3-1', VisibilityTimeout: 0 },
    ]);
  });

  it('fails a malformed message alone and goes on with its group', async () => {
    const hook = await receiver();
    addChannel('ch-aaaaaaaaaa', hook);

    const report = await run([
      aRecord('{"version":1,"deliveryId":', { messageId: 'bad-json', groupId: 'ch-aaaaaaaaaa' }),
      aRecord({ ...aMessage('ch-aaaaaaaaaa', 'example:1'), channelId: 'not-a-channel' } as DeliveryMessage, {
        messageId: 'bad-shape',
        groupId: 'ch-aaaaaaaaaa',
      }),
      aRecord(aMessage('ch-aaaaaaaaaa', 'example:2'), { messageId: 'good', groupId: 'ch-aaaaaaaaaa' }),
    ]);

    expect(report).toMatchObject({ failedMessageIds: ['bad-json', 'bad-shape'], malformed: 2, delivered: 1 });
    expect(hook.requests).toHaveLength(1);
    expect(lines.filter((line) => line.includes('malformed delivery message'))).toHaveLength(2);
    expect(visibilityChanges()).toEqual([]);
  });

  it('marks a channel answering 404 broken and sends one notice when two deliveries fail', async () => {
    const hook = await receiver(() => ({ status: 404, body: 'Not Found' }));
    addChannel('ch-aaaaaaaaaa', hook);

    const report = await run([
      aRecord(aMessage('ch-aaaaaaaaaa', 'example:1'), { messageId: 'a1', groupId: 'ch-aaaaaaaaaa' }),
      aRecord(aMessage('ch-aaaaaaaaaa', 'example:2'), { messageId: 'a2', groupId: 'ch-aaaaaaaaaa' }),
    ]);

    expect(report).toMatchObject({ failedMessageIds: [], parked: 2 });
    const parkedReasons = sqs
      .commandCalls(SendMessageCommand)
      .map((call) => call.args[0].input.MessageAttributes?.[PARKED_REASON_ATTRIBUTE]?.StringValue);
    expect(parkedReasons).toEqual([
      expect.stringContaining(REJECTED_PARK_REASON),
      expect.stringContaining(REJECTED_PARK_REASON),
    ]);
    expect(hook.requests).toHaveLength(2);
    expect(channels.notices).toHaveLength(1);
    expect(channels.notices[0]).toMatchObject({
      type: 'channel-failed',
      notice: {
        channelId: 'ch-aaaaaaaaaa',
        status: 404,
        detail: 'HTTP 404: Not Found',
        alertId: 'example:1',
      },
    });
    expect(channels.channel(OWNER, 'ch-aaaaaaaaaa')?.brokenSinceMs).toBe(nowMs);
  });

  it('fails a message whose notice SNS refused, and holds back the rest of its group', async () => {
    const hook = await receiver(() => ({ status: 404 }));
    addChannel('ch-aaaaaaaaaa', hook);
    channels.publishFailure = Object.assign(new Error('Topic arn:aws:sns:… unavailable'), {
      name: 'InternalErrorException',
    });

    const report = await run([
      aRecord(aMessage('ch-aaaaaaaaaa', 'example:1'), { messageId: 'a1', groupId: 'ch-aaaaaaaaaa' }),
      aRecord(aMessage('ch-aaaaaaaaaa', 'example:2'), { messageId: 'a2', groupId: 'ch-aaaaaaaaaa' }),
    ]);

    expect(report).toMatchObject({ failedMessageIds: ['a1', 'a2'], faults: 1, heldBack: 1 });
    expect(hook.requests).toHaveLength(1);
    expect(lines.find((line) => line.includes('delivery failed'))).toContain('InternalErrorException');
  });

  it('starts no delivery that could outlast the invocation', async () => {
    const hook = await receiver();
    addChannel('ch-aaaaaaaaaa', hook);

    const report = await processDeliveryBatch(
      [aRecord(aMessage('ch-aaaaaaaaaa', 'example:1'), { messageId: 'a1', groupId: 'ch-aaaaaaaaaa' })],
      deps(),
      { deadlineMs: nowMs + 5_000 },
    );

    expect(report).toMatchObject({ failedMessageIds: ['a1'], heldBack: 1 });
    expect(hook.requests).toHaveLength(0);
  });

  it('drops a delivery to a channel removed since, and is done with it', async () => {
    const report = await run([
      aRecord(aMessage('ch-cccccccccc', 'example:1'), { messageId: 'c1', groupId: 'ch-cccccccccc' }),
    ]);

    expect(report).toMatchObject({ failedMessageIds: [], dropped: 1 });
    expect(deliveryLines()).toMatchObject([{ outcome: 'dropped', channelId: 'ch-cccccccccc' }]);
  });
});
