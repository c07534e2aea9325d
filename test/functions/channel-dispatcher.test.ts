import { CreateTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, PublishCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { DeleteMessageCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertPublisher } from '../../functions/adapters/alert-publisher.ts';
import { ChannelStore, channelsTableDefinition } from '../../functions/adapters/channel-store.ts';
import type { handler as DispatcherHandler } from '../../functions/channel-dispatcher.ts';
import { ConfigError, readDispatcherConfig } from '../../functions/config.ts';
import type { Channel } from '../../functions/domain/channels/channel.ts';
import type { DeliveryMessage } from '../../functions/domain/channels/delivery-message.ts';
import { type DynamoEmulator, startDynamoEmulator } from '../support/dynamo-emulator.ts';
import { anAlert } from '../support/fixtures.ts';
import { type SqsEmulator, startSqsEmulator } from '../support/sqs-emulator.ts';

const TABLE = 'uptime-squirrel-channels';
const context = { getRemainingTimeInMillis: () => 30_000 };
const aChannel = (owner: string, channelId: string, kind: Channel['kind']): Channel => ({
  owner,
  channelId,
  kind,
  label: `${kind} …${channelId.slice(-4)}`,
  secretName: `/uptime-squirrel/local/channels/${channelId}`,
  createdAtMs: 1,
});

describe('readDispatcherConfig', () => {
  it('reads the channels table and the deliveries queue, naming a missing one', () => {
    // Act / Assess
    expect(readDispatcherConfig({ CHANNELS_TABLE: 't', DELIVERY_QUEUE_URL: 'https://q' })).toEqual({
      channelsTable: 't',
      deliveryQueueUrl: 'https://q',
    });
    expect(() => readDispatcherConfig({ CHANNELS_TABLE: 't' })).toThrow(
      new ConfigError('environment variable DELIVERY_QUEUE_URL is required'),
    );
  });
});

describe('channel dispatcher on the emulators: alerts topic → alert-dispatch queue → deliveries FIFO queue', () => {
  let dynamo: DynamoEmulator;
  let sqsEmulator: SqsEmulator;
  let handler: typeof DispatcherHandler;
  let topicArn = '';
  let dispatchUrl = '';
  let deliveriesUrl = '';
  let rawUrl = '';

  beforeAll(async () => {
    [dynamo, sqsEmulator] = await Promise.all([startDynamoEmulator(), startSqsEmulator()]);
    await dynamo.client.send(new CreateTableCommand(channelsTableDefinition(TABLE)));
    await waitUntilTableExists(
      { client: dynamo.client, maxWaitTime: 10, minDelay: 1, maxDelay: 1 },
      { TableName: TABLE },
    );
    const store = new ChannelStore(dynamo.client, TABLE);
    for (const channel of [
      aChannel('alice', 'ch-aaaaaaaaaa', 'slack'),
      aChannel('alice', 'ch-bbbbbbbbbb', 'pagerduty'),
      aChannel('*', 'ch-cccccccccc', 'webhook'),
      aChannel('bob', 'ch-dddddddddd', 'teams'),
    ]) {
      await store.put(channel);
    }
    const dispatch = await sqsEmulator.createQueue('alert-dispatch');
    dispatchUrl = dispatch.url;
    deliveriesUrl = (await sqsEmulator.createQueue('channel-deliveries.fifo')).url;
    const raw = await sqsEmulator.createQueue('alert-dispatch-raw');
    rawUrl = raw.url;
    ({ TopicArn: topicArn = '' } = await sqsEmulator.sns.send(new CreateTopicCommand({ Name: 'alerts' })));
    // As the stack subscribes it: no filter policy, raw delivery off.
    await sqsEmulator.sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: dispatch.arn }),
    );
    // The form a local setup may use: the message as published, the attributes as SQS message attributes.
    await sqsEmulator.sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: raw.arn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SQS: sqsEmulator.endpoint,
      CHANNELS_TABLE: TABLE,
      DELIVERY_QUEUE_URL: deliveriesUrl,
    });
    ({ handler } = await import('../../functions/channel-dispatcher.ts'));
  });
  afterAll(async () => {
    await Promise.all([dynamo?.stop(), sqsEmulator?.stop()]);
  });

  /** Takes every message off a queue, as the event source would hand them over. */
  async function drain(url: string): Promise<Message[]> {
    const taken: Message[] = [];
    for (;;) {
      const { Messages = [] } = await sqsEmulator.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) return taken;
      for (const message of Messages) {
        taken.push(message);
        await sqsEmulator.sqs.send(
          new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }),
        );
      }
    }
  }

  // Lambda's event source spells message attributes in camelCase.
  const toRecord = (message: Message): SQSRecord =>
    ({
      messageId: message.MessageId ?? '',
      receiptHandle: message.ReceiptHandle ?? '',
      body: message.Body ?? '',
      attributes: {},
      messageAttributes: Object.fromEntries(
        Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
          name,
          {
            dataType: value.DataType,
            stringValue: value.StringValue,
            stringListValues: [],
            binaryListValues: [],
          },
        ]),
      ),
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:alert-dispatch',
      awsRegion: 'us-east-1',
    }) as unknown as SQSRecord;

  async function dispatchWhatWasPublished(
    queueUrl = dispatchUrl,
  ): Promise<{ failures: string[]; deliveries: DeliveryMessage[] }> {
    const records = (await drain(queueUrl)).map(toRecord);
    expect(records.length).toBeGreaterThan(0);
    const response = await handler({ Records: records }, context);
    const deliveries = (await drain(deliveriesUrl)).map(
      (message) => JSON.parse(message.Body ?? '') as DeliveryMessage,
    );
    return { failures: response.batchItemFailures.map((failure) => failure.itemIdentifier), deliveries };
  }

  it("queues one delivery per channel of the alert's owner and of every owner, none for others", async () => {
    // Prepare
    const publisher = new AlertPublisher(sqsEmulator.sns, topicArn);
    const alert = anAlert({ alertId: 'shop:9', owner: 'alice', siteId: 'shop' });

    // Act
    await publisher.publish(alert);
    const { failures, deliveries } = await dispatchWhatWasPublished();

    // Assess
    expect(failures).toEqual([]);
    expect(deliveries.map((delivery) => [delivery.deliveryId, delivery.owner, delivery.kind]).sort()).toEqual(
      [
        ['shop:9|ch-aaaaaaaaaa', 'alice', 'slack'],
        ['shop:9|ch-bbbbbbbbbb', 'alice', 'pagerduty'],
        ['shop:9|ch-cccccccccc', '*', 'webhook'],
      ],
    );
    for (const delivery of deliveries) expect(delivery.notification).toEqual({ type: 'alert', alert });
  });

  it('dispatches a group and a channel-failed notice (not back to the failed channel) published together', async () => {
    // Prepare
    const publisher = new AlertPublisher(sqsEmulator.sns, topicArn);
    const alerts = ['a', 'b', 'c'].map((id) => anAlert({ alertId: `${id}:1`, siteId: id, owner: 'bob' }));

    // Act
    await publisher.publishGroup({ owner: 'bob', key: { kind: 'reason', reason: 'timeout' }, alerts });
    await publisher.publishNotice({
      type: 'channel-failed',
      notice: {
        owner: 'alice',
        channelId: 'ch-aaaaaaaaaa',
        kind: 'slack',
        label: 'slack …aaaa',
        atMs: 77,
        status: 404,
        detail: 'HTTP 404 no_service',
        alertId: 'shop:9',
      },
    });
    const { failures, deliveries } = await dispatchWhatWasPublished();

    // Assess
    expect(failures).toEqual([]);
    expect(deliveries.map((delivery) => delivery.deliveryId).sort()).toEqual([
      'channel-failed:ch-aaaaaaaaaa:77|ch-bbbbbbbbbb',
      'channel-failed:ch-aaaaaaaaaa:77|ch-cccccccccc',
      'group:a:1|ch-cccccccccc',
      'group:a:1|ch-dddddddddd',
    ]);
  });

  it('lets an alarm on the topic pass as not ours, and fails alone a record whose notification is invalid', async () => {
    // Prepare: a CloudWatch alarm (no attributes) and a foreign publisher's broken attribute.
    await sqsEmulator.sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: 'ALARM: "DeliveryDLQ"',
        Message: '{"AlarmName":"x"}',
      }),
    );
    await sqsEmulator.sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: 'hi',
        MessageAttributes: { notification: { DataType: 'String', StringValue: '{"type":"alert"}' } },
      }),
    );
    await new AlertPublisher(sqsEmulator.sns, topicArn).publish(
      anAlert({ alertId: 'api:4', owner: 'carol' }),
    );
    const records = (await drain(dispatchUrl)).map(toRecord);
    const broken = records.find((record) => record.body.includes('"Message":"hi"'));

    // Act
    const response = await handler({ Records: records }, context);
    const deliveries = (await drain(deliveriesUrl)).map(
      (message) => JSON.parse(message.Body ?? '') as DeliveryMessage,
    );

    // Assess
    expect(records).toHaveLength(3);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: broken?.messageId }]);
    expect(deliveries.map((delivery) => delivery.deliveryId)).toEqual(['api:4|ch-cccccccccc']);
  });

  it('reads the notification from the SQS message attributes of a raw delivery too', async () => {
    // Prepare: only this test reads the raw queue; drop what earlier tests published to it.
    await drain(rawUrl);
    await drain(dispatchUrl);
    const alert = anAlert({ alertId: 'raw:1', owner: 'alice' });

    // Act
    await new AlertPublisher(sqsEmulator.sns, topicArn).publish(alert);
    const { failures, deliveries } = await dispatchWhatWasPublished(rawUrl);

    // Assess
    expect(failures).toEqual([]);
    expect(deliveries.map((delivery) => delivery.deliveryId).sort()).toEqual([
      'raw:1|ch-aaaaaaaaaa',
      'raw:1|ch-bbbbbbbbbb',
      'raw:1|ch-cccccccccc',
    ]);
    await drain(dispatchUrl);
  });
});
