import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../functions/adapters/logger.ts';
import type { Channel } from '../../functions/domain/channels/channel.ts';
import type { DeliveryMessage } from '../../functions/domain/channels/delivery-message.ts';
import type { Notification } from '../../functions/domain/channels/notification.ts';
import {
  type DispatchDeps,
  dispatchRecords,
  planDeliveries,
} from '../../functions/services/channel-dispatch.ts';
import { anAlert } from '../support/fixtures.ts';

const aChannel = (owner: string, channelId: string, kind: Channel['kind'] = 'slack'): Channel => ({
  owner,
  channelId,
  kind,
  label: `${kind} …${channelId.slice(-4)}`,
  secretName: `/p/${channelId}`,
  createdAtMs: 1,
});
const CHANNELS = [
  aChannel('alice', 'ch-aaaaaaaaaa', 'webhook'),
  aChannel('alice', 'ch-bbbbbbbbbb', 'pagerduty'),
  aChannel('*', 'ch-cccccccccc', 'slack'),
  aChannel('bob', 'ch-dddddddddd', 'teams'),
];
const ALERT: Notification = { type: 'alert', alert: anAlert({ alertId: 'shop:7', owner: 'alice' }) };

/** An SQS record as the alert-dispatch queue hands it over: the SNS envelope with the attribute. */
const recordOf = (messageId: string, notification: Notification | string | undefined): SQSRecord =>
  ({
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: JSON.stringify({
      Type: 'Notification',
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
      Message: 'text',
      MessageAttributes:
        notification === undefined
          ? {}
          : {
              notification: {
                Type: 'String',
                Value: typeof notification === 'string' ? notification : JSON.stringify(notification),
              },
            },
    }),
    attributes: {},
    messageAttributes: {},
  }) as unknown as SQSRecord;

interface World {
  readonly deps: DispatchDeps;
  readonly sent: DeliveryMessage[][];
  readonly queried: string[];
  readonly lines: { level: string; message: string; fields?: Record<string, unknown> }[];
}

/** The channels table and deliveries queue as plain values; `failQueryFor`/`failSendFor` an owner make its calls fail. */
function aWorld(
  options: { channels?: readonly Channel[]; failQueryFor?: string; failSendFor?: string } = {},
): World {
  const { channels = CHANNELS } = options;
  const sent: DeliveryMessage[][] = [];
  const queried: string[] = [];
  const lines: World['lines'] = [];
  const log: Logger = {
    info: (message, fields) => lines.push({ level: 'info', message, fields }),
    warn: (message, fields) => lines.push({ level: 'warn', message, fields }),
    error: (message, fields) => lines.push({ level: 'error', message, fields }),
    metrics: () => {},
  };
  const deps: DispatchDeps = {
    store: {
      listForOwner: async (owner) => {
        queried.push(owner);
        if (owner === options.failQueryFor) throw new Error('ProvisionedThroughputExceeded');
        return channels.filter((channel) => channel.owner === owner || channel.owner === '*');
      },
    },
    queue: {
      send: async (messages) => {
        if (messages.some((message) => message.owner === options.failSendFor)) throw new Error('SQS down');
        sent.push([...messages]);
      },
    },
    log,
    nowMs: () => 42_000,
  };
  return { deps, sent, queried, lines };
}

describe('planDeliveries', () => {
  it('makes one delivery per channel, keyed by the channel’s own owner, with a stable delivery id', () => {
    // Act
    const deliveries = planDeliveries(ALERT, CHANNELS.slice(0, 3), 42_000);

    // Assess
    expect(deliveries).toEqual([
      {
        version: 1,
        deliveryId: 'shop:7|ch-aaaaaaaaaa',
        owner: 'alice',
        channelId: 'ch-aaaaaaaaaa',
        kind: 'webhook',
        notification: ALERT,
        dispatchedAtMs: 42_000,
      },
      expect.objectContaining({ deliveryId: 'shop:7|ch-bbbbbbbbbb', owner: 'alice', kind: 'pagerduty' }),
      expect.objectContaining({ deliveryId: 'shop:7|ch-cccccccccc', owner: '*', kind: 'slack' }),
    ]);
  });

  it('sends PagerDuty a grouped DOWN as one delivery per member, and every other channel the group as one', () => {
    // Prepare
    const members = ['shop', 'blog', 'api'].map((siteId, index) =>
      anAlert({ alertId: `${siteId}:${index + 1}`, siteId, owner: 'alice' }),
    );
    const group: Notification = {
      type: 'alert-group',
      group: {
        owner: 'alice',
        key: { kind: 'reason', reason: 'timeout' },
        alerts: members,
        omittedAlerts: 0,
      },
    };

    // Act
    const deliveries = planDeliveries(group, CHANNELS.slice(0, 3), 1);

    // Assess
    expect(deliveries.map((delivery) => [delivery.deliveryId, delivery.notification.type])).toEqual([
      ['group:shop:1|ch-aaaaaaaaaa', 'alert-group'],
      ['shop:1|ch-bbbbbbbbbb', 'alert'],
      ['blog:2|ch-bbbbbbbbbb', 'alert'],
      ['api:3|ch-bbbbbbbbbb', 'alert'],
      ['group:shop:1|ch-cccccccccc', 'alert-group'],
    ]);
  });

  it('leaves out the channel a channel-failed notice is about', () => {
    // Prepare
    const notice: Notification = {
      type: 'channel-failed',
      notice: {
        owner: 'alice',
        channelId: 'ch-aaaaaaaaaa',
        kind: 'webhook',
        label: 'hooks.example.com/…',
        atMs: 5,
        status: 410,
        detail: 'HTTP 410',
        alertId: 'shop:7',
      },
    };

    // Act
    const deliveries = planDeliveries(notice, CHANNELS.slice(0, 3), 1);

    // Assess
    expect(deliveries.map((delivery) => delivery.deliveryId)).toEqual([
      'channel-failed:ch-aaaaaaaaaa:5|ch-bbbbbbbbbb',
      'channel-failed:ch-aaaaaaaaaa:5|ch-cccccccccc',
    ]);
  });
});

