import { describe, expect, it } from 'vitest';
import type { CheckRecord } from '../../../functions/domain/history/check-record.ts';
import { liveIncidentsOf } from '../../../functions/domain/history/incident-view.ts';
import { followIncidents } from '../../../functions/domain/history/incidents-from-records.ts';
import { rollupDay, rollupHour } from '../../../functions/domain/history/rollup-math.ts';
import { EMPTY_TOTALS } from '../../../functions/domain/history/time-totals.ts';
import { liveTotals, uptimeFigure } from '../../../functions/domain/history/uptime.ts';
import { INITIAL_STATE } from '../../../functions/domain/site-state.ts';
import { aRecord } from '../../support/raw-history.ts';

// Issue 15: a REGIONAL site (home's checks fail, most locations reach it) is not an outage. Its time is up time, its
// checks are counted apart, it opens no incident; a DOWN that follows it is an outage as any other.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const H0 = Date.UTC(2026, 11, 6, 10);
const at = (minutes: number) => H0 + minutes * MINUTE;
const HOME_TIMEOUT = { kind: 'down', reason: 'timeout', detail: 'no answer in 10000 ms' } as const;

// Records as the checker writes them (history-recorder.ts checkRecordOf): the home verdict, the status after it.
const up = (minutes: number) => aRecord({ siteId: 'edge', atMs: at(minutes) });
const failing = (minutes: number, shown: CheckRecord['shown'], outageSinceMinutes?: number): CheckRecord =>
  aRecord({
    siteId: 'edge',
    atMs: at(minutes),
    ...HOME_TIMEOUT,
    status: undefined,
    latencyMs: 10_000,
    shown,
    // Only failing statuses (PENDING, DOWN, RECOVERING) carry the outage's start; REGIONAL is not one.
    ...(outageSinceMinutes === undefined ? {} : { outageSinceMs: at(outageSinceMinutes) }),
  });

/** Up, a failure from home, REGIONAL for 8.5 minutes, then DOWN from most locations, then back UP. */
const regionalThenDown = [
  up(0),
  failing(1, 'PENDING', 1),
  failing(1.5, 'REGIONAL'),
  ...Array.from({ length: 8 }, (_, index) => failing(2 + index, 'REGIONAL')),
  failing(10, 'DOWN', 1),
  failing(11, 'DOWN', 1),
  up(12),
];

describe('REGIONAL in the rollups', () => {
  it('counts a REGIONAL stretch as up time and its checks apart; the PENDING check before and the DOWN after are down', () => {
    // Act
    const { file } = rollupHour({
      startMs: H0,
      endMs: H0 + HOUR,
      records: regionalThenDown,
      carries: new Map(),
    });

    // Assess
    const [site] = file.sites;
    expect(site).toMatchObject({
      siteId: 'edge',
      checks: 14,
      failures: 12,
      regional: 9,
      totals: { ...EMPTY_TOTALS, upMs: (1 + 8.5 + 1.5) * MINUTE, downMs: (0.5 + 2) * MINUTE },
    });
    // A REGIONAL check failed from home: no response time of the site from there.
    expect(site?.latency?.maxMs).toBe(120);
  });

  it('carries a REGIONAL verdict into the next hour as up time', () => {
    // Act
    const first = rollupHour({
      startMs: H0,
      endMs: H0 + HOUR,
      records: [failing(59.5, 'REGIONAL')],
      carries: new Map(),
    });
    const second = rollupHour({
      startMs: H0 + HOUR,
      endMs: H0 + 2 * HOUR,
      records: [],
      carries: first.carries,
    });

    // Assess
    expect(first.carries.get('edge')?.category).toBe('upMs');
    expect(second.file.sites[0]?.totals).toEqual({ ...EMPTY_TOTALS, upMs: MINUTE });
    expect(second.file.sites[0]).not.toHaveProperty('regional');
  });

  it('sums REGIONAL checks into the day, and writes no count at all for a site never REGIONAL', () => {
    // Prepare
    const hour = (startMs: number, records: CheckRecord[]) =>
      rollupHour({ startMs, endMs: startMs + HOUR, records, carries: new Map() }).file;
    const hours = [
      hour(H0, [failing(0, 'REGIONAL'), failing(1, 'REGIONAL')]),
      hour(H0 + HOUR, [failing(60, 'REGIONAL'), up(61)]),
      hour(H0 + 2 * HOUR, [aRecord({ siteId: 'steady', atMs: at(120) })]),
    ];

    // Act
    const day = rollupDay(H0 - 10 * HOUR, H0 + 3 * HOUR, hours);

    // Assess
    expect(day.sites.find((site) => site.siteId === 'edge')?.regional).toBe(3);
    expect(day.sites.find((site) => site.siteId === 'steady')).not.toHaveProperty('regional');
    expect(uptimeFigure(day.sites.find((site) => site.siteId === 'edge')?.totals ?? EMPTY_TOTALS).text).toBe(
      '100.00',
    );
  });
});

