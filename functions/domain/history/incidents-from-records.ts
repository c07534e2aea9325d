import { DOWN_REASONS, type DownReason } from '../check-result.ts';
import type { CheckRecord } from './check-record.ts';
import { type Incident, MAX_INCIDENTS_PER_SITE, type SiteIncidentsFile } from './incident.ts';
import { MAX_COVER_INTERVALS } from './rollup.ts';

// Incidents are read from the sequence of statuses people saw (each record's `shown`), so they match what the
// alerts said: a record showing DOWN opens one (from the outage's first failed check, outageSinceMs, confirmed by
// that record); the first later record whose confirmed status is not DOWN closes it (RECOVERING still is DOWN).
// UNCHECKED records and faults say nothing about the site: they neither open nor close one.
// Records that stop close one too: when no record of its site comes for longer than the last one's coverage
// (MAX_COVER_INTERVALS × its interval, rollup.ts: the time after is unknown), the site was paused, deleted or
// lost its checks while DOWN; the incident ends where the history last saw it (endKnown: false), so it neither
// reads as ongoing for weeks nor stretches over the pause when the site is checked again. A DOWN record after
// that gap with the same outage (the live state kept it) opens it again: the outage still goes on.

/** Shown statuses during which a confirmed outage goes on. */
const STILL_DOWN = new Set<CheckRecord['shown']>(['DOWN', 'RECOVERING']);

// A DOWN record always carries its down reason; one written by a future checker version without it still opens
// the incident rather than losing it.
const FALLBACK_REASON: DownReason = 'unexpected-status';

const isDownReason = (reason: CheckRecord['reason']): reason is DownReason =>
  (DOWN_REASONS as readonly string[]).includes(reason ?? '');

/** An incident open at the end of a period, and until when its site's last record covers it. */
export interface OpenIncident {
  readonly incident: Incident;
  /** Undefined in a state written before this was kept: the next record sets it. */
  readonly seenUntilMs: number | undefined;
}

export interface SiteIncidentProgress {
  /** Incidents opened or closed by these records, oldest first (an ongoing one without endMs). */
  readonly touched: readonly Incident[];
  /** The incident still open after the period, to carry into the next one. */
  readonly open: OpenIncident | undefined;
}

const coverEndOf = (record: CheckRecord): number =>
  record.atMs + MAX_COVER_INTERVALS * record.intervalMinutes * 60_000;

/**
 * Follows one site's records (time order, all before `periodEndMs`) from `open`, the incident open before them.
 * The period may hold no record: an open incident whose coverage ends before `periodEndMs` is closed (without
 * `periodEndMs`, only a gap between records closes one).
 */
export function followIncidents(
  records: readonly CheckRecord[],
  open: OpenIncident | undefined,
  periodEndMs?: number,
): SiteIncidentProgress {
  const touched: Incident[] = [];
  let current = open?.incident;
  let seenUntilMs = open?.seenUntilMs;
  const closeUnseen = (untilMs: number) => {
    if (!current || seenUntilMs === undefined || seenUntilMs >= untilMs) return;
    replaceOrAdd(touched, { ...current, endMs: Math.max(current.confirmedMs, seenUntilMs), endKnown: false });
    current = undefined;
  };
  for (const record of records) {
    closeUnseen(record.atMs);
    if (current) seenUntilMs = coverEndOf(record);
    if (record.shown === 'UNCHECKED' || record.kind === 'fault') continue;
    if (current) {
      if (STILL_DOWN.has(record.shown)) continue;
      const closed: Incident = { ...current, endMs: record.atMs };
      replaceOrAdd(touched, closed);
      current = undefined;
    } else if (record.shown === 'DOWN') {
      current = {
        siteId: record.siteId,
        startMs: Math.min(record.outageSinceMs ?? record.atMs, record.atMs),
        confirmedMs: record.atMs,
        reason: isDownReason(record.reason) ? record.reason : FALLBACK_REASON,
        detail: record.detail ?? '',
        ...(record.status === undefined ? {} : { status: record.status }),
        ...(record.inMaintenance ? { inMaintenance: true as const } : {}),
      };
      seenUntilMs = coverEndOf(record);
      replaceOrAdd(touched, current);
    }
  }
  if (periodEndMs !== undefined) closeUnseen(periodEndMs);
  return { touched, open: current ? { incident: current, seenUntilMs } : undefined };
}

function replaceOrAdd(list: Incident[], incident: Incident): void {
  const index = list.findIndex((item) => item.startMs === incident.startMs);
  if (index >= 0) list[index] = incident;
  else list.push(incident);
}

/**
 * A site's incidents file with `updates` merged in: an incident is identified by its startMs, so merging the same
 * update twice gives the same file (a re-run compaction changes nothing). Newest first, bounded.
 */
export function mergeIncidents(
  siteId: string,
  existing: SiteIncidentsFile | undefined,
  updates: readonly Incident[],
): SiteIncidentsFile {
  const byStart = new Map<number, Incident>();
  for (const incident of existing?.incidents ?? []) byStart.set(incident.startMs, incident);
  for (const incident of updates) byStart.set(incident.startMs, incident);
  const all = [...byStart.values()].sort((a, b) => b.startMs - a.startMs);
  const dropped = (existing?.dropped ?? 0) + Math.max(0, all.length - MAX_INCIDENTS_PER_SITE);
  return {
    v: 1,
    siteId,
    incidents: all.slice(0, MAX_INCIDENTS_PER_SITE),
    ...(dropped > 0 ? { dropped } : {}),
  };
}
