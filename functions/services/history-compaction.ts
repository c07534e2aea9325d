import type { HistoryStore } from '../adapters/history-store.ts';
import type { Logger } from '../adapters/logger.ts';
import type { ListedSite } from '../adapters/site-listing.ts';
import type { CheckRecord } from '../domain/history/check-record.ts';
import {
  type CompactorState,
  dayEntryOf,
  emptySiteState,
  hourEntryOf,
  mergeEntries,
  pruneState,
  type SiteCompactorState,
  upsertEntry,
} from '../domain/history/compactor-state.ts';
import {
  COMPACTOR_STATE_KEY,
  DAY_MS,
  dayStartOf,
  HOUR_MS,
  hourStartOf,
} from '../domain/history/history-keys.ts';
import type { Incident } from '../domain/history/incident.ts';
import {
  followIncidents,
  mergeIncidents,
  type OpenIncident,
} from '../domain/history/incidents-from-records.ts';
import type { RollupFile } from '../domain/history/rollup.ts';
import { type Carry, rollupDay, rollupHour } from '../domain/history/rollup-math.ts';
import {
  compareSiteOrder,
  isPublicSite,
  MAX_STATUS_SITES,
} from '../domain/history/status-document-builder.ts';
import { SUMMARY_DAYS, SUMMARY_INCIDENTS } from '../domain/history/summary.ts';
import {
  buildHistorySummary,
  lastCompactedDayMs,
  summaryOfSites,
} from '../domain/history/summary-builder.ts';
import { LATE_WRITE_MS, RawRecordsReader } from './history/raw-records-reader.ts';

// The compactor (CONTRACT of issue 13, architecture point 2): raw batches → hourly and daily rollups, incidents
// and the summaries (all sites; the public ones). Every complete UTC hour is compacted once, oldest first, at most MAX_HOURS_PER_RUN a run; its
// results are kept in the state (written last) so a run that fails half-way is done again from the same inputs.

/** Catch-up bound: a run after a long outage of the compactor does 48 hours, the next runs the rest. */
export const MAX_HOURS_PER_RUN = 48;

export interface CompactionDeps {
  readonly store: HistoryStore;
  readonly log: Logger;
}

export interface CompactionInput {
  readonly nowMs: number;
  /** Also compact the current, partial hour up to here (the local runtime: history at once). Never past nowMs. */
  readonly throughMs?: number;
  /** The sites that exist: only they get a summary, an incidents file and a state. */
  readonly sites: readonly ListedSite[];
  /** Owners whose sites are public unless a site says otherwise: the public summary holds those sites. */
  readonly publicOwners: readonly string[];
}

export interface CompactionReport {
  /** Complete hours compacted by this run (their state kept). */
  readonly hoursCompacted: number;
  /** Hours compacted early up to throughMs (recomputed by a later run). */
  readonly partialHours: number;
  /** Records in the compacted hours (each check once). */
  readonly records: number;
  /** Sites in the summary. */
  readonly sites: number;
  /** Sites in the public summary (public sites with history). */
  readonly publicSites: number;
  readonly objectsRead: number;
  readonly objectsWritten: number;
  readonly corruptObjects: number;
  /** Incidents files deleted because their site no longer exists. */
  readonly deletedIncidentFiles: number;
  /** The summary's compactedUntilMs. */
  readonly compactedUntilMs: number;
  /** Complete hours still waiting (a catch-up longer than MAX_HOURS_PER_RUN). */
  readonly hoursBehind: number;
}

interface HourResult {
  readonly file: RollupFile;
  readonly complete: boolean;
}

