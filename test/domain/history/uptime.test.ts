import { describe, expect, it } from 'vitest';
import type { SiteSummary } from '../../../functions/domain/history/summary.ts';
import { EMPTY_TOTALS, type TimeTotals } from '../../../functions/domain/history/time-totals.ts';
import {
  type LiveSite,
  liveTotals,
  siteUptime,
  uptimeFigure,
} from '../../../functions/domain/history/uptime.ts';
import { INITIAL_STATE, type SiteState } from '../../../functions/domain/site-state.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;
const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);

const totals = (parts: Partial<TimeTotals>): TimeTotals => ({ ...EMPTY_TOTALS, ...parts });
const live = (state: Partial<SiteState>, config: Partial<LiveSite['config']> = {}): LiveSite => ({
  config: { enabled: true, maintenance: [], treatBlockedAsDown: false, ...config },
  state: { ...INITIAL_STATE, ...state },
});
const outage = (sinceMs: number) => ({ sinceMs, reason: 'timeout' as const, detail: 'no answer in 5000 ms' });

describe('uptimeFigure', () => {
  it.each([
    { name: '36 min down of a day', up: 1404 * MINUTE, down: 36 * MINUTE, percent: 97.5, text: '97.50' },
    { name: '1 ms down in a year is never 100.00', up: YEAR - 1, down: 1, text: '99.99' },
    { name: 'all up', up: DAY, down: 0, percent: 100, text: '100.00' },
    { name: 'all down', up: 0, down: DAY, percent: 0, text: '0.00' },
    { name: 'a third is floored, not rounded', up: 2, down: 1, text: '66.66' },
    { name: 'just under a hundredth', up: 9_999, down: 1, percent: 99.99, text: '99.99' },
    { name: 'just over a whole percent', up: 1, down: 99, percent: 1, text: '1.00' },
    { name: 'very large totals stay exact', up: 1_000 * YEAR - 7, down: 7, text: '99.99' },
  ])('$name: $text', ({ up, down, percent, text }) => {
    // Act
    const figure = uptimeFigure(
      totals({ upMs: up, downMs: down, blockedMs: 5, faultMs: 6, maintenanceMs: 7 }),
    );

    // Assess
    expect(figure.text).toBe(text);
    expect(figure.percent).toBeCloseTo(percent ?? (up * 100) / (up + down), 10);
    expect(figure).toMatchObject({ upMs: up, downMs: down, blockedMs: 5, faultMs: 6, maintenanceMs: 7 });
  });

  it('has no percent without up or down time: blocked, faults and maintenance are not uptime', () => {
    // Act
    const figure = uptimeFigure(totals({ blockedMs: HOUR, faultMs: HOUR, maintenanceMs: HOUR }));

    // Assess
    expect(figure).toEqual({
      percent: null,
      text: '—',
      upMs: 0,
      downMs: 0,
      blockedMs: HOUR,
      faultMs: HOUR,
      maintenanceMs: HOUR,
    });
  });
});

