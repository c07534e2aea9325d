import { describe, expect, it } from 'vitest';
import type { CheckRecord } from '../../../functions/domain/history/check-record.ts';
import {
  type Carry,
  dedupeRecords,
  rollupDay,
  rollupHour,
  weighSiteTime,
} from '../../../functions/domain/history/rollup-math.ts';
import { EMPTY_TOTALS } from '../../../functions/domain/history/time-totals.ts';
import { aRecord } from '../../support/raw-history.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const H0 = Date.UTC(2026, 11, 5, 10);
const at = (minutes: number) => H0 + minutes * MINUTE;
const rec = (minutes: number, overrides: Partial<CheckRecord> = {}) =>
  aRecord({ siteId: 'shop', atMs: at(minutes), ...overrides });

describe('weighSiteTime', () => {
  it.each<[string, CheckRecord[], Carry | undefined, Partial<typeof EMPTY_TOTALS>, Carry | undefined]>([
    [
      'every minute up: the whole hour up, the last verdict carried on',
      Array.from({ length: 60 }, (_, m) => rec(m)),
      undefined,
      { upMs: HOUR },
      { atMs: at(59), untilMs: at(60.5), category: 'upMs' },
    ],
    [
      'a carry covers the start until the first record',
      [rec(1), rec(2)],
      { atMs: at(-0.5), untilMs: at(1), category: 'downMs' },
      { downMs: MINUTE, upMs: 2.5 * MINUTE },
      undefined,
    ],
    [
      'a gap longer than 1.5 intervals is unknown time',
      [rec(0), rec(10)],
      undefined,
      { upMs: 3 * MINUTE },
      undefined,
    ],
    [
      'a 5-minute site covers 7.5 minutes at most',
      [rec(0, { intervalMinutes: 5 }), rec(30, { intervalMinutes: 5 })],
      undefined,
      { upMs: 15 * MINUTE },
      undefined,
    ],
    [
      'maintenance wins over the verdict; blocked and faults apart',
      [
        rec(0, { kind: 'down', reason: 'timeout', inMaintenance: true }),
        rec(1, { kind: 'blocked' }),
        rec(2, { kind: 'fault', reason: 'checker-fault' }),
        rec(3, { kind: 'down', reason: 'timeout' }),
      ],
      undefined,
      { maintenanceMs: MINUTE, blockedMs: MINUTE, faultMs: MINUTE, downMs: 1.5 * MINUTE },
      undefined,
    ],
    [
      'a daily site carries its verdict through the hour',
      [],
      { atMs: at(-120), untilMs: at(-120) + 36 * HOUR, category: 'upMs' },
      { upMs: HOUR },
      { atMs: at(-120), untilMs: at(-120) + 36 * HOUR, category: 'upMs' },
    ],
  ])('%s', (_, records, carryIn, expected, carryOut) => {
    const result = weighSiteTime(records, carryIn, H0, H0 + HOUR);

    expect(result.totals).toEqual({ ...EMPTY_TOTALS, ...expected });
    expect(result.carryOut).toEqual(carryOut);
  });

  it('cuts at the end of an early (partial) period', () => {
    const result = weighSiteTime([rec(0), rec(1)], undefined, H0, at(1.25));

    expect(result.totals.upMs).toBe(1.25 * MINUTE);
    expect(result.carryOut).toEqual({ atMs: at(1), untilMs: at(2.5), category: 'upMs' });
  });
});

describe('dedupeRecords', () => {
  it('keeps the earliest record of a check, in time order', () => {
    const first = rec(5, { checkId: 'm1' });
    const again = rec(6, { checkId: 'm1', kind: 'down', reason: 'timeout' });
    const other = rec(1, { checkId: 'm0' });
    const elsewhere = aRecord({ siteId: 'blog', atMs: at(5), checkId: 'm1' });

    expect(dedupeRecords([again, first, other, elsewhere])).toEqual([other, first, elsewhere]);
  });
});

