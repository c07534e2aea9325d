import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { CompactorStateSchema, upsertEntry } from '../../../functions/domain/history/compactor-state.ts';

const stateWith = (hours: unknown[], days: unknown[] = []) => ({
  v: 1,
  compactedUntilMs: 3_600_000,
  sites: [{ siteId: 'shop', hours, days, incidents: [], incidentStartsMs: [] }],
});

describe('CompactorStateSchema', () => {
  it('accepts hour entries with latency or without (null)', () => {
    const hours = [
      [0, 3_600_000, 0, 0, 0, 0, 60, 0, 120, 300, 900],
      [3_600_000, 0, 3_600_000, 0, 0, 0, 60, 60, null, null, null],
    ];

    expect(v.safeParse(CompactorStateSchema, stateWith(hours)).success).toBe(true);
  });

  it.each([
    ['a short entry', [[0, 1, 2]]],
    ['a negative number', [[0, -1, 0, 0, 0, 0, 60, 0, null, null, null]]],
    ['a fraction', [[0, 1.5, 0, 0, 0, 0, 60, 0, null, null, null]]],
    ['null where a total belongs', [[0, null, 0, 0, 0, 0, 60, 0, null, null, null]]],
  ])('refuses %s', (_, hours) => {
    const result = v.safeParse(CompactorStateSchema, stateWith(hours));

    expect(result.success).toBe(false);
    expect(result.issues?.[0]?.message).toBe('must be 11 whole numbers');
  });
});

describe('upsertEntry', () => {
  it('replaces the entry of the same start and keeps time order', () => {
    const days: [number, number, number, number, number, number, number, number][] = [
      [0, 1, 0, 0, 0, 0, 1, 0],
      [2, 1, 0, 0, 0, 0, 1, 0],
    ];

    expect(upsertEntry(days, [1, 5, 0, 0, 0, 0, 1, 0]).map((entry) => entry[0])).toEqual([0, 1, 2]);
    expect(upsertEntry(days, [2, 9, 0, 0, 0, 0, 1, 0])).toEqual([days[0], [2, 9, 0, 0, 0, 0, 1, 0]]);
  });
});