describe('liveTotals', () => {
  const FROM = NOW - HOUR;

  it.each([
    {
      name: 'UP since before the stretch: all up',
      state: { status: 'UP', statusSinceMs: NOW - DAY },
      expected: { upMs: HOUR },
    },
    {
      name: 'DEGRADED counts as up',
      state: { status: 'DEGRADED', statusSinceMs: NOW - DAY },
      expected: { upMs: HOUR },
    },
    {
      name: 'DOWN since before the stretch: down from its start',
      state: { status: 'DOWN', statusSinceMs: NOW - 2 * HOUR, outage: outage(NOW - 3 * HOUR) },
      expected: { downMs: HOUR },
    },
    {
      name: 'DOWN within the stretch: down from the first failed check, not the confirming one',
      state: { status: 'DOWN', statusSinceMs: NOW - 20 * MINUTE, outage: outage(NOW - 21 * MINUTE) },
      expected: { downMs: 21 * MINUTE },
    },
    {
      name: 'RECOVERING is still down',
      state: { status: 'RECOVERING', statusSinceMs: NOW - 2 * HOUR, outage: outage(NOW - 2 * HOUR) },
      expected: { downMs: HOUR },
    },
    {
      name: 'PENDING: up until the first failed check, down since',
      state: { status: 'PENDING', statusSinceMs: NOW - DAY, outage: outage(NOW - 10 * MINUTE) },
      expected: { upMs: 50 * MINUTE, downMs: 10 * MINUTE },
    },
    {
      name: 'PENDING on the very first checks: no up time to count',
      state: { status: 'PENDING', outage: outage(NOW - 10 * MINUTE) },
      expected: { downMs: 10 * MINUTE },
    },
    {
      name: 'BLOCKED is shown apart',
      state: { status: 'BLOCKED', statusSinceMs: NOW - DAY },
      expected: { blockedMs: HOUR },
    },
    {
      name: 'UNCHECKED is a fault since its first faulted check, after what the status says',
      state: {
        status: 'UP',
        statusSinceMs: NOW - DAY,
        checkFault: {
          sinceMs: NOW - 15 * MINUTE,
          reason: 'checker-fault',
          detail: 'x',
          faults: 3,
          isAnnounced: true,
        },
      },
      expected: { upMs: 45 * MINUTE, faultMs: 15 * MINUTE },
    },
    {
      name: 'a fault not yet certain (UNCHECKED) does not change the count',
      state: {
        status: 'UP',
        statusSinceMs: NOW - DAY,
        checkFault: {
          sinceMs: NOW - 5 * MINUTE,
          reason: 'checker-fault',
          detail: 'x',
          faults: 1,
          isAnnounced: false,
        },
      },
      expected: { upMs: HOUR },
    },
    { name: 'UNKNOWN (never checked) counts nothing', state: { status: 'UNKNOWN' }, expected: {} },
    {
      name: 'a site confirmed UP within the stretch counts from then (before it: unknown)',
      state: { status: 'UP', statusSinceMs: NOW - 10 * MINUTE },
      expected: { upMs: 10 * MINUTE },
    },
    {
      name: 'the outage that just ended (lastIncident) is down, then up since recovery',
      state: {
        status: 'UP',
        statusSinceMs: NOW - 10 * MINUTE,
        lastIncident: {
          startMs: NOW - 40 * MINUTE,
          confirmedMs: NOW - 39 * MINUTE,
          endMs: NOW - 10 * MINUTE,
          reason: 'timeout',
          detail: 'x',
        },
      },
      expected: { downMs: 30 * MINUTE, upMs: 10 * MINUTE },
    },
    {
      name: 'an item without statusSinceMs (written before it existed) counts from the stretch start',
      state: { status: 'UP' },
      expected: { upMs: HOUR },
    },
  ] as const)('$name', ({ state, expected }) => {
    // Act
    const result = liveTotals(live(state as Partial<SiteState>), FROM, NOW);

    // Assess
    expect(result).toEqual(totals(expected));
  });

  it('treats BLOCKED as down when the site says so', () => {
    expect(
      liveTotals(live({ status: 'BLOCKED', statusSinceMs: 0 }, { treatBlockedAsDown: true }), FROM, NOW),
    ).toEqual(totals({ downMs: HOUR }));
  });

  it('counts nothing for a paused site, whatever its state', () => {
    expect(
      liveTotals(
        live({ status: 'DOWN', statusSinceMs: 0, outage: outage(0) }, { enabled: false }),
        FROM,
        NOW,
      ),
    ).toEqual(EMPTY_TOTALS);
  });

  it('counts maintenance exactly at the window boundaries, whatever the status inside it', () => {
    // Prepare: a window from 11:20:30.250 to 11:35, and a DOWN outage from 11:30.
    const maintenance: LiveSite['config']['maintenance'] = [
      { kind: 'once', start: '2026-12-06T11:20:30.250Z', end: '2026-12-06T11:35:00Z' },
    ];
    const site = live(
      { status: 'DOWN', statusSinceMs: NOW - 29 * MINUTE, outage: outage(NOW - 30 * MINUTE) },
      { maintenance },
    );

    // Act
    const result = liveTotals(site, FROM, NOW);

    // Assess: 11:00-11:20:30.250 unknown (before the outage; no UP instant), maintenance to 11:35, down to 12:00.
    expect(result).toEqual(totals({ maintenanceMs: 5 * MINUTE, downMs: 25 * MINUTE }));
    // The up part before the outage, had there been one, is maintenance inside the window too.
    const pending = live(
      { status: 'PENDING', statusSinceMs: NOW - DAY, outage: outage(NOW - 30 * MINUTE) },
      { maintenance },
    );
    expect(liveTotals(pending, FROM, NOW)).toEqual(
      totals({ upMs: 20 * MINUTE + 30_250, maintenanceMs: 14 * MINUTE + 29_750, downMs: 25 * MINUTE }),
    );
  });

  it('splits a weekly window across a stretch of a year exactly, in its own time zone', () => {
    // Prepare: Sundays 01:00 Berlin for 3 hours, a site UP all year.
    const maintenance: LiveSite['config']['maintenance'] = [
      { kind: 'weekly', days: ['sun'], start: '01:00', durationMinutes: 180, timeZone: 'Europe/Berlin' },
    ];
    const from = Date.UTC(2026, 0, 1);
    const to = Date.UTC(2027, 0, 1);

    // Act
    const result = liveTotals(live({ status: 'UP', statusSinceMs: 0 }, { maintenance }), from, to);

    // Assess: 2026 has 52 Sundays (the first is 4 Jan), each exactly 3 real hours, DST nights included.
    expect(result).toEqual(totals({ maintenanceMs: 52 * 3 * HOUR, upMs: YEAR - 52 * 3 * HOUR }));
  });

  it('counts nothing in an empty or reversed stretch', () => {
    const site = live({ status: 'UP', statusSinceMs: 0 });
    expect(liveTotals(site, NOW, NOW)).toEqual(EMPTY_TOTALS);
    expect(liveTotals(site, NOW, NOW - HOUR)).toEqual(EMPTY_TOTALS);
  });
});

