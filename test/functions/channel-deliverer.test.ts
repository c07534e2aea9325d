import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  type MockInstance,
  vi,
} from 'vitest';
import type { handler as DelivererHandler } from '../../functions/channel-deliverer.ts';
import type { Channel } from '../../functions/domain/channels/channel.ts';
import { type DeliveryMessage, deliveryIdOf } from '../../functions/domain/channels/delivery-message.ts';
import { RETRY_WINDOW_MS } from '../../functions/domain/channels/retry-policy.ts';
import { type ChannelReceiver, startChannelReceiver } from '../support/channel-receiver.ts';
import { anAlert } from '../support/fixtures.ts';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/channel-deliveries.fifo';
const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/channel-deliveries-dlq.fifo';
const PREFIX = '/uptime-squirrel/Test/channels';
const CHANNEL_ID = 'ch-abcdefgh23';
const HOOK_PATH = '/hooks/T0SECRET/B0SECRET/tokenSECRETpart';
const SIGNING_SECRET = 'whsec_dGVzdC1vbmx5LXNpZ25pbmctc2VjcmV0LXZhbHVlLXh5eg';
const CONTEXT = { getRemainingTimeInMillis: () => 30_000 };

const channel: Channel = {
  owner: 'ops',
  channelId: CHANNEL_ID,
  kind: 'webhook',
  label: '127.0.0.1/hooks/T0…',
  secretName: `${PREFIX}/${CHANNEL_ID}`,
  createdAtMs: Date.UTC(2026, 11, 1),
};

function aMessage(alertId: string): DeliveryMessage {
  return {
    version: 1,
    deliveryId: deliveryIdOf(alertId, CHANNEL_ID),
    owner: 'ops',
    channelId: CHANNEL_ID,
    kind: 'webhook',
    notification: { type: 'alert', alert: anAlert({ alertId, owner: 'ops' }) },
    dispatchedAtMs: Date.now(),
  };
}

function aRecord(
  message: DeliveryMessage,
  messageId: string,
  receiveCount = 1,
  firstReceivedMs = Date.now(),
): SQSRecord {
  return {
    messageId,
    receiptHandle: `receipt-${messageId}-${receiveCount}`,
    body: JSON.stringify(message),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(firstReceivedMs - 100),
      SenderId: 'AROAEXAMPLE:channel-dispatcher',
      ApproximateFirstReceiveTimestamp: String(firstReceivedMs),
      MessageGroupId: CHANNEL_ID,
      MessageDeduplicationId: `dedup-${messageId}`,
    } as SQSRecord['attributes'],
    messageAttributes: {},
    md5OfBody: 'not-checked',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:channel-deliveries.fifo',
    awsRegion: 'us-east-1',
  };
}

const event = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

