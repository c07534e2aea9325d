import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import * as v from 'valibot';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AlertPublisher,
  fitGroup,
  notificationAttributeBytes,
} from '../../functions/adapters/alert-publisher.ts';
import { CallDeadline } from '../../functions/adapters/call-deadline.ts';
import {
  NOTIFICATION_ATTRIBUTE_MAX_BYTES,
  type Notification,
  NotificationSchema,
} from '../../functions/domain/channels/notification.ts';
import { anAlert } from '../support/fixtures.ts';
import {
  LOCAL_CLIENT,
  type SilentServer,
  startSilentServer,
  timeRejection,
} from '../support/silent-server.ts';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:alerts';

describe('AlertPublisher', () => {
  let sns: AwsClientStub<SNSClient>;
  beforeAll(() => {
    sns = mockClient(SNSClient);
  });
  afterEach(() => sns.reset());
  afterAll(() => sns.restore());

  it('publishes one text per protocol with the attributes subscriptions filter on', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const publisher = new AlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC_ARN);

    // Act
    await publisher.publish(anAlert({ owner: 'alice', siteId: 'shop', event: 'DOWN' }));

    // Assess
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      TopicArn: TOPIC_ARN,
      MessageStructure: 'json',
      Subject: 'DOWN: Example (shop) - timeout',
      MessageAttributes: {
        owner: { DataType: 'String', StringValue: 'alice' },
        siteId: { DataType: 'String', StringValue: 'shop' },
        event: { DataType: 'String', StringValue: 'DOWN' },
      },
    });
    expect(Object.keys(input?.MessageAttributes ?? {}).sort()).toEqual([
      'AWS.SNS.SMS.SMSType',
      'event',
      'notification',
      'owner',
      'siteId',
    ]);
    const message = JSON.parse(input?.Message ?? '{}');
    expect(Object.keys(message).sort()).toEqual(['default', 'email', 'sms']);
    expect(message.email).toContain('https://example.com/');
    expect(Buffer.byteLength(message.sms)).toBeLessThanOrEqual(140);
  });

  it('publishes a group as one DOWN message with the owner attribute and the *group* site id', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    const publisher = new AlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC_ARN);
    const alerts = ['a', 'b', 'c'].map((id) =>
      anAlert({
        alertId: `${id}:3`,
        siteId: id,
        siteName: id,
        owner: 'alice',
        url: `https://${id}.example.com/`,
      }),
    );

    // Act
    await publisher.publishGroup({ owner: 'alice', key: { kind: 'reason', reason: 'timeout' }, alerts });

    // Assess
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(input).toMatchObject({
      TopicArn: TOPIC_ARN,
      MessageStructure: 'json',
      Subject: 'DOWN: 3 sites of alice - timeout',
      MessageAttributes: {
        owner: { DataType: 'String', StringValue: 'alice' },
        siteId: { DataType: 'String', StringValue: '*group*' },
        event: { DataType: 'String', StringValue: 'DOWN' },
      },
    });
    const message = JSON.parse(input?.Message ?? '{}');
    for (const id of ['a', 'b', 'c']) expect(message.email).toContain(`https://${id}.example.com/`);
    expect(Buffer.byteLength(message.sms)).toBeLessThanOrEqual(140);
  });

  it('publishes a group of REGIONAL alerts with event REGIONAL, so a filter on DOWN never receives it', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-r' });
    const publisher = new AlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC_ARN);
    const alerts = ['a', 'b', 'c'].map((id) =>
      anAlert({ alertId: `${id}:3`, siteId: id, siteName: id, owner: 'alice', event: 'REGIONAL' }),
    );

    // Act
    await publisher.publishGroup({ owner: 'alice', key: { kind: 'reason', reason: 'timeout' }, alerts });

    // Assess
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.Subject?.startsWith('REGIONAL: 3 sites of alice')).toBe(true);
    expect(input?.MessageAttributes?.event).toEqual({ DataType: 'String', StringValue: 'REGIONAL' });
  });

  it.each([
    ['an alert', (publisher: AlertPublisher) => publisher.publish(anAlert())],
    [
      'a group',
      (publisher: AlertPublisher) =>
        publisher.publishGroup({
          owner: 'alice',
          key: { kind: 'reason', reason: 'timeout' },
          alerts: ['a', 'b'].map((id) => anAlert({ alertId: `${id}:1`, siteId: id, owner: 'alice' })),
        }),
    ],
  ])('sends %s to SMS subscribers as Transactional, not the account default', async (_name, publish) => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-3' });
    const publisher = new AlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC_ARN);

    // Act
    await publish(publisher);

    // Assess
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.MessageAttributes).toMatchObject({
      'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
    });
  });

  it('carries the alert as a JSON Notification in the notification attribute', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-4' });
    const publisher = new AlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC_ARN);
    const alert = anAlert({ owner: 'alice', siteId: 'shop', event: 'UP', recoveredFrom: 'DOWN' });

    // Act
    await publisher.publish(alert);

    // Assess
    expect(notificationOf(sns)).toEqual({ type: 'alert', alert });
  });

  it('carries a whole group when it fits, with nothing omitted', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-5' });
    const publisher = new AlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC_ARN);
    const group = aGroup(5);

    // Act
    await publisher.publishGroup(group);

    // Assess
    expect(notificationOf(sns)).toEqual({ type: 'alert-group', group: { ...group, omittedAlerts: 0 } });
  });

  it('cuts a group too big for the attribute to its first members and counts the rest', async () => {
    // Prepare: each member ~1.6 KB of JSON, so 500 of them are far over the 48 KiB budget.
    sns.on(PublishCommand).resolves({ MessageId: 'm-6' });
    const publisher = new AlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC_ARN);
    const group = aGroup(500, 'd'.repeat(500));

    // Act
    await publisher.publishGroup(group);

    // Assess
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    const value = input?.MessageAttributes?.notification?.StringValue ?? '';
    const notification = v.parse(NotificationSchema, JSON.parse(value));
    if (notification.type !== 'alert-group') throw new Error(`got ${notification.type}`);
    const kept = notification.group.alerts.length;
    expect(notificationAttributeBytes(value)).toBeLessThanOrEqual(NOTIFICATION_ATTRIBUTE_MAX_BYTES);
    expect(kept).toBeGreaterThan(10);
    expect(notification.group.omittedAlerts).toBe(500 - kept);
    expect(notification.group.alerts).toEqual(group.alerts.slice(0, kept));
    // One more member would not have fitted: the cut keeps as many as the budget allows.
    const oneMore = JSON.stringify({
      type: 'alert-group',
      group: { ...group, alerts: group.alerts.slice(0, kept + 1), omittedAlerts: 500 - kept - 1 },
    });
    expect(notificationAttributeBytes(oneMore)).toBeGreaterThan(NOTIFICATION_ATTRIBUTE_MAX_BYTES);
    // The email still lists what the attribute left out (up to its own budget).
    expect(JSON.parse(input?.Message ?? '{}').email).toContain(`site-${kept + 1}`);
  });

  it('measures the budget in bytes, not characters', () => {
    // Prepare: three-byte characters make the byte size three times the character count.
    const group = aGroup(200, '\u2603'.repeat(400));

    // Act
    const fitted = fitGroup(group);

    // Assess
    const bytes = notificationAttributeBytes(JSON.stringify({ type: 'alert-group', group: fitted }));
    expect(bytes).toBeLessThanOrEqual(NOTIFICATION_ATTRIBUTE_MAX_BYTES);
    expect(bytes).toBeGreaterThan(NOTIFICATION_ATTRIBUTE_MAX_BYTES - 2_000);
  });

  it.each([
    {
      notice: {
        type: 'channel-failed',
        notice: {
          owner: 'alice',
          channelId: 'ch-abcdefghij',
          kind: 'slack',
          label: 'hooks.slack.com/services/T01…',
          atMs: 1_000,
          status: 404,
          detail: 'HTTP 404 no_service',
          alertId: 'shop:4',
        },
      },
      attributes: { owner: 'alice', siteId: '*channel*', event: 'CHANNEL_FAILED' },
      subject: 'CHANNEL FAILED: Slack hooks.slack.com/services/T01... - HTTP 404',
    },
    {
      notice: { type: 'test', owner: '*', atMs: 1_000, testId: 't-1' },
      attributes: { owner: '*', siteId: '*test*', event: 'TEST' },
      subject: 'TEST: uptime-squirrel alerts of every owner',
    },
  ] as const)(
    'publishes a $notice.type notice with its own attributes and texts',
    async ({ notice, attributes, subject }) => {
      // Prepare
      sns.on(PublishCommand).resolves({ MessageId: 'm-7' });
      const publisher = new AlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC_ARN);

      // Act
      await publisher.publishNotice(notice);

      // Assess
      const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
      const stringAttributes = Object.fromEntries(
        Object.entries(input?.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
      );
      expect(stringAttributes).toEqual({
        ...attributes,
        notification: JSON.stringify(notice),
        'AWS.SNS.SMS.SMSType': 'Transactional',
      });
      expect(input).toMatchObject({ TopicArn: TOPIC_ARN, MessageStructure: 'json', Subject: subject });
      const message = JSON.parse(input?.Message ?? '{}');
      expect(Object.keys(message).sort()).toEqual(['default', 'email', 'sms']);
    },
  );

  it('rejects when SNS does not accept the alert, so the caller keeps it in the outbox', async () => {
    // Prepare
    sns.on(PublishCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException' }));
    const publisher = new AlertPublisher(new SNSClient({ region: 'us-east-1', maxAttempts: 1 }), TOPIC_ARN);

    // Act
    const publishing = publisher.publish(anAlert());

    // Assess
    await expect(publishing).rejects.toThrow('Rate exceeded');
  });
});

