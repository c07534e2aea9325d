import { SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type ChannelCommandDeps,
  isSameDestination,
  subscribeChannel,
} from '../../../cli/commands/channel-subscriptions.ts';
import { listSubscriptions, subscribe, unsubscribe } from '../../../cli/commands/subscriptions.ts';
import { CommandError, InputError } from '../../../cli/errors.ts';
import type { Target } from '../../../cli/target.ts';
import { CHANNEL_ID_PATTERN } from '../../../functions/domain/channels/channel.ts';
import type { ChannelSecret } from '../../../functions/domain/channels/channel-secret.ts';
import { captureIo, fakeBackends } from '../support/channel-fakes.ts';
import {
  CHANNEL_SECRETS_PREFIX,
  type LocalTarget,
  parseJsonLines,
  startLocalTarget,
} from '../support/local-target.ts';

let target: LocalTarget;
let backends: ReturnType<typeof fakeBackends>;
let deps: ChannelCommandDeps;

beforeAll(async () => {
  target = await startLocalTarget({ withChannels: true });
});

afterAll(async () => {
  await target.stop();
});

beforeEach(() => {
  backends = fakeBackends(CHANNEL_SECRETS_PREFIX);
  deps = { backends: async () => backends };
});

const SLACK_PATH = '/services/T01ABCDEF/B02GHIJKL/s3cr3tSlackToken';
const on = () => ({ dataDir: target.dataDir });

