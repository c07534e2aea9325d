import { SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type NotifyTestDeps, notifyTest } from '../../../cli/commands/notify-test.ts';
import type { Channel } from '../../../functions/domain/channels/channel.ts';
import { channelLabelOf } from '../../../functions/domain/channels/channel-label.ts';
import type { ChannelSecret } from '../../../functions/domain/channels/channel-secret.ts';
import { type ChannelReceiver, startChannelReceiver } from '../../support/channel-receiver.ts';
import { captureIo, fakeBackends, postingDelivery, RecordingPublisher } from '../support/channel-fakes.ts';
import {
  CHANNEL_SECRETS_PREFIX,
  type LocalTarget,
  parseJsonLines,
  startLocalTarget,
} from '../support/local-target.ts';

let target: LocalTarget;
let healthy: ChannelReceiver;
let failing: ChannelReceiver;
let refusing: ChannelReceiver;
let backends: ReturnType<typeof fakeBackends>;
let publisher: RecordingPublisher;
let deps: NotifyTestDeps;

beforeAll(async () => {
  [target, healthy, failing, refusing] = await Promise.all([
    startLocalTarget({ withChannels: true }),
    startChannelReceiver(),
    startChannelReceiver(() => ({ status: 503, body: 'busy' })),
    startChannelReceiver(() => ({ status: 404, body: 'no_team' })),
  ]);
});

afterAll(async () => {
  await Promise.all([target.stop(), healthy.close(), failing.close(), refusing.close()]);
});

beforeEach(() => {
  backends = fakeBackends(CHANNEL_SECRETS_PREFIX);
  publisher = new RecordingPublisher();
  deps = {
    backends: async () => backends,
    delivery: async () => ({ deliver: postingDelivery, close: async () => {} }),
    publisher: async () => publisher,
    nowMs: () => 1_767_000_000_000,
    testId: () => 'run1',
  };
});

/** Stores a channel the way `subscribe` does: the parameter, then the item. */
async function addChannel(channelId: string, owner: string, secret: ChannelSecret): Promise<Channel> {
  const secretName = await backends.secrets.put(channelId, secret);
  const channel: Channel = {
    owner,
    channelId,
    kind: secret.kind,
    label: channelLabelOf(secret),
    secretName,
    createdAtMs: 1,
  };
  await backends.store.put(channel);
  return channel;
}

const on = () => ({ dataDir: target.dataDir });