describe('siteUptime', () => {
  const windowsOf = (each: TimeTotals): SiteSummary['windows'] => ({
    '24h': each,
    '7d': each,
    '30d': each,
    '90d': each,
    '365d': each,
  });
  const summaryOf = (windows: SiteSummary['windows']): SiteSummary => ({
    siteId: 'shop',
    windows,
    days: [],
    hours: [],
    incidents: [],
  });

  it('adds the live stretch since the compaction to the summary totals: 36 min down yesterday reads 97.50', () => {
    // Prepare: compacted through now; yesterday's 36 minutes down are in the summary's 24 h window.
    const summary = summaryOf(windowsOf(totals({ upMs: DAY - 36 * MINUTE, downMs: 36 * MINUTE })));
    const site = live({ status: 'UP', statusSinceMs: NOW - 20 * HOUR });

    // Act
    const uptime = siteUptime(summary, site, NOW, NOW);

    // Assess
    expect(uptime['24h'].text).toBe('97.50');
    expect(uptime['365d'].text).toBe('97.50');
  });

  it('counts [compactedUntil, now) from the live state in every window', () => {
    // Prepare: compacted until 20 minutes ago; the site went down 10 minutes ago.
    const compactedUntilMs = NOW - 20 * MINUTE;
    const summary = summaryOf({
      '24h': totals({ upMs: DAY }),
      '7d': totals({ upMs: 7 * DAY }),
      '30d': totals({ upMs: 30 * DAY, blockedMs: HOUR }),
      '90d': totals({ upMs: 90 * DAY }),
      '365d': totals({ upMs: 365 * DAY }),
    });
    const site = live({ status: 'DOWN', statusSinceMs: NOW - 9 * MINUTE, outage: outage(NOW - 10 * MINUTE) });

    // Act
    const uptime = siteUptime(summary, site, compactedUntilMs, NOW);

    // Assess: the 10 minutes before the outage began are unknown to a DOWN state (counted nowhere, not up).
    expect(uptime['24h']).toMatchObject({ upMs: DAY, downMs: 10 * MINUTE });
    expect(uptime['30d']).toMatchObject({ upMs: 30 * DAY, downMs: 10 * MINUTE, blockedMs: HOUR });
    expect(uptime['365d']).toMatchObject({ upMs: 365 * DAY, downMs: 10 * MINUTE });
    expect(uptime['24h'].text).toBe('99.31');
  });

  it('without any compaction, each window is [now - W, now) from the live state', () => {
    // Prepare: a site up for 2 days, nothing compacted yet.
    const site = live({ status: 'UP', statusSinceMs: NOW - 2 * DAY });

    // Act
    const uptime = siteUptime(undefined, site, undefined, NOW);

    // Assess
    expect(uptime['24h']).toMatchObject({ upMs: DAY, text: '100.00' });
    expect(uptime['7d']).toMatchObject({ upMs: 2 * DAY, text: '100.00' });
    expect(uptime['365d']).toMatchObject({ upMs: 2 * DAY });
  });

  it('a compaction older than a window leaves that window to the live state alone', () => {
    // Prepare: the compactor stopped 2 days ago.
    const summary = summaryOf(windowsOf(totals({ downMs: HOUR, upMs: DAY })));
    const site = live({ status: 'UP', statusSinceMs: NOW - 10 * DAY });

    // Act
    const uptime = siteUptime(summary, site, NOW - 2 * DAY, NOW);

    // Assess
    expect(uptime['24h']).toMatchObject({ upMs: DAY, downMs: 0 });
    expect(uptime['7d']).toMatchObject({ upMs: DAY + 2 * DAY, downMs: HOUR });
  });

  it('a site the summary does not know (new since the compaction) counts its live stretch only', () => {
    const uptime = siteUptime(
      undefined,
      live({ status: 'UP', statusSinceMs: NOW - 5 * MINUTE }),
      NOW - HOUR,
      NOW,
    );
    expect(uptime['24h']).toMatchObject({ upMs: 5 * MINUTE, text: '100.00' });
  });

  it('a deleted site (no live state) keeps the summary totals; no data at all reads "—"', () => {
    const summary = summaryOf(windowsOf(totals({ upMs: 3, downMs: 1 })));
    expect(siteUptime(summary, undefined, NOW - HOUR, NOW)['7d'].text).toBe('75.00');
    expect(siteUptime(undefined, undefined, undefined, NOW)['7d']).toMatchObject({
      percent: null,
      text: '—',
    });
  });
});
