import type { SiteCompactorState } from '../../functions/domain/history/compactor-state.ts';
import { DAY_MS, HOUR_MS } from '../../functions/domain/history/history-keys.ts';
import type { Incident } from '../../functions/domain/history/incident.ts';

/** The bench fleet's site ids, in siteId order. */
export const siteIdOf = (index: number): string => `site-${String(index).padStart(4, '0')}-example-com`;

/**
 * The compactor's caches of `sites` sites at steady state, history reaching `untilMs`: 365 days, 168 hours and 20
 * incidents each, a few down minutes scattered (the summary's and the state's largest realistic size).
 */
export function steadyStateSites(sites: number, untilMs: number): SiteCompactorState[] {
  const incidents = (siteId: string): Incident[] =>
    Array.from({ length: 20 }, (_, i) => ({
      siteId,
      startMs: untilMs - (i + 1) * 3 * DAY_MS,
      confirmedMs: untilMs - (i + 1) * 3 * DAY_MS + 30_000,
      endMs: untilMs - (i + 1) * 3 * DAY_MS + 600_000,
      reason: 'timeout',
      detail: 'no response within 10 s',
    }));
  return Array.from({ length: sites }, (_, s) => {
    const siteId = siteIdOf(s);
    return {
      siteId,
      carry: { atMs: untilMs - 30_000, untilMs: untilMs + 60_000, category: 'upMs' },
      hours: Array.from({ length: 168 }, (_, h) => {
        const down = (s + h) % 50 === 0 ? 60_000 : 0;
        return [
          untilMs - (168 - h) * HOUR_MS,
          HOUR_MS - down,
          down,
          0,
          0,
          0,
          60,
          down ? 1 : 0,
          150 + (h % 37),
          420 + (h % 91),
          2_100 + h,
        ] as const;
      }) as SiteCompactorState['hours'],
      days: Array.from({ length: 365 }, (_, d) => {
        const down = (s + d) % 9 === 0 ? 120_000 + d : 0;
        return [untilMs - (365 - d) * DAY_MS, DAY_MS - down, down, 0, 0, 0, 1440, down ? 2 : 0] as const;
      }) as SiteCompactorState['days'],
      incidents: incidents(siteId),
      incidentStartsMs: incidents(siteId).map((incident) => incident.startMs),
    };
  });
}
