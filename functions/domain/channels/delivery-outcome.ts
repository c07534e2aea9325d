/** How one delivery attempt to a channel went. */
export type DeliveryOutcome =
  /** Every request answered 2xx. */
  | { readonly kind: 'delivered'; readonly status: number; readonly ms: number }
  /** Worth trying again later: 5xx, 408, 429, a timeout, a reset. `retryAfterMs` from Retry-After/retry_after. */
  | {
      readonly kind: 'retry';
      readonly status?: number;
      readonly detail: string;
      readonly retryAfterMs?: number;
      readonly ms: number;
    }
  /**
   * Will never work as configured: a 4xx other than 408/429 (bad URL, revoked token), a redirect where none may
   * be followed, or an address the guard refuses. Reported once to the owner's other channels, not retried.
   */
  | { readonly kind: 'rejected'; readonly status?: number; readonly detail: string; readonly ms: number }
  /** This channel does not take this notification (PagerDuty and a DEGRADED alert). */
  | { readonly kind: 'skipped'; readonly why: string };

// Answers that say the channel itself is gone or not ours to use (a deleted hook, a revoked token or key): its
// owner must fix it. Any other 4xx (400 on a message a service refuses, 413, 422) is about this one message: the
// channel still works for the next alert, so it is not reported broken.
const BROKEN_CHANNEL_STATUSES: ReadonlySet<number> = new Set([401, 403, 404, 410]);

/** A refused address or redirect (no status) is a channel that can never work as configured, as are those statuses. */
export const isChannelBroken = (outcome: Extract<DeliveryOutcome, { kind: 'rejected' }>): boolean =>
  outcome.status === undefined || BROKEN_CHANNEL_STATUSES.has(outcome.status);