describe('rollupHour across an hour boundary', () => {
  it('hands the next hour the ids of its last 25 minutes, and the next hour skips them (copies at :59:58 and :00:03)', () => {
    const before = [
      rec(-40, { checkId: 'old' }),
      aRecord({ siteId: 'shop', atMs: H0 - 2_000, checkId: 'dup' }),
    ];
    const after = [
      aRecord({ siteId: 'shop', atMs: H0 + 3_000, checkId: 'dup', kind: 'down', reason: 'timeout' }),
      rec(1, { checkId: 'old' }),
      rec(2, { checkId: 'next' }),
    ];
    const records = [...before, ...after];

    const previous = rollupHour({ startMs: H0 - HOUR, endMs: H0, records, carries: new Map() });
    const next = rollupHour({
      startMs: H0,
      endMs: H0 + HOUR,
      records,
      carries: previous.carries,
      countedBefore: previous.recentCheckIds,
    });

    expect(previous.recentCheckIds).toEqual(new Map([['shop', ['dup']]]));
    expect(next.recordsBySite.get('shop')?.map((record) => record.checkId)).toEqual(['old', 'next']);
    expect(next.file.sites[0]).toMatchObject({
      checks: 2,
      failures: 0,
      totals: { upMs: 3.5 * MINUTE, downMs: 0 },
    });
  });
});

describe('rollupHour and rollupDay', () => {
  it('rolls an hour up per site: counts, exact latencies, records outside the hour left out', () => {
    const records = [
      rec(-1),
      rec(0, { latencyMs: 100 }),
      rec(1, { latencyMs: 300 }),
      rec(2, { kind: 'down', reason: 'http-5xx', status: 503, latencyMs: 5 }),
      rec(3, { latencyMs: 200 }),
      rec(60),
      aRecord({ siteId: 'blog', atMs: at(30), kind: 'blocked', status: 403 }),
    ];

    const { file, carries } = rollupHour({ startMs: H0, endMs: H0 + HOUR, records, carries: new Map() });

    expect(file).toMatchObject({ v: 1, period: 'hour', startMs: H0, endMs: H0 + HOUR });
    expect(file.sites.map((site) => site.siteId)).toEqual(['blog', 'shop']);
    expect(file.sites[1]).toMatchObject({
      checks: 4,
      failures: 1,
      blocked: 0,
      faults: 0,
      inMaintenance: 0,
      totals: { upMs: 3.5 * MINUTE, downMs: MINUTE },
      latency: { p50Ms: 200, p95Ms: 300, maxMs: 300 },
    });
    expect(file.sites[0]).toMatchObject({ checks: 1, blocked: 1, totals: { blockedMs: 1.5 * MINUTE } });
    expect(file.sites[0]?.latency).toBeUndefined();
    expect(carries.size).toBe(0);
  });

  it('makes a day of its hours: sums, maximum, percentiles from the merged histograms', () => {
    const hours = [0, 1].map(
      (hour) =>
        rollupHour({
          startMs: H0 + hour * HOUR,
          endMs: H0 + (hour + 1) * HOUR,
          records: Array.from({ length: 60 }, (_, m) =>
            rec(hour * 60 + m, { latencyMs: hour === 0 ? 100 : 1_000 + m }),
          ),
          carries: new Map(),
        }).file,
    );

    const day = rollupDay(H0 - 10 * HOUR, H0 + 2 * HOUR, hours);

    expect(day.sites).toHaveLength(1);
    expect(day.sites[0]).toMatchObject({ checks: 120, totals: { upMs: 2 * HOUR } });
    expect(day.sites[0]?.latency?.maxMs).toBe(1_059);
    expect(day.sites[0]?.latency?.p50Ms).toBe(100);
    expect(Math.abs((day.sites[0]?.latency?.p95Ms ?? 0) - 1_053) / 1_053).toBeLessThanOrEqual(0.02);
  });
});