describe('squirrel notify-test', () => {
  it("delivers a test to the owner's and every-owner channels, not another owner's, and exits 0", async () => {
    // Prepare
    await addChannel('ch-aaaaaaaaaa', 'acme', {
      kind: 'slack',
      url: `${healthy.origin}/services/T0/B0/s3cr3t`,
    });
    await addChannel('ch-bbbbbbbbbb', '*', {
      kind: 'discord',
      url: `${healthy.origin}/api/webhooks/1/s3cr3t`,
    });
    await addChannel('ch-cccccccccc', 'globex', { kind: 'teams', url: `${healthy.origin}/webhookb2/s3cr3t` });
    const output = captureIo();
    const before = healthy.requests.length;

    // Act
    const code = await notifyTest({ owner: 'acme', json: true }, on(), output.io, deps);

    // Assess
    expect(code).toBe(0);
    expect(parseJsonLines(output.stdout())).toEqual([
      expect.objectContaining({ target: 'ch-aaaaaaaaaa', kind: 'slack', outcome: 'delivered', status: 200 }),
      expect.objectContaining({
        target: 'ch-bbbbbbbbbb',
        kind: 'discord',
        outcome: 'delivered',
        status: 200,
      }),
    ]);
    const received = healthy.requests.slice(before);
    expect(received.map((request) => request.path).sort()).toEqual([
      '/api/webhooks/1/s3cr3t',
      '/services/T0/B0/s3cr3t',
    ]);
    expect(JSON.parse(received[0]?.body ?? '{}')).toEqual({
      type: 'test',
      owner: 'acme',
      atMs: 1_767_000_000_000,
      testId: 'run1',
    });
    expect(output.stdout()).not.toContain('s3cr3t');
    expect(publisher.notices).toEqual([]);
  });

  it('reports each outcome in a table, retry and rejected with their detail, and exits 1', async () => {
    // Prepare
    await addChannel('ch-aaaaaaaaaa', '*', { kind: 'slack', url: `${healthy.origin}/services/T0/B0/ok` });
    await addChannel('ch-bbbbbbbbbb', '*', { kind: 'slack', url: `${failing.origin}/services/T0/B0/busy` });
    await addChannel('ch-cccccccccc', '*', { kind: 'slack', url: `${refusing.origin}/services/T0/B0/gone` });
    await addChannel('ch-dddddddddd', '*', {
      kind: 'pagerduty',
      routingKey: 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKa1b2',
    });
    const output = captureIo();

    // Act
    const code = await notifyTest({}, on(), output.io, deps);

    // Assess
    expect(code).toBe(1);
    const lines = output.stdout().split('\n');
    expect(lines[0]).toMatch(/^ID\s+KIND\s+ENDPOINT\s+OUTCOME\s+STATUS\s+TIME\s+DETAIL$/);
    expect(lines[1]).toMatch(
      /^ch-aaaaaaaaaa\s+slack\s+127\.0\.0\.1:\d+\/services\/T0…\s+delivered\s+200\s+\d+ms$/,
    );
    expect(lines[2]).toMatch(
      /^ch-bbbbbbbbbb\s+slack\s+\S+\s+retry\s+503\s+\d+ms\s+HTTP 503 \(the deliverer would try again\)$/,
    );
    expect(lines[3]).toMatch(
      /^ch-cccccccccc\s+slack\s+\S+\s+rejected\s+404\s+\d+ms\s+HTTP 404 \(the deliverer would park the alert and mark the channel broken\)$/,
    );
    expect(lines[4]).toMatch(
      /^ch-dddddddddd\s+pagerduty\s+PagerDuty …a1b2\s+skipped\s+-\s+-\s+pagerduty is not posted/,
    );
    expect(output.stdout()).not.toContain('R0UT1NGKEY');
  });

  it('reports a channel whose secret cannot be read as failed, and still tests the others', async () => {
    // Prepare
    const lost = await addChannel('ch-aaaaaaaaaa', '*', {
      kind: 'slack',
      url: `${healthy.origin}/services/a`,
    });
    await addChannel('ch-bbbbbbbbbb', '*', { kind: 'slack', url: `${healthy.origin}/services/b` });
    await backends.secrets.delete(lost.secretName);
    const output = captureIo();

    // Act
    const code = await notifyTest({ json: true }, on(), output.io, deps);

    // Assess
    expect(code).toBe(1);
    expect(parseJsonLines(output.stdout())).toEqual([
      expect.objectContaining({
        target: 'ch-aaaaaaaaaa',
        outcome: 'failed',
        detail: `ParameterNotFound: parameter ${lost.secretName} not found`,
      }),
      expect.objectContaining({ target: 'ch-bbbbbbbbbb', outcome: 'delivered' }),
    ]);
  });

  it("publishes one test notice for the owner's email and SMS subscriptions, and says SNS reports no delivery", async () => {
    // Prepare
    const subscribeEmail = (endpoint: string, owner?: string) =>
      target.sns.send(
        new SubscribeCommand({
          TopicArn: target.topicArn,
          Protocol: 'email',
          Endpoint: endpoint,
          ReturnSubscriptionArn: true,
          ...(owner === undefined
            ? {}
            : { Attributes: { FilterPolicy: JSON.stringify({ owner: [owner] }) } }),
        }),
      );
    const subscribed = await Promise.all([
      subscribeEmail('all@example.com'),
      subscribeEmail('acme@example.com', 'acme'),
      subscribeEmail('globex@example.com', 'globex'),
    ]);
    const output = captureIo();

    // Act
    const code = await notifyTest({ owner: 'acme', json: true }, on(), output.io, deps);
    await Promise.all(
      subscribed.map(({ SubscriptionArn }) => target.sns.send(new UnsubscribeCommand({ SubscriptionArn }))),
    );

    // Assess
    expect(code).toBe(0);
    expect(publisher.notices).toEqual([
      { type: 'test', owner: 'acme', atMs: 1_767_000_000_000, testId: 'run1' },
    ]);
    expect(parseJsonLines(output.stdout())).toEqual([
      {
        target: 'sns',
        kind: 'email/sms',
        label: '2 subscriptions',
        outcome: 'published',
        status: null,
        ms: null,
        detail: 'published to SNS (the local runtime sends no email or SMS: see the `npm start` window)',
      },
    ]);
  });

  it('says when nothing receives the alerts, and exits 0', async () => {
    // Prepare
    await addChannel('ch-aaaaaaaaaa', 'globex', { kind: 'slack', url: `${healthy.origin}/services/a` });
    const output = captureIo();

    // Act
    const code = await notifyTest({ owner: 'acme' }, on(), output.io, deps);

    // Assess
    expect(code).toBe(0);
    expect(output.stdout()).toBe('');
    expect(output.stderr()).toBe(
      "no channel or email/SMS subscription receives owner acme's alerts: add one with `squirrel subscribe`",
    );
  });
});