describe('REGIONAL in the incidents', () => {
  it('opens no incident for a REGIONAL stretch that ends UP', () => {
    // Act
    const progress = followIncidents(
      [up(0), failing(1, 'PENDING', 1), failing(1.5, 'REGIONAL'), failing(2, 'REGIONAL'), up(3)],
      undefined,
      at(60),
    );

    // Assess
    expect(progress).toEqual({ touched: [], open: undefined });
  });

  it('opens one for the DOWN after it: confirmed by the DOWN record, from the outage start its alert gives', () => {
    // Act
    const progress = followIncidents(regionalThenDown, undefined, at(60));

    // Assess
    expect(progress.touched).toEqual([
      {
        siteId: 'edge',
        startMs: at(1),
        confirmedMs: at(10),
        endMs: at(12),
        reason: 'timeout',
        detail: 'no answer in 10000 ms',
      },
    ]);
    expect(progress.open).toBeUndefined();
  });
});

describe('REGIONAL in the live incidents', () => {
  it('is no ongoing outage, though its state keeps the first failure from home', () => {
    // Act
    const incidents = liveIncidentsOf({
      config: { siteId: 'edge', enabled: true },
      state: {
        ...INITIAL_STATE,
        status: 'REGIONAL',
        statusSinceMs: at(1.5),
        outage: { sinceMs: at(1), reason: 'timeout', detail: 'no answer in 10000 ms' },
      },
    });

    // Assess
    expect(incidents).toEqual([]);
  });
});

describe('REGIONAL in the live uptime', () => {
  const live = (state: Partial<typeof INITIAL_STATE>) => ({
    config: { enabled: true, maintenance: [], treatBlockedAsDown: false },
    state: { ...INITIAL_STATE, ...state },
  });
  const outage = { sinceMs: at(20), reason: 'timeout', detail: 'no answer in 10000 ms' } as const;

  it('counts a REGIONAL site as up since it was confirmed, its PENDING check before as down, as the rollups do', () => {
    // Prepare: UP since long before, a first failure at :20, REGIONAL confirmed at :20.5 (the state after it).
    const state = { status: 'REGIONAL' as const, statusSinceMs: at(20.5), outage };

    // Act
    const totals = liveTotals(live(state), H0, H0 + HOUR);

    // Assess: before :20 the state vouches for nothing (its instants start there), as for PENDING.
    expect(totals).toEqual({ ...EMPTY_TOTALS, downMs: 0.5 * MINUTE, upMs: 39.5 * MINUTE });
  });

  it('counts a REGIONAL site without its instants (an older item) as up over the whole stretch', () => {
    expect(liveTotals(live({ status: 'REGIONAL' }), H0, H0 + HOUR)).toEqual({ ...EMPTY_TOTALS, upMs: HOUR });
  });
});
