import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChannelPoster, createChannelPoster } from '../../functions/adapters/channel-http.ts';
import type { ChannelEndpoints } from '../../functions/domain/channels/channel-request.ts';
import type { ChannelSecret } from '../../functions/domain/channels/channel-secret.ts';
import { verifyWebhook } from '../../functions/domain/channels/webhook-signature.ts';
import { deliverToChannel } from '../../functions/services/channel-delivery.ts';
import { downAlert, upAlert } from '../domain/channels/fixtures.ts';
import {
  expectValidDiscord,
  expectValidPagerDuty,
  expectValidSlack,
  expectValidTeams,
  expectValidTelegram,
} from '../domain/channels/service-rules.ts';
import {
  type ChannelReceiver,
  type ReceivedRequest,
  startChannelReceiver,
} from '../support/channel-receiver.ts';

// Every channel kind through the real renderer and the real guarded poster to a loopback receiver standing in
// for the service: what arrives on the wire (path, headers, raw body) is held to each service's documented rules.

const SIGNING_SECRET = 'whsec_d2lyZS10ZXN0LXNpZ25pbmctc2VjcmV0LTEyMzQ1Njc4OTA';
const BOT_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const ROUTING_KEY = 'R0UT1NGKEY0000000000000000000wire';

let receiver: ChannelReceiver;
let poster: ChannelPoster;
let endpoints: ChannelEndpoints;

beforeAll(async () => {
  receiver = await startChannelReceiver();
  poster = createChannelPoster({ allowPrivateTargets: true, timeoutMs: 5_000 });
  endpoints = {
    telegramApiUrl: `${receiver.origin}/telegram`,
    pagerDutyEventsUrl: `${receiver.origin}/v2/enqueue`,
  };
});
afterAll(async () => {
  await poster.close();
  await receiver.close();
});

async function deliver(secret: ChannelSecret, alert = downAlert()): Promise<readonly ReceivedRequest[]> {
  const before = receiver.requests.length;
  const outcome = await deliverToChannel(
    {
      secret,
      notification: { type: 'alert', alert },
      deliveryId: `${alert.alertId}|ch-wirewire22`,
      nowMs: Date.now(),
    },
    { http: poster, endpoints },
  );
  expect(outcome).toMatchObject({ kind: 'delivered', status: 200 });
  return receiver.requests.slice(before);
}

const json = (request: ReceivedRequest | undefined) =>
  JSON.parse(request?.body ?? 'null') as Record<string, unknown>;

describe('deliveries as the services receive them', () => {
  it('Slack: one JSON POST to the hook URL, Block Kit within its limits', async () => {
    const [request] = await deliver({ kind: 'slack', url: `${receiver.origin}/services/T0/B0/wire` });
    expect([request?.method, request?.path, request?.headers['content-type']]).toEqual([
      'POST',
      '/services/T0/B0/wire',
      'application/json',
    ]);
    expectValidSlack(json(request));
  });

  it('Teams: a message with an Adaptive Card attachment', async () => {
    const [request] = await deliver({ kind: 'teams', url: `${receiver.origin}/workflows/wire/invoke` });
    expectValidTeams(json(request), request?.body ?? '');
  });

  it('Discord: content and embeds within their limits, no mentions', async () => {
    const [request] = await deliver({ kind: 'discord', url: `${receiver.origin}/api/webhooks/1/wire` });
    expectValidDiscord(json(request));
  });

  it('Telegram: sendMessage under the bot token, to the chat', async () => {
    const [request] = await deliver({ kind: 'telegram', botToken: BOT_TOKEN, chatId: '-1001234567890' });
    expect(request?.path).toBe(`/telegram/bot${BOT_TOKEN}/sendMessage`);
    expectValidTelegram(json(request), '-1001234567890');
  });

  it('PagerDuty: a DOWN triggers and its UP resolves the same dedup key', async () => {
    const [trigger] = await deliver({ kind: 'pagerduty', routingKey: ROUTING_KEY });
    const [resolve] = await deliver({ kind: 'pagerduty', routingKey: ROUTING_KEY }, upAlert());
    expect(trigger?.path).toBe('/v2/enqueue');
    expectValidPagerDuty(json(trigger), ROUTING_KEY);
    expect([json(trigger).event_action, json(resolve).event_action]).toEqual(['trigger', 'resolve']);
    expect(json(resolve).dedup_key).toBe(json(trigger).dedup_key);
  });

  it('webhook: the signed JSON payload, verifiable with the channel secret as received', async () => {
    const [request] = await deliver({
      kind: 'webhook',
      url: `${receiver.origin}/hooks/wire`,
      signingSecret: SIGNING_SECRET,
    });
    expect(
      verifyWebhook(SIGNING_SECRET, request?.headers ?? {}, request?.body ?? '', Date.now() / 1_000),
    ).toBe(true);
    expect(
      verifyWebhook('whsec_another', request?.headers ?? {}, request?.body ?? '', Date.now() / 1_000),
    ).toBe(false);
    expect(json(request)).toMatchObject({ schema: 'uptime-squirrel.webhook.v1', type: 'alert' });
  });
});
