import * as v from 'valibot';
import { showValue } from './values.ts';

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * A period during which checks run and state is kept, but nobody is paged. `once` is a pair of instants;
 * `weekly` is wall-clock time in an IANA zone, so "Sunday 02:00 Berlin" stays 02:00 across DST changes.
 */
export type MaintenanceWindow =
  | { readonly kind: 'once'; readonly start: string; readonly end: string }
  | {
      readonly kind: 'weekly';
      readonly days: readonly Weekday[];
      /** Local wall-clock time, "HH:MM" (24 h). */
      readonly start: string;
      /** Real elapsed minutes: a 2-hour window lasts 2 hours even on the night the clocks change. */
      readonly durationMinutes: number;
      readonly timeZone: string;
    };

export const MAX_WINDOWS = 10;
const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
const MAX_DURATION_MINUTES = 7 * 24 * 60;

const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

const isInstant = (text: string): boolean =>
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(text) &&
  !Number.isNaN(Date.parse(text));

const OnceSchema = v.pipe(
  v.object({
    kind: v.literal('once'),
    start: v.pipe(
      v.string(),
      v.check(
        isInstant,
        (issue) => `maintenance start must be an ISO 8601 instant with a zone, got ${showValue(issue.input)}`,
      ),
    ),
    end: v.pipe(
      v.string(),
      v.check(
        isInstant,
        (issue) => `maintenance end must be an ISO 8601 instant with a zone, got ${showValue(issue.input)}`,
      ),
    ),
  }),
  v.check(
    (window) => Date.parse(window.end) > Date.parse(window.start),
    (issue) => `maintenance end must be after its start, got ${showValue(issue.input)}`,
  ),
);

const WeeklySchema = v.object({
  kind: v.literal('weekly'),
  days: v.pipe(
    v.array(
      v.picklist(WEEKDAYS, (issue) => `maintenance days must be sun..sat, got ${showValue(issue.input)}`),
    ),
    v.minLength(1, 'maintenance days must name at least one day'),
  ),
  start: v.pipe(
    v.string(),
    v.regex(
      /^([01]\d|2[0-3]):[0-5]\d$/,
      (issue) => `maintenance start must be HH:MM (24 h), got ${showValue(issue.input)}`,
    ),
  ),
  durationMinutes: v.pipe(
    v.number(),
    v.check(
      (n) => Number.isInteger(n) && n >= 1 && n <= MAX_DURATION_MINUTES,
      (issue) =>
        `maintenance durationMinutes must be a whole number from 1 to ${MAX_DURATION_MINUTES}, got ${showValue(issue.input)}`,
    ),
  ),
  timeZone: v.pipe(
    v.string(),
    v.check(
      isTimeZone,
      (issue) =>
        `maintenance timeZone must be an IANA zone like Europe/Berlin, got ${showValue(issue.input)}`,
    ),
  ),
});

export const MaintenanceWindowsSchema = v.pipe(
  v.array(
    v.variant(
      'kind',
      [OnceSchema, WeeklySchema],
      (issue) => `maintenance kind must be once or weekly, got ${showValue(issue.input)}`,
    ),
  ),
  v.maxLength(MAX_WINDOWS, `at most ${MAX_WINDOWS} maintenance windows`),
);

/** True when `nowMs` falls inside any of the windows (start inclusive, end exclusive). */
export function isInMaintenance(windows: readonly MaintenanceWindow[], nowMs: number): boolean {
  return windows.some((window) => activeWindowOf(window, nowMs) !== undefined);
}

/** The [start, end) instants of the occurrence of `window` that contains `nowMs`, if one does. */
export function activeWindowOf(
  window: MaintenanceWindow,
  nowMs: number,
): { startMs: number; endMs: number } | undefined {
  if (window.kind === 'once') {
    const startMs = Date.parse(window.start);
    const endMs = Date.parse(window.end);
    return nowMs >= startMs && nowMs < endMs ? { startMs, endMs } : undefined;
  }
  const [hour, minute] = window.start.split(':').map(Number) as [number, number];
  const durationMs = window.durationMinutes * MS_PER_MINUTE;
  // An occurrence that started up to `duration` ago may still be running: look back that many local days.
  const today = localDateOf(nowMs, window.timeZone);
  const daysBack = Math.ceil(window.durationMinutes / (24 * 60)) + 1;
  for (let back = 0; back <= daysBack; back++) {
    const day = new Date(Date.UTC(today.year, today.month - 1, today.day - back));
    if (!window.days.includes(WEEKDAYS[day.getUTCDay()] as Weekday)) continue;
    const startMs = instantOf(
      { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate(), hour, minute },
      window.timeZone,
    );
    if (nowMs >= startMs && nowMs < startMs + durationMs) return { startMs, endMs: startMs + durationMs };
  }
  return undefined;
}

interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClockOf(ms: number, timeZone: string): WallClock {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(
    formatter.formatToParts(ms).map((part) => [part.type, Number(part.value)]),
  );
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 0,
    day: parts.day ?? 0,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
  };
}

const localDateOf = (ms: number, timeZone: string) => wallClockOf(ms, timeZone);

/** The zone's offset from UTC at an instant, in ms (+01:00 → 3,600,000). */
function offsetAt(ms: number, timeZone: string): number {
  const wall = wallClockOf(ms, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  return asUtc - Math.floor(ms / MS_PER_MINUTE) * MS_PER_MINUTE;
}

/**
 * The instant a local wall-clock time names in a zone. Ambiguous times (the repeated hour in autumn) take the
 * first occurrence; times that do not exist (the skipped hour in spring) move forward by the gap, as clocks do.
 */
export function instantOf(wall: WallClock, timeZone: string): number {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  // Offsets either side of the date: one of them is in force at the wanted instant.
  const candidates = [offsetAt(asUtc - MS_PER_DAY, timeZone), offsetAt(asUtc + MS_PER_DAY, timeZone)]
    .map((offset) => asUtc - offset)
    .filter((instant) => offsetAt(instant, timeZone) === asUtc - instant)
    .sort((a, b) => a - b);
  if (candidates[0] !== undefined) return candidates[0];
  // In the gap: the earlier offset applied to the wall time lands after the jump.
  return asUtc - offsetAt(asUtc - MS_PER_DAY, timeZone);
}
