import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { MONITOR_USER_AGENT } from '../../../functions/domain/alert-message.ts';
import { CHANNEL_KINDS } from '../../../functions/domain/channels/channel.ts';
import type { ChannelRequest, RenderInput } from '../../../functions/domain/channels/channel-request.ts';
import type { Notification } from '../../../functions/domain/channels/notification.ts';
import { renderDelivery } from '../../../functions/domain/channels/render-delivery.ts';
import { WebhookPayloadSchema } from '../../../functions/domain/channels/webhook-payload.ts';
import { verifyWebhook } from '../../../functions/domain/channels/webhook-signature.ts';
import {
  downAlert,
  ENDPOINTS,
  everyNotification,
  HOSTILE_TEXTS,
  hostileAlert,
  regionalAlert,
  SECRETS,
  T0,
  upAlert,
} from './fixtures.ts';
import {
  expectValidDiscord,
  expectValidPagerDuty,
  expectValidSlack,
  expectValidTeams,
  expectValidTelegram,
} from './service-rules.ts';

const NOW_MS = T0 + 45_000;
const DELIVERY_ID = 'shop:12|ch-abcdefgh23';

const render = (kind: (typeof CHANNEL_KINDS)[number], notification: Notification, nowMs = NOW_MS) =>
  renderDelivery({
    secret: SECRETS[kind],
    notification,
    deliveryId: DELIVERY_ID,
    nowMs,
    endpoints: ENDPOINTS,
  });

const requestsOf = (input: ReturnType<typeof render>): readonly ChannelRequest[] =>
  input.kind === 'requests' ? input.requests : [];

/** Holds a request to its service's documented shape and limits. */
function expectValidRequest(kind: (typeof CHANNEL_KINDS)[number], request: ChannelRequest): void {
  const body = JSON.parse(request.body) as Record<string, unknown>;
  expect(request.headers['content-type']).toBe('application/json');
  switch (kind) {
    case 'webhook':
      expect(() => v.parse(WebhookPayloadSchema, body)).not.toThrow();
      break;
    case 'slack':
      expectValidSlack(body);
      break;
    case 'teams':
      expectValidTeams(body, request.body);
      break;
    case 'discord':
      expectValidDiscord(body);
      break;
    case 'telegram':
      expectValidTelegram(body, '-1001234567890');
      break;
    case 'pagerduty':
      expectValidPagerDuty(body, 'R0UT1NGKEY0000000000000000000000');
      break;
  }
}

const hostileCases = HOSTILE_TEXTS.flatMap((text, index) =>
  everyNotification({ siteName: text, detail: hostileAlert(text).detail, url: hostileAlert(text).url }).map(
    ({ label, notification }) => ({ label: `${label}, hostile text ${index}`, notification }),
  ),
);