describe('dispatchRecords', () => {
  it('queues one delivery per channel of the owner and of every owner', async () => {
    // Prepare
    const world = aWorld();

    // Act
    const report = await dispatchRecords([recordOf('r1', ALERT)], world.deps);

    // Assess
    expect(report.failedMessageIds).toEqual([]);
    expect(world.queried).toEqual(['alice']);
    expect(world.sent.flat().map((delivery) => delivery.channelId)).toEqual([
      'ch-aaaaaaaaaa',
      'ch-bbbbbbbbbb',
      'ch-cccccccccc',
    ]);
    expect(world.lines).toContainEqual({
      level: 'info',
      message: 'dispatched',
      fields: expect.objectContaining({ notificationId: 'shop:7', deliveries: 3, type: 'alert' }),
    });
  });

  it('sends nothing and finishes the record when the owner has no channels', async () => {
    // Prepare
    const world = aWorld({ channels: [] });
    const lonely: Notification = { type: 'alert', alert: anAlert({ alertId: 'blog:3', owner: 'carol' }) };

    // Act
    const report = await dispatchRecords([recordOf('r1', lonely)], world.deps);

    // Assess
    expect(report.failedMessageIds).toEqual([]);
    expect(world.queried).toEqual(['carol']);
    expect(world.sent).toEqual([]);
  });

  it('leaves a test notice to notify-test, which delivered it to every channel itself', async () => {
    // Prepare
    const world = aWorld();
    const test: Notification = { type: 'test', owner: 'alice', atMs: 1, testId: 't1' };

    // Act
    const report = await dispatchRecords([recordOf('t', test)], world.deps);

    // Assess
    expect(report.failedMessageIds).toEqual([]);
    expect(world.queried).toEqual([]);
    expect(world.sent).toEqual([]);
  });

  it('logs and finishes a record that is not a notification (an alarm on the topic), without a query', async () => {
    // Prepare
    const world = aWorld();

    // Act
    const report = await dispatchRecords([recordOf('alarm', undefined)], world.deps);

    // Assess
    expect(report.failedMessageIds).toEqual([]);
    expect(world.queried).toEqual([]);
    expect(world.lines).toEqual([
      {
        level: 'info',
        message: 'not a notification',
        fields: { messageId: 'alarm', why: expect.stringContaining('without a notification attribute') },
      },
    ]);
  });

  it('fails only the record with an invalid notification, and dispatches its neighbours', async () => {
    // Prepare
    const world = aWorld();

    // Act
    const report = await dispatchRecords(
      [recordOf('good', ALERT), recordOf('bad', '{"type":"alert"}'), recordOf('alarm', undefined)],
      world.deps,
    );

    // Assess
    expect(report.failedMessageIds).toEqual(['bad']);
    expect(world.sent.flat()).toHaveLength(3);
    expect(world.lines).toContainEqual({
      level: 'error',
      message: 'dispatch failed',
      fields: {
        messageId: 'bad',
        error: 'InvalidNotificationError',
        detail: expect.stringContaining('not a valid notification'),
      },
    });
  });

  it('fails only the record whose channels could not be listed', async () => {
    // Prepare
    const world = aWorld({ failQueryFor: 'bob' });
    const bobs: Notification = { type: 'alert', alert: anAlert({ alertId: 'api:2', owner: 'bob' }) };

    // Act
    const report = await dispatchRecords([recordOf('alice', ALERT), recordOf('bob', bobs)], world.deps);

    // Assess
    expect(report.failedMessageIds).toEqual(['bob']);
    expect(world.sent.flat().map((delivery) => delivery.deliveryId)).toEqual([
      'shop:7|ch-aaaaaaaaaa',
      'shop:7|ch-bbbbbbbbbb',
      'shop:7|ch-cccccccccc',
    ]);
  });

  it('fails only the record whose deliveries could not be queued', async () => {
    // Prepare
    const world = aWorld({ failSendFor: 'bob' });
    const bobs: Notification = { type: 'alert', alert: anAlert({ alertId: 'api:2', owner: 'bob' }) };

    // Act
    const report = await dispatchRecords([recordOf('bob', bobs), recordOf('alice', ALERT)], world.deps);

    // Assess
    expect(report.failedMessageIds).toEqual(['bob']);
    expect(world.sent).toHaveLength(1);
  });
});
