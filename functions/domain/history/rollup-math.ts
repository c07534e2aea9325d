import type { CheckRecord } from './check-record.ts';
import { exactPercentile, histogramOf, histogramPercentile, mergeHistograms } from './latency-histogram.ts';
import { type Latency, MAX_COVER_INTERVALS, type RollupFile, type SiteRollup } from './rollup.ts';
import { addTotals, EMPTY_TOTALS, type TimeTotals } from './time-totals.ts';

// The rules of rollup.ts applied: time weighting, counts and latencies of one period, and a day from its hours.

/** Which total a record's time goes to. */
export type CoverCategory = keyof TimeTotals;

/**
 * A record whose verdict still stands at the end of a period: it counts in the next period until the site's next
 * record or `untilMs` (MAX_COVER_INTERVALS × its interval after it), whichever comes first.
 */
export interface Carry {
  readonly atMs: number;
  readonly untilMs: number;
  readonly category: CoverCategory;
}

export const categoryOf = (record: CheckRecord): CoverCategory => {
  if (record.inMaintenance) return 'maintenanceMs';
  // Home's check failed but most locations reached the site (issue 15): up for everyone else, not an outage.
  if (record.shown === 'REGIONAL') return 'upMs';
  switch (record.kind) {
    case 'up':
      return 'upMs';
    case 'down':
      return 'downMs';
    case 'blocked':
      return 'blockedMs';
    case 'fault':
      return 'faultMs';
  }
};

const coverUntilMs = (record: CheckRecord): number =>
  record.atMs + MAX_COVER_INTERVALS * record.intervalMinutes * 60_000;

/**
 * Records in time order, each check id once (a check recorded twice, by a task that came back, counts once: the
 * earliest record is kept). Stable: records at the same ms keep their input order.
 */