/** One compaction run: see the file comment. Idempotent: run twice, it writes the same objects. */
export async function compactHistory(
  deps: CompactionDeps,
  input: CompactionInput,
): Promise<CompactionReport> {
  const { store, log } = deps;
  const reader = new RawRecordsReader(store, log);
  let objectsWritten = 0;
  const existing = new Set(input.sites.map((site) => site.siteId));
  const previous = await readState(store);
  const readyUntilMs = hourStartOf(input.nowMs - LATE_WRITE_MS);
  const firstHourMs = previous?.compactedUntilMs ?? readyUntilMs - MAX_HOURS_PER_RUN * HOUR_MS;
  const completeUntilMs = Math.max(
    firstHourMs,
    Math.min(readyUntilMs, firstHourMs + MAX_HOURS_PER_RUN * HOUR_MS),
  );

  const sites = new Map<string, SiteCompactorState>();
  for (const site of previous?.sites ?? []) if (existing.has(site.siteId)) sites.set(site.siteId, site);
  const siteState = (siteId: string) => sites.get(siteId) ?? emptySiteState(siteId);
  let carries = new Map<string, Carry>();
  const open = new Map<string, OpenIncident>();
  for (const site of sites.values()) {
    if (site.carry) carries.set(site.siteId, site.carry);
    if (site.open) open.set(site.siteId, { incident: site.open, seenUntilMs: site.openSeenUntilMs });
  }
  let recentCheckIds: ReadonlyMap<string, readonly string[]> = new Map(
    [...sites.values()].flatMap((site) => (site.recentCheckIds ? [[site.siteId, site.recentCheckIds]] : [])),
  );
  const touched = new Map<string, Map<number, Incident>>();
  const hours: HourResult[] = [];
  let records = 0;

  const compactHour = async (
    startMs: number,
    endMs: number,
    carriesIn: ReadonlyMap<string, Carry>,
    countedBefore: ReadonlyMap<string, readonly string[]>,
    openIn: Map<string, OpenIncident>,
  ) => {
    const raw = await reader.recordsOfHour(startMs);
    const result = rollupHour({ startMs, endMs, records: raw, carries: carriesIn, countedBefore });
    for (const [siteId, siteRecords] of result.recordsBySite) {
      records += siteRecords.length;
      followSite(siteId, siteRecords, endMs, openIn, touched);
    }
    // Sites whose records stopped: an incident they left open ends where their last record's coverage ends.
    for (const siteId of [...openIn.keys()]) {
      if (!result.recordsBySite.has(siteId)) followSite(siteId, [], endMs, openIn, touched);
    }
    await store.putRollup(result.file);
    objectsWritten += 1;
    return result;
  };

  for (let hourMs = firstHourMs; hourMs < completeUntilMs; hourMs += HOUR_MS) {
    const result = await compactHour(hourMs, hourMs + HOUR_MS, carries, recentCheckIds, open);
    carries = new Map(result.carries);
    recentCheckIds = result.recentCheckIds;
    hours.push({ file: result.file, complete: true });
    for (const rollup of result.file.sites) {
      if (!existing.has(rollup.siteId)) continue;
      const site = siteState(rollup.siteId);
      sites.set(rollup.siteId, { ...site, hours: upsertEntry(site.hours, hourEntryOf(hourMs, rollup)) });
    }
  }

  // Early compaction of the hours after the complete ones (only once caught up): their results are written but
  // not kept in the state, so a later run recomputes them from scratch.
  const caughtUp = completeUntilMs >= readyUntilMs;
  const throughMs = input.throughMs === undefined ? undefined : Math.min(input.throughMs, input.nowMs);
  const summaryUntilMs =
    caughtUp && throughMs !== undefined && throughMs > completeUntilMs ? throughMs : completeUntilMs;
  let partialCarries: ReadonlyMap<string, Carry> = carries;
  let partialCheckIds = recentCheckIds;
  const partialOpen = new Map(open);
  for (let hourMs = completeUntilMs; hourMs < summaryUntilMs; hourMs += HOUR_MS) {
    const result = await compactHour(
      hourMs,
      Math.min(hourMs + HOUR_MS, summaryUntilMs),
      partialCarries,
      partialCheckIds,
      partialOpen,
    );
    partialCarries = result.carries;
    partialCheckIds = result.recentCheckIds;
    hours.push({ file: result.file, complete: false });
  }

  // Days: each touched day rewritten from all its hours (the earlier ones read back), the state keeping the part
  // made of complete hours.
  const view = new Map<string, SiteCompactorState>();
  for (const dayMs of [...new Set(hours.map((hour) => dayStartOf(hour.file.startMs)))]) {
    const ofDay = hours.filter((hour) => dayStartOf(hour.file.startMs) === dayMs);
    const firstMs = ofDay[0]?.file.startMs ?? dayMs;
    const earlier = (await earlierPartOfDay(store, dayMs, firstMs)).map((file) => ({ file, complete: true }));
    const all = [...earlier, ...ofDay];
    const endMs = all.at(-1)?.file.endMs ?? dayMs;
    await store.putRollup(
      rollupDay(
        dayMs,
        endMs,
        all.map((hour) => hour.file),
      ),
    );
    objectsWritten += 1;
    const complete = all.filter((hour) => hour.complete).map((hour) => hour.file);
    const completeDay = rollupDay(dayMs, dayMs + DAY_MS, complete);
    for (const rollup of completeDay.sites) {
      if (!existing.has(rollup.siteId)) continue;
      const site = siteState(rollup.siteId);
      sites.set(rollup.siteId, { ...site, days: upsertEntry(site.days, dayEntryOf(dayMs, rollup)) });
    }
    if (complete.length === all.length) continue;
    // The summary's view of a day compacted early: all its hours; of an hour: its early rollup.
    const wholeDay = rollupDay(
      dayMs,
      endMs,
      all.map((hour) => hour.file),
    );
    for (const rollup of wholeDay.sites) {
      if (!existing.has(rollup.siteId)) continue;
      const site = view.get(rollup.siteId) ?? siteState(rollup.siteId);
      view.set(rollup.siteId, { ...site, days: upsertEntry(site.days, dayEntryOf(dayMs, rollup)) });
    }
  }
  for (const hour of hours.filter((item) => !item.complete)) {
    for (const rollup of hour.file.sites) {
      if (!existing.has(rollup.siteId)) continue;
      const site = view.get(rollup.siteId) ?? siteState(rollup.siteId);
      view.set(rollup.siteId, {
        ...site,
        hours: upsertEntry(site.hours, hourEntryOf(hour.file.startMs, rollup)),
      });
    }
  }

  // Incidents: merged into each existing site's file (same update twice, same file); the state keeps the newest.
  for (const [siteId, updates] of touched) {
    if (!existing.has(siteId)) continue;
    const before = await store.getSiteIncidents(siteId);
    const merged = mergeIncidents(siteId, before, [...updates.values()]);
    if (JSON.stringify(merged) !== JSON.stringify(before)) {
      await store.putSiteIncidents(merged);
      objectsWritten += 1;
    }
    const site = siteState(siteId);
    const recent = {
      incidents: merged.incidents.slice(0, SUMMARY_INCIDENTS),
      incidentStartsMs: merged.incidents
        .map((incident) => incident.startMs)
        .filter((startMs) => startMs >= lastCompactedDayMs(summaryUntilMs) - SUMMARY_DAYS * DAY_MS),
    };
    sites.set(siteId, { ...site, ...recent });
    const viewed = view.get(siteId);
    if (viewed) view.set(siteId, { ...viewed, ...recent });
  }

  let deletedIncidentFiles = 0;
  for (const siteId of await store.listIncidentSiteIds()) {
    if (existing.has(siteId)) continue;
    await store.deleteSiteIncidents(siteId);
    deletedIncidentFiles += 1;
  }

  const state = pruneState(sites, carries, open, completeUntilMs, recentCheckIds);
  const summarySites = state.sites.map((site) => {
    const viewed = view.get(site.siteId);
    return viewed
      ? {
          ...site,
          ...viewed,
          hours: mergeEntries(site.hours, viewed.hours),
          days: mergeEntries(site.days, viewed.days),
        }
      : site;
  });
  for (const [siteId, viewed] of view) if (!sites.has(siteId)) summarySites.push(viewed);
  const summary = buildHistorySummary({
    sites: summarySites,
    compactedUntilMs: summaryUntilMs,
    generatedAtMs: input.nowMs,
  });
  // Written every run, empty when no site is public, so a site made private leaves it within the hour.
  const publicSummary = summaryOfSites(summary, publicSiteIds(input.sites, input.publicOwners));
  await store.putSummary(summary);
  await store.putPublicSummary(publicSummary);
  await store.putCompactorState(state);
  objectsWritten += 3;

  const report: CompactionReport = {
    hoursCompacted: hours.filter((hour) => hour.complete).length,
    partialHours: hours.filter((hour) => !hour.complete).length,
    records,
    sites: summary.sites.length,
    publicSites: publicSummary.sites.length,
    objectsRead: reader.counts.objectsRead,
    objectsWritten,
    corruptObjects: reader.counts.corruptObjects,
    deletedIncidentFiles,
    compactedUntilMs: summaryUntilMs,
    hoursBehind: Math.max(0, (readyUntilMs - completeUntilMs) / HOUR_MS),
  };
  // A log line, not a metric: nothing alarms on it (the CompactorErrors alarm reads Lambda's own Errors), and a
  // custom metric costs $0.30 a month, a third of the history budget. Logs Insights queries it.
  log.info('history compacted', { ...report });
  return report;
}