function notificationOf(sns: AwsClientStub<SNSClient>): Notification {
  const value =
    sns.commandCalls(PublishCommand)[0]?.args[0].input.MessageAttributes?.notification?.StringValue;
  return v.parse(NotificationSchema, JSON.parse(value ?? 'null'));
}

const aGroup = (count: number, detail = 'timed out') => ({
  owner: 'alice',
  key: { kind: 'reason', reason: 'timeout' } as const,
  alerts: Array.from({ length: count }, (_, n) =>
    anAlert({
      alertId: `site-${n + 1}:2`,
      siteId: `site-${n + 1}`,
      siteName: `Site ${n + 1}`,
      owner: 'alice',
      url: `https://site-${n + 1}.example.com/`,
      detail,
    }),
  ),
});

describe('AlertPublisher against an endpoint that never answers', () => {
  let silent: SilentServer;
  beforeAll(async () => {
    silent = await startSilentServer();
  });
  afterAll(() => silent.close());

  it('aborts a Publish when the invocation’s 300 ms are up', async () => {
    // Prepare
    const sns = new SNSClient({ ...LOCAL_CLIENT, endpoint: silent.url });
    const deadline = new CallDeadline();
    deadline.startInvocation(Date.now() + 300);
    const publisher = new AlertPublisher(sns, TOPIC_ARN, { deadline });

    // Act
    const { error, elapsedMs } = await timeRejection(() => publisher.publish(anAlert()));
    sns.destroy();

    // Assess
    expect(error.name).toBe('AbortError');
    expect(elapsedMs).toBeGreaterThanOrEqual(250);
    expect(elapsedMs).toBeLessThan(3_000);
  });
});
