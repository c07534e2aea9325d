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
