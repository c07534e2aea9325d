import { describe, expect, it } from 'vitest';
import { formatDuration, formatUtc } from '../../functions/domain/duration.ts';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('formatDuration', () => {
  it.each([
    { ms: 0, text: '0 ms' },
    { ms: 1, text: '1 ms' },
    { ms: 999, text: '999 ms' },
    { ms: SECOND, text: '1 s' },
    { ms: 45 * SECOND, text: '45 s' },
    { ms: 59 * SECOND + 999, text: '59 s' },
    { ms: MINUTE, text: '1 min' },
    { ms: 12 * MINUTE + 30 * SECOND, text: '12 min 30 s' },
    { ms: HOUR, text: '1 h' },
    { ms: 2 * HOUR + 5 * MINUTE, text: '2 h 5 min' },
    // Two units are enough at 3 a.m.: the seconds of a two-hour outage do not matter.
    { ms: 2 * HOUR + 5 * MINUTE + 59 * SECOND, text: '2 h 5 min' },
    { ms: DAY, text: '1 d' },
    { ms: 3 * DAY + 4 * HOUR, text: '3 d 4 h' },
    { ms: 3 * DAY + 4 * HOUR + 59 * MINUTE, text: '3 d 4 h' },
    { ms: 40 * DAY, text: '40 d' },
  ])('$ms ms reads "$text"', ({ ms, text }) => {
    // Prepare
    // Act
    const actual = formatDuration(ms);

    // Assess
    expect(actual).toBe(text);
  });

  it('reads 0 ms for a negative duration (clock skew between checkers)', () => {
    // Prepare
    const skewMs = -1_500;

    // Act
    const actual = formatDuration(skewMs);

    // Assess
    expect(actual).toBe('0 ms');
  });
});

describe('formatUtc', () => {
  it.each([
    { ms: 0, text: '1970-01-01 00:00:00 UTC' },
    { ms: Date.UTC(2026, 10, 25, 9, 1, 0), text: '2026-11-25 09:01:00 UTC' },
    { ms: Date.UTC(2026, 11, 31, 23, 59, 59, 999), text: '2026-12-31 23:59:59 UTC' },
  ])('$ms reads "$text"', ({ ms, text }) => {
    // Prepare
    // Act
    const actual = formatUtc(ms);

    // Assess
    expect(actual).toBe(text);
  });
});
