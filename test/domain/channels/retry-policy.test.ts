import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  decideRetry,
  MAX_RETRY_AFTER_MS,
  RETRY_BACKOFF_CAP_MS,
  RETRY_WINDOW_MS,
} from '../../../functions/domain/channels/retry-policy.ts';

const MINUTE = 60_000;

describe('backoffMs', () => {
  it.each([
    [1, 30_000],
    [2, MINUTE],
    [3, 2 * MINUTE],
    [4, 4 * MINUTE],
    [5, 8 * MINUTE],
    [6, 10 * MINUTE],
    [7, 10 * MINUTE],
    [40, 10 * MINUTE],
  ])('waits after failed attempt %i for %i ms', (attempt, expected) => {
    expect(backoffMs(attempt)).toBe(expected);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses attempt %s', (attempt) => {
    expect(() => backoffMs(attempt)).toThrow(`attempt must be a whole number from 1, got ${attempt}`);
  });
});

describe('decideRetry', () => {
  it('retries after the backoff when the receiver asks for nothing', () => {
    expect(decideRetry({ attempt: 2, firstReceivedMs: 0, nowMs: 40_000 })).toEqual({
      kind: 'retry',
      delayMs: MINUTE,
    });
  });

  it('honours a Retry-After longer than the backoff', () => {
    expect(decideRetry({ attempt: 1, firstReceivedMs: 0, nowMs: 0, retryAfterMs: 3 * MINUTE })).toEqual({
      kind: 'retry',
      delayMs: 3 * MINUTE,
    });
  });

  it('keeps the backoff when Retry-After asks for less', () => {
    expect(decideRetry({ attempt: 3, firstReceivedMs: 0, nowMs: 0, retryAfterMs: 1_000 })).toEqual({
      kind: 'retry',
      delayMs: 2 * MINUTE,
    });
  });

  it('caps Retry-After at 15 minutes', () => {
    expect(decideRetry({ attempt: 1, firstReceivedMs: 0, nowMs: 0, retryAfterMs: 2 * 3_600_000 })).toEqual({
      kind: 'retry',
      delayMs: MAX_RETRY_AFTER_MS,
    });
    expect(MAX_RETRY_AFTER_MS).toBe(15 * MINUTE);
  });

  it('retries a failure just inside the window and parks the first one at its end', () => {
    const firstReceivedMs = 1_000_000;
    expect(
      decideRetry({ attempt: 9, firstReceivedMs, nowMs: firstReceivedMs + RETRY_WINDOW_MS - 1 }).kind,
    ).toBe('retry');
    expect(decideRetry({ attempt: 10, firstReceivedMs, nowMs: firstReceivedMs + RETRY_WINDOW_MS })).toEqual({
      kind: 'park',
      reason: 'still failing after 10 attempts over 60 minutes',
    });
  });

  it('tries for 60 to 70 minutes in all when every attempt fails (the whole schedule)', () => {
    // Each attempt fails at once; the next comes when the previous one's wait is over.
    const attemptTimesMs: number[] = [];
    let nowMs = 0;
    let attempt = 1;
    for (;;) {
      attemptTimesMs.push(nowMs);
      const decision = decideRetry({ attempt, firstReceivedMs: 0, nowMs });
      if (decision.kind === 'park') break;
      nowMs += decision.delayMs;
      attempt += 1;
    }
    expect(attemptTimesMs.map((ms) => ms / 1_000)).toEqual([
      0, 30, 90, 210, 450, 930, 1_530, 2_130, 2_730, 3_330, 3_930,
    ]);
    const parkedAtMs = attemptTimesMs.at(-1) ?? 0;
    expect(parkedAtMs).toBeGreaterThanOrEqual(RETRY_WINDOW_MS);
    expect(parkedAtMs).toBeLessThan(RETRY_WINDOW_MS + RETRY_BACKOFF_CAP_MS);
  });

  it('parks within the window plus one capped Retry-After even when every receiver asks for the most', () => {
    let nowMs = 0;
    let attempt = 1;
    for (;;) {
      const decision = decideRetry({ attempt, firstReceivedMs: 0, nowMs, retryAfterMs: 3_600_000 });
      if (decision.kind === 'park') break;
      nowMs += decision.delayMs;
      attempt += 1;
    }
    expect(nowMs).toBeLessThan(RETRY_WINDOW_MS + MAX_RETRY_AFTER_MS);
    expect(attempt).toBe(5);
  });
});
