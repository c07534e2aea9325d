import * as v from 'valibot';
import { wholeNumber } from '../schema-parts.ts';
import { DAY_MS, dayStartOf, HOUR_MS } from './history-keys.ts';
import { IncidentSchema } from './incident.ts';
import type { OpenIncident } from './incidents-from-records.ts';
import type { SiteRollup } from './rollup.ts';
import { type Carry, MAX_RECENT_CHECK_IDS } from './rollup-math.ts';
import { SUMMARY_HOURS, SUMMARY_INCIDENTS } from './summary.ts';
import type { TimeTotals } from './time-totals.ts';

// The compactor's bookkeeping (history-keys.ts COMPACTOR_STATE_KEY), written last in every run so that a run that
// failed half-way is simply done again. Besides what was compacted, it caches what the summary needs per site
// (the last SUMMARY_HOURS hours, the last 365 days, the newest incidents), so a run reads the raw objects of the
// new hours and nothing of the past: rebuilding the summary from rollup files would cost ~260 GETs a run.
// Hours and days are tuples to keep the object small (~15 numbers a site-day).

export const COMPACTOR_STATE_VERSION = 1;

/** Days the cache keeps: the longest window (365d) ends in the day holding compactedUntilMs. */
export const CACHED_DAYS = 365;

/**
 * A tuple of whole numbers (`null` allowed from index `nullableFrom`), checked in one pass: the state holds ~500,000
 * of them for 1,000 sites, and a schema per element made reading it several times slower.
 */
const wholeNumberTuple = <Tuple extends readonly (number | null)[]>(length: number, nullableFrom = length) =>
  v.custom<Tuple>(
    (input) =>
      Array.isArray(input) &&
      input.length === length &&
      input.every(
        (item, index) =>
          (item === null && index >= nullableFrom) || (Number.isSafeInteger(item) && (item as number) >= 0),
      ),
    `must be ${length} whole numbers`,
  );

/** [hourStartMs, upMs, downMs, blockedMs, faultMs, maintenanceMs, checks, failures, p50Ms, p95Ms, maxMs]. */
export type HourEntry = [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number | null,
  number | null,
  number | null,
];
const HourEntrySchema = wholeNumberTuple<HourEntry>(11, 8);

/** [dayStartMs, upMs, downMs, blockedMs, faultMs, maintenanceMs, checks, failures]. */
export type DayEntry = [number, number, number, number, number, number, number, number];
const DayEntrySchema = wholeNumberTuple<DayEntry>(8);

export const CarrySchema = v.object({
  atMs: wholeNumber,
  untilMs: wholeNumber,
  category: v.picklist(['upMs', 'downMs', 'blockedMs', 'faultMs', 'maintenanceMs']),
});

const SiteCompactorStateSchema = v.object({
  siteId: v.pipe(v.string(), v.maxLength(63)),
  /** The verdict still standing at compactedUntilMs. */
  carry: v.optional(CarrySchema),
  /** The incident open at compactedUntilMs. */
  open: v.optional(IncidentSchema),
  /** Check ids counted in the last RECENT_CHECK_IDS_MS before compactedUntilMs, not to count again after it. */
  recentCheckIds: v.optional(
    v.pipe(v.array(v.pipe(v.string(), v.maxLength(80))), v.maxLength(MAX_RECENT_CHECK_IDS)),
  ),
  /** Until when the site's last record covers `open` (incidents-from-records.ts): it is closed there if no record comes. */
  openSeenUntilMs: v.optional(wholeNumber),
  /** Complete hours, oldest first, hours with data only. */
  hours: v.array(HourEntrySchema),
  /** Days made of complete hours, oldest first, days with data only. */
  days: v.array(DayEntrySchema),
  /** Newest first, at most SUMMARY_INCIDENTS (from the site's incidents file). */
  incidents: v.pipe(v.array(IncidentSchema), v.maxLength(SUMMARY_INCIDENTS)),
  /** Start times of the incidents in the cached days, for the daily bars' counts. */
  incidentStartsMs: v.array(wholeNumber),
});
export type SiteCompactorState = Readonly<v.InferOutput<typeof SiteCompactorStateSchema>>;