describe('subscribe / subscriptions list / unsubscribe with alert channels', () => {
  it('subscribes a Slack channel for an owner, lists it masked with the SNS subscriptions, and removes it by id', async () => {
    // Prepare
    const slackUrl = `http://127.0.0.1:9${SLACK_PATH}`;
    const subscribed = captureIo();
    const listed = captureIo();
    const listedJson = captureIo();
    const removed = captureIo();

    // Act
    const subscribeCode = await subscribe({ slack: slackUrl, owner: 'acme' }, on(), subscribed.io, deps);
    const [channel] = [...backends.store.items.values()];
    await listSubscriptions({}, on(), listed.io, deps);
    await listSubscriptions({ json: true }, on(), listedJson.io, deps);
    const removeCode = await unsubscribe(channel?.channelId, {}, on(), removed.io, deps);

    // Assess
    expect(subscribeCode).toBe(0);
    expect(channel).toMatchObject({
      owner: 'acme',
      kind: 'slack',
      label: '127.0.0.1:9/services/T01…',
      secretName: `${CHANNEL_SECRETS_PREFIX}/${channel?.channelId}`,
    });
    expect(channel?.channelId).toMatch(CHANNEL_ID_PATTERN);
    expect(subscribed.stdout()).toBe(
      `subscribed slack channel ${channel?.channelId} (127.0.0.1:9/services/T01…) to alerts for owner acme`,
    );
    expect(listed.stdout()).toMatch(
      new RegExp(
        `^slack\\s+127\\.0\\.0\\.1:9/services/T01…\\s+alerts for owner acme\\s+ok\\s+${channel?.channelId}$`,
        'm',
      ),
    );
    expect(parseJsonLines(listedJson.stdout())).toEqual([
      {
        channelId: channel?.channelId,
        kind: 'slack',
        owner: 'acme',
        label: '127.0.0.1:9/services/T01…',
        receives: 'alerts for owner acme',
        createdAtMs: channel?.createdAtMs,
        brokenSinceMs: null,
        brokenDetail: null,
      },
    ]);
    expect(removeCode).toBe(0);
    expect(removed.stdout()).toBe(
      `unsubscribed slack channel ${channel?.channelId} (127.0.0.1:9/services/T01…)`,
    );
    expect(backends.store.items.size).toBe(0);
    expect(backends.secrets.parameters.size).toBe(0);
    for (const output of [subscribed, listed, listedJson, removed]) {
      expect(`${output.stdout()}${output.stderr()}`).not.toContain('s3cr3t');
    }
  });

  it("prints a webhook's signing secret once, at subscribe, and never in list; stores it for every owner without --owner", async () => {
    // Prepare
    const subscribed = captureIo();
    const listed = captureIo();

    // Act
    await subscribe({ webhook: 'http://127.0.0.1:9/hooks/squirrel' }, on(), subscribed.io, deps);
    await listSubscriptions({}, on(), listed.io, deps);
    const [channel] = [...backends.store.items.values()];
    const secret = await backends.secrets.get(channel?.secretName ?? '');

    // Assess
    expect(channel).toMatchObject({ owner: '*', kind: 'webhook', label: 'webhook http://127.0.0.1:9/…' });
    expect(secret).toMatchObject({ kind: 'webhook', url: 'http://127.0.0.1:9/hooks/squirrel' });
    const signingSecret = secret.kind === 'webhook' ? secret.signingSecret : '';
    expect(signingSecret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(subscribed.out).toEqual([
      `subscribed webhook channel ${channel?.channelId} (webhook http://127.0.0.1:9/…) to all alerts`,
      `signing secret: ${signingSecret}`,
      'this secret is shown only now: give it to your receiver to verify X-Squirrel-Signature (to replace it, unsubscribe and subscribe again)',
    ]);
    expect(`${listed.stdout()}${listed.stderr()}`).not.toContain(signingSecret);
    expect(`${listed.stdout()}${listed.stderr()}`).not.toContain('/hooks/squirrel');
  });

  it('prints the subscribed channel as one JSON line with --json', async () => {
    // Prepare
    const output = captureIo();
    const routingKey = 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKa1b2';

    // Act
    await subscribe({ pagerduty: routingKey, json: true }, on(), output.io, deps);
    const [channel] = [...backends.store.items.values()];

    // Assess
    expect(parseJsonLines(output.stdout())).toEqual([
      {
        channelId: channel?.channelId,
        kind: 'pagerduty',
        owner: '*',
        label: 'PagerDuty …a1b2',
        receives: 'all alerts',
      },
    ]);
    expect(output.stdout()).not.toContain(routingKey.slice(0, 28));
  });

  it('removes every channel whose stored URL matches --slack, and leaves the others', async () => {
    // Prepare
    const slackUrl = `http://127.0.0.1:9${SLACK_PATH}`;
    await subscribe({ slack: slackUrl, owner: 'acme' }, on(), captureIo().io, deps);
    await subscribe({ slack: slackUrl }, on(), captureIo().io, deps);
    await subscribe({ slack: 'http://127.0.0.1:9/services/T0/B0/other' }, on(), captureIo().io, deps);
    const removed = captureIo();

    // Act
    const code = await unsubscribe(undefined, { slack: slackUrl }, on(), removed.io, deps);

    // Assess
    expect(code).toBe(0);
    expect(removed.out).toHaveLength(2);
    expect([...backends.store.items.values()].map((channel) => channel.label)).toEqual([
      '127.0.0.1:9/services/T0…',
    ]);
    expect(backends.secrets.parameters.size).toBe(1);
    await expect(unsubscribe(undefined, { slack: slackUrl }, on(), captureIo().io, deps)).rejects.toThrow(
      'no slack channel for 127.0.0.1:9/services/T01…',
    );
  });

  it('deletes the parameter again when the item cannot be written: nothing half-made', async () => {
    // Prepare
    backends.store.failNextPut = new Error('ProvisionedThroughputExceededException');

    // Act
    const subscribing = subscribe(
      { discord: 'http://127.0.0.1:9/api/webhooks/1/t' },
      on(),
      captureIo().io,
      deps,
    );

    // Assess
    await expect(subscribing).rejects.toThrow('ProvisionedThroughputExceededException');
    expect(backends.store.items.size).toBe(0);
    expect(backends.secrets.parameters.size).toBe(0);
  });

  it('refuses an unknown channel id (exit 1)', async () => {
    await expect(unsubscribe('ch-aaaaaaaaaa', {}, on(), captureIo().io, deps)).rejects.toThrow(
      new CommandError('no channel ch-aaaaaaaaaa (see `squirrel subscriptions list`)'),
    );
  });

  it("labels the runtime's channel-dispatcher subscription and refuses to remove it", async () => {
    // Prepare
    const { SubscriptionArn = '' } = await target.sns.send(
      new SubscribeCommand({
        TopicArn: target.topicArn,
        Protocol: 'sqs',
        Endpoint: target.dispatchQueueArn,
        ReturnSubscriptionArn: true,
      }),
    );
    const listed = captureIo();

    // Act
    await listSubscriptions({ json: true }, on(), listed.io, deps);
    const removing = unsubscribe(SubscriptionArn, {}, on(), captureIo().io, deps);

    // Assess
    await expect(removing).rejects.toThrow(
      `${SubscriptionArn} is the local runtime's own channel dispatcher (it hands alerts to the webhook, Slack, ` +
        'Teams, Discord, Telegram and PagerDuty channels) and cannot be removed; remove a channel with ' +
        '`squirrel unsubscribe CHANNEL_ID`',
    );
    expect(parseJsonLines(listed.stdout())).toEqual([
      expect.objectContaining({
        subscriptionArn: SubscriptionArn,
        receives: "all: channel dispatcher (the local runtime's)",
      }),
    ]);
    await target.sns.send(new UnsubscribeCommand({ SubscriptionArn }));
  });
});

describe('subscribeChannel on a deployed stack (no private targets)', () => {
  const stack = { allowPrivateTargets: false, isLocal: false, description: 'stack prod' } as Target;

  it('refuses a name that resolves to 127.0.0.1 and writes nothing', async () => {
    // Act
    const subscribing = subscribeChannel(
      { kind: 'slack', url: `https://localhost${SLACK_PATH}` },
      '*',
      {},
      stack,
      deps,
      captureIo().io,
    );

    // Assess
    await expect(subscribing).rejects.toThrow(InputError);
    await expect(subscribing).rejects.toThrow(
      /--slack URL's host localhost resolves to (127\.0\.0\.1|::1) \(loopback\)/,
    );
    expect(backends.store.items.size).toBe(0);
    expect(backends.secrets.parameters.size).toBe(0);
  });
});

describe('isSameDestination', () => {
  const token = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1';
  it.each<[ChannelSecret, ChannelSecret, boolean]>([
    [
      { kind: 'slack', url: 'https://hooks.slack.com:443/services/a' },
      { kind: 'slack', url: 'https://hooks.slack.com/services/a' },
      true,
    ],
    [
      { kind: 'slack', url: 'https://hooks.slack.com/services/a' },
      { kind: 'discord', url: 'https://hooks.slack.com/services/a' },
      false,
    ],
    [
      { kind: 'webhook', url: 'https://example.com/h', signingSecret: 'whsec_a' },
      { kind: 'webhook', url: 'https://example.com/h', signingSecret: 'whsec_b' },
      true,
    ],
    [
      { kind: 'telegram', botToken: token, chatId: '-100' },
      { kind: 'telegram', botToken: token, chatId: '-100' },
      true,
    ],
    [
      { kind: 'telegram', botToken: token, chatId: '-100' },
      { kind: 'telegram', botToken: token, chatId: '@other' },
      false,
    ],
    [
      { kind: 'pagerduty', routingKey: 'a'.repeat(32) },
      { kind: 'pagerduty', routingKey: 'b'.repeat(32) },
      false,
    ],
  ])('%j and %j: %s', (a, b, same) => {
    expect(isSameDestination(a, b)).toBe(same);
  });
});
