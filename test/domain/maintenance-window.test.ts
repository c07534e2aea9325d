import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  instantOf,
  isInMaintenance,
  type MaintenanceWindow,
  MaintenanceWindowsSchema,
} from '../../functions/domain/maintenance-window.ts';

const at = (iso: string) => Date.parse(iso);

describe('instantOf', () => {
  it.each([
    // Europe/Berlin: CET (+01:00) → CEST (+02:00) on 2026-03-29 at 02:00 local; back on 2026-10-25 at 03:00.
    { zone: 'Europe/Berlin', wall: '2026-03-28 02:30', expected: '2026-03-28T01:30:00Z' },
    { zone: 'Europe/Berlin', wall: '2026-03-29 01:30', expected: '2026-03-29T00:30:00Z' },
    { zone: 'Europe/Berlin', wall: '2026-03-29 02:30', expected: '2026-03-29T01:30:00Z' }, // skipped: 03:30 CEST
    { zone: 'Europe/Berlin', wall: '2026-03-29 03:30', expected: '2026-03-29T01:30:00Z' },
    { zone: 'Europe/Berlin', wall: '2026-10-25 02:30', expected: '2026-10-25T00:30:00Z' }, // repeated: first one
    { zone: 'Europe/Berlin', wall: '2026-10-25 03:30', expected: '2026-10-25T02:30:00Z' },
    // America/New_York: EST (-05:00) → EDT (-04:00) on 2026-03-08 at 02:00; back on 2026-11-01 at 02:00.
    { zone: 'America/New_York', wall: '2026-03-08 01:30', expected: '2026-03-08T06:30:00Z' },
    { zone: 'America/New_York', wall: '2026-03-08 02:30', expected: '2026-03-08T07:30:00Z' }, // skipped: 03:30 EDT
    { zone: 'America/New_York', wall: '2026-03-08 03:30', expected: '2026-03-08T07:30:00Z' },
    { zone: 'America/New_York', wall: '2026-11-01 01:30', expected: '2026-11-01T05:30:00Z' }, // repeated: EDT
    { zone: 'America/New_York', wall: '2026-11-01 02:30', expected: '2026-11-01T07:30:00Z' },
    { zone: 'Asia/Kolkata', wall: '2026-07-01 09:00', expected: '2026-07-01T03:30:00Z' },
    { zone: 'UTC', wall: '2026-07-01 09:00', expected: '2026-07-01T09:00:00Z' },
  ])('$wall in $zone is $expected', ({ zone, wall, expected }) => {
    // Prepare
    const [date, time] = wall.split(' ') as [string, string];
    const [year, month, day] = date.split('-').map(Number) as [number, number, number];
    const [hour, minute] = time.split(':').map(Number) as [number, number];

    // Act
    const instant = instantOf({ year, month, day, hour, minute }, zone);

    // Assess
    expect(new Date(instant).toISOString()).toBe(new Date(expected).toISOString());
  });
});

