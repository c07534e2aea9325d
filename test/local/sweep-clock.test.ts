import { describe, expect, it } from 'vitest';
import {
  EveryError,
  msUntilNextMinute,
  parseEvery,
  SweepClock,
  scheduledEventFor,
} from '../../local/sweep-clock.ts';

const MINUTE_MS = 60_000;
const NOW_MINUTE = 29_000_000;
const NOW_MS = NOW_MINUTE * MINUTE_MS + 12_345;

describe('parseEvery', () => {
  it.each([
    ['10s', 10_000],
    ['5s', 5_000],
    ['1m', 60_000],
    ['1500ms', 1_500],
    [' 2m ', 120_000],
  ])('reads %j as %i ms', (raw, expected) => {
    expect(parseEvery(raw)).toBe(expected);
  });

  it.each([
    ['10', '--every must look like 10s, 1m or 1500ms, got "10"'],
    ['1h', '--every must look like 10s, 1m or 1500ms, got "1h"'],
    ['500ms', '--every must be from 1s to 60m, got "500ms"'],
    ['61m', '--every must be from 1s to 60m, got "61m"'],
  ])('rejects %j', (raw, message) => {
    expect(() => parseEvery(raw)).toThrow(new EveryError(message));
  });
});

describe('SweepClock', () => {
  it('forces a new minute on every tick, starting after the minute the table last swept', () => {
    // Prepare: a fast run left the lease ahead of the clock
    const clock = new SweepClock(NOW_MINUTE + 5);

    // Act
    const minutes = [
      clock.nextForcedMinute(NOW_MS),
      clock.nextForcedMinute(NOW_MS),
      clock.nextForcedMinute(NOW_MS),
    ];

    // Assess
    expect(minutes).toEqual([NOW_MINUTE + 6, NOW_MINUTE + 7, NOW_MINUTE + 8]);
  });

  it('forces the current minute when nothing was swept since', () => {
    expect(new SweepClock(NOW_MINUTE - 10).nextForcedMinute(NOW_MS)).toBe(NOW_MINUTE);
    expect(new SweepClock(undefined).nextForcedMinute(NOW_MS)).toBe(NOW_MINUTE);
  });

  it('schedules the clock minute even when already swept (the fan-out reports the duplicate)', () => {
    expect(new SweepClock(NOW_MINUTE).nextScheduledMinute(NOW_MS)).toBe(NOW_MINUTE);
  });

  it('schedules after the lease when a fast run left it ahead of the clock', () => {
    // Prepare
    const clock = new SweepClock(NOW_MINUTE + 3);

    // Act
    const minutes = [clock.nextScheduledMinute(NOW_MS), clock.nextScheduledMinute(NOW_MS + MINUTE_MS)];

    // Assess
    expect(minutes).toEqual([NOW_MINUTE + 4, NOW_MINUTE + 5]);
  });
});

describe('scheduledEventFor', () => {
  it('builds the EventBridge event of a rate rule, timed at the start of the minute', () => {
    // Act
    const event = scheduledEventFor(NOW_MINUTE, 'us-east-1', 'uptime-squirrel-schedule');

    // Assess
    expect(event).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: new Date(NOW_MINUTE * MINUTE_MS).toISOString().replace('.000Z', 'Z'),
      resources: ['arn:aws:events:us-east-1:000000000000:rule/uptime-squirrel-schedule'],
    });
    expect(Math.floor(Date.parse(event.time) / MINUTE_MS)).toBe(NOW_MINUTE);
  });
});

describe('msUntilNextMinute', () => {
  it('counts to the next minute boundary', () => {
    expect(msUntilNextMinute(NOW_MS)).toBe(MINUTE_MS - 12_345);
  });
});