/**
 * The sites the public summary holds: the public ones, bounded as the public status.json is (its first
 * MAX_STATUS_SITES.public in the document's order), so the fan-out never reads more than the page shows.
 */
export function publicSiteIds(sites: readonly ListedSite[], publicOwners: readonly string[]): Set<string> {
  const shown = sites
    .filter((site) => isPublicSite(site, publicOwners))
    .sort(compareSiteOrder)
    .slice(0, MAX_STATUS_SITES.public);
  return new Set(shown.map((site) => site.siteId));
}

/**
 * The day's hours before `firstMs` (all complete: earlier runs compacted them). The day file written by the last
 * run is exactly those hours when it ends at `firstMs` (a run that compacted any hour early wrote one ending later):
 * one GET instead of up to 23. Runs never overlap (one compactor at a time), which this relies on.
 */
async function earlierPartOfDay(store: HistoryStore, dayMs: number, firstMs: number): Promise<RollupFile[]> {
  if (firstMs === dayMs) return [];
  const soFar = await store.getRollup('day', dayMs);
  if (soFar?.endMs === firstMs) return [soFar];
  const hours: RollupFile[] = [];
  for (let hourMs = dayMs; hourMs < firstMs; hourMs += HOUR_MS) {
    const file = await store.getRollup('hour', hourMs);
    if (file) hours.push(file);
  }
  return hours;
}

