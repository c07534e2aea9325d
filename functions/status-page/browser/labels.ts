import type { DownReason } from '../../domain/check-result.ts';
import { formatDuration } from '../../domain/duration.ts';
import type { StatusDocument, StatusSite, UptimeFigure } from '../../domain/history/status-document.ts';

// The page's words, as pure functions of status.json (no DOM): the page and its tests read the same text.
// Numbers are the document's own (`text` values, `durationMs`): the browser never recomputes an uptime.

export type SiteStatus = StatusSite['status'];
export type StatusDay = StatusSite['days'][number];
export type StatusIncident = StatusSite['incidents'][number];
/** How a status or a bar is drawn; always next to words, never the only signal. */
export type Tone = 'up' | 'down' | 'warn' | 'off';

export const STATUS_LABELS: Readonly<Record<SiteStatus, string>> = {
  UP: 'Up',
  DOWN: 'Down',
  PENDING: 'Failing, confirming',
  RECOVERING: 'Recovering',
  DEGRADED: 'Slow',
  BLOCKED: 'Blocked (refuses the monitor)',
  UNCHECKED: 'Not checked',
  REGIONAL: 'Up — failing from one region',
  UNKNOWN: 'Not checked yet',
  PAUSED: 'Paused',
};

export const STATUS_TONES: Readonly<Record<SiteStatus, Tone>> = {
  UP: 'up',
  DOWN: 'down',
  PENDING: 'warn',
  RECOVERING: 'warn',
  DEGRADED: 'warn',
  BLOCKED: 'warn',
  UNCHECKED: 'warn',
  REGIONAL: 'warn',
  UNKNOWN: 'off',
  PAUSED: 'off',
};

/**
 * The status in words, with where it fails when the document says (issue 15): "Up — failing from 1 of 3 locations
 * (us-east-1)" for a REGIONAL site (up: most locations reach it), "Down — from 2 of 3 locations" for a verified DOWN.
 */
export function statusText(site: Pick<StatusSite, 'status' | 'locations'>): string {
  const { locations } = site;
  if (locations === undefined || (site.status !== 'REGIONAL' && site.status !== 'DOWN')) {
    return STATUS_LABELS[site.status];
  }
  const count = `${locations.failing} of ${plural(locations.answered, 'location')}`;
  const names =
    locations.failingFrom === undefined || locations.failingFrom.length === 0
      ? ''
      : ` (${locations.failingFrom.join(', ')})`;
  return site.status === 'REGIONAL' ? `Up — failing from ${count}${names}` : `Down — from ${count}${names}`;
}

const REASON_TEXTS: Readonly<Record<DownReason, string>> = {
  timeout: 'no answer in time',
  dns: 'name did not resolve',
  refused: 'connection refused',
  unreachable: 'host unreachable',
  reset: 'connection reset',
  tls: 'TLS error',
  'http-5xx': 'server error (5xx)',
  'http-4xx': 'client error (4xx)',
  'unexpected-status': 'unexpected HTTP status',
  'redirect-loop': 'redirect loop',
  'too-many-redirects': 'too many redirects',
  protocol: 'protocol error',
  keyword: 'expected text missing',
  'body-truncated': 'response cut short',
  'body-timeout': 'response stalled',
};

export const reasonText = (reason: DownReason): string => REASON_TEXTS[reason] ?? reason;

/** "97.50 %" as the document prints it; "—" (no data) stays bare. */
export const percentText = (figure: UptimeFigure): string =>
  figure.percent === null ? '—' : `${figure.text} %`;

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** "5 Dec 2026: 97.50 % up, 1 incident", "…: no data". `utcDate` must format in UTC: bars are UTC days. */
export function dayLabel(day: StatusDay, utcDate: Intl.DateTimeFormat): string {
  const date = utcDate.format(day.dayStartMs);
  const figure = day.uptime;
  if (figure === null) return `${date}: no data`;
  const parts = [figure.percent === null ? 'no up or down time' : `${figure.text} % up`];
  // Shown apart, never as downtime: the day's bar must not hide them either.
  if (figure.blockedMs > 0) parts.push(`blocked ${formatDuration(figure.blockedMs)}`);
  if (figure.faultMs > 0) parts.push(`not checked ${formatDuration(figure.faultMs)}`);
  if (figure.maintenanceMs > 0) parts.push(`maintenance ${formatDuration(figure.maintenanceMs)}`);
  if (day.incidents > 0) parts.push(plural(day.incidents, 'incident'));
  return `${date}: ${parts.join(', ')}`;
}

/** A bar's colour class: grey without data, green with no downtime, amber down to 99 %, red below. */
export function dayTone(day: StatusDay): Tone {
  const figure = day.uptime;
  if (figure === null || figure.percent === null) return 'off';
  if (figure.downMs === 0) return 'up';
  return figure.percent >= 99 ? 'warn' : 'down';
}

/** "20 s", "3 min", "5 h", "2 d": how old the document is, in the largest whole unit. */
export function ageText(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1_000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3_600)} h`;
  return `${Math.floor(seconds / 86_400)} d`;
}

/** A document older than this is called out: the publisher (or the monitor) has stopped. */
export const OLD_DOCUMENT_MS = 5 * 60_000;

export interface Banner {
  readonly text: string;
  readonly tone: Tone;
}

/**
 * The overall line: down sites first, then the ones needing a look; paused sites are only mentioned. A page
 * without sites says why it is empty (nothing made public yet, or nothing added yet).
 */
export function bannerOf(sites: StatusDocument['sites'], audience: StatusDocument['audience']): Banner {
  if (sites.length === 0) {
    return {
      text:
        audience === 'public'
          ? 'No site is public on this page yet.'
          : 'No sites yet: add one with squirrel sites add URL.',
      tone: 'off',
    };
  }
  const watched = sites.filter((site) => site.status !== 'PAUSED');
  const paused = sites.length - watched.length;
  const pausedNote = paused > 0 ? ` (${paused} paused)` : '';
  const down = watched.filter((site) => site.status === 'DOWN').length;
  if (down > 0)
    return { text: `${plural(down, 'site')} down of ${watched.length}${pausedNote}`, tone: 'down' };
  const attention = watched.filter((site) => STATUS_TONES[site.status] !== 'up').length;
  if (attention > 0) {
    return { text: `No site down; ${attention} of ${watched.length} need a look${pausedNote}`, tone: 'warn' };
  }
  if (watched.length === 0) return { text: `No site is being checked${pausedNote}`, tone: 'off' };
  return {
    text: `${watched.length === 1 ? 'The site is' : `All ${watched.length} sites are`} up${pausedNote}`,
    tone: 'up',
  };
}

/**
 * "36 min" for an ended incident; "47 min so far" (as of the document) while it lasts; "at least 2 h (checks
 * stopped)" when its end was not seen (its site was paused or its checks stopped while it was down).
 */
export function incidentDurationText(incident: StatusIncident): string {
  if (incident.endMs === undefined) return `${formatDuration(incident.durationMs)} so far`;
  if (incident.endKnown === false) return `at least ${formatDuration(incident.durationMs)} (checks stopped)`;
  return formatDuration(incident.durationMs);
}
