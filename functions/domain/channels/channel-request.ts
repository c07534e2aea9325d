import type { ChannelSecret } from './channel-secret.ts';
import type { Notification } from './notification.ts';

/** Where the two fixed-endpoint services are reached (tests and the local runtime point them at loopback). */
export interface ChannelEndpoints {
  /** @default https://api.telegram.org */
  readonly telegramApiUrl: string;
  /** @default https://events.pagerduty.com/v2/enqueue */
  readonly pagerDutyEventsUrl: string;
}

export const DEFAULT_CHANNEL_ENDPOINTS: ChannelEndpoints = {
  telegramApiUrl: 'https://api.telegram.org',
  pagerDutyEventsUrl: 'https://events.pagerduty.com/v2/enqueue',
};

/** One HTTP POST to make. `url` may hold a secret (a token in the path): never log it. */
export interface ChannelRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Signed webhooks: never (a redirect would send the signed body elsewhere). Chat services: 307/308 only. */
  readonly followRedirects: boolean;
}

/** What to send for one delivery: requests in order (PagerDuty: one per member of a group), or nothing and why. */
export type RenderedDelivery =
  | { readonly kind: 'requests'; readonly requests: readonly ChannelRequest[] }
  | { readonly kind: 'skip'; readonly why: string };

export interface RenderInput {
  readonly secret: ChannelSecret;
  readonly notification: Notification;
  readonly deliveryId: string;
  /** When this attempt is made: the webhook signature's timestamp. */
  readonly nowMs: number;
  readonly endpoints: ChannelEndpoints;
}
