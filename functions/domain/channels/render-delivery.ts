import { MONITOR_USER_AGENT } from '../alert-message.ts';
import type { ChannelRequest, RenderedDelivery, RenderInput } from './channel-request.ts';

/**
 * PLACEHOLDER until the "formats" branch lands its renderer in this file: one JSON POST of the notification for
 * every kind, to the address the contract names (the channel's URL; Telegram's sendMessage under the bot token;
 * PagerDuty's events URL). Redirects are followed for every kind but the signed webhook, as the contract says.
 */
export function renderDelivery(input: RenderInput): RenderedDelivery {
  const { secret, endpoints } = input;
  const body = JSON.stringify({ deliveryId: input.deliveryId, notification: input.notification });
  const headers = { 'content-type': 'application/json', 'user-agent': MONITOR_USER_AGENT };
  const request = (url: string, followRedirects: boolean): ChannelRequest => ({
    url,
    headers,
    body,
    followRedirects,
  });
  switch (secret.kind) {
    case 'webhook':
      return { kind: 'requests', requests: [request(secret.url, false)] };
    case 'slack':
    case 'teams':
    case 'discord':
      return { kind: 'requests', requests: [request(secret.url, true)] };
    case 'telegram':
      return {
        kind: 'requests',
        requests: [request(`${endpoints.telegramApiUrl}/bot${secret.botToken}/sendMessage`, true)],
      };
    case 'pagerduty':
      return { kind: 'requests', requests: [request(endpoints.pagerDutyEventsUrl, true)] };
  }
}