export const CompactorStateSchema = v.object({
  v: v.literal(COMPACTOR_STATE_VERSION),
  /** Every complete UTC hour before this is compacted (a whole hour). */
  compactedUntilMs: wholeNumber,
  sites: v.array(SiteCompactorStateSchema),
});
export type CompactorState = Readonly<v.InferOutput<typeof CompactorStateSchema>>;

export const emptySiteState = (siteId: string): SiteCompactorState => ({
  siteId,
  hours: [],
  days: [],
  incidents: [],
  incidentStartsMs: [],
});

const totalsTuple = (t: TimeTotals) => [t.upMs, t.downMs, t.blockedMs, t.faultMs, t.maintenanceMs] as const;

export const hourEntryOf = (hourStartMs: number, rollup: SiteRollup): HourEntry => [
  hourStartMs,
  ...totalsTuple(rollup.totals),
  rollup.checks,
  rollup.failures,
  rollup.latency?.p50Ms ?? null,
  rollup.latency?.p95Ms ?? null,
  rollup.latency?.maxMs ?? null,
];

export const dayEntryOf = (dayStartMs: number, rollup: SiteRollup): DayEntry => [
  dayStartMs,
  ...totalsTuple(rollup.totals),
  rollup.checks,
  rollup.failures,
];

export const totalsOfEntry = (entry: HourEntry | DayEntry): TimeTotals => ({
  upMs: entry[1],
  downMs: entry[2],
  blockedMs: entry[3],
  faultMs: entry[4],
  maintenanceMs: entry[5],
});

/** `entries` with `entry` in its place (replacing one of the same start), oldest first. */
export function upsertEntry<Entry extends HourEntry | DayEntry>(
  entries: readonly Entry[],
  entry: Entry,
): Entry[] {
  const others = entries.filter((existing) => existing[0] !== entry[0]);
  others.push(entry);
  return others.sort((a, b) => a[0] - b[0]);
}

/**
 * The state to keep after compacting through `compactedUntilMs`: each site's entries still inside the caches'
 * reach, with its carry, open incident and recent check ids (sites not in `sites`, deleted ones, are left out).
 */
export function pruneState(
  sites: ReadonlyMap<string, SiteCompactorState>,
  carries: ReadonlyMap<string, Carry>,
  open: ReadonlyMap<string, OpenIncident>,
  compactedUntilMs: number,
  recentCheckIds: ReadonlyMap<string, readonly string[]> = new Map(),
): CompactorState {
  const hoursFromMs = compactedUntilMs - SUMMARY_HOURS * HOUR_MS;
  // From the first day of the 365d window (summary-builder.ts windowStarts).
  const daysFromMs = dayStartOf(compactedUntilMs - 1) - (CACHED_DAYS - 1) * DAY_MS;
  const kept = [...sites.values()]
    .map((site): SiteCompactorState => {
      const carry = carries.get(site.siteId);
      const incident = open.get(site.siteId);
      const checkIds = recentCheckIds.get(site.siteId);
      const { carry: _carry, open: _open, openSeenUntilMs: _seen, recentCheckIds: _checkIds, ...rest } = site;
      return {
        ...rest,
        ...(carry ? { carry } : {}),
        ...(incident ? { open: incident.incident } : {}),
        ...(incident?.seenUntilMs === undefined ? {} : { openSeenUntilMs: incident.seenUntilMs }),
        ...(checkIds && checkIds.length > 0 ? { recentCheckIds: [...checkIds] } : {}),
        hours: site.hours.filter(([startMs]) => startMs >= hoursFromMs),
        days: site.days.filter(([startMs]) => startMs >= daysFromMs),
      };
    })
    .sort((a, b) => (a.siteId < b.siteId ? -1 : a.siteId > b.siteId ? 1 : 0));
  return { v: COMPACTOR_STATE_VERSION, compactedUntilMs, sites: kept };
}

/** `kept` with the entries of `early` (periods compacted early) in place of those of the same start. */
export function mergeEntries<Entry extends readonly [number, ...unknown[]]>(
  kept: readonly Entry[],
  early: readonly Entry[],
): Entry[] {
  const earlyStarts = new Set(early.map((entry) => entry[0]));
  return [...kept.filter((entry) => !earlyStarts.has(entry[0])), ...early].sort((a, b) => a[0] - b[0]);
}