describe('channel-deliverer handler', () => {
  let handler: typeof DelivererHandler;
  let dynamo: AwsClientStub<DynamoDBDocumentClient>;
  let ssm: AwsClientStub<SSMClient>;
  let sns: AwsClientStub<SNSClient>;
  let sqs: AwsClientStub<SQSClient>;
  let hook: ChannelReceiver;
  let stdout: MockInstance<typeof process.stdout.write>;
  const lines: string[] = [];

  beforeAll(async () => {
    hook = await startChannelReceiver();
    dynamo = mockClient(DynamoDBDocumentClient);
    ssm = mockClient(SSMClient);
    sns = mockClient(SNSClient);
    sqs = mockClient(SQSClient);
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      CHANNELS_TABLE: 'channels',
      DELIVERY_QUEUE_URL: QUEUE_URL,
      DELIVERY_DLQ_URL: DLQ_URL,
      CHANNEL_SECRETS_PREFIX: PREFIX,
      TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alerts',
      // The receivers listen on loopback, which production deliveries refuse.
      ALLOW_PRIVATE_TARGETS: 'true',
    });
    ({ handler } = await import('../../functions/channel-deliverer.ts'));
  });
  beforeEach(() => {
    dynamo.on(GetCommand).resolves({ Item: { ...channel } });
    dynamo.on(UpdateCommand).resolves({});
    ssm.on(GetParameterCommand).resolves({
      Parameter: {
        Value: JSON.stringify({
          kind: 'webhook',
          url: `${hook.origin}${HOOK_PATH}`,
          signingSecret: SIGNING_SECRET,
        }),
      },
    });
    sns.on(PublishCommand).resolves({ MessageId: 'notice-1' });
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({ MessageId: 'parked-1' });
    lines.length = 0;
    stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    stdout.mockRestore();
    for (const line of lines) {
      for (const secret of [HOOK_PATH, 'B0SECRET', 'tokenSECRET', SIGNING_SECRET, 'http://'])
        expect(line).not.toContain(secret);
    }
    dynamo.reset();
    ssm.reset();
    sns.reset();
    sqs.reset();
  });
  afterAll(async () => {
    dynamo.restore();
    ssm.restore();
    sns.restore();
    sqs.restore();
    await hook.close();
  });

  it('retries through a receiver failing 503, holding the message back for its backoff, then delivers', async () => {
    hook.answerWith((_request, index) => (index < 2 ? { status: 503 } : { status: 200 }));
    const message = aMessage('example:1');

    const answers = [];
    for (let receiveCount = 1; receiveCount <= 3; receiveCount++) {
      answers.push(await handler(event(aRecord(message, 'm1', receiveCount)), CONTEXT));
    }

    expect(answers).toEqual([
      { batchItemFailures: [{ itemIdentifier: 'm1' }] },
      { batchItemFailures: [{ itemIdentifier: 'm1' }] },
      { batchItemFailures: [] },
    ]);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input)).toEqual([
      { QueueUrl: QUEUE_URL, ReceiptHandle: 'receipt-m1-1', VisibilityTimeout: 30 },
      { QueueUrl: QUEUE_URL, ReceiptHandle: 'receipt-m1-2', VisibilityTimeout: 60 },
    ]);
    const delivered = lines.map((line) => JSON.parse(line)).filter((line) => line.msg === 'delivery');
    expect(delivered.map((line) => [line.outcome, line.status, line.attempt])).toEqual([
      ['retry', 503, 1],
      ['retry', 503, 2],
      ['delivered', 200, 3],
    ]);
    // The secret was read with decryption, from the channel's parameter (and cached after).
    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
      Name: `${PREFIX}/${CHANNEL_ID}`,
      WithDecryption: true,
    });
  });

  it('marks a channel answering 404 broken and publishes one notice when two deliveries fail', async () => {
    hook.answerWith(() => ({ status: 404, body: 'no_service' }));
    dynamo
      .on(UpdateCommand)
      .resolvesOnce({})
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );

    const answer = await handler(
      event(aRecord(aMessage('example:1'), 'a1'), aRecord(aMessage('example:2'), 'a2')),
      CONTEXT,
    );

    expect(answer).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(2);
    const published = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(published).toHaveLength(1);
    const notification = JSON.parse(published[0]?.MessageAttributes?.notification?.StringValue ?? '{}');
    expect(notification).toMatchObject({
      type: 'channel-failed',
      notice: { channelId: CHANNEL_ID, status: 404, detail: 'HTTP 404: no_service', alertId: 'example:1' },
    });
  });

  it('parks a delivery still failing after the hour on the dead-letter queue', async () => {
    hook.answerWith(() => ({ status: 502 }));
    const message = aMessage('example:1');

    const answer = await handler(
      event(aRecord(message, 'm1', 11, Date.now() - RETRY_WINDOW_MS - 60_000)),
      CONTEXT,
    );

    expect(answer).toEqual({ batchItemFailures: [] });
    expect(sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input)).toMatchObject([
      {
        QueueUrl: DLQ_URL,
        MessageBody: JSON.stringify(message),
        MessageGroupId: CHANNEL_ID,
        MessageDeduplicationId: 'dedup-m1',
      },
    ]);
  });
});
