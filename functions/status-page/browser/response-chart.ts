import type { StatusSite } from '../../domain/history/status-document.ts';
import { el, svg } from './dom.ts';

// Hourly p50 and p95 response times as an inline SVG drawn at the card's own pixel width (a scaled viewBox
// would shrink the axis text on a phone). p50 solid, p95 dashed: told apart without colour. A missing hour
// breaks the line rather than drawing across the gap.

type HourPoint = StatusSite['responseTimes'][number];

const HOUR_MS = 3_600_000;
const HEIGHT = 150;
const PAD = { left: 52, right: 8, top: 8, bottom: 34 } as const;

/** 1, 2 or 5 × a power of ten, at least `value`: axis ticks people read at a glance. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(value, 1)));
  return ([1, 2, 5, 10].find((step) => step * power >= value) ?? 10) * power;
}

/**
 * SVG path segments of one series, broken where an hour is missing. An hour with no neighbour (a new site's first
 * hour, or one between gaps) is drawn across its own hour: a path of one point would draw nothing.
 */
function pathOf(
  points: readonly HourPoint[],
  pick: (point: HourPoint) => number,
  x: (ms: number) => number,
  y: (v: number) => number,
): string {
  let path = '';
  points.forEach((point, index) => {
    const startsSegment = index === 0 || point.hourStartMs - (points[index - 1]?.hourStartMs ?? 0) > HOUR_MS;
    const next = points[index + 1];
    const endsSegment = next === undefined || next.hourStartMs - point.hourStartMs > HOUR_MS;
    const value = y(pick(point)).toFixed(1);
    if (startsSegment && endsSegment) {
      path += `M${x(point.hourStartMs).toFixed(1)},${value}L${x(point.hourStartMs + HOUR_MS).toFixed(1)},${value}`;
    } else {
      path += `${startsSegment ? 'M' : 'L'}${x(point.hourStartMs + HOUR_MS / 2).toFixed(1)},${value}`;
    }
  });
  return path;
}

/** The chart, or a line saying there is nothing to draw. `widthPx` is the space the card gives it. */
export function renderResponseChart(points: readonly HourPoint[], widthPx: number): HTMLElement {
  const first = points[0];
  const last = points[points.length - 1];
  if (first === undefined || last === undefined) {
    return el('p', { class: 'muted' }, 'No response times in the last 7 days.');
  }
  const width = Math.max(260, Math.round(widthPx));
  const startMs = first.hourStartMs;
  const endMs = last.hourStartMs + HOUR_MS;
  const maxMs = niceCeiling(Math.max(...points.map((point) => point.p95Ms)));
  const x = (ms: number): number =>
    PAD.left + ((ms - startMs) / (endMs - startMs)) * (width - PAD.left - PAD.right);
  const y = (value: number): number => PAD.top + (1 - value / maxMs) * (HEIGHT - PAD.top - PAD.bottom);

  const grid = [0, maxMs / 2, maxMs].map((value) =>
    svg(
      'g',
      { class: 'tick' },
      svg('line', { x1: PAD.left, x2: width - PAD.right, y1: y(value), y2: y(value) }),
      svg('text', { x: PAD.left - 6, y: y(value) + 4, 'text-anchor': 'end' }, `${value} ms`),
    ),
  );
  // One label per local midnight, thinned so labels never collide on a phone.
  const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric' });
  const midnights: number[] = [];
  const cursor = new Date(startMs);
  cursor.setHours(24, 0, 0, 0);
  for (; cursor.getTime() < endMs; cursor.setDate(cursor.getDate() + 1)) midnights.push(cursor.getTime());
  const every = Math.ceil(midnights.length / Math.max(1, Math.floor((width - PAD.left) / 64)));
  const dayTicks = midnights
    .filter((_ms, index) => index % every === 0)
    .map((ms) =>
      svg(
        'g',
        { class: 'tick' },
        svg('line', { x1: x(ms), x2: x(ms), y1: HEIGHT - PAD.bottom, y2: HEIGHT - PAD.bottom + 4 }),
        svg('text', { x: x(ms), y: HEIGHT - PAD.bottom + 16, 'text-anchor': 'middle' }, dayFormat.format(ms)),
      ),
    );

  const p50s = points.map((point) => point.p50Ms);
  const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  const summary = `Response time per hour from ${when.format(startMs)} to ${when.format(endMs)}: median (p50) between ${Math.min(...p50s)} and ${Math.max(...p50s)} ms, p95 up to ${Math.max(...points.map((point) => point.p95Ms))} ms, ${points.length === 1 ? '1 hour' : `${points.length} hours`} with data.`;

  const chart = svg(
    'svg',
    { width, height: HEIGHT, viewBox: `0 0 ${width} ${HEIGHT}`, role: 'img', 'aria-label': summary },
    ...grid,
    ...dayTicks,
    svg(
      'text',
      { x: width - PAD.right, y: HEIGHT - 2, 'text-anchor': 'end', class: 'axis-title' },
      'hour (your time)',
    ),
    svg('path', { class: 'p95', d: pathOf(points, (point) => point.p95Ms, x, y) }),
    svg('path', { class: 'p50', d: pathOf(points, (point) => point.p50Ms, x, y) }),
  );
  const legend = el(
    'p',
    { class: 'legend', 'aria-hidden': 'true' },
    el('span', { class: 'key p50' }),
    'p50 (median) ',
    el('span', { class: 'key p95' }),
    'p95',
  );
  return el('figure', { class: 'chart' }, chart, legend);
}