describe('isInMaintenance', () => {
  const sundayNight = (timeZone: string): MaintenanceWindow => ({
    kind: 'weekly',
    days: ['sun'],
    start: '01:00',
    durationMinutes: 180,
    timeZone,
  });

  it.each([
    // Berlin, Sunday 01:00 local for 3 real hours. Spring: 01:00 CET = 00:00Z, ends 03:00Z (05:00 CEST).
    { zone: 'Europe/Berlin', now: '2026-03-29T00:00:00Z', inside: true },
    { zone: 'Europe/Berlin', now: '2026-03-29T02:59:59Z', inside: true },
    { zone: 'Europe/Berlin', now: '2026-03-29T03:00:00Z', inside: false },
    { zone: 'Europe/Berlin', now: '2026-03-28T23:59:59Z', inside: false },
    // Autumn: 01:00 CEST = 23:00Z Saturday, ends 02:00Z Sunday.
    { zone: 'Europe/Berlin', now: '2026-10-24T23:00:00Z', inside: true },
    { zone: 'Europe/Berlin', now: '2026-10-25T01:59:00Z', inside: true },
    { zone: 'Europe/Berlin', now: '2026-10-25T02:00:00Z', inside: false },
    // An ordinary summer Sunday: 01:00 CEST = 23:00Z Saturday.
    { zone: 'Europe/Berlin', now: '2026-07-04T23:30:00Z', inside: true },
    { zone: 'Europe/Berlin', now: '2026-07-05T23:30:00Z', inside: false },
    // New York, spring: 01:00 EST = 06:00Z, ends 09:00Z (05:00 EDT).
    { zone: 'America/New_York', now: '2026-03-08T06:00:00Z', inside: true },
    { zone: 'America/New_York', now: '2026-03-08T08:59:00Z', inside: true },
    { zone: 'America/New_York', now: '2026-03-08T09:00:00Z', inside: false },
    // New York, autumn: 01:00 EDT (the first 01:00) = 05:00Z, ends 08:00Z.
    { zone: 'America/New_York', now: '2026-11-01T04:59:00Z', inside: false },
    { zone: 'America/New_York', now: '2026-11-01T05:00:00Z', inside: true },
    { zone: 'America/New_York', now: '2026-11-01T07:59:00Z', inside: true },
    { zone: 'America/New_York', now: '2026-11-01T08:00:00Z', inside: false },
    // A weekday is not a Sunday.
    { zone: 'America/New_York', now: '2026-11-02T06:00:00Z', inside: false },
  ])('Sunday 01:00 for 3 h in $zone: $now inside = $inside', ({ zone, now, inside }) => {
    expect(isInMaintenance([sundayNight(zone)], at(now))).toBe(inside);
  });

  it('covers a window that runs past midnight into the next local day', () => {
    // Prepare
    const window: MaintenanceWindow = {
      kind: 'weekly',
      days: ['fri'],
      start: '22:00',
      durationMinutes: 8 * 60,
      timeZone: 'UTC',
    };

    // Act / Assess
    expect(isInMaintenance([window], at('2026-11-28T05:59:00Z'))).toBe(true); // Saturday morning
    expect(isInMaintenance([window], at('2026-11-28T06:00:00Z'))).toBe(false);
  });

  it.each([
    { now: '2026-12-01T21:59:59Z', inside: false },
    { now: '2026-12-01T22:00:00Z', inside: true },
    { now: '2026-12-02T01:59:59Z', inside: true },
    { now: '2026-12-02T02:00:00Z', inside: false },
  ])('a one-off window is [start, end): $now inside = $inside', ({ now, inside }) => {
    const window: MaintenanceWindow = {
      kind: 'once',
      start: '2026-12-01T22:00:00Z',
      end: '2026-12-02T02:00:00Z',
    };
    expect(isInMaintenance([window], at(now))).toBe(inside);
  });
});

describe('MaintenanceWindowsSchema', () => {
  it.each([
    [
      [{ kind: 'weekly', days: ['sunday'], start: '01:00', durationMinutes: 60, timeZone: 'UTC' }],
      'sun..sat, got "sunday"',
    ],
    [
      [{ kind: 'weekly', days: [], start: '01:00', durationMinutes: 60, timeZone: 'UTC' }],
      'at least one day',
    ],
    [
      [{ kind: 'weekly', days: ['sun'], start: '24:00', durationMinutes: 60, timeZone: 'UTC' }],
      'HH:MM (24 h), got "24:00"',
    ],
    [[{ kind: 'weekly', days: ['sun'], start: '1:00', durationMinutes: 60, timeZone: 'UTC' }], 'got "1:00"'],
    [
      [{ kind: 'weekly', days: ['sun'], start: '01:00', durationMinutes: 0, timeZone: 'UTC' }],
      'from 1 to 10080, got 0',
    ],
    [
      [{ kind: 'weekly', days: ['sun'], start: '01:00', durationMinutes: 60, timeZone: 'Mars/Olympus' }],
      'got "Mars/Olympus"',
    ],
    [
      [{ kind: 'once', start: '2026-12-01 22:00', end: '2026-12-02T02:00:00Z' }],
      'ISO 8601 instant with a zone',
    ],
    [
      [{ kind: 'once', start: '2026-12-02T02:00:00Z', end: '2026-12-01T22:00:00Z' }],
      'end must be after its start',
    ],
    [[{ kind: 'daily' }], 'once or weekly, got "daily"'],
  ])('rejects %j saying %j', (raw, message) => {
    // Act
    const result = v.safeParse(MaintenanceWindowsSchema, raw);

    // Assess
    expect(result.success).toBe(false);
    expect(result.issues?.map((issue) => issue.message).join('; ')).toContain(message);
  });

  it('accepts both kinds', () => {
    const raw = [
      { kind: 'once', start: '2026-12-01T22:00:00+01:00', end: '2026-12-02T02:00:00+01:00' },
      {
        kind: 'weekly',
        days: ['sat', 'sun'],
        start: '02:00',
        durationMinutes: 120,
        timeZone: 'Europe/Berlin',
      },
    ];
    expect(v.safeParse(MaintenanceWindowsSchema, raw).success).toBe(true);
  });
});