export function dedupeRecords(records: readonly CheckRecord[]): CheckRecord[] {
  const seen = new Set<string>();
  const sorted = [...records].sort((a, b) => a.atMs - b.atMs);
  return sorted.filter((record) => {
    const id = `${record.siteId}\u0000${record.checkId}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/**
 * How one site's time in [startMs, endMs) was spent: `carryIn` (from before the period) and the period's records
 * (time order, all with atMs in the period), each standing until the next or its cover limit, cut at endMs.
 * Returns the carry into the next period when the last verdict still stands at endMs.
 */
export function weighSiteTime(
  records: readonly CheckRecord[],
  carryIn: Carry | undefined,
  startMs: number,
  endMs: number,
): { readonly totals: TimeTotals; readonly carryOut: Carry | undefined } {
  const totals: Record<CoverCategory, number> = { ...EMPTY_TOTALS };
  let current: Carry | undefined = carryIn;
  const count = (stand: Carry, stopMs: number) => {
    const fromMs = Math.max(stand.atMs, startMs);
    const toMs = Math.min(stand.untilMs, stopMs, endMs);
    if (toMs > fromMs) totals[stand.category] += toMs - fromMs;
  };
  for (const record of records) {
    if (current) count(current, record.atMs);
    current = { atMs: record.atMs, untilMs: coverUntilMs(record), category: categoryOf(record) };
  }
  if (current) count(current, endMs);
  return { totals, carryOut: current && current.untilMs > endMs ? current : undefined };
}

/** A period's counts and exact latencies for one site (records: the site's, deduplicated, in the period). */
export function rollupSite(siteId: string, records: readonly CheckRecord[], totals: TimeTotals): SiteRollup {
  const upLatencies = records
    .filter((record) => record.kind === 'up')
    .map((record) => record.latencyMs)
    .sort((a, b) => a - b);
  const latency = exactLatency(upLatencies);
  const regional = records.filter((record) => record.shown === 'REGIONAL').length;
  return {
    siteId,
    checks: records.length,
    failures: records.filter((record) => record.kind === 'down').length,
    blocked: records.filter((record) => record.kind === 'blocked').length,
    faults: records.filter((record) => record.kind === 'fault').length,
    inMaintenance: records.filter((record) => record.inMaintenance).length,
    ...(regional > 0 ? { regional } : {}),
    totals,
    ...(latency ? { latency } : {}),
  };
}

function exactLatency(sortedMs: readonly number[]): Latency | undefined {
  const maxMs = sortedMs.at(-1);
  if (maxMs === undefined) return undefined;
  return {
    p50Ms: exactPercentile(sortedMs, 0.5) ?? maxMs,
    p95Ms: exactPercentile(sortedMs, 0.95) ?? maxMs,
    maxMs,
    histogram: histogramOf(sortedMs).map(([bucket, count]) => [bucket, count]),
  };
}

export interface PeriodInput {
  readonly startMs: number;
  /** Exclusive; before startMs + the period's length when the period is compacted early (partial). */
  readonly endMs: number;
  /** Every record read for the period (any site, any order, duplicates allowed); those outside it are ignored. */
  readonly records: readonly CheckRecord[];
  /** Per site, the verdict standing at startMs. */
  readonly carries: ReadonlyMap<string, Carry>;
  /**
   * Per site, the check ids the previous period counted near its end (its `recentCheckIds`): a check recorded
   * twice on either side of the boundary (an SQS duplicate, a task that came back) is counted there, not again.
   */
  readonly countedBefore?: ReadonlyMap<string, readonly string[]>;
}

/**
 * How far before a period's end its check ids are remembered for the next period. Two copies of one check are
 * written by invocations that overlap or follow closely (a redelivery after the visibility timeout, minutes), and
 * the compactor reads a period's records with the next LATE_WRITE_MS (20 min) anyway: 25 minutes covers both
 * while keeping ~25 ids a site in the state.
 */
export const RECENT_CHECK_IDS_MS = 25 * 60_000;
/** A bound on the ids kept a site (a minute's checks and their re-checks for 25 minutes are ~50): the newest. */
export const MAX_RECENT_CHECK_IDS = 200;

/** An hour's RollupFile and the verdicts still standing at its end. Sites in siteId order. */
export function rollupHour(input: PeriodInput): {
  readonly file: RollupFile;
  readonly carries: ReadonlyMap<string, Carry>;
  /** The period's records per site, deduplicated, in time order (for incidents). */
  readonly recordsBySite: ReadonlyMap<string, readonly CheckRecord[]>;
  /** Per site, the check ids of its records in the last RECENT_CHECK_IDS_MS (the next period's countedBefore). */
  readonly recentCheckIds: ReadonlyMap<string, readonly string[]>;
} {
  const countedBefore = input.countedBefore ?? new Map<string, readonly string[]>();
  const counted = new Map([...countedBefore].map(([siteId, checkIds]) => [siteId, new Set(checkIds)]));
  const inPeriod = dedupeRecords(
    input.records.filter(
      (record) =>
        record.atMs >= input.startMs &&
        record.atMs < input.endMs &&
        !counted.get(record.siteId)?.has(record.checkId),
    ),
  );
  const recentCheckIds = new Map<string, string[]>();
  for (const record of inPeriod) {
    if (record.atMs < input.endMs - RECENT_CHECK_IDS_MS) continue;
    const list = recentCheckIds.get(record.siteId);
    if (list) list.push(record.checkId);
    else recentCheckIds.set(record.siteId, [record.checkId]);
  }
  const recordsBySite = new Map<string, CheckRecord[]>();
  for (const record of inPeriod) {
    const list = recordsBySite.get(record.siteId);
    if (list) list.push(record);
    else recordsBySite.set(record.siteId, [record]);
  }
  const siteIds = [...new Set([...recordsBySite.keys(), ...input.carries.keys()])].sort();
  const sites: SiteRollup[] = [];
  const carries = new Map<string, Carry>();
  for (const siteId of siteIds) {
    const records = recordsBySite.get(siteId) ?? [];
    const { totals, carryOut } = weighSiteTime(
      records,
      input.carries.get(siteId),
      input.startMs,
      input.endMs,
    );
    if (carryOut) carries.set(siteId, carryOut);
    if (records.length > 0 || hasTime(totals)) sites.push(rollupSite(siteId, records, totals));
  }
  return {
    file: { v: 1, period: 'hour', startMs: input.startMs, endMs: input.endMs, sites },
    carries,
    recordsBySite,
    recentCheckIds: new Map(
      [...recentCheckIds].map(([siteId, checkIds]) => [siteId, checkIds.slice(-MAX_RECENT_CHECK_IDS)]),
    ),
  };
}

/** A day's RollupFile from its hours' files (counts and totals summed, latencies from the merged histograms). */
export function rollupDay(dayStartMs: number, endMs: number, hours: readonly RollupFile[]): RollupFile {
  const bySite = new Map<string, SiteRollup[]>();
  for (const hour of hours) {
    for (const site of hour.sites) {
      const list = bySite.get(site.siteId);
      if (list) list.push(site);
      else bySite.set(site.siteId, [site]);
    }
  }
  const sites = [...bySite.keys()].sort().map((siteId) => mergeSiteRollups(siteId, bySite.get(siteId) ?? []));
  return { v: 1, period: 'day', startMs: dayStartMs, endMs, sites };
}

export function mergeSiteRollups(siteId: string, parts: readonly SiteRollup[]): SiteRollup {
  const latencies = parts.flatMap((part) => (part.latency ? [part.latency] : []));
  const latency = mergeLatencies(latencies);
  const regional = sum(parts, (part) => part.regional ?? 0);
  return {
    siteId,
    checks: sum(parts, (part) => part.checks),
    failures: sum(parts, (part) => part.failures),
    blocked: sum(parts, (part) => part.blocked),
    faults: sum(parts, (part) => part.faults),
    inMaintenance: sum(parts, (part) => part.inMaintenance),
    ...(regional > 0 ? { regional } : {}),
    totals: parts.reduce((total, part) => addTotals(total, part.totals), EMPTY_TOTALS),
    ...(latency ? { latency } : {}),
  };
}

function mergeLatencies(latencies: readonly Latency[]): Latency | undefined {
  if (latencies.length === 0) return undefined;
  const histogram = mergeHistograms(latencies.map((latency) => latency.histogram));
  const maxMs = Math.max(...latencies.map((latency) => latency.maxMs));
  return {
    p50Ms: histogramPercentile(histogram, 0.5, maxMs) ?? maxMs,
    p95Ms: histogramPercentile(histogram, 0.95, maxMs) ?? maxMs,
    maxMs,
    histogram: histogram.map(([bucket, count]) => [bucket, count]),
  };
}

export const hasTime = (totals: TimeTotals): boolean =>
  totals.upMs + totals.downMs + totals.blockedMs + totals.faultMs + totals.maintenanceMs > 0;

const sum = <T>(items: readonly T[], of: (item: T) => number): number =>
  items.reduce((total, item) => total + of(item), 0);
