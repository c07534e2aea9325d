import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { minuteOfEpoch } from '../functions/domain/schedule.ts';

const MS_PER_MINUTE = 60_000;
const EVERY_PATTERN = /^(\d+)(ms|s|m)$/;
const EVERY_UNIT_MS = { ms: 1, s: 1_000, m: MS_PER_MINUTE } as const;
export const EVERY_LIMITS_MS = { min: 1_000, max: 60 * MS_PER_MINUTE } as const;

export class EveryError extends Error {
  override name = 'EveryError';
}

/** Parses `--every`: "10s", "5s", "1m", "1500ms". @throws EveryError naming the bad value. */
export function parseEvery(raw: string): number {
  const match = EVERY_PATTERN.exec(raw.trim());
  if (!match) throw new EveryError(`--every must look like 10s, 1m or 1500ms, got "${raw}"`);
  const ms = Number(match[1]) * EVERY_UNIT_MS[match[2] as keyof typeof EVERY_UNIT_MS];
  if (ms < EVERY_LIMITS_MS.min || ms > EVERY_LIMITS_MS.max) {
    throw new EveryError(`--every must be from 1s to 60m, got "${raw}"`);
  }
  return ms;
}

/**
 * Picks the minute each sweep is scheduled for. The fan-out takes a lease per minute and the checks are
 * deduplicated per minute (`m<minute>`), so a sweep triggered early (fast mode, `tick()`) must carry a minute
 * never swept before: the next one after the last, or the current one if that is later.
 */
export class SweepClock {
  #lastMinute: number;

  /** @param lastSweptMinute the latest minute of the table's sweep leases (swept by an earlier run), if any. */
  constructor(lastSweptMinute: number | undefined) {
    this.#lastMinute = lastSweptMinute ?? Number.NEGATIVE_INFINITY;
  }

  /** The last minute handed out (or found in the table). */
  get lastMinute(): number | undefined {
    return Number.isFinite(this.#lastMinute) ? this.#lastMinute : undefined;
  }

  /** A new minute, now: fast mode and manual ticks. */
  nextForcedMinute(nowMs: number): number {
    this.#lastMinute = Math.max(minuteOfEpoch(nowMs), this.#lastMinute + 1);
    return this.#lastMinute;
  }

  /**
   * The schedule on the minute: the clock's minute, even if already swept (the fan-out then reports a
   * duplicate, as for a repeated EventBridge event). Only after a fast run left the lease ahead of the clock
   * does it keep counting from there, or nothing would be swept until the clock caught up.
   */
  nextScheduledMinute(nowMs: number): number {
    const minute = minuteOfEpoch(nowMs);
    this.#lastMinute = minute >= this.#lastMinute ? minute : this.#lastMinute + 1;
    return this.#lastMinute;
  }
}

/** Milliseconds from `nowMs` to the start of the next minute. */
export const msUntilNextMinute = (nowMs: number): number => MS_PER_MINUTE - (nowMs % MS_PER_MINUTE);

/** The event EventBridge sends for a `rate(1 minute)` rule, scheduled for `minute`. */
export function scheduledEventFor(minute: number, region: string, ruleName: string): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date(minute * MS_PER_MINUTE).toISOString().replace('.000Z', 'Z'),
    region,
    resources: [`arn:aws:events:${region}:000000000000:rule/${ruleName}`],
    detail: {},
  };
}
