/**
 * When a delivery that failed for now is tried again, and when it stops being tried (issue 14: "retried with
 * backoff for at least an hour, then parked"). Pure: the deliverer passes the attempt number, when the message
 * was first received and the time now.
 */

/** Waits after the 1st, 2nd, … failed attempt: quick for a blip, then spaced out for an outage. */
export const RETRY_BACKOFF_MS: readonly number[] = [30_000, 60_000, 120_000, 240_000, 480_000];
/** The wait after every later failure: an outage of the chat service is retried every 10 minutes. */
export const RETRY_BACKOFF_CAP_MS = 10 * 60_000;
/**
 * The longest a receiver's Retry-After (or Telegram's/Discord's retry_after) can hold a delivery back: a
 * receiver asking for an hour would otherwise use up the whole window in one wait.
 */
export const MAX_RETRY_AFTER_MS = 15 * 60_000;
/**
 * How long a delivery is tried: the first failure at least this long after the message was first received
 * parks it (so a channel gets 60-70 minutes of tries: the last wait is at most RETRY_BACKOFF_CAP_MS).
 */
export const RETRY_WINDOW_MS = 60 * 60_000;

/** What to do with a delivery whose attempt asked to be retried. */
export type RetryDecision =
  | { readonly kind: 'retry'; readonly delayMs: number }
  | { readonly kind: 'park'; readonly reason: string };

export interface FailedAttempt {
  /** 1 for the first attempt (SQS's ApproximateReceiveCount). */
  readonly attempt: number;
  /** When the message was first received (SQS's ApproximateFirstReceiveTimestamp). */
  readonly firstReceivedMs: number;
  readonly nowMs: number;
  /** What the receiver asked for (Retry-After, retry_after), if anything. */
  readonly retryAfterMs?: number;
}

/** The backoff after the `attempt`-th failed attempt (1-based): 30 s, 1, 2, 4, 8 min, then 10 min. */
export function backoffMs(attempt: number): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`attempt must be a whole number from 1, got ${attempt}`);
  }
  return RETRY_BACKOFF_MS[attempt - 1] ?? RETRY_BACKOFF_CAP_MS;
}

/**
 * Retry after the backoff, or after the receiver's Retry-After when it asks for longer (up to
 * MAX_RETRY_AFTER_MS); park once RETRY_WINDOW_MS have passed since the message was first received.
 */
export function decideRetry({ attempt, firstReceivedMs, nowMs, retryAfterMs }: FailedAttempt): RetryDecision {
  const triedForMs = nowMs - firstReceivedMs;
  if (triedForMs >= RETRY_WINDOW_MS) {
    return {
      kind: 'park',
      reason: `still failing after ${attempt} attempts over ${Math.floor(triedForMs / 60_000)} minutes`,
    };
  }
  const askedMs = retryAfterMs === undefined ? 0 : Math.min(Math.max(0, retryAfterMs), MAX_RETRY_AFTER_MS);
  return { kind: 'retry', delayMs: Math.max(backoffMs(attempt), askedMs) };
}
