import * as v from 'valibot';
import {
  type MaintenanceWindow,
  MaintenanceWindowsSchema,
  type Weekday,
} from '../../functions/domain/maintenance-window.ts';
import { showValue } from '../../functions/domain/values.ts';

const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const RELATIVE_END = /^\+(\d+)(m|h|d)$/;
const RELATIVE_UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Windows coerced for the site schema to validate, or what is wrong with the input. */
export type MaintenanceInput =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly message: string };

export type MaintenanceParse =
  | { readonly ok: true; readonly value: MaintenanceWindow }
  | { readonly ok: false; readonly message: string };

/**
 * Parses one maintenance window from words: `once START END` (ISO 8601 instants with a zone; START may be
 * `now` and END `+90m`, `+2h` or `+1d` after START) or `weekly DAYS HH:MM DURATION_MIN ZONE` (DAYS like
 * `sat,sun`, `mon-fri` or `daily`; ZONE an IANA zone). Validated with the domain's schema, so the message
 * names the part and shows the bad value.
 */
export function parseMaintenanceSpec(words: readonly string[], nowMs: number = Date.now()): MaintenanceParse {
  const [kind, ...args] = words;
  let window: unknown;
  if (kind === 'once') {
    if (args.length !== 2) {
      return { ok: false, message: `maintenance "once" needs START END, got ${showValue(args.join(' '))}` };
    }
    const [rawStart = '', rawEnd = ''] = args;
    const start = rawStart === 'now' ? new Date(nowMs).toISOString() : rawStart;
    const relative = RELATIVE_END.exec(rawEnd);
    const startMs = Date.parse(start);
    const end =
      relative && !Number.isNaN(startMs)
        ? new Date(
            startMs + Number(relative[1]) * RELATIVE_UNIT_MS[relative[2] as keyof typeof RELATIVE_UNIT_MS],
          ).toISOString()
        : rawEnd;
    window = { kind: 'once', start, end };
  } else if (kind === 'weekly') {
    if (args.length !== 4) {
      return {
        ok: false,
        message: `maintenance "weekly" needs DAYS HH:MM DURATION_MIN ZONE, got ${showValue(args.join(' '))}`,
      };
    }
    const [rawDays = '', start, rawDuration = '', timeZone] = args;
    const days = parseDays(rawDays);
    if (!days.ok) return days;
    if (!/^\d+$/.test(rawDuration)) {
      return {
        ok: false,
        message: `maintenance durationMinutes must be a whole number of minutes, got ${showValue(rawDuration)}`,
      };
    }
    window = { kind: 'weekly', days: days.value, start, durationMinutes: Number(rawDuration), timeZone };
  } else {
    return { ok: false, message: `maintenance kind must be once or weekly, got ${showValue(kind ?? '')}` };
  }
  const result = v.safeParse(MaintenanceWindowsSchema, [window]);
  if (!result.success) return { ok: false, message: result.issues.map((issue) => issue.message).join('; ') };
  return { ok: true, value: result.output[0] as MaintenanceWindow };
}

/** "sat,sun", "mon-fri", "fri-mon" (wraps round the weekend), "daily". */
function parseDays(raw: string): { ok: true; value: Weekday[] } | { ok: false; message: string } {
  const text = raw.toLowerCase();
  if (text === 'daily') return { ok: true, value: [...WEEKDAYS] };
  const days = new Set<Weekday>();
  for (const part of text.split(',')) {
    const ends = part.split('-').map((day) => WEEKDAYS.indexOf(day as Weekday));
    const [from = -1, to = from] = ends;
    if (ends.length > 2 || ends.some((index) => index < 0)) {
      return {
        ok: false,
        message: `maintenance days must be sun, mon, tue, wed, thu, fri, sat, ranges like mon-fri, or daily, got ${showValue(raw)}`,
      };
    }
    for (let day = from; ; day = (day + 1) % 7) {
      days.add(WEEKDAYS[day] as Weekday);
      if (day === to) break;
    }
  }
  return { ok: true, value: WEEKDAYS.filter((day) => days.has(day)) };
}

/**
 * Maintenance windows as the domain's objects, a JSON array in a string, or window specs ("once START END",
 * "weekly DAYS HH:MM DURATION_MIN ZONE"), several in one string separated by ";".
 */
export function coerceMaintenance(value: unknown): MaintenanceInput {
  let items: unknown = value;
  if (typeof value === 'string') {
    if (value.startsWith('[')) {
      try {
        items = JSON.parse(value);
      } catch {
        return {
          ok: false,
          message: `maintenance must be a JSON array or window specs, got ${showValue(value)}`,
        };
      }
    } else
      items = value
        .split(';')
        .map((spec) => spec.trim())
        .filter((spec) => spec !== '');
  }
  if (!Array.isArray(items)) return { ok: true, value };
  const windows: unknown[] = [];
  for (const item of items) {
    if (typeof item !== 'string') {
      windows.push(item);
      continue;
    }
    const parsed = parseMaintenanceSpec(item.split(/\s+/));
    if (!parsed.ok) return parsed;
    windows.push(parsed.value);
  }
  return { ok: true, value: windows };
}

/**
 * Why a window given as input is refused although it is well formed: a one-off window that has already ended
 * would never apply (and would take one of the site's few window slots). Undefined for any other window.
 */
export function describeEndedWindow(window: MaintenanceWindow, nowMs: number): string | undefined {
  if (window.kind !== 'once' || Date.parse(window.end) > nowMs) return undefined;
  return `the window ${window.start} to ${window.end} ended before now (${new Date(nowMs).toISOString()}), so it would never apply`;
}
