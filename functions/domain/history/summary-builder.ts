import type { SiteCompactorState } from './compactor-state.ts';
import { totalsOfEntry } from './compactor-state.ts';
import { DAY_MS, dayStartOf, HOUR_MS } from './history-keys.ts';
import {
  type DayBar,
  type HistorySummary,
  type HourPoint,
  type SiteSummary,
  SUMMARY_DAYS,
  SUMMARY_HOURS,
  SUMMARY_INCIDENTS,
  type UptimeWindow,
} from './summary.ts';
import { addTotals, EMPTY_TOTALS, type TimeTotals } from './time-totals.ts';

// The summary from the compactor's per-site caches. The windows' exact definition is documented on
// SiteSummary.windows (summary.ts); windowStarts below is that definition in code.

const ceilHour = (ms: number): number => Math.ceil(ms / HOUR_MS) * HOUR_MS;

/** The day of the last compacted instant: the newest day a window or a bar holds. */
export const lastCompactedDayMs = (compactedUntilMs: number): number => dayStartOf(compactedUntilMs - 1);

/**
 * Where each window's compacted part starts (it ends at compactedUntilMs): 24h on the hour, the longer windows on
 * a UTC midnight (their N − 1 whole days before the last compacted day, and that day's compacted part).
 */
export function windowStarts(compactedUntilMs: number): Readonly<Record<UptimeWindow, number>> {
  const lastDayMs = lastCompactedDayMs(compactedUntilMs);
  const days = (count: number) => lastDayMs - (count - 1) * DAY_MS;
  return {
    '24h': ceilHour(compactedUntilMs - 24 * HOUR_MS),
    '7d': days(7),
    '30d': days(30),
    '90d': days(90),
    '365d': days(365),
  };
}

/** One site's summary, or undefined when it has no history inside any window, bar or incident list. */
export function summarizeSite(site: SiteCompactorState, compactedUntilMs: number): SiteSummary | undefined {
  const starts = windowStarts(compactedUntilMs);
  const hoursFromMs = ceilHour(compactedUntilMs) - SUMMARY_HOURS * HOUR_MS;
  const daysFromMs = lastCompactedDayMs(compactedUntilMs) - (SUMMARY_DAYS - 1) * DAY_MS;
  const hours = site.hours.filter(([startMs]) => startMs >= hoursFromMs && startMs < compactedUntilMs);
  const days = site.days.filter(([startMs]) => startMs >= daysFromMs && startMs < compactedUntilMs);
  const sumDays = (fromMs: number): TimeTotals =>
    site.days
      .filter(([startMs]) => startMs >= fromMs && startMs < compactedUntilMs)
      .reduce((total, entry) => addTotals(total, totalsOfEntry(entry)), EMPTY_TOTALS);
  const windows = {
    '24h': hours
      .filter(([startMs]) => startMs >= starts['24h'])
      .reduce((total, entry) => addTotals(total, totalsOfEntry(entry)), EMPTY_TOTALS),
    '7d': sumDays(starts['7d']),
    '30d': sumDays(starts['30d']),
    '90d': sumDays(starts['90d']),
    '365d': sumDays(starts['365d']),
  };
  const incidents = site.incidents.slice(0, SUMMARY_INCIDENTS);
  if (hours.length === 0 && days.length === 0 && incidents.length === 0 && !hasAnyWindow(windows))
    return undefined;
  return {
    siteId: site.siteId,
    windows,
    days: days.map(
      (entry): DayBar => ({
        dayStartMs: entry[0],
        totals: totalsOfEntry(entry),
        checks: entry[6],
        failures: entry[7],
        incidents: site.incidentStartsMs.filter((startMs) => dayStartOf(startMs) === entry[0]).length,
      }),
    ),
    hours: hours.map(
      ([hourStartMs, , , , , , checks, failures, p50Ms, p95Ms, maxMs]): HourPoint => ({
        hourStartMs,
        checks,
        failures,
        ...(p50Ms === null ? {} : { p50Ms }),
        ...(p95Ms === null ? {} : { p95Ms }),
        ...(maxMs === null ? {} : { maxMs }),
      }),
    ),
    incidents,
  };
}

const hasAnyWindow = (windows: Readonly<Record<UptimeWindow, TimeTotals>>): boolean =>
  Object.values(windows).some((t) => t.upMs + t.downMs + t.blockedMs + t.faultMs + t.maintenanceMs > 0);

/** The summary of every given site with history, in siteId order. */
export function buildHistorySummary(input: {
  readonly sites: readonly SiteCompactorState[];
  readonly compactedUntilMs: number;
  readonly generatedAtMs: number;
}): HistorySummary {
  const sites = [...input.sites]
    .sort((a, b) => (a.siteId < b.siteId ? -1 : a.siteId > b.siteId ? 1 : 0))
    .flatMap((site) => summarizeSite(site, input.compactedUntilMs) ?? []);
  return { v: 1, generatedAtMs: input.generatedAtMs, compactedUntilMs: input.compactedUntilMs, sites };
}

/** The same summary holding only the given sites (the public summary: only the sites public now). */
export function summaryOfSites(summary: HistorySummary, siteIds: ReadonlySet<string>): HistorySummary {
  return { ...summary, sites: summary.sites.filter((site) => siteIds.has(site.siteId)) };
}
