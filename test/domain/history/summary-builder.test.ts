import { describe, expect, it } from 'vitest';
import type { SiteCompactorState } from '../../../functions/domain/history/compactor-state.ts';
import { DAY_MS, HOUR_MS } from '../../../functions/domain/history/history-keys.ts';
import {
  buildHistorySummary,
  summarizeSite,
  summaryOfSites,
  windowStarts,
} from '../../../functions/domain/history/summary-builder.ts';

const MIDNIGHT = Date.UTC(2026, 11, 6);

describe('windowStarts', () => {
  it.each([
    [
      'at midnight: the last 24 hours and the last N whole days',
      MIDNIGHT,
      {
        '24h': MIDNIGHT - DAY_MS,
        '7d': MIDNIGHT - 7 * DAY_MS,
        '30d': MIDNIGHT - 30 * DAY_MS,
        '365d': MIDNIGHT - 365 * DAY_MS,
      },
    ],
    [
      'at 10:00: 24 hours back on the hour, N − 1 whole days plus today',
      MIDNIGHT + 10 * HOUR_MS,
      { '24h': MIDNIGHT - 14 * HOUR_MS, '7d': MIDNIGHT - 6 * DAY_MS, '90d': MIDNIGHT - 89 * DAY_MS },
    ],
    [
      'early compaction at 10:15: the hour holding 10:15 yesterday is left out',
      MIDNIGHT + 10.25 * HOUR_MS,
      { '24h': MIDNIGHT - 13 * HOUR_MS, '7d': MIDNIGHT - 6 * DAY_MS },
    ],
  ])('%s', (_, compactedUntilMs, expected) => {
    expect(windowStarts(compactedUntilMs)).toMatchObject(expected);
  });
});

/** A site up every hour and day of the cache, except what the test changes. */
function aSiteState(overrides: Partial<SiteCompactorState> = {}): SiteCompactorState {
  return {
    siteId: 'shop',
    hours: Array.from({ length: 200 }, (_, i) => [
      MIDNIGHT - (200 - i) * HOUR_MS,
      HOUR_MS,
      0,
      0,
      0,
      0,
      60,
      0,
      120,
      300,
      900,
    ]),
    days: Array.from({ length: 400 }, (_, i) => [
      MIDNIGHT - (400 - i) * DAY_MS,
      DAY_MS - 1_000,
      1_000,
      0,
      0,
      0,
      1_440,
      1,
    ]),
    incidents: [],
    incidentStartsMs: [],
    ...overrides,
  };
}

describe('summarizeSite', () => {
  it('sums each window from its periods and keeps 90 bars and 168 hours', () => {
    const summary = summarizeSite(aSiteState(), MIDNIGHT);

    expect(summary?.windows['24h']).toEqual({
      upMs: DAY_MS,
      downMs: 0,
      blockedMs: 0,
      faultMs: 0,
      maintenanceMs: 0,
    });
    expect(summary?.windows['7d']).toMatchObject({ upMs: 7 * (DAY_MS - 1_000), downMs: 7_000 });
    expect(summary?.windows['365d']).toMatchObject({ downMs: 365_000 });
    expect(summary?.days).toHaveLength(90);
    expect(summary?.days[0]?.dayStartMs).toBe(MIDNIGHT - 90 * DAY_MS);
    expect(summary?.days.at(-1)).toMatchObject({
      dayStartMs: MIDNIGHT - DAY_MS,
      checks: 1_440,
      failures: 1,
      incidents: 0,
    });
    expect(summary?.hours).toHaveLength(168);
    expect(summary?.hours.at(-1)).toEqual({
      hourStartMs: MIDNIGHT - HOUR_MS,
      checks: 60,
      failures: 0,
      p50Ms: 120,
      p95Ms: 300,
      maxMs: 900,
    });
  });

  it('counts incidents on the day they started and leaves hours without latency without percentiles', () => {
    const site = aSiteState({
      hours: [[MIDNIGHT - HOUR_MS, 0, HOUR_MS, 0, 0, 0, 60, 60, null, null, null]],
      days: [[MIDNIGHT - DAY_MS, 0, DAY_MS, 0, 0, 0, 1_440, 1_440]],
      incidentStartsMs: [MIDNIGHT - DAY_MS + 5, MIDNIGHT - DAY_MS + 10, MIDNIGHT - 3 * DAY_MS],
    });

    const summary = summarizeSite(site, MIDNIGHT);

    expect(summary?.days.map((day) => day.incidents)).toEqual([2]);
    expect(summary?.hours).toEqual([{ hourStartMs: MIDNIGHT - HOUR_MS, checks: 60, failures: 60 }]);
  });

  it('leaves out a site with nothing left in reach', () => {
    const site = aSiteState({ hours: [], days: [[MIDNIGHT - 500 * DAY_MS, DAY_MS, 0, 0, 0, 0, 1, 0]] });

    expect(summarizeSite(site, MIDNIGHT)).toBeUndefined();
    expect(
      buildHistorySummary({
        sites: [site, aSiteState({ siteId: 'blog' })],
        compactedUntilMs: MIDNIGHT,
        generatedAtMs: 5,
      }),
    ).toMatchObject({ v: 1, generatedAtMs: 5, compactedUntilMs: MIDNIGHT, sites: [{ siteId: 'blog' }] });
  });
});

describe('summaryOfSites', () => {
  it('keeps the given sites, with the same figures and times, and none when none is given', () => {
    // Prepare
    const summary = buildHistorySummary({
      sites: ['api', 'blog', 'shop'].map((siteId) => aSiteState({ siteId })),
      compactedUntilMs: MIDNIGHT,
      generatedAtMs: 5,
    });

    // Act
    const some = summaryOfSites(summary, new Set(['shop', 'api', 'gone']));
    const none = summaryOfSites(summary, new Set());

    // Assess
    expect(some).toEqual({ ...summary, sites: [summary.sites[0], summary.sites[2]] });
    expect(none).toEqual({ v: 1, generatedAtMs: 5, compactedUntilMs: MIDNIGHT, sites: [] });
  });
});
