import type { SiteRecord } from '../../functions/adapters/site-store.ts';
import { durationOf, type Incident } from '../../functions/domain/history/incident.ts';
import { formatDuration, formatTimestamp, renderTable, toJsonLine } from './render.ts';

// `squirrel incidents`: the compacted incidents files merged with what only the live state knows yet (the
// outage going on now, and the last one that ended since the compactor last ran).

/** What the site's item says about outages: the ongoing one (DOWN or RECOVERING) and the last one that ended. */
export function liveIncidents({ config, state }: SiteRecord): Incident[] {
  const incidents: Incident[] = [];
  const isConfirmedDown = state.status === 'DOWN' || state.status === 'RECOVERING';
  if (isConfirmedDown && state.outage !== undefined) {
    incidents.push({
      siteId: config.siteId,
      startMs: state.outage.sinceMs,
      // A DOWN site's statusSinceMs is the check that confirmed it (RECOVERING does not move it).
      confirmedMs: state.statusSinceMs ?? state.outage.sinceMs,
      reason: state.outage.reason,
      detail: state.outage.detail,
      ...(state.outage.status === undefined ? {} : { status: state.outage.status }),
    });
  }
  if (state.lastIncident !== undefined) incidents.push({ siteId: config.siteId, ...state.lastIncident });
  return incidents;
}

/**
 * Every incident once (by site and start), newest first, that was still going at or after `fromMs`. When the
 * file and the live state both have one, the one that knows its end wins (the file may hold it from a
 * compaction while it still lasted).
 */
export function mergeIncidents(
  compacted: readonly Incident[],
  live: readonly Incident[],
  fromMs: number,
): Incident[] {
  const byKey = new Map<string, Incident>();
  for (const incident of [...compacted, ...live]) {
    const key = `${incident.siteId}\u0000${incident.startMs}`;
    const known = byKey.get(key);
    if (known === undefined || (known.endMs === undefined && incident.endMs !== undefined)) {
      byKey.set(key, incident);
    } else if (known.endMs === undefined && incident.endMs === undefined) {
      // Both ongoing: the live state is the newer word on reason and detail.
      byKey.set(key, incident);
    }
  }
  return [...byKey.values()]
    .filter((incident) => (incident.endMs ?? Number.POSITIVE_INFINITY) >= fromMs)
    .sort((a, b) => b.startMs - a.startMs || a.siteId.localeCompare(b.siteId));
}

/** `incidents` as a table. */
export const renderIncidents = (incidents: readonly Incident[], nowMs: number): string =>
  renderTable(
    ['SITE', 'START', 'CONFIRMED', 'END', 'DURATION', 'REASON', 'DETAIL'],
    incidents.map((incident) => [
      incident.siteId,
      formatTimestamp(incident.startMs),
      formatTimestamp(incident.confirmedMs),
      incident.endMs === undefined ? 'ongoing' : formatTimestamp(incident.endMs),
      formatDuration(durationOf(incident, nowMs)),
      incident.reason,
      incident.detail,
    ]),
  );

/** `incidents --json`: one line per incident, times as epoch ms and ISO strings; endMs null while ongoing. */
export const incidentsJson = (incidents: readonly Incident[], nowMs: number): string[] =>
  incidents.map((incident) =>
    toJsonLine({
      siteId: incident.siteId,
      startMs: incident.startMs,
      start: new Date(incident.startMs).toISOString(),
      confirmedMs: incident.confirmedMs,
      confirmed: new Date(incident.confirmedMs).toISOString(),
      endMs: incident.endMs ?? null,
      end: incident.endMs === undefined ? null : new Date(incident.endMs).toISOString(),
      ongoing: incident.endMs === undefined,
      durationMs: durationOf(incident, nowMs),
      reason: incident.reason,
      detail: incident.detail,
      status: incident.status ?? null,
      inMaintenance: incident.inMaintenance === true,
    }),
  );
