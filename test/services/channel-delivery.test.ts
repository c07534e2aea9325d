import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createChannelPoster } from '../../functions/adapters/channel-http.ts';
import type { Channel } from '../../functions/domain/channels/channel.ts';
import type { ChannelRequest, RenderInput } from '../../functions/domain/channels/channel-request.ts';
import type { ChannelSecret } from '../../functions/domain/channels/channel-secret.ts';
import { type DeliveryMessage, deliveryIdOf } from '../../functions/domain/channels/delivery-message.ts';
import type { Notification } from '../../functions/domain/channels/notification.ts';
import { RETRY_WINDOW_MS } from '../../functions/domain/channels/retry-policy.ts';
import {
  createDeliveryLog,
  type DeliveryDeps,
  type DeliveryRenderer,
  deliverToChannel,
  processDelivery,
  REJECTED_PARK_REASON,
} from '../../functions/services/channel-delivery.ts';
import { type AnswerPlan, type ChannelReceiver, startChannelReceiver } from '../support/channel-receiver.ts';
import { anAlert } from '../support/fixtures.ts';
import { InMemoryChannels } from '../support/in-memory-channels.ts';

const OWNER = 'ops';
const CHANNEL_ID = 'ch-abcdefgh23';
const NOW_MS = Date.UTC(2026, 11, 6, 20, 0, 0);
// What must never appear in a log line, error or detail.
const HOOK_PATH = '/services/T0SECRET1/B0SECRET2/xoxSECRETpathPART';
const SIGNING_SECRET = 'whsec_c2VjcmV0LXNpZ25pbmcta2V5LWZvci10ZXN0cy1vbmx5';
const BOT_TOKEN = '123456789:AAHsecretBOTtokenVALUE';
const ROUTING_KEY = 'R0UTINGKEYsecret32characterslong';

const notification: Notification = { type: 'alert', alert: anAlert({ alertId: 'example:7', owner: OWNER }) };

const cleanups: (() => Promise<void>)[] = [];
let channels: InMemoryChannels;
let lines: string[];

beforeEach(() => {
  channels = new InMemoryChannels();
  lines = [];
});

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  // Every line any test logged, whatever it was about: no secret, no URL path.
  for (const line of lines) {
    for (const secret of [HOOK_PATH, 'SECRET', SIGNING_SECRET, BOT_TOKEN, ROUTING_KEY, '/bot', 'http://']) {
      expect(line).not.toContain(secret);
    }
  }
});

async function receiver(plan?: AnswerPlan): Promise<ChannelReceiver> {
  const started = await startChannelReceiver(plan);
  cleanups.push(() => started.close());
  return started;
}

function aChannel(overrides: Partial<Channel> = {}): Channel {
  return {
    owner: OWNER,
    channelId: CHANNEL_ID,
    kind: 'webhook',
    label: '127.0.0.1/services/T0…',
    secretName: `/uptime-squirrel/test/channels/${CHANNEL_ID}`,
    createdAtMs: NOW_MS - 86_400_000,
    ...overrides,
  };
}

function aMessage(overrides: Partial<DeliveryMessage> = {}): DeliveryMessage {
  return {
    version: 1,
    deliveryId: deliveryIdOf('example:7', CHANNEL_ID),
    owner: OWNER,
    channelId: CHANNEL_ID,
    kind: 'webhook',
    notification,
    dispatchedAtMs: NOW_MS - 1_000,
    ...overrides,
  };
}

/** A renderer standing in for renderDelivery: one POST of the notification's type to the secret's URL. */
const postTypeTo =
  (followRedirects = false): DeliveryRenderer =>
  (input: RenderInput) => ({
    kind: 'requests',
    requests: [
      {
        url: 'url' in input.secret ? input.secret.url : 'http://invalid.test/',
        headers: { 'content-type': 'application/json', 'x-delivery': input.deliveryId },
        body: JSON.stringify({ type: input.notification.type, atMs: input.nowMs }),
        followRedirects,
      },
    ],
  });

function deps(overrides: Partial<DeliveryDeps> = {}): DeliveryDeps {
  const http = createChannelPoster({ allowPrivateTargets: true, timeoutMs: 2_000 });
  cleanups.push(() => http.close());
  return {
    store: channels.store,
    secrets: channels.secrets,
    publisher: channels.publisher,
    http,
    endpoints: {
      telegramApiUrl: 'http://invalid.test',
      pagerDutyEventsUrl: 'http://invalid.test/v2/enqueue',
    },
    render: postTypeTo(),
    log: createDeliveryLog((line) => lines.push(line)),
    nowMs: () => NOW_MS,
    ...overrides,
  };
}