function followSite(
  siteId: string,
  siteRecords: readonly CheckRecord[],
  periodEndMs: number,
  open: Map<string, OpenIncident>,
  touched: Map<string, Map<number, Incident>>,
): void {
  const progress = followIncidents(siteRecords, open.get(siteId), periodEndMs);
  if (progress.open) open.set(siteId, progress.open);
  else open.delete(siteId);
  if (progress.touched.length === 0) return;
  const updates = touched.get(siteId) ?? new Map<number, Incident>();
  for (const incident of progress.touched) updates.set(incident.startMs, incident);
  touched.set(siteId, updates);
}

/** Why a run stops instead of compacting: the state it needs cannot be read (see readState). */
export class CompactorStateUnreadableError extends Error {
  override name = 'CompactorStateUnreadableError';
}

/**
 * The state, or undefined when there is none yet (the first run). An unreadable one (corrupt, over its read
 * limit, of another schema) stops the run: starting afresh would publish 30d/90d/365d windows and 90 daily bars
 * made of the 48 hours it catches up (a year-old site at 100.00 %) until a year has passed. Failing leaves the
 * summary as it was (older, but right), makes the CompactorErrors alarm fire, and the message says how to recover.
 * (Rebuilding the caches from the daily rollups cannot restore the carries and open incidents at compactedUntil.)
 */
async function readState(store: HistoryStore): Promise<CompactorState | undefined> {
  try {
    return await store.getCompactorState();
  } catch (error) {
    if ((error as { code?: string }).code !== 'HISTORY_OBJECT_INVALID') throw error;
    throw new CompactorStateUnreadableError(
      `history compactor state ${COMPACTOR_STATE_KEY} cannot be read (${(error as Error).message}): no history is compacted until it is fixed. ` +
        'Restore a readable version of it (the bucket keeps none by default), or delete it to start afresh: the windows and daily bars then hold only the hours compacted since.',
      { cause: error },
    );
  }
}
