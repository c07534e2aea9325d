import { describe, expect, it } from 'vitest';
import type { StatusDocument } from '../../functions/domain/history/status-document.ts';
import {
  ageText,
  bannerOf,
  dayLabel,
  dayTone,
  incidentDurationText,
  percentText,
  STATUS_TONES,
  type StatusDay,
  statusText,
} from '../../functions/status-page/browser/labels.ts';

const DAY_START_MS = Date.UTC(2026, 11, 6);
const UTC_DATE = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});

const figure = (
  text: string,
  percent: number | null,
  extra: Partial<Record<'downMs' | 'blockedMs' | 'faultMs' | 'maintenanceMs', number>> = {},
) => ({
  percent,
  text,
  upMs: 0,
  downMs: 0,
  blockedMs: 0,
  faultMs: 0,
  maintenanceMs: 0,
  ...extra,
});

describe('dayLabel', () => {
  it.each<[string, StatusDay, string]>([
    [
      'a day with an incident',
      { dayStartMs: DAY_START_MS, uptime: figure('97.50', 97.5, { downMs: 2_160_000 }), incidents: 1 },
      '6 Dec 2026: 97.50 % up, 1 incident',
    ],
    [
      'a clean day',
      { dayStartMs: DAY_START_MS, uptime: figure('100.00', 100), incidents: 0 },
      '6 Dec 2026: 100.00 % up',
    ],
    [
      'two incidents',
      { dayStartMs: DAY_START_MS, uptime: figure('99.00', 99, { downMs: 1 }), incidents: 2 },
      '6 Dec 2026: 99.00 % up, 2 incidents',
    ],
    ['no data', { dayStartMs: DAY_START_MS, uptime: null, incidents: 0 }, '6 Dec 2026: no data'],
    [
      'time shown apart, never as downtime',
      {
        dayStartMs: DAY_START_MS,
        uptime: figure('100.00', 100, { blockedMs: 7_200_000, faultMs: 60_000, maintenanceMs: 1_800_000 }),
        incidents: 0,
      },
      '6 Dec 2026: 100.00 % up, blocked 2 h, not checked 1 min, maintenance 30 min',
    ],
    [
      'only blocked',
      { dayStartMs: DAY_START_MS, uptime: figure('—', null, { blockedMs: 86_400_000 }), incidents: 0 },
      '6 Dec 2026: no up or down time, blocked 1 d',
    ],
  ])('%s', (_case, day, label) => {
    expect(dayLabel(day, UTC_DATE)).toBe(label);
  });

  it("names the UTC day whatever the formatter's locale would do with time zones", () => {
    // 00:00 UTC is still 5 Dec in Los Angeles: a bar is the UTC day.
    expect(dayLabel({ dayStartMs: DAY_START_MS, uptime: null, incidents: 0 }, UTC_DATE)).toMatch(/^6 Dec/);
  });
});

describe('dayTone', () => {
  it.each<[string, StatusDay['uptime'], string]>([
    ['no data', null, 'off'],
    ['no up or down time', figure('—', null, { blockedMs: 5 }), 'off'],
    ['no downtime', figure('100.00', 100), 'up'],
    ['a little downtime still shows', figure('100.00', 99.999, { downMs: 1 }), 'warn'],
    ['99 % exactly', figure('99.00', 99, { downMs: 1 }), 'warn'],
    ['below 99 %', figure('97.50', 97.5, { downMs: 1 }), 'down'],
  ])('%s', (_case, uptime, tone) => {
    expect(dayTone({ dayStartMs: DAY_START_MS, uptime, incidents: 0 })).toBe(tone);
  });
});

describe('percentText', () => {
  it("prints the document's text, never a recomputed number", () => {
    // percent says 99.999; the contract floors to "99.99" and the page shows exactly that.
    expect(percentText(figure('99.99', 99.999))).toBe('99.99 %');
    expect(percentText(figure('—', null))).toBe('—');
  });
});

