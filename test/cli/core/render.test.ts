import { describe, expect, it } from 'vitest';
import { type JudgedCheck, judgeCheck } from '../../../cli/core/check-verdict.ts';
import {
  checkJson,
  describeLastCheck,
  describeMaintenanceWindow,
  describeSiteExtras,
  formatAgo,
  formatDuration,
  renderChecks,
  renderSiteList,
  renderStatus,
  renderSubscriptions,
  renderTable,
  siteListJson,
  statusJson,
  summarizeStatus,
} from '../../../cli/core/render.ts';
import type { SiteRecord } from '../../../functions/adapters/site-store.ts';
import { decideTransition } from '../../../functions/domain/alert-policy.ts';
import type { CheckResult } from '../../../functions/domain/check-result.ts';
import type { UptimeFigure } from '../../../functions/domain/history/status-document.ts';
import { parseSiteConfig } from '../../../functions/domain/site.ts';
import { INITIAL_STATE, type SiteState } from '../../../functions/domain/site-state.ts';

const NOW_MS = Date.UTC(2026, 10, 25, 12, 0, 0);

const site = (siteId: string, state: Partial<SiteState> = {}, enabled = true): SiteRecord => ({
  config: parseSiteConfig({ siteId, url: `https://${siteId}.example/`, enabled }),
  state: { ...INITIAL_STATE, ...state },
});

describe('formatDuration', () => {
  it.each([
    [-5, '0s'],
    [999, '0s'],
    [45_000, '45s'],
    [60_000, '1m'],
    [59 * 60_000, '59m'],
    [3_600_000, '1h'],
    [3_900_000, '1h 5m'],
    [86_400_000, '1d'],
    [86_400_000 + 4 * 3_600_000 + 59_000, '1d 4h'],
  ])('formats %d ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('formatAgo', () => {
  it.each([
    [undefined, '-'],
    [NOW_MS - 90_000, '1m ago (2026-11-25T11:58:30Z)'],
  ])('formats %j', (atMs, text) => {
    expect(formatAgo(atMs, NOW_MS)).toBe(text);
  });
});

describe('renderTable', () => {
  it('prints aligned columns without borders or trailing spaces', () => {
    expect(
      renderTable(
        ['A', 'BB'],
        [
          ['long value', 'x'],
          ['y', ''],
        ],
      ),
    ).toBe(['A           BB', 'long value  x', 'y'].join('\n'));
  });
});

describe('site list', () => {
  it('sorts by id and shows paused sites', () => {
    // Act
    const table = renderSiteList([site('b', {}, false), site('a')]);

    // Assess
    const lines = table.split('\n');
    expect(lines[0]).toMatch(
      /^ID\s+URL\s+NAME\s+OWNER\s+EVERY\s+TIMEOUT\s+METHOD\s+EXPECT\s+ENABLED\s+ALSO$/,
    );
    expect(lines[1]).toMatch(
      /^a\s+https:\/\/a\.example\/\s+a\.example\s+default\s+1m\s+5000ms\s+HEAD\s+200-399\s+active$/,
    );
    expect(lines[2]).toMatch(/paused$/);
  });

  it.each([
    [{}, ''],
    [{ keyword: { text: 'Welcome' } }, 'keyword "Welcome"'],
    [{ keyword: { text: 'error', mode: 'absent' } }, 'no keyword "error"'],
    [
      {
        maxResponseMs: 800,
        headers: { 'X-Token': 'a', Accept: 'text/html' },
        treatBlockedAsDown: true,
        reminderMinutes: 30,
        tlsWarnDays: [30, 7],
        maintenance: [
          { kind: 'weekly', days: ['sun'], start: '02:00', durationMinutes: 60, timeZone: 'UTC' },
        ],
      },
      'slow > 800ms, 2 headers, blocked = down, remind 30m, tls warn 30,7d, 1 maintenance window',
    ],
    [{ tlsWarnDays: [] }, 'no tls warnings'],
    [{ fullGetMinutes: 30 }, 'full GET every 30m'],
    [{ fullGetMinutes: 0 }, 'no full GET'],
    [{ public: true }, 'public page'],
    [{ public: false }, 'never public'],
  ])('describes the settings beyond the defaults: %j', (settings, text) => {
    // Prepare
    const config = parseSiteConfig({ siteId: 'a', url: 'https://a.example/', ...settings });

    // Act
    // Assess
    expect(describeSiteExtras(config)).toBe(text);
    expect(
      renderSiteList([{ config, state: INITIAL_STATE }])
        .split('\n')[1]
        ?.endsWith(text),
    ).toBe(true);
  });

  it.each([
    [
      { kind: 'once', start: '2026-03-28T22:00Z', end: '2026-03-29T02:00Z' },
      '2026-03-28T22:00Z to 2026-03-29T02:00Z',
    ],
    [
      {
        kind: 'weekly',
        days: ['sat', 'sun'],
        start: '02:00',
        durationMinutes: 120,
        timeZone: 'Europe/Berlin',
      },
      'sat,sun 02:00 for 120 min (Europe/Berlin)',
    ],
  ] as const)('describes the window %j', (window, text) => {
    expect(describeMaintenanceWindow(window)).toBe(text);
  });

  it('prints one JSON object per site with its version', () => {
    const lines = siteListJson([site('a', { version: 3 })]);

    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ siteId: 'a', url: 'https://a.example/', intervalMinutes: 1, version: 3 }),
    ]);
  });
});

