import { createHash } from 'node:crypto';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DeliveryQueue,
  deduplicationIdOf,
  InvalidDeliveryMessageError,
} from '../../functions/adapters/delivery-queue.ts';
import { QueueSendError } from '../../functions/adapters/sqs-batch-send.ts';
import { type DeliveryMessage, deliveryIdOf } from '../../functions/domain/channels/delivery-message.ts';
import { anAlert } from '../support/fixtures.ts';
import { type SqsEmulator, startSqsEmulator } from '../support/sqs-emulator.ts';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/deliveries.fifo';
const noSleep = async () => {};

const aDelivery = (channelId: string, alertId = 'shop:3', detail = 'timed out'): DeliveryMessage => ({
  version: 1,
  deliveryId: deliveryIdOf(alertId, channelId),
  owner: 'alice',
  channelId,
  kind: 'webhook',
  notification: { type: 'alert', alert: anAlert({ alertId, owner: 'alice', detail }) },
  dispatchedAtMs: 1_000,
});

describe('DeliveryQueue', () => {
  let sqs: AwsClientStub<SQSClient>;
  beforeAll(() => {
    sqs = mockClient(SQSClient);
  });
  afterEach(() => sqs.reset());
  afterAll(() => sqs.restore());
  const queue = () =>
    new DeliveryQueue(new SQSClient({ region: 'us-east-1' }), QUEUE_URL, {
      retry: { attempts: 3, baseDelayMs: 1 },
      sleep: noSleep,
    });

  it('sends each delivery to its channel’s message group, deduplicated by a hash of its delivery id', async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const delivery = aDelivery('ch-aaaaaaaaaa');

    // Act
    await queue().send([delivery]);

    // Assess
    const input = sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input;
    expect(input?.QueueUrl).toBe(QUEUE_URL);
    expect(input?.Entries).toEqual([
      {
        Id: '0',
        MessageBody: JSON.stringify(delivery),
        MessageGroupId: 'ch-aaaaaaaaaa',
        MessageDeduplicationId: createHash('sha256').update('shop:3|ch-aaaaaaaaaa').digest('hex'),
      },
    ]);
    expect(deduplicationIdOf('shop:3|ch-aaaaaaaaaa')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('sends at most 10 a batch, one batch after another, keeping the order', async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [] });
    const deliveries = Array.from({ length: 23 }, (_, n) => aDelivery('ch-aaaaaaaaaa', `shop:${n}`));

    // Act
    await queue().send(deliveries);

    // Assess
    const batches = sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries ?? []);
    expect(batches.map((batch) => batch.length)).toEqual([10, 10, 3]);
    const sent = batches.flat().map((entry) => JSON.parse(entry.MessageBody ?? '').deliveryId);
    expect(sent).toEqual(deliveries.map((delivery) => delivery.deliveryId));
  });

  it('splits batches by size so that no batch passes 256 KiB', async () => {
    // Prepare: ~40 KB messages (a large group notification).
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [] });
    const big = (n: number): DeliveryMessage => {
      const alerts = Array.from({ length: 60 }, (_, i) =>
        anAlert({ alertId: `s${i}:1`, siteId: `s${i}`, owner: 'alice', detail: 'd'.repeat(500) }),
      );
      return {
        ...aDelivery(`ch-${'abcdefghij'[n]?.repeat(10)}`),
        notification: {
          type: 'alert-group',
          group: { owner: 'alice', key: { kind: 'reason', reason: 'timeout' }, alerts, omittedAlerts: 0 },
        },
      };
    };

    // Act
    await queue().send(Array.from({ length: 10 }, (_, n) => big(n)));

    // Assess
    const batches = sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries ?? []);
    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches) {
      const bytes = batch.reduce((sum, entry) => sum + Buffer.byteLength(entry.MessageBody ?? ''), 0);
      expect(bytes).toBeLessThanOrEqual(256 * 1024);
    }
    expect(batches.flat()).toHaveLength(10);
  });

  it('retries only the entries SQS reports in Failed[]', async () => {
    // Prepare
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }] })
      .resolvesOnce({ Failed: [] });
    const deliveries = ['ch-aaaaaaaaaa', 'ch-bbbbbbbbbb', 'ch-cccccccccc'].map((id) => aDelivery(id));

    // Act
    await queue().send(deliveries);

    // Assess
    const calls = sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries ?? []);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.map((entry) => entry.MessageGroupId)).toEqual(['ch-bbbbbbbbbb']);
  });

  it('gives up after the attempts, and at once on a sender fault', async () => {
    // Prepare
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Failed: [{ Id: '0', Code: 'ServiceUnavailable', SenderFault: false }] })
      .resolvesOnce({ Failed: [{ Id: '0', Code: 'ServiceUnavailable', SenderFault: false }] })
      .resolvesOnce({ Failed: [{ Id: '0', Code: 'ServiceUnavailable', SenderFault: false }] })
      .resolves({ Failed: [{ Id: '0', Code: 'InvalidParameterValue', SenderFault: true, Message: 'bad' }] });

    // Act
    const exhausted = await queue()
      .send([aDelivery('ch-aaaaaaaaaa')])
      .catch((error: Error) => error);
    const refused = await queue()
      .send([aDelivery('ch-aaaaaaaaaa')])
      .catch((error: Error) => error);

    // Assess
    expect(exhausted).toBeInstanceOf(QueueSendError);
    expect((exhausted as Error).message).toBe(
      '1 of 1 delivery messages not accepted after 3 attempt(s): ServiceUnavailable',
    );
    expect((refused as Error).message).toBe(
      '1 of 1 delivery messages not accepted after 1 attempt(s): InvalidParameterValue bad',
    );
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(4);
  });

  it('refuses an invalid or oversized delivery before sending anything', async () => {
    // Prepare
    const invalid = { ...aDelivery('ch-aaaaaaaaaa'), channelId: 'nope' } as DeliveryMessage;
    const huge: DeliveryMessage = {
      ...aDelivery('ch-bbbbbbbbbb'),
      notification: {
        type: 'alert-group',
        group: {
          owner: 'alice',
          key: { kind: 'reason', reason: 'timeout' },
          alerts: Array.from({ length: 400 }, (_, i) =>
            anAlert({ alertId: `s${i}:1`, detail: 'd'.repeat(500) }),
          ),
          omittedAlerts: 0,
        },
      },
    };

    // Act
    const invalidSend = await queue()
      .send([aDelivery('ch-cccccccccc'), invalid])
      .catch((error: Error) => error);
    const hugeSend = await queue()
      .send([huge])
      .catch((error: Error) => error);

    // Assess
    expect(invalidSend).toBeInstanceOf(InvalidDeliveryMessageError);
    expect((invalidSend as Error).message).toMatch(
      /^delivery shop:3\|ch-aaaaaaaaaa is not a valid delivery message: channelId: /,
    );
    expect(hugeSend).toBeInstanceOf(InvalidDeliveryMessageError);
    expect((hugeSend as Error).message).toMatch(
      /^delivery shop:3\|ch-bbbbbbbbbb is \d+ bytes, SQS takes at most 262144$/,
    );
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });
});