describe('ageText', () => {
  it.each([
    [0, '0 s'],
    [20_400, '20 s'],
    [59_999, '59 s'],
    [60_000, '1 min'],
    [3_599_000, '59 min'],
    [3_600_000, '1 h'],
    [47 * 3_600_000, '47 h'],
    [48 * 3_600_000, '2 d'],
    [-5_000, '0 s'],
  ])('%i ms → %s', (ms, text) => {
    expect(ageText(ms)).toBe(text);
  });
});

describe('bannerOf', () => {
  const site = (status: StatusDocument['sites'][number]['status']) =>
    ({ status }) as StatusDocument['sites'][number];

  it.each([
    [['UP', 'UP'], 'All 2 sites are up', 'up'],
    [['UP'], 'The site is up', 'up'],
    [['UP', 'DOWN', 'DOWN', 'PAUSED'], '2 sites down of 3 (1 paused)', 'down'],
    [['UP', 'DOWN', 'BLOCKED'], '1 site down of 3', 'down'],
    [['UP', 'BLOCKED', 'DEGRADED'], 'No site down; 2 of 3 need a look', 'warn'],
    // Failing from a minority of locations only: worth a look, never an outage.
    [['UP', 'REGIONAL'], 'No site down; 1 of 2 need a look', 'warn'],
    [['PAUSED'], 'No site is being checked (1 paused)', 'off'],
  ] as const)('%j → %s', (statuses, text, tone) => {
    expect(bannerOf(statuses.map(site), 'private')).toEqual({ text, tone });
  });
});

describe('statusText', () => {
  it.each<[string, Parameters<typeof statusText>[0], string]>([
    [
      'a REGIONAL site, private',
      { status: 'REGIONAL', locations: { failing: 1, answered: 3, failingFrom: ['us-east-1'] } },
      'Up — failing from 1 of 3 locations (us-east-1)',
    ],
    [
      'a REGIONAL site, public (no names)',
      { status: 'REGIONAL', locations: { failing: 1, answered: 3 } },
      'Up — failing from 1 of 3 locations',
    ],
    ['a REGIONAL site without counts', { status: 'REGIONAL' }, 'Up — failing from one region'],
    [
      'a verified DOWN',
      { status: 'DOWN', locations: { failing: 2, answered: 2, failingFrom: ['us-east-1', 'us-west-2'] } },
      'Down — from 2 of 2 locations (us-east-1, us-west-2)',
    ],
    ['a DOWN without verifiers', { status: 'DOWN' }, 'Down'],
    ['any other status keeps its label', { status: 'UP', locations: { failing: 1, answered: 3 } }, 'Up'],
  ])('%s: %s', (_, site, text) => {
    expect(statusText(site)).toBe(text);
  });

  it('draws REGIONAL as a warning, never as down', () => {
    expect(STATUS_TONES.REGIONAL).toBe('warn');
  });
});

describe('bannerOf on an empty page', () => {
  it.each([
    ['public', 'No site is public on this page yet.'],
    ['private', 'No sites yet: add one with squirrel sites add URL.'],
  ] as const)('%s: %s', (audience, text) => {
    expect(bannerOf([], audience)).toEqual({ text, tone: 'off' });
  });
});

describe('incidentDurationText', () => {
  it('says how long an ended incident lasted, and how long an ongoing one has lasted so far', () => {
    const incident = { startMs: 0, confirmedMs: 30_000, durationMs: 36 * 60_000, reason: 'timeout' as const };
    expect(incidentDurationText({ ...incident, endMs: 36 * 60_000 })).toBe('36 min');
    expect(incidentDurationText(incident)).toBe('36 min so far');
  });

  it('says "at least" when the end was not seen (its checks stopped while it was down)', () => {
    const incident = { startMs: 0, confirmedMs: 30_000, durationMs: 36 * 60_000, reason: 'timeout' as const };
    expect(incidentDurationText({ ...incident, endMs: 36 * 60_000, endKnown: false })).toBe(
      'at least 36 min (checks stopped)',
    );
  });
});
