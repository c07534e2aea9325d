import { instantOf, type MaintenanceWindow } from '../maintenance-window.ts';

// Uptime excludes maintenance exactly: the live stretch is split at the windows' own boundaries, not sampled per
// minute. maintenance-window.ts answers "is this instant inside?"; this enumerates the occurrences in a range
// with the same rules (the local calendar day's weekday, its start through instantOf, real elapsed duration),
// and its tests check the two agree at every boundary.

/** A half-open stretch of time [startMs, endMs). */
export interface Span {
  readonly startMs: number;
  readonly endMs: number;
}

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** The parts of [fromMs, toMs) inside any of the windows: sorted, merged where they overlap or touch. */
export function maintenanceSpans(
  windows: readonly MaintenanceWindow[],
  fromMs: number,
  toMs: number,
): readonly Span[] {
  if (!(toMs > fromMs)) return [];
  const clipped = windows
    .flatMap((window) => occurrencesOf(window, fromMs, toMs))
    .map((span) => ({ startMs: Math.max(span.startMs, fromMs), endMs: Math.min(span.endMs, toMs) }))
    .filter((span) => span.endMs > span.startMs)
    .sort((a, b) => a.startMs - b.startMs);
  const merged: Span[] = [];
  for (const span of clipped) {
    const last = merged.at(-1);
    if (last !== undefined && span.startMs <= last.endMs) {
      merged[merged.length - 1] = { startMs: last.startMs, endMs: Math.max(last.endMs, span.endMs) };
    } else {
      merged.push(span);
    }
  }
  return merged;
}

/** Occurrences of one window that overlap [fromMs, toMs), unclipped. */
function occurrencesOf(window: MaintenanceWindow, fromMs: number, toMs: number): Span[] {
  if (window.kind === 'once') {
    const span = { startMs: Date.parse(window.start), endMs: Date.parse(window.end) };
    return span.endMs > fromMs && span.startMs < toMs ? [span] : [];
  }
  const [hour, minute] = window.start.split(':').map(Number) as [number, number];
  const durationMs = window.durationMinutes * MS_PER_MINUTE;
  // A local calendar day is within a day of the UTC one (offsets are under 15 h): one day of margin each side.
  const firstDay = Math.floor((fromMs - durationMs) / MS_PER_DAY) - 1;
  const lastDay = Math.floor(toMs / MS_PER_DAY) + 1;
  const spans: Span[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    const date = new Date(day * MS_PER_DAY);
    const weekday = WEEKDAYS[date.getUTCDay()];
    if (weekday === undefined || !window.days.includes(weekday)) continue;
    const startMs = instantOf(
      {
        year: date.getUTCFullYear(),
        month: date.getUTCMonth() + 1,
        day: date.getUTCDate(),
        hour,
        minute,
      },
      window.timeZone,
    );
    if (startMs + durationMs > fromMs && startMs < toMs) spans.push({ startMs, endMs: startMs + durationMs });
  }
  return spans;
}
