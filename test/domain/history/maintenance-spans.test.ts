import { describe, expect, it } from 'vitest';
import { maintenanceSpans } from '../../../functions/domain/history/maintenance-spans.ts';
import { isInMaintenance, type MaintenanceWindow } from '../../../functions/domain/maintenance-window.ts';
import { seededRandom } from '../fixtures.ts';

const at = (iso: string) => Date.parse(iso);

const berlinSundayNight: MaintenanceWindow = {
  kind: 'weekly',
  days: ['sun'],
  start: '01:00',
  durationMinutes: 180,
  timeZone: 'Europe/Berlin',
};

describe('maintenanceSpans', () => {
  it.each([
    {
      name: 'a once window inside the range, exactly',
      windows: [{ kind: 'once', start: '2026-12-01T10:00:00.250Z', end: '2026-12-01T10:30:00Z' }],
      from: '2026-12-01T00:00:00Z',
      to: '2026-12-02T00:00:00Z',
      spans: [['2026-12-01T10:00:00.250Z', '2026-12-01T10:30:00Z']],
    },
    {
      name: 'a once window cut at both ends of the range',
      windows: [{ kind: 'once', start: '2026-12-01T10:00:00Z', end: '2026-12-01T12:00:00Z' }],
      from: '2026-12-01T11:00:00Z',
      to: '2026-12-01T11:30:00Z',
      spans: [['2026-12-01T11:00:00Z', '2026-12-01T11:30:00Z']],
    },
    {
      name: 'spring forward in Berlin: 01:00 CET for 3 real hours',
      windows: [berlinSundayNight],
      from: '2026-03-28T00:00:00Z',
      to: '2026-03-30T00:00:00Z',
      spans: [['2026-03-29T00:00:00Z', '2026-03-29T03:00:00Z']],
    },
    {
      name: 'fall back in Berlin: 01:00 CEST is 23:00Z the day before',
      windows: [berlinSundayNight],
      from: '2026-10-24T00:00:00Z',
      to: '2026-10-26T00:00:00Z',
      spans: [['2026-10-24T23:00:00Z', '2026-10-25T02:00:00Z']],
    },
    {
      name: 'an occurrence that began before the range still counts its rest',
      windows: [berlinSundayNight],
      from: '2026-03-29T01:00:00Z',
      to: '2026-03-29T05:00:00Z',
      spans: [['2026-03-29T01:00:00Z', '2026-03-29T03:00:00Z']],
    },
    {
      name: 'overlapping and touching windows merge into one span',
      windows: [
        { kind: 'once', start: '2026-12-01T10:00:00Z', end: '2026-12-01T11:00:00Z' },
        { kind: 'once', start: '2026-12-01T10:30:00Z', end: '2026-12-01T11:30:00Z' },
        { kind: 'once', start: '2026-12-01T11:30:00Z', end: '2026-12-01T12:00:00Z' },
        { kind: 'once', start: '2026-12-01T13:00:00Z', end: '2026-12-01T14:00:00Z' },
      ],
      from: '2026-12-01T00:00:00Z',
      to: '2026-12-02T00:00:00Z',
      spans: [
        ['2026-12-01T10:00:00Z', '2026-12-01T12:00:00Z'],
        ['2026-12-01T13:00:00Z', '2026-12-01T14:00:00Z'],
      ],
    },
    {
      name: 'no window in the range',
      windows: [{ kind: 'once', start: '2026-12-03T10:00:00Z', end: '2026-12-03T11:00:00Z' }],
      from: '2026-12-01T00:00:00Z',
      to: '2026-12-02T00:00:00Z',
      spans: [],
    },
  ] as const)('$name', ({ windows, from, to, spans }) => {
    // Act
    const result = maintenanceSpans(windows as readonly MaintenanceWindow[], at(from), at(to));

    // Assess
    expect(result).toEqual(spans.map(([start, end]) => ({ startMs: at(start), endMs: at(end) })));
  });

  it.each([
    { zone: 'Europe/Berlin' },
    { zone: 'America/New_York' },
    { zone: 'Asia/Kolkata' },
    { zone: 'Pacific/Chatham' },
    { zone: 'Australia/Lord_Howe' },
  ])(
    'agrees with isInMaintenance at every boundary and at random instants over a year ($zone)',
    ({ zone }) => {
      // Prepare: windows of every shape, including one longer than a day and one across midnight.
      const windows: MaintenanceWindow[] = [
        { kind: 'weekly', days: ['sun'], start: '01:00', durationMinutes: 180, timeZone: zone },
        { kind: 'weekly', days: ['mon', 'thu'], start: '23:30', durationMinutes: 45, timeZone: zone },
        { kind: 'weekly', days: ['fri'], start: '02:15', durationMinutes: 2 * 24 * 60, timeZone: zone },
        { kind: 'once', start: '2026-06-10T08:00:00.500+02:00', end: '2026-06-10T09:00:00Z' },
      ];
      const fromMs = at('2026-01-01T00:00:00Z');
      const toMs = at('2027-01-01T00:00:00Z');

      // Act
      const spans = maintenanceSpans(windows, fromMs, toMs);

      // Assess: each span's first and last ms are inside, the ms either side outside (unless the range ends there).
      const inside = (ms: number) => spans.some((span) => ms >= span.startMs && ms < span.endMs);
      for (const span of spans) {
        expect(isInMaintenance(windows, span.startMs)).toBe(true);
        expect(isInMaintenance(windows, span.endMs - 1)).toBe(true);
        if (span.startMs > fromMs) expect(isInMaintenance(windows, span.startMs - 1)).toBe(false);
        if (span.endMs < toMs) expect(isInMaintenance(windows, span.endMs)).toBe(false);
      }
      const random = seededRandom(13);
      for (let i = 0; i < 2_000; i++) {
        const ms = fromMs + Math.floor(random() * (toMs - fromMs));
        expect(inside(ms)).toBe(isInMaintenance(windows, ms));
      }
      // About 52 Sundays + 104 short windows + 52 long ones, merged where they touch.
      expect(spans.length).toBeGreaterThan(150);
    },
  );

  it('returns nothing for an empty or reversed range', () => {
    expect(
      maintenanceSpans([berlinSundayNight], at('2026-03-29T01:00:00Z'), at('2026-03-29T01:00:00Z')),
    ).toEqual([]);
    expect(
      maintenanceSpans([berlinSundayNight], at('2026-03-29T02:00:00Z'), at('2026-03-29T01:00:00Z')),
    ).toEqual([]);
  });
});
