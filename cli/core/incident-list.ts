import type { SiteRecord } from '../../functions/adapters/site-store.ts';
import { durationOf, type Incident } from '../../functions/domain/history/incident.ts';
import { liveIncidentsOf, viewIncidents } from '../../functions/domain/history/incident-view.ts';
import { formatDuration, formatTimestamp, renderTable, toJsonLine } from './render.ts';

// `squirrel incidents`: the compacted incidents files merged with what only the live state knows yet, by the
// rules every view shares (functions/domain/history/incident-view.ts).

/** Every incident once (by site and start), newest first, that was still going at or after `fromMs`. */
export function listIncidents(
  compacted: readonly Incident[],
  sites: readonly SiteRecord[],
  historyUntilMs: number | undefined,
  fromMs: number,
): Incident[] {
  return viewIncidents({ history: compacted, live: sites.flatMap(liveIncidentsOf), historyUntilMs }).filter(
    (incident) => (incident.endMs ?? Number.POSITIVE_INFINITY) >= fromMs,
  );
}

/** `incidents` as a table. */
export const renderIncidents = (incidents: readonly Incident[], nowMs: number): string =>
  renderTable(
    ['SITE', 'START', 'CONFIRMED', 'END', 'DURATION', 'REASON', 'DETAIL'],
    incidents.map((incident) => [
      incident.siteId,
      formatTimestamp(incident.startMs),
      formatTimestamp(incident.confirmedMs),
      incident.endMs === undefined
        ? 'ongoing'
        : `${incident.endKnown === false ? 'last seen ' : ''}${formatTimestamp(incident.endMs)}`,
      formatDuration(durationOf(incident, nowMs)),
      incident.reason,
      incident.detail,
    ]),
  );

/**
 * `incidents --json`: one line per incident, times as epoch ms and ISO strings; endMs null while ongoing;
 * endKnown true only for an end seen (a recovery): false while ongoing, and when endMs is only the last moment
 * the history saw it (its checks stopped).
 */
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
      endKnown: incident.endMs !== undefined && incident.endKnown !== false,
      durationMs: durationOf(incident, nowMs),
      reason: incident.reason,
      detail: incident.detail,
      status: incident.status ?? null,
      inMaintenance: incident.inMaintenance === true,
    }),
  );