describe('status', () => {
  const down = site('down', {
    status: 'DOWN',
    statusSinceMs: NOW_MS - 3_900_000,
    lastCheck: {
      atMs: NOW_MS - 3_900_000,
      up: false,
      status: 503,
      reason: 'http-5xx',
      detail: 'HTTP 503 from HEAD https://down.example/',
      latencyMs: 12,
    },
  });
  const up = site('up', {
    status: 'UP',
    statusSinceMs: NOW_MS - 60_000,
    lastCheck: { atMs: NOW_MS - 60_000, up: true, status: 200, latencyMs: 40 },
  });
  const paused = site('paused', {}, false);

  it.each([
    [site('x'), 'never checked'],
    [up, 'up, HTTP 200 in 40ms'],
    [down, 'down, http-5xx: HTTP 503 from HEAD https://down.example/ (12ms)'],
  ])('describes the last change of %#', (record, text) => {
    expect(describeLastCheck(record)).toBe(text);
  });

  const slowConfig = parseSiteConfig({ siteId: 'slow', url: 'https://slow.example/', maxResponseMs: 800 });
  const degraded: SiteRecord = {
    config: slowConfig,
    state: {
      ...INITIAL_STATE,
      status: 'DEGRADED',
      statusSinceMs: NOW_MS - 120_000,
      lastCheck: { atMs: NOW_MS - 120_000, up: true, status: 200, latencyMs: 1_450 },
    },
  };
  const blocked = site('waf', {
    status: 'BLOCKED',
    statusSinceMs: NOW_MS - 600_000,
    lastCheck: {
      atMs: NOW_MS - 600_000,
      up: false,
      status: 403,
      reason: 'http-4xx',
      detail: 'HTTP 403 Forbidden',
      latencyMs: 20,
    },
  });
  const inWindow = site('window', {
    status: 'DOWN',
    maintenanceMark: { sinceMs: NOW_MS - 60_000, statusAtStart: 'UP' },
  });

  it.each([
    [degraded, 'up, HTTP 200 in 1450ms (slower than 800ms)'],
    [
      blocked,
      'refused the monitor, HTTP 403: HTTP 403 Forbidden (allow-list our User-Agent, or --treat-blocked-as-down)',
    ],
  ])(
    'describes the last change of a DEGRADED or BLOCKED site (%#) in words that are not "down"',
    (record, text) => {
      expect(describeLastCheck(record)).toBe(text);
    },
  );

  it('shows DEGRADED and BLOCKED after the outages, and marks a site in a maintenance window', () => {
    // Act
    const lines = renderStatus([up, degraded, blocked, down, inWindow], NOW_MS).split('\n');

    // Assess
    expect(lines.map((line) => line.split(/\s{2,}/)).map(([id, _name, state]) => [id, state])).toEqual([
      ['ID', 'STATE'],
      ['down', 'DOWN'],
      ['window', 'DOWN (maintenance)'],
      ['waf', 'BLOCKED (refused)'],
      ['slow', 'DEGRADED (slow)'],
      ['up', 'UP'],
    ]);
    expect(summarizeStatus([up, degraded, blocked, down])).toBe(
      '4 sites: 1 DOWN, 1 BLOCKED, 1 DEGRADED, 1 UP',
    );
    expect(JSON.parse(statusJson([inWindow])[0] ?? '{}')).toMatchObject({
      state: 'DOWN',
      inMaintenance: true,
    });
  });

  it('names each site beside its id, cutting a long name so the table stays readable', () => {
    // Prepare
    const named: SiteRecord = {
      config: parseSiteConfig({ siteId: 'shop-eu', url: 'https://example.com/shop', name: 'N'.repeat(100) }),
      state: INITIAL_STATE,
    };

    // Act
    const [, row] = renderStatus([named], NOW_MS).split('\n');

    // Assess
    expect(row).toMatch(new RegExp(`^shop-eu\\s+${'N'.repeat(37)}\\.\\.\\.\\s+UNKNOWN`));
  });

  it('lists the worst first, with since when and the last change', () => {
    // Act
    const lines = renderStatus([up, paused, down], NOW_MS).split('\n');

    // Assess
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STATE\s+UP 24H\s+UP 30D\s+SINCE\s+LAST CHANGE$/);
    expect(lines[1]).toMatch(
      /^down\s+down\.example\s+DOWN\s+—\s+—\s+1h 5m ago \(2026-11-25T10:55:00Z\)\s+1h 5m ago: down, http-5xx/,
    );
    expect(lines[2]).toMatch(/^paused\s+paused\.example\s+UNKNOWN \(paused\)\s+—\s+—\s+-\s+never checked$/);
    expect(lines[3]).toMatch(/^up\s+up\.example\s+UP\s+—\s+—\s+1m ago/);
  });

  it("shows each site's 24 h and 30 d uptime as given, and every window in JSON", () => {
    // Prepare: figures as siteUptime makes them (its own tests check the arithmetic)
    const figure = (text: string, percent: number | null): UptimeFigure => ({
      percent,
      text,
      upMs: 0,
      downMs: 0,
      blockedMs: 0,
      faultMs: 0,
      maintenanceMs: 0,
    });
    const figures = {
      '24h': figure('97.50', 97.5),
      '7d': figure('99.64', 99.642),
      '30d': figure('99.91', 99.916),
      '90d': figure('—', null),
      '365d': figure('—', null),
    };

    // Act
    const lines = renderStatus([up, down], NOW_MS, new Map([['down', figures]])).split('\n');
    const [json] = statusJson([down], new Map([['down', figures]])).map((line) => JSON.parse(line));

    // Assess
    expect(lines[1]).toMatch(/^down\s+down\.example\s+DOWN\s+97\.50\s+99\.91\s+1h 5m ago/);
    expect(lines[2]).toMatch(/^up\s+up\.example\s+UP\s+—\s+—\s+1m ago/);
    expect(json.uptime).toEqual(figures);
    expect(JSON.parse(statusJson([up])[0] ?? '{}').uptime).toBeNull();
  });

  it.each([
    [[], '0 sites'],
    [[up], '1 site: 1 UP'],
    [[up, down], '2 sites: 1 DOWN, 1 UP'],
    [[up, paused, down], '3 sites: 1 DOWN, 1 UP, 1 paused'],
  ])('summarizes %#', (records, text) => {
    expect(summarizeStatus(records)).toBe(text);
  });

  it('shows a site the monitor can no longer check as UNCHECKED, near the top, with its last status and why', () => {
    // Prepare
    const drifted = site('drifted', {
      ...up.state,
      checkFault: {
        sinceMs: NOW_MS - 120_000,
        reason: 'blocked-address',
        detail: 'blocked connection to drifted.example at 10.0.0.5: not an allowed (public) address',
        faults: 1,
        isAnnounced: true,
      },
    });

    // Act
    const lines = renderStatus([up, drifted, down], NOW_MS).split('\n');
    const [json] = statusJson([drifted]).map((line) => JSON.parse(line));

    // Assess
    expect(lines[2]).toMatch(
      /^drifted\s+drifted\.example\s+UNCHECKED \(last UP\)\s+.*2m ago: not checked: blocked-address: blocked connection to drifted.example at 10.0.0.5/,
    );
    expect(summarizeStatus([up, drifted, down])).toBe('3 sites: 1 DOWN, 1 UNCHECKED, 1 UP');
    expect(json).toMatchObject({
      state: 'UP',
      unchecked: { reason: 'blocked-address', sinceMs: NOW_MS - 120_000 },
    });
  });

  it('says a DOWN site is down since its first failed check, the time its DOWN alert gives', () => {
    // Prepare: the checker's own transitions, a first failure and the re-check that confirms it 30 s later.
    const config = parseSiteConfig({ siteId: 'api', url: 'https://api.example/', failureThreshold: 2 });
    const failure: CheckResult = {
      kind: 'down',
      reason: 'http-5xx',
      detail: 'HTTP 503',
      status: 503,
      latencyMs: 9,
    };
    const firstFailureMs = NOW_MS - 600_000;
    const pending = decideTransition(config, INITIAL_STATE, failure, 'c1', firstFailureMs).next;
    const confirmed = decideTransition(
      config,
      pending ?? INITIAL_STATE,
      failure,
      'c2',
      firstFailureMs + 30_000,
    );
    const record: SiteRecord = { config, state: confirmed.next ?? INITIAL_STATE };
    const downAlert = confirmed.alerts.find((alert) => alert.event === 'DOWN');

    // Act
    const [, row] = renderStatus([record], NOW_MS).split('\n');
    const [json] = statusJson([record]).map((line) => JSON.parse(line));

    // Assess
    expect(downAlert?.outageSinceMs).toBe(firstFailureMs);
    expect(row).toMatch(
      /^api\s+api\.example\s+DOWN\s+—\s+—\s+10m ago \(2026-11-25T11:50:00Z\)\s+9m ago: down, http-5xx/,
    );
    expect(json).toMatchObject({ sinceMs: firstFailureMs, since: '2026-11-25T11:50:00.000Z' });
  });

  describe('verified from several locations (issue 15)', () => {
    const homeTimeout = {
      outcome: 'down',
      location: 'us-east-1',
      reason: 'timeout',
      detail: 'no answer in 10000 ms',
      latencyMs: 10_000,
    } as const;
    const reached = (location: string) => ({ outcome: 'up', location, status: 200, latencyMs: 70 }) as const;
    const firstFailureMs = NOW_MS - 600_000;
    const homeFailure = {
      atMs: NOW_MS - 570_000,
      up: false,
      reason: 'timeout',
      detail: 'no answer in 10000 ms',
      latencyMs: 10_000,
    } as const;
    const regional = site('edge', {
      status: 'REGIONAL',
      statusSinceMs: NOW_MS - 570_000,
      outage: { sinceMs: firstFailureMs, reason: 'timeout', detail: 'no answer in 10000 ms' },
      verification: {
        atMs: NOW_MS - 570_000,
        locations: [homeTimeout, reached('us-west-2'), reached('eu-west-1')],
      },
      lastCheck: homeFailure,
    });
    const verifiedDown = site('api', {
      status: 'DOWN',
      statusSinceMs: NOW_MS - 570_000,
      outage: { sinceMs: firstFailureMs, reason: 'timeout', detail: 'no answer in 10000 ms' },
      verification: {
        atMs: NOW_MS - 570_000,
        locations: [
          homeTimeout,
          { ...homeTimeout, location: 'us-west-2' },
          { outcome: 'no-answer', location: 'eu-west-1', detail: 'verifier timed out' },
        ],
      },
      lastCheck: homeFailure,
    });

    it('shows a REGIONAL site after the failing ones and before UP, saying where it fails and where not', () => {
      // Act
      const lines = renderStatus([up, regional, degraded, down], NOW_MS).split('\n');

      // Assess
      expect(lines.map((line) => line.split(/\s{2,}/)).map(([id, _name, state]) => [id, state])).toEqual([
        ['ID', 'STATE'],
        ['down', 'DOWN'],
        ['slow', 'DEGRADED (slow)'],
        ['edge', 'REGIONAL'],
        ['up', 'UP'],
      ]);
      expect(lines[3]).toMatch(
        /^edge\s+edge\.example\s+REGIONAL\s+—\s+—\s+10m ago \(2026-11-25T11:50:00Z\)\s+9m ago: down from us-east-1 \(timeout\); up from us-west-2, eu-west-1$/,
      );
      expect(summarizeStatus([up, regional, down])).toBe('3 sites: 1 DOWN, 1 REGIONAL, 1 UP');
    });

    it('shows how many locations confirmed a verified DOWN, and each of them', () => {
      // Act
      const [, row] = renderStatus([verifiedDown], NOW_MS).split('\n');

      // Assess
      expect(row).toMatch(/^api\s+api\.example\s+DOWN \(from 2 of 2 locations\)\s+/);
      expect(row).toMatch(
        /9m ago: down, timeout: no answer in 10000 ms \(10000ms\); down from us-east-1 \(timeout\), us-west-2 \(timeout\); no answer from eu-west-1 \(verifier timed out\)$/,
      );
    });

    it('adds the verification to the JSON of a REGIONAL or verified DOWN site only', () => {
      // Act
      // Worst first: the DOWN one, then the REGIONAL one.
      const [downJson, regionalJson] = statusJson([regional, verifiedDown]).map((line) => JSON.parse(line));
      const [plainJson] = statusJson([down]).map((line) => JSON.parse(line));

      // Assess
      expect(regionalJson).toMatchObject({
        state: 'REGIONAL',
        verification: {
          atMs: NOW_MS - 570_000,
          at: '2026-11-25T11:50:30.000Z',
          where: 'down from us-east-1 (timeout); up from us-west-2, eu-west-1',
          locations: regional.state.verification?.locations,
        },
      });
      expect(downJson.verification.where).toBe(
        'down from us-east-1 (timeout), us-west-2 (timeout); no answer from eu-west-1 (verifier timed out)',
      );
      expect(plainJson).not.toHaveProperty('verification');
    });

    it('shows a site that left REGIONAL as before, whatever verification a stale state still holds', () => {
      // Prepare: upChanges clears it; a state written otherwise must not read as failing somewhere.
      const recovered = site('edge', { ...up.state, verification: regional.state.verification });

      // Act
      const [, row] = renderStatus([recovered], NOW_MS).split('\n');

      // Assess
      expect(row).toMatch(/\s+UP\s+.*1m ago: up, HTTP 200 in 40ms$/);
      expect(JSON.parse(statusJson([recovered])[0] ?? '{}')).not.toHaveProperty('verification');
    });
  });

  it('prints state, times and the last change as JSON', () => {
    // Act
    const [first] = statusJson([down]).map((line) => JSON.parse(line));

    // Assess
    expect(first).toMatchObject({
      siteId: 'down',
      state: 'DOWN',
      enabled: true,
      sinceMs: NOW_MS - 3_900_000,
      since: '2026-11-25T10:55:00.000Z',
      lastChange: { up: false, reason: 'http-5xx', status: 503, at: '2026-11-25T10:55:00.000Z' },
      pendingAlerts: 0,
    });
  });
});