describe('DeliveryQueue against a FIFO queue in the SQS emulator', () => {
  let emulator: SqsEmulator;
  let queueCount = 0;
  beforeAll(async () => {
    emulator = await startSqsEmulator();
  });
  afterAll(() => emulator.stop());

  const receiveAll = async (url: string): Promise<DeliveryMessage[]> => {
    const received: DeliveryMessage[] = [];
    for (;;) {
      const { Messages = [] } = await emulator.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (Messages.length === 0) return received;
      for (const message of Messages) {
        received.push(JSON.parse(message.Body ?? ''));
        await emulator.sqs.send(
          new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }),
        );
      }
    }
  };

  it('queues a delivery sent twice only once (deduplication by delivery id)', async () => {
    // Prepare
    const { url } = await emulator.createQueue(`deliveries-${++queueCount}.fifo`);
    const queue = new DeliveryQueue(emulator.sqs, url);
    const first = aDelivery('ch-aaaaaaaaaa');

    // Act: the same notification dispatched again (a redelivered record), later.
    await queue.send([first]);
    await queue.send([{ ...first, dispatchedAtMs: 2_000 }]);
    await queue.send([aDelivery('ch-bbbbbbbbbb')]);
    const received = await receiveAll(url);

    // Assess
    expect(received.map((message) => message.deliveryId)).toEqual([
      'shop:3|ch-aaaaaaaaaa',
      'shop:3|ch-bbbbbbbbbb',
    ]);
    expect(received[0]?.dispatchedAtMs).toBe(1_000);
  });

  it('delivers a channel’s messages in the order sent, and holds the group while one is in flight', async () => {
    // Prepare
    const { url } = await emulator.createQueue(`deliveries-${++queueCount}.fifo`);
    const queue = new DeliveryQueue(emulator.sqs, url);
    const alerts = ['shop:1', 'shop:2', 'shop:3', 'shop:4'];

    // Act: two calls interleaving two channels.
    await queue.send(
      alerts.slice(0, 2).flatMap((id) => [aDelivery('ch-aaaaaaaaaa', id), aDelivery('ch-bbbbbbbbbb', id)]),
    );
    await queue.send(
      alerts.slice(2).flatMap((id) => [aDelivery('ch-aaaaaaaaaa', id), aDelivery('ch-bbbbbbbbbb', id)]),
    );
    const { Messages: firstReceive = [] } = await emulator.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 1,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 30,
      }),
    );
    // Everything else that can be received (and handled) meanwhile.
    const whileInFlight = await receiveAll(url);

    // Assess: the first message of channel a is in flight, so only b's come, in order; then a's rest, in order.
    const inFlight = JSON.parse(firstReceive[0]?.Body ?? '{}') as DeliveryMessage;
    expect(inFlight.deliveryId).toBe('shop:1|ch-aaaaaaaaaa');
    expect(whileInFlight.map((message) => message.deliveryId)).toEqual(
      alerts.map((id) => `${id}|ch-bbbbbbbbbb`),
    );
    await emulator.sqs.send(
      new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: firstReceive[0]?.ReceiptHandle }),
    );
    const rest = await receiveAll(url);
    expect(rest.map((message) => message.deliveryId)).toEqual(
      alerts.slice(1).map((id) => `${id}|ch-aaaaaaaaaa`),
    );
  });
});
