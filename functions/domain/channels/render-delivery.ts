import { MONITOR_USER_AGENT } from '../alert-message.ts';
import type { ChannelRequest, RenderedDelivery, RenderInput } from './channel-request.ts';
import { renderDiscordMessage } from './discord-message.ts';
import { viewNotification } from './notification-text.ts';
import { planPagerDutyEvents } from './pagerduty-event.ts';
import { renderSlackMessage } from './slack-message.ts';
import { renderTeamsMessage } from './teams-message.ts';
import { renderTelegramMessage } from './telegram-message.ts';
import { buildWebhookPayload, webhookEventOf } from './webhook-payload.ts';
import { signWebhook, WEBHOOK_HEADERS } from './webhook-signature.ts';

const JSON_HEADERS = { 'content-type': 'application/json', 'user-agent': MONITOR_USER_AGENT } as const;

/**
 * The HTTP request(s) that deliver one notification to one channel, in that service's own format. Pure: the
 * signature's timestamp is `nowMs`, so a retry is signed afresh and passes the receiver's replay window.
 */
export function renderDelivery(input: RenderInput): RenderedDelivery {
  const { secret, notification } = input;
  switch (secret.kind) {
    case 'webhook': {
      const body = JSON.stringify(buildWebhookPayload(notification, input.deliveryId, input.nowMs));
      const timestampS = Math.floor(input.nowMs / 1_000);
      return single({
        url: secret.url,
        headers: {
          ...JSON_HEADERS,
          [WEBHOOK_HEADERS.event]: webhookEventOf(notification),
          [WEBHOOK_HEADERS.delivery]: input.deliveryId,
          [WEBHOOK_HEADERS.timestamp]: String(timestampS),
          [WEBHOOK_HEADERS.signature]: signWebhook(secret.signingSecret, timestampS, body),
        },
        body,
        // A redirect would hand the signed body to a host the owner never named.
        followRedirects: false,
      });
    }
    case 'slack':
      return chatPost(secret.url, renderSlackMessage(viewNotification(notification)));
    case 'teams':
      return chatPost(secret.url, renderTeamsMessage(viewNotification(notification)));
    case 'discord':
      return chatPost(secret.url, renderDiscordMessage(viewNotification(notification)));
    case 'telegram':
      return single({
        url: `${input.endpoints.telegramApiUrl}/bot${secret.botToken}/sendMessage`,
        headers: JSON_HEADERS,
        body: JSON.stringify(renderTelegramMessage(viewNotification(notification), secret.chatId)),
        followRedirects: false,
      });
    case 'pagerduty': {
      const plan = planPagerDutyEvents(notification, secret.routingKey);
      if (plan.kind === 'skip') return plan;
      return {
        kind: 'requests',
        requests: plan.events.map((event) => ({
          url: input.endpoints.pagerDutyEventsUrl,
          headers: JSON_HEADERS,
          body: JSON.stringify(event),
          followRedirects: false,
        })),
      };
    }
  }
}

const single = (request: ChannelRequest): RenderedDelivery => ({ kind: 'requests', requests: [request] });

// Chat services move webhook hosts now and then (307/308 keep the method and body); the guard judges each hop.
const chatPost = (url: string, message: unknown): RenderedDelivery =>
  single({ url, headers: JSON_HEADERS, body: JSON.stringify(message), followRedirects: true });
