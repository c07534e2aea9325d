import { formatDuration } from '../../domain/duration.ts';
import type { StatusDocument, StatusSite } from '../../domain/history/status-document.ts';
import { UPTIME_WINDOWS } from '../../domain/history/summary.ts';
import { renderDayBars } from './day-bars.ts';
import { el, timeEl } from './dom.ts';
import {
  incidentDurationText,
  percentText,
  reasonText,
  STATUS_TONES,
  type StatusIncident,
  statusText,
} from './labels.ts';
import { renderResponseChart } from './response-chart.ts';

export interface Formats {
  /** Bars are UTC days. */
  readonly utcDate: Intl.DateTimeFormat;
  /** Everything else in the viewer's time zone and locale. */
  readonly local: Intl.DateTimeFormat;
}

/** Incidents shown at once; the rest wait behind a disclosure (the document holds at most 10). */
const INCIDENTS_SHOWN = 3;

function renderIncident(incident: StatusIncident, formats: Formats): HTMLElement {
  const isOngoing = incident.endMs === undefined;
  return el(
    'li',
    { class: isOngoing ? 'incident ongoing' : 'incident' },
    isOngoing && el('strong', { class: 'badge tone-down' }, 'Ongoing'),
    el('span', {}, 'from ', timeEl(incident.startMs, formats.local.format(incident.startMs))),
    el('span', { class: 'duration' }, incidentDurationText(incident)),
    el('span', { class: 'reason' }, reasonText(incident.reason), incident.detail && ` — ${incident.detail}`),
  );
}

function renderIncidents(incidents: readonly StatusIncident[], formats: Formats): HTMLElement {
  if (incidents.length === 0) return el('p', { class: 'muted' }, 'No incidents in the recent history.');
  const list = el(
    'ul',
    { class: 'incidents' },
    ...incidents.slice(0, INCIDENTS_SHOWN).map((i) => renderIncident(i, formats)),
  );
  const rest = incidents.slice(INCIDENTS_SHOWN);
  if (rest.length === 0) return list;
  return el(
    'div',
    {},
    list,
    el(
      'details',
      {},
      el('summary', {}, `${rest.length} older`),
      el('ul', { class: 'incidents' }, ...rest.map((i) => renderIncident(i, formats))),
    ),
  );
}

/** One site: name, status in words, uptime per window, the bars, the chart and the incidents. */
export function renderSiteCard(
  site: StatusSite,
  document: StatusDocument,
  formats: Formats,
  chartWidthPx: number,
): HTMLElement {
  const tone = STATUS_TONES[site.status];
  const since =
    site.sinceMs !== undefined &&
    el(
      'span',
      { class: 'since' },
      'since ',
      timeEl(site.sinceMs, formats.local.format(site.sinceMs)),
      ` (${formatDuration(Math.max(0, document.generatedAtMs - site.sinceMs))})`,
    );
  const uptime = el(
    'dl',
    { class: 'uptime' },
    ...UPTIME_WINDOWS.map((window) =>
      el(
        'div',
        { 'data-window': window },
        el('dt', {}, window),
        el('dd', {}, percentText(site.uptime[window])),
      ),
    ),
  );
  const history =
    document.compactedUntilMs === undefined
      ? el('p', { class: 'muted no-history' }, 'No history yet: history appears after the first compaction.')
      : renderDayBars(site.id, site.days, formats.utcDate);
  const headingId = `site-${site.id}`;
  return el(
    'section',
    { class: 'site', 'data-site-id': site.id, 'aria-labelledby': headingId },
    el(
      'header',
      {},
      el('h2', { id: headingId }, site.name),
      site.url !== undefined && el('span', { class: 'url' }, site.url),
      el(
        'p',
        { class: 'state' },
        el(
          'span',
          { class: `status tone-${tone}` },
          el('span', { class: 'dot', 'aria-hidden': 'true' }),
          statusText(site),
        ),
        since,
      ),
    ),
    el('h3', {}, 'Uptime'),
    uptime,
    history,
    el('h3', {}, 'Response time'),
    renderResponseChart(site.responseTimes, chartWidthPx),
    el('h3', {}, 'Recent incidents'),
    renderIncidents(site.incidents, formats),
  );
}