async function webhookAt(plan?: AnswerPlan): Promise<ChannelReceiver> {
  const hook = await receiver(plan);
  const secret: ChannelSecret = {
    kind: 'webhook',
    url: `${hook.origin}${HOOK_PATH}`,
    signingSecret: SIGNING_SECRET,
  };
  channels.add(aChannel(), secret);
  return hook;
}

const parsedLines = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('processDelivery', () => {
  it('delivers, and logs one line with the contract fields', async () => {
    const hook = await webhookAt();

    const processed = await processDelivery(aMessage(), deps(), { number: 1, firstReceivedMs: NOW_MS });

    expect(processed).toEqual({ action: 'done', outcome: 'delivered' });
    expect(hook.requests).toHaveLength(1);
    expect(hook.requests[0]?.headers['x-delivery']).toBe('example:7|ch-abcdefgh23');
    expect(parsedLines()).toEqual([
      {
        level: 'info',
        msg: 'delivery',
        deliveryId: 'example:7|ch-abcdefgh23',
        channelId: CHANNEL_ID,
        kind: 'webhook',
        label: '127.0.0.1/services/T0…',
        owner: OWNER,
        outcome: 'delivered',
        status: 200,
        ms: expect.any(Number),
        detail: null,
        attempt: 1,
      },
    ]);
  });

  it('drops a delivery whose channel was removed, saying so, without reading its secret or posting', async () => {
    const hook = await webhookAt();
    channels.remove(OWNER, CHANNEL_ID);

    const processed = await processDelivery(aMessage(), deps(), { number: 2, firstReceivedMs: NOW_MS });

    expect(processed).toEqual({ action: 'done', outcome: 'dropped' });
    expect(hook.requests).toHaveLength(0);
    expect(channels.calls).toEqual([]);
    expect(parsedLines()).toMatchObject([
      { outcome: 'dropped', detail: 'the channel no longer exists', attempt: 2, kind: 'webhook', label: '' },
    ]);
  });

  it('retries after the backoff when the secret cannot be read, without quoting the error', async () => {
    const hook = await webhookAt();
    channels.secretFailure = Object.assign(new Error(`could not decrypt ${SIGNING_SECRET}`), {
      name: 'ThrottlingException',
    });

    const processed = await processDelivery(aMessage(), deps(), { number: 1, firstReceivedMs: NOW_MS });

    expect(processed).toEqual({
      action: 'retry',
      delayMs: 30_000,
      detail: "the channel's secret could not be read (ThrottlingException)",
    });
    expect(hook.requests).toHaveLength(0);
    expect(parsedLines()).toMatchObject([{ outcome: 'retry', level: 'warn' }]);
  });

  it('retries a 503 after the backoff of its attempt', async () => {
    await webhookAt(() => ({ status: 503, body: 'maintenance' }));

    const processed = await processDelivery(aMessage(), deps(), {
      number: 3,
      firstReceivedMs: NOW_MS - 200_000,
    });

    expect(processed).toEqual({ action: 'retry', delayMs: 120_000, detail: 'HTTP 503: maintenance' });
    expect(parsedLines()).toMatchObject([
      { outcome: 'retry', status: 503, detail: 'HTTP 503: maintenance', attempt: 3, retryInMs: 120_000 },
    ]);
  });

  it("waits as long as a 429's Retry-After asks", async () => {
    await webhookAt(() => ({ status: 429, headers: { 'retry-after': '300' } }));

    const processed = await processDelivery(aMessage(), deps(), { number: 1, firstReceivedMs: NOW_MS });

    expect(processed).toMatchObject({ action: 'retry', delayMs: 300_000 });
  });

  it('parks a failure once the hour since the first receive is over', async () => {
    await webhookAt(() => ({ status: 502 }));

    const processed = await processDelivery(aMessage(), deps(), {
      number: 11,
      firstReceivedMs: NOW_MS - RETRY_WINDOW_MS - 330_000,
    });

    expect(processed).toEqual({
      action: 'park',
      reason: 'still failing after 11 attempts over 65 minutes',
      detail: 'HTTP 502',
    });
    expect(parsedLines()).toMatchObject([
      { outcome: 'parked', status: 502, detail: 'HTTP 502; still failing after 11 attempts over 65 minutes' },
    ]);
  });

  it('marks a channel answering 404 broken and tells its owner once, however many deliveries fail', async () => {
    const hook = await webhookAt((request) => ({ status: 404, body: `no hook at ${request.path}` }));
    const second: DeliveryMessage = aMessage({
      deliveryId: deliveryIdOf('example:8', CHANNEL_ID),
      notification: { type: 'alert', alert: anAlert({ alertId: 'example:8', owner: OWNER, event: 'UP' }) },
    });

    const first = await processDelivery(aMessage(), deps(), { number: 1, firstReceivedMs: NOW_MS });
    const again = await processDelivery(second, deps(), { number: 1, firstReceivedMs: NOW_MS });

    // Not retried, not thrown away: each is parked (the dead-letter alarm fires), the owner told once
    expect([first, again]).toEqual([
      { action: 'park', reason: REJECTED_PARK_REASON, detail: expect.stringContaining('404') },
      { action: 'park', reason: REJECTED_PARK_REASON, detail: expect.stringContaining('404') },
    ]);
    expect(hook.requests).toHaveLength(2);
    expect(channels.calls.filter((call) => call === 'markBroken')).toHaveLength(2);
    expect(channels.notices).toEqual([
      {
        type: 'channel-failed',
        notice: {
          owner: OWNER,
          channelId: CHANNEL_ID,
          kind: 'webhook',
          label: '127.0.0.1/services/T0…',
          atMs: NOW_MS,
          status: 404,
          detail: 'HTTP 404: no hook at …',
          alertId: 'example:7',
        },
      },
    ]);
    expect(channels.channel(OWNER, CHANNEL_ID)).toMatchObject({
      brokenSinceMs: NOW_MS,
      brokenDetail: 'HTTP 404: no hook at …',
    });
  });

  it('parks a delivery a channel refuses with 400 without reporting the channel broken (it was this message)', async () => {
    // Prepare
    await webhookAt(() => ({ status: 400, body: 'invalid_blocks' }));

    // Act
    const processed = await processDelivery(aMessage(), deps(), { number: 1, firstReceivedMs: NOW_MS });

    // Assess
    expect(processed).toEqual({
      action: 'park',
      reason: REJECTED_PARK_REASON,
      detail: expect.stringContaining('400'),
    });
    expect(channels.calls.filter((call) => call === 'markBroken')).toHaveLength(0);
    expect(channels.notices).toEqual([]);
  });

  it('takes the mark back when SNS refuses the notice, so the next attempt tells the owner', async () => {
    await webhookAt(() => ({ status: 410 }));
    channels.publishFailure = new Error('SNS is down');

    await expect(processDelivery(aMessage(), deps(), { number: 1, firstReceivedMs: NOW_MS })).rejects.toThrow(
      'SNS is down',
    );
    expect(channels.channel(OWNER, CHANNEL_ID)?.brokenSinceMs).toBeUndefined();
    channels.publishFailure = undefined;
    await processDelivery(aMessage(), deps(), { number: 2, firstReceivedMs: NOW_MS });

    expect(channels.notices).toHaveLength(1);
    expect(channels.calls).toEqual([
      'secrets.get',
      'markBroken',
      'publishNotice',
      'clearBroken',
      'secrets.get',
      'markBroken',
      'publishNotice',
    ]);
  });

  it('clears the broken mark of a channel that delivers again', async () => {
    const hook = await receiver();
    channels.add(aChannel({ brokenSinceMs: NOW_MS - 60_000, brokenDetail: 'HTTP 404' }), {
      kind: 'webhook',
      url: `${hook.origin}${HOOK_PATH}`,
      signingSecret: SIGNING_SECRET,
    });

    await processDelivery(aMessage(), deps(), { number: 1, firstReceivedMs: NOW_MS });

    expect(channels.channel(OWNER, CHANNEL_ID)?.brokenSinceMs).toBeUndefined();
    expect(channels.calls).toContain('clearBroken');
  });

  it('is done with a delivered message even when its broken mark cannot be cleared (failing it would deliver twice)', async () => {
    const hook = await receiver();
    channels.add(aChannel({ brokenSinceMs: NOW_MS - 60_000, brokenDetail: 'HTTP 404' }), {
      kind: 'webhook',
      url: `${hook.origin}${HOOK_PATH}`,
      signingSecret: SIGNING_SECRET,
    });
    const failingStore = {
      ...channels.store,
      clearBroken: async () => {
        throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
      },
    };

    const processed = await processDelivery(aMessage(), deps({ store: failingStore }), {
      number: 1,
      firstReceivedMs: NOW_MS,
    });

    expect(processed).toEqual({ action: 'done', outcome: 'delivered' });
    expect(parsedLines()).toMatchObject([
      {
        outcome: 'delivered',
        detail:
          'delivered, but its broken mark could not be cleared (ProvisionedThroughputExceededException)',
      },
    ]);
  });

  it('does not touch the mark of a healthy channel that delivers', async () => {
    await webhookAt();

    await processDelivery(aMessage(), deps(), { number: 1, firstReceivedMs: NOW_MS });

    expect(channels.calls).toEqual(['secrets.get']);
  });

  it("logs a skipped delivery with the renderer's reason and posts nothing", async () => {
    const hook = await webhookAt();

    const processed = await processDelivery(
      aMessage(),
      deps({ render: () => ({ kind: 'skip', why: 'PagerDuty pages only for DOWN and UP' }) }),
      { number: 1, firstReceivedMs: NOW_MS },
    );

    expect(processed).toEqual({ action: 'done', outcome: 'skipped' });
    expect(hook.requests).toHaveLength(0);
    expect(parsedLines()).toMatchObject([
      { outcome: 'skipped', level: 'info', detail: 'PagerDuty pages only for DOWN and UP' },
    ]);
  });
});

