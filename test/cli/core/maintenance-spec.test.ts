import { describe, expect, it } from 'vitest';
import { describeEndedWindow, parseMaintenanceSpec } from '../../../cli/core/maintenance-spec.ts';
import type { MaintenanceWindow } from '../../../functions/domain/maintenance-window.ts';

describe('parseMaintenanceSpec', () => {
  const NOW = Date.UTC(2026, 2, 28, 21, 0, 0);

  it.each([
    [
      ['once', 'now', '+90m'],
      { kind: 'once', start: '2026-03-28T21:00:00.000Z', end: '2026-03-28T22:30:00.000Z' },
    ],
    [
      ['once', '2026-03-28T22:00+01:00', '+1d'],
      { kind: 'once', start: '2026-03-28T22:00+01:00', end: '2026-03-29T21:00:00.000Z' },
    ],
    [
      ['weekly', 'fri-mon', '23:00', '240', 'America/New_York'],
      {
        kind: 'weekly',
        days: ['sun', 'mon', 'fri', 'sat'],
        start: '23:00',
        durationMinutes: 240,
        timeZone: 'America/New_York',
      },
    ],
    [
      ['weekly', 'daily', '03:30', '30', 'Asia/Tokyo'],
      {
        kind: 'weekly',
        days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
        start: '03:30',
        durationMinutes: 30,
        timeZone: 'Asia/Tokyo',
      },
    ],
  ])('reads %j', (words, window) => {
    expect(parseMaintenanceSpec(words, NOW)).toEqual({ ok: true, value: window });
  });

  it.each([
    [['once', 'now'], 'maintenance "once" needs START END, got "now"'],
    [
      ['once', 'tomorrow', '+1h'],
      'maintenance start must be an ISO 8601 instant with a zone, got "tomorrow"',
    ],
    [
      ['once', '2026-03-28T22:00', '+1h'],
      'maintenance start must be an ISO 8601 instant with a zone, got "2026-03-28T22:00"',
    ],
    [
      ['weekly', 'sun', '02:00', '60'],
      'maintenance "weekly" needs DAYS HH:MM DURATION_MIN ZONE, got "sun 02:00 60"',
    ],
    [
      ['weekly', 'sun', '02:00', '1h', 'UTC'],
      'maintenance durationMinutes must be a whole number of minutes, got "1h"',
    ],
    [
      ['weekly', 'sun', '02:00', '20000', 'UTC'],
      'maintenance durationMinutes must be a whole number from 1 to 10080, got 20000',
    ],
    [['weekly', 'sun-funday', '02:00', '60', 'UTC'], 'got "sun-funday"'],
    [[], 'maintenance kind must be once or weekly, got ""'],
  ])('refuses %j, showing the bad value', (words, message) => {
    expect(parseMaintenanceSpec(words, NOW)).toEqual({
      ok: false,
      message: expect.stringContaining(message),
    });
  });
});

describe('describeEndedWindow', () => {
  const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);

  it.each([
    [{ kind: 'once', start: '2026-12-06T10:00Z', end: '2026-12-06T12:00Z' }, true],
    [{ kind: 'once', start: '2026-12-06T10:00Z', end: '2026-12-06T11:59Z' }, true],
    [{ kind: 'once', start: '2026-12-06T10:00Z', end: '2026-12-06T12:01Z' }, false],
    [{ kind: 'weekly', days: ['sun'], start: '02:00', durationMinutes: 60, timeZone: 'UTC' }, false],
  ] as const)('%j has ended: %s', (window, hasEnded) => {
    expect(describeEndedWindow(window as MaintenanceWindow, NOW) !== undefined).toBe(hasEnded);
  });

  it('says when the window was and that it would never apply', () => {
    const window: MaintenanceWindow = { kind: 'once', start: '2026-12-01T00:00Z', end: '2026-12-01T02:00Z' };
    expect(describeEndedWindow(window, NOW)).toBe(
      'the window 2026-12-01T00:00Z to 2026-12-01T02:00Z ended before now (2026-12-06T12:00:00.000Z), so it would never apply',
    );
  });
});