describe('check output', () => {
  const DAY_MS = 86_400_000;
  const tls = (daysLeft: number) => ({
    validToMs: NOW_MS + daysLeft * DAY_MS + 3_600_000,
    fingerprint: 'AB:CD',
  });
  const judged = (url: string, result: CheckResult, settings: Record<string, unknown> = {}): JudgedCheck =>
    judgeCheck(parseSiteConfig({ siteId: 'a', url, ...settings }), result, NOW_MS);
  const checks: JudgedCheck[] = [
    judged('https://up.example/', { kind: 'up', status: 200, latencyMs: 31 }),
    judged('https://down.example/', {
      kind: 'down',
      reason: 'http-5xx',
      status: 503,
      detail: 'HTTP 503 Service Unavailable',
      latencyMs: 8,
    }),
    judged('http://10.0.0.1/', {
      kind: 'fault',
      reason: 'blocked-address',
      detail: 'not a public address',
      latencyMs: 0,
    }),
  ];

  it('prints url, up, kind, verdict, status, reason, detail, latencyMs and tls for every verdict; a fault is not up', () => {
    expect(checks.map((check) => JSON.parse(checkJson(check)))).toEqual([
      {
        url: 'https://up.example/',
        up: true,
        kind: 'up',
        verdict: 'UP',
        status: 200,
        reason: null,
        detail: null,
        latencyMs: 31,
        tls: null,
      },
      {
        url: 'https://down.example/',
        up: false,
        kind: 'down',
        verdict: 'DOWN',
        status: 503,
        reason: 'http-5xx',
        detail: 'HTTP 503 Service Unavailable',
        latencyMs: 8,
        tls: null,
      },
      {
        url: 'http://10.0.0.1/',
        up: false,
        kind: 'fault',
        verdict: 'NOT CHECKED',
        status: null,
        reason: 'blocked-address',
        detail: 'not a public address',
        latencyMs: 0,
        tls: null,
      },
    ]);
  });

  it('prints a table in the order given, saying a blocked URL was not checked', () => {
    const lines = renderChecks(checks).split('\n');

    expect(lines[0]).toMatch(/^URL\s+VERDICT\s+STATUS\s+LATENCY\s+WHY\s+TLS$/);
    expect(lines[1]).toMatch(/^https:\/\/up\.example\/\s+UP\s+200\s+31ms$/);
    expect(lines[2]).toMatch(
      /^https:\/\/down\.example\/\s+DOWN\s+503\s+8ms\s+http-5xx: HTTP 503 Service Unavailable$/,
    );
    expect(lines[3]).toMatch(
      /^http:\/\/10\.0\.0\.1\/\s+NOT CHECKED\s+-\s+0ms\s+blocked-address: not a public address$/,
    );
  });

  it('shows what led to an UP, and a DEGRADED with the limit it went over', () => {
    // Prepare
    const detail = 'HEAD timed out, GET 200 in 80 ms';
    const up = judged('https://up.example/', { kind: 'up', status: 200, latencyMs: 80, detail });
    const slow = judged(
      'https://slow.example/',
      { kind: 'up', status: 200, latencyMs: 312, detail },
      { maxResponseMs: 100 },
    );

    // Act
    const lines = renderChecks([up, slow]).split('\n');
    const json = [up, slow].map((check) => JSON.parse(checkJson(check)));

    // Assess
    expect(lines[1]).toMatch(
      /^https:\/\/up\.example\/\s+UP\s+200\s+80ms\s+HEAD timed out, GET 200 in 80 ms$/,
    );
    expect(lines[2]).toMatch(
      /^https:\/\/slow\.example\/\s+DEGRADED\s+200\s+312ms\s+slow: 312 ms, slower than maxResponseMs 100 ms; HEAD timed out, GET 200 in 80 ms$/,
    );
    expect(json).toEqual([
      expect.objectContaining({ up: true, verdict: 'UP', reason: null, detail }),
      expect.objectContaining({
        up: true,
        kind: 'up',
        verdict: 'DEGRADED',
        reason: 'slow',
        detail: `312 ms, slower than maxResponseMs 100 ms; ${detail}`,
      }),
    ]);
  });

  it.each([
    [29, {}, 'certificate expires 2026-12-24, in 29 days', false, []],
    [10, {}, 'WARNING: certificate expires 2026-12-05, in 10 days (under 14 days)', true, [14]],
    [3, {}, 'WARNING: certificate expires 2026-11-28, in 3 days (under 7 days)', true, [14, 7]],
    [3, { tlsWarnDays: [] }, 'certificate expires 2026-11-28, in 3 days', false, []],
    [1, { tlsWarnDays: [1] }, 'certificate expires 2026-11-26, in 1 day', false, []],
    [
      0,
      { tlsWarnDays: [1] },
      'WARNING: certificate expires 2026-11-25, in less than a day (under 1 day)',
      true,
      [1],
    ],
  ])(
    'shows a certificate %d days from expiry with %j as %j',
    (daysLeft, settings, text, warning, warnDays) => {
      // Prepare
      const check = judged(
        'https://tls.example/',
        { kind: 'up', status: 200, latencyMs: 20, tls: tls(daysLeft) },
        settings,
      );

      // Act
      const line = renderChecks([check]).split('\n')[1];
      const json = JSON.parse(checkJson(check));

      // Assess
      expect(line?.split(/\s{2,}/).slice(-2)).toEqual(['20ms', text]);
      expect(json.tls).toEqual({
        validToMs: NOW_MS + daysLeft * DAY_MS + 3_600_000,
        validTo: new Date(NOW_MS + daysLeft * DAY_MS + 3_600_000).toISOString(),
        daysLeft,
        fingerprint: 'AB:CD',
        warning,
        warnDays,
      });
    },
  );

  it('reads a refusal as BLOCKED, or as DOWN http-4xx under treatBlockedAsDown (its certificate then unread, as the checker does)', () => {
    // Prepare
    const refusal: CheckResult = {
      kind: 'blocked',
      status: 403,
      detail: 'HTTP 403 Forbidden',
      latencyMs: 12,
      tls: tls(3),
    };

    // Act
    const [blocked, down] = [{}, { treatBlockedAsDown: true }].map((settings) =>
      JSON.parse(checkJson(judged('https://waf.example/', refusal, settings))),
    );

    // Assess
    expect(blocked).toMatchObject({
      up: false,
      kind: 'blocked',
      verdict: 'BLOCKED',
      status: 403,
      reason: 'blocked',
      tls: { daysLeft: 3, warning: true },
    });
    expect(down).toMatchObject({
      up: false,
      kind: 'down',
      verdict: 'DOWN',
      status: 403,
      reason: 'http-4xx',
      detail: 'HTTP 403 Forbidden',
      tls: null,
    });
  });
});

describe('renderSubscriptions', () => {
  it('shows endpoints in full, what each receives, and a dash for a pending ARN', () => {
    // Act
    const lines = renderSubscriptions([
      {
        subscriptionArn: 'arn:aws:sns:r:1:alerts:abc',
        protocol: 'email',
        endpoint: 'alice@example.com',
        receives: 'owner acme',
        filterPolicy: '{"owner":["acme"]}',
        isPending: false,
      },
      {
        subscriptionArn: null,
        protocol: 'sms',
        endpoint: '+14155550123',
        receives: 'unknown until confirmed',
        filterPolicy: null,
        isPending: true,
      },
    ]).split('\n');

    // Assess
    expect(lines[1]).toMatch(
      /^email\s+alice@example\.com\s+owner acme\s+confirmed\s+arn:aws:sns:r:1:alerts:abc$/,
    );
    expect(lines[2]).toMatch(/^sms\s+\+14155550123\s+unknown until confirmed\s+pending confirmation\s+-$/);
  });
});