describe('deliverToChannel', () => {
  const input = (secret: ChannelSecret) => ({
    secret,
    notification,
    deliveryId: 'example:7|ch-abcdefgh23',
    nowMs: NOW_MS,
  });

  it('sends several requests in order and stops at the first that fails', async () => {
    const service = await receiver((request) =>
      request.path === '/second' ? { status: 503 } : { status: 202 },
    );
    const requests: ChannelRequest[] = ['/first', '/second', '/third'].map((path) => ({
      url: `${service.origin}${path}`,
      headers: {},
      body: '{}',
      followRedirects: true,
    }));

    const outcome = await deliverToChannel(input({ kind: 'pagerduty', routingKey: ROUTING_KEY }), {
      ...deps(),
      render: () => ({ kind: 'requests', requests }),
    });

    expect(outcome).toMatchObject({ kind: 'retry', status: 503 });
    expect(service.requests.map((request) => request.path)).toEqual(['/first', '/second']);
  });

  it('is delivered when every request is, with the time of all of them', async () => {
    const service = await receiver(() => ({ status: 202 }));
    const requests: ChannelRequest[] = ['/a', '/b'].map((path) => ({
      url: `${service.origin}${path}`,
      headers: {},
      body: '{}',
      followRedirects: true,
    }));

    const outcome = await deliverToChannel(input({ kind: 'pagerduty', routingKey: ROUTING_KEY }), {
      ...deps(),
      render: () => ({ kind: 'requests', requests }),
    });

    expect(outcome).toMatchObject({ kind: 'delivered', status: 202 });
    expect(service.requests).toHaveLength(2);
  });

  it('keeps a routing key out of the detail when a receiver quotes it back', async () => {
    const service = await receiver((request) => ({
      status: 400,
      body: JSON.stringify({ message: `bad key in ${request.body}` }),
    }));

    const outcome = await deliverToChannel(input({ kind: 'pagerduty', routingKey: ROUTING_KEY }), {
      ...deps(),
      render: (renderInput) => ({
        kind: 'requests',
        requests: [
          {
            url: `${service.origin}/v2/enqueue`,
            headers: {},
            body: JSON.stringify({
              routing_key: 'routingKey' in renderInput.secret ? renderInput.secret.routingKey : '',
            }),
            followRedirects: true,
          },
        ],
      }),
    });

    expect(outcome.kind).toBe('rejected');
    expect(outcome.kind === 'rejected' && outcome.detail).toBe('HTTP 400: bad key in {"routing_key":"…"}');
  });

  // What the contract guarantees of the real renderer, whichever branch writes it.
  describe('with the default renderer', () => {
    it("posts a Telegram message to sendMessage under the bot token on the configured API, and keeps the token out of a failure's detail", async () => {
      const telegram = await receiver((request) => ({
        status: 401,
        body: `{"ok":false,"error_code":401,"description":"Unauthorized: ${request.path}"}`,
      }));
      const { render: _unused, ...withDefaultRender } = deps({
        endpoints: { telegramApiUrl: telegram.origin, pagerDutyEventsUrl: 'http://invalid.test' },
      });

      const outcome = await deliverToChannel(
        input({ kind: 'telegram', botToken: BOT_TOKEN, chatId: '-1001234567' }),
        withDefaultRender,
      );

      expect(telegram.requests).toMatchObject([{ method: 'POST', path: `/bot${BOT_TOKEN}/sendMessage` }]);
      expect(outcome).toMatchObject({ kind: 'rejected', status: 401 });
      expect(outcome.kind === 'rejected' && outcome.detail).not.toContain(BOT_TOKEN);
    });

    it('never follows a redirect for a signed webhook', async () => {
      const elsewhere = await receiver();
      const hook = await receiver(() => ({
        status: 307,
        headers: { location: `${elsewhere.origin}/stolen` },
      }));
      const { render: _unused, ...withDefaultRender } = deps();

      const outcome = await deliverToChannel(
        input({ kind: 'webhook', url: `${hook.origin}${HOOK_PATH}`, signingSecret: SIGNING_SECRET }),
        withDefaultRender,
      );

      expect(outcome).toMatchObject({ kind: 'rejected', status: 307 });
      expect(hook.requests).toHaveLength(1);
      expect(elsewhere.requests).toHaveLength(0);
    });
  });
});