describe('renderDelivery', () => {
  const cases = CHANNEL_KINDS.flatMap((kind) =>
    [...everyNotification(), ...hostileCases].map(({ label, notification }) => ({
      kind,
      label,
      notification,
    })),
  );

  it.each(cases)(
    '$kind: $label fits the service’s documented format and limits',
    ({ kind, notification }) => {
      // Act
      const rendered = render(kind, notification);

      // Assess
      if (rendered.kind === 'skip') {
        expect(kind).toBe('pagerduty');
        expect(rendered.why.length).toBeGreaterThan(0);
        return;
      }
      expect(rendered.requests.length).toBeGreaterThan(0);
      for (const request of rendered.requests) expectValidRequest(kind, request);
    },
  );

  it('signs a webhook at the attempt’s time so a retry passes the receiver’s replay window', () => {
    // Prepare
    const notification: Notification = { type: 'alert', alert: downAlert() };
    const retryMs = NOW_MS + 3_600_000;

    // Act
    const [request] = requestsOf(render('webhook', notification, retryMs));

    // Assess
    expect(request?.url).toBe('https://hooks.example.com/uptime');
    expect(request?.followRedirects).toBe(false);
    expect(request?.headers).toMatchObject({
      'user-agent': MONITOR_USER_AGENT,
      'X-Squirrel-Event': 'DOWN',
      'X-Squirrel-Delivery': DELIVERY_ID,
      'X-Squirrel-Timestamp': String(Math.floor(retryMs / 1_000)),
    });
    const secret = SECRETS.webhook.kind === 'webhook' ? SECRETS.webhook.signingSecret : '';
    expect(
      verifyWebhook(secret, request?.headers ?? {}, request?.body ?? '', Math.floor(retryMs / 1_000)),
    ).toBe(true);
    expect(JSON.parse(request?.body ?? '{}')).toMatchObject({
      deliveryId: DELIVERY_ID,
      notificationId: 'shop:12',
    });
  });

  it('posts Telegram to the bot’s sendMessage path and chat services with 307/308 redirects allowed', () => {
    // Act
    const notification: Notification = { type: 'alert', alert: downAlert() };
    const [telegram] = requestsOf(render('telegram', notification));
    const chats = (['slack', 'teams', 'discord'] as const).map(
      (kind) => requestsOf(render(kind, notification))[0],
    );

    // Assess
    expect(telegram?.url).toBe('http://127.0.0.1:9/telegram/bot123456:ABC-DEF/sendMessage');
    expect(telegram?.followRedirects).toBe(false);
    expect(chats.map((request) => [request?.url, request?.followRedirects])).toEqual([
      [SECRETS.slack.kind === 'slack' ? SECRETS.slack.url : '', true],
      [SECRETS.teams.kind === 'teams' ? SECRETS.teams.url : '', true],
      [SECRETS.discord.kind === 'discord' ? SECRETS.discord.url : '', true],
    ]);
  });

  it('sends PagerDuty one request per event to the events endpoint', () => {
    // Act
    const requests = requestsOf(
      render('pagerduty', { type: 'test', owner: 'alice', atMs: T0, testId: 't-1' } satisfies Notification),
    );

    // Assess
    expect(requests.map((request) => [request.url, JSON.parse(request.body).event_action])).toEqual([
      [ENDPOINTS.pagerDutyEventsUrl, 'trigger'],
      [ENDPOINTS.pagerDutyEventsUrl, 'resolve'],
    ]);
  });

  it('sends PagerDuty a REGIONAL as one resolve of the site’s key, the body an UP’s resolve sends', () => {
    // Act
    const regional = requestsOf(render('pagerduty', { type: 'alert', alert: regionalAlert() }));
    const up = requestsOf(render('pagerduty', { type: 'alert', alert: upAlert() }));

    // Assess
    expect(regional.map((request) => [request.url, JSON.parse(request.body)])).toEqual([
      [
        ENDPOINTS.pagerDutyEventsUrl,
        {
          routing_key: SECRETS.pagerduty.kind === 'pagerduty' ? SECRETS.pagerduty.routingKey : '',
          event_action: 'resolve',
          dedup_key: 'site:shop',
        },
      ],
    ]);
    expect(regional.map((request) => request.body)).toEqual(up.map((request) => request.body));
  });

  it('never carries a mention or an unescaped tag from a site into a chat message', () => {
    // Prepare
    const notification: Notification = { type: 'alert', alert: hostileAlert(HOSTILE_TEXTS[0] ?? '') };
    const bodyOf = (kind: (typeof CHANNEL_KINDS)[number]) =>
      requestsOf(render(kind, notification))[0]?.body ?? '';

    // Act
    const slack = JSON.parse(bodyOf('slack'));
    // Slack parses mentions and links in `text` and mrkdwn; plain_text (the header) is shown as typed.
    const mrkdwnTexts: string[] = [];
    JSON.stringify(slack.blocks, (key, value) => {
      if (value?.type === 'mrkdwn') mrkdwnTexts.push(value.text);
      return key === 'text' && typeof value === 'string' ? undefined : value;
    });
    const slackParsed = [slack.text, ...mrkdwnTexts].join('\n');
    const discord = JSON.parse(bodyOf('discord'));
    const telegram = JSON.parse(bodyOf('telegram')).text as string;

    // Assess
    expect(slackParsed).not.toMatch(/[<>]/);
    expect(slackParsed).toContain('&lt;!channel&gt;');
    expect(JSON.stringify(discord.embeds)).not.toMatch(/@everyone/);
    expect(discord.content).not.toMatch(/@everyone/);
    expect(telegram).toContain('&lt;/b&gt;&lt;i&gt;x&lt;/i&gt;');
  });

  it('renders input it was given only: the same input renders the same request', () => {
    // Prepare
    const input: RenderInput = {
      secret: SECRETS.webhook,
      notification: { type: 'alert', alert: downAlert() },
      deliveryId: DELIVERY_ID,
      nowMs: NOW_MS,
      endpoints: ENDPOINTS,
    };

    // Act + Assess
    expect(renderDelivery(input)).toEqual(renderDelivery(input));
  });
});
