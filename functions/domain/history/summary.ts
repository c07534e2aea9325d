import * as v from 'valibot';
import { wholeNumber } from '../schema-parts.ts';
import { IncidentSchema } from './incident.ts';
import { TimeTotalsSchema } from './time-totals.ts';

/** The uptime windows every place shows (CLI, page, status.json), shortest first. */
export const UPTIME_WINDOWS = ['24h', '7d', '30d', '90d', '365d'] as const;
export type UptimeWindow = (typeof UPTIME_WINDOWS)[number];
export const WINDOW_MS: Readonly<Record<UptimeWindow, number>> = {
  '24h': 24 * 3_600_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
  '90d': 90 * 86_400_000,
  '365d': 365 * 86_400_000,
};

/** Daily bars on the page, and hourly response-time points. */
export const SUMMARY_DAYS = 90;
export const SUMMARY_HOURS = 168;
/** Newest incidents per site the summary carries (all of them are in the site's incidents file). */
export const SUMMARY_INCIDENTS = 20;

export const DayBarSchema = v.object({
  /** UTC midnight. */
  dayStartMs: wholeNumber,
  totals: TimeTotalsSchema,
  checks: wholeNumber,
  failures: wholeNumber,
  /** Confirmed outages that started that day. */
  incidents: wholeNumber,
});

export const HourPointSchema = v.object({
  hourStartMs: wholeNumber,
  checks: wholeNumber,
  failures: wholeNumber,
  /** Response times of the hour's up checks; absent without any. */
  p50Ms: v.optional(wholeNumber),
  p95Ms: v.optional(wholeNumber),
  maxMs: v.optional(wholeNumber),
});

export const SiteSummarySchema = v.object({
  siteId: v.pipe(v.string(), v.maxLength(63)),
  /**
   * Per window: the totals of the compacted time in [windowStart, compactedUntilMs) (C = compactedUntilMs), summed
   * from whole compacted periods (summary-builder.ts windowStarts):
   * - '24h': the compacted hours starting at or after C − 24 h rounded up to a whole UTC hour. On AWS C is always a
   *   whole hour, so this is exactly [C − 24 h, C); where the compactor also compacts the current hour early (the
   *   local runtime), the hour holding C − 24 h is left out (the window is up to 1 h shorter, never longer).
   * - 'Nd' (7d, 30d, 90d, 365d): whole UTC days. The last compacted day L is the day holding C − 1 ms; the window is
   *   the N − 1 whole days before L plus L's compacted part [L, C): [L − (N − 1) days, C). Its length is between
   *   N − 1 days (just after midnight) and N days (C at midnight: exactly the last N days), and it holds exactly
   *   the N daily bars ending on day L, so a 90d figure is the sum of the page's 90 bars.
   * What happened since C comes from the site's live state (uptime.ts), so every reader adds the same thing.
   */
  windows: v.object({
    '24h': TimeTotalsSchema,
    '7d': TimeTotalsSchema,
    '30d': TimeTotalsSchema,
    '90d': TimeTotalsSchema,
    '365d': TimeTotalsSchema,
  }),
  /** The last SUMMARY_DAYS UTC days up to the one holding compactedUntilMs, oldest first; days with no data left out. */
  days: v.pipe(v.array(DayBarSchema), v.maxLength(SUMMARY_DAYS)),
  /** The last SUMMARY_HOURS hours, oldest first; hours with no data left out. */
  hours: v.pipe(v.array(HourPointSchema), v.maxLength(SUMMARY_HOURS)),
  /** Newest first, at most SUMMARY_INCIDENTS. */
  incidents: v.pipe(v.array(IncidentSchema), v.maxLength(SUMMARY_INCIDENTS)),
});
export type SiteSummary = Readonly<v.InferOutput<typeof SiteSummarySchema>>;
export type DayBar = Readonly<v.InferOutput<typeof DayBarSchema>>;
export type HourPoint = Readonly<v.InferOutput<typeof HourPointSchema>>;

/**
 * What the compactor publishes after each run (history-keys.ts SUMMARY_KEY): everything the page and `squirrel
 * status` need about the past, for every site with history. Read by the fan-out each minute (only when a site
 * is public), by the page server and by the CLI.
 */
export const HistorySummarySchema = v.object({
  v: v.literal(1),
  generatedAtMs: wholeNumber,
  /** Everything before this is compacted; after it, readers use live state. */
  compactedUntilMs: wholeNumber,
  sites: v.array(SiteSummarySchema),
});
export type HistorySummary = Readonly<v.InferOutput<typeof HistorySummarySchema>>;
