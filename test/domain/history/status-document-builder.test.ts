import { gzipSync } from 'node:zlib';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { DAY_MS, dayStartOf, HOUR_MS } from '../../../functions/domain/history/history-keys.ts';
import type { Incident } from '../../../functions/domain/history/incident.ts';
import { StatusDocumentSchema } from '../../../functions/domain/history/status-document.ts';
import {
  buildStatusDocument,
  isPublicSite,
  MAX_LISTED_INCIDENTS,
  MAX_STATUS_SITES,
  publicIdOf,
  publicNameOf,
  type StatusDocumentInput,
} from '../../../functions/domain/history/status-document-builder.ts';
import type { HistorySummary, SiteSummary } from '../../../functions/domain/history/summary.ts';
import { EMPTY_TOTALS, type TimeTotals } from '../../../functions/domain/history/time-totals.ts';
import type { SiteConfigInput } from '../../../functions/domain/site.ts';
import { INITIAL_STATE, type SiteState } from '../../../functions/domain/site-state.ts';
import { aSite } from '../fixtures.ts';

const MINUTE = 60_000;
// Sunday 6 Dec 2026, 12:00 UTC.
const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const TODAY = dayStartOf(NOW);
const YESTERDAY = TODAY - DAY_MS;

const totals = (parts: Partial<TimeTotals>): TimeTotals => ({ ...EMPTY_TOTALS, ...parts });
const record = (config: Partial<SiteConfigInput>, state: Partial<SiteState> = {}) => ({
  config: aSite(config),
  state: { ...INITIAL_STATE, status: 'UP' as const, statusSinceMs: NOW - 30 * DAY_MS, ...state },
});
const incident = (siteId: string, startMs: number, minutes: number, detail = 'no answer'): Incident => ({
  siteId,
  startMs,
  confirmedMs: startMs + MINUTE,
  endMs: startMs + minutes * MINUTE,
  reason: 'timeout',
  detail,
});
const siteSummary = (siteId: string, parts: Partial<SiteSummary> = {}): SiteSummary => ({
  siteId,
  windows: {
    '24h': EMPTY_TOTALS,
    '7d': EMPTY_TOTALS,
    '30d': EMPTY_TOTALS,
    '90d': EMPTY_TOTALS,
    '365d': EMPTY_TOTALS,
  },
  days: [],
  hours: [],
  incidents: [],
  ...parts,
});

// Yesterday the shop was down for exactly 36 minutes (10:00-10:36); compacted through 11:00 today.
const COMPACTED_UNTIL = NOW - HOUR_MS;
const shopOutage = incident('shop', YESTERDAY + 10 * HOUR_MS, 36, 'connect ETIMEDOUT 10.0.0.7:443');
const summary: HistorySummary = {
  v: 1,
  generatedAtMs: COMPACTED_UNTIL + 20 * MINUTE,
  compactedUntilMs: COMPACTED_UNTIL,
  sites: [
    siteSummary('shop', {
      windows: {
        '24h': totals({ upMs: DAY_MS - 36 * MINUTE - HOUR_MS, downMs: 36 * MINUTE }),
        '7d': totals({ upMs: 7 * DAY_MS - 36 * MINUTE, downMs: 36 * MINUTE }),
        '30d': totals({ upMs: 30 * DAY_MS - 36 * MINUTE, downMs: 36 * MINUTE }),
        '90d': totals({ upMs: 30 * DAY_MS - 36 * MINUTE, downMs: 36 * MINUTE }),
        '365d': totals({ upMs: 30 * DAY_MS - 36 * MINUTE, downMs: 36 * MINUTE }),
      },
      days: [
        {
          dayStartMs: YESTERDAY,
          totals: totals({ upMs: DAY_MS - 36 * MINUTE, downMs: 36 * MINUTE }),
          checks: 1440,
          failures: 36,
          incidents: 1,
        },
        { dayStartMs: TODAY, totals: totals({ upMs: 11 * HOUR_MS }), checks: 660, failures: 0, incidents: 0 },
      ],
      hours: [
        { hourStartMs: NOW - 3 * HOUR_MS, checks: 60, failures: 0, p50Ms: 80, p95Ms: 140, maxMs: 300 },
        { hourStartMs: NOW - 2 * HOUR_MS, checks: 0, failures: 0 },
        { hourStartMs: NOW - HOUR_MS, checks: 60, failures: 2, p50Ms: 90, p95Ms: 150, maxMs: 400 },
      ],
      incidents: [shopOutage],
    }),
  ],
};
const shop = record(
  { siteId: 'shop', name: 'Shop', owner: 'team-a', public: true },
  {
    statusSinceMs: shopOutage.endMs,
    lastCheck: { atMs: NOW - MINUTE, up: true, status: 200, latencyMs: 81 },
  },
);
const api = record({ siteId: 'api', name: 'api', owner: 'team-public', url: 'https://api.example.com/' });
const intranet = record({ siteId: 'intranet', name: 'Intranet', owner: 'team-a', url: 'https://10.0.0.8/' });
const hidden = record({ siteId: 'hidden', name: 'Hidden', owner: 'team-public', public: false });
const input = (overrides: Partial<StatusDocumentInput> = {}): StatusDocumentInput => ({
  audience: 'public',
  title: 'Example status',
  sites: [shop, intranet, hidden, api],
  summary,
  publicOwners: ['team-public'],
  nowMs: NOW,
  ...overrides,
});

describe('isPublicSite', () => {
  it.each([
    { public: true, owner: 'x', owners: [], expected: true },
    { public: false, owner: 'team-public', owners: ['team-public'], expected: false },
    { public: undefined, owner: 'team-public', owners: ['team-public'], expected: true },
    { public: undefined, owner: 'team-a', owners: ['team-public'], expected: false },
    { public: undefined, owner: 'default', owners: [], expected: false },
  ])(
    'public=$public owner=$owner owners=$owners → $expected',
    ({ public: isPublic, owner, owners, expected }) => {
      const config = isPublic === undefined ? { owner } : { owner, public: isPublic };
      expect(isPublicSite(config, owners)).toBe(expected);
    },
  );
});

describe('buildStatusDocument', () => {
  it('the public document holds only public sites, without URLs, owners or failure details', () => {
    // Act
    const document = v.parse(StatusDocumentSchema, buildStatusDocument(input()));

    // Assess
    expect(document).toMatchObject({ v: 1, audience: 'public', title: 'Example status', generatedAtMs: NOW });
    expect(document.compactedUntilMs).toBe(COMPACTED_UNTIL);
    expect(document.sites.map((site) => site.id)).toEqual(['api', 'shop'].map(publicIdOf));
    const text = JSON.stringify(document);
    expect(text).not.toContain('example.com');
    expect(text).not.toContain('10.0.0');
    expect(text).not.toContain('team-');
    expect(document.sites.every((site) => site.url === undefined && site.owner === undefined)).toBe(true);
    expect(document.sites[1]?.incidents).toEqual([
      {
        startMs: shopOutage.startMs,
        confirmedMs: shopOutage.confirmedMs,
        endMs: shopOutage.endMs,
        durationMs: 36 * MINUTE,
        reason: 'timeout',
      },
    ]);
    expect(document.omittedSites).toBeUndefined();
  });

  it('the private document holds every site with its URL, owner and failure details', () => {
    // Act
    const document = v.parse(StatusDocumentSchema, buildStatusDocument(input({ audience: 'private' })));

    // Assess: by name as people read it ("api" before "Hidden"), then by id.
    expect(document.sites.map((site) => site.id)).toEqual(['api', 'hidden', 'intranet', 'shop']);
    expect(document.sites[2]).toMatchObject({ url: 'https://10.0.0.8/', owner: 'team-a' });
    expect(document.sites[3]?.incidents[0]?.detail).toBe('connect ETIMEDOUT 10.0.0.7:443');
  });

  it('shows no URL in the public document through a default name or id: the host only, an opaque stable id', () => {
    // Prepare: named after its URL (the default), with a token in the query; and one its owner named
    const unnamed = record({
      siteId: 'intranet-corp-example-health',
      url: 'https://intranet.corp.example:8443/health?token=s3cr3t',
      name: undefined,
      public: true,
    });
    const named = record({ siteId: 'shop-x', url: 'https://shop.example/x?k=1', name: 'Shop', public: true });

    // Act
    const document = buildStatusDocument(input({ sites: [unnamed, named] }));

    // Assess
    const text = JSON.stringify(document);
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('/health');
    expect(text).not.toContain('intranet-corp-example-health');
    expect(document.sites.map((site) => [site.id, site.name])).toEqual([
      [publicIdOf('intranet-corp-example-health'), 'intranet.corp.example:8443'],
      [publicIdOf('shop-x'), 'Shop'],
    ]);
    expect(publicIdOf('shop-x')).toBe(publicIdOf('shop-x'));
    expect(publicNameOf({ name: 'Shop', url: 'https://shop.example/' })).toBe('Shop');
  });

  it('orders sites by name, then id, whatever order the scan gave them', () => {
    // Prepare
    const sites = ['b', 'a', 'c'].map((id) => record({ siteId: id, name: 'Same name', public: true }));
    const other = record({ siteId: 'z', name: 'Another', public: true });

    // Act
    const ids = buildStatusDocument(input({ sites: [...sites, other] })).sites.map((site) => site.id);
    const reversed = buildStatusDocument(input({ sites: [other, ...sites].reverse() })).sites.map(
      (site) => site.id,
    );

    // Assess
    expect(ids).toEqual(['z', 'a', 'b', 'c'].map(publicIdOf));
    expect(reversed).toEqual(ids);
  });

  it("a site down for exactly 36 minutes yesterday shows 97.50 % for 24 h, and the same on yesterday's bar", () => {
    // Prepare: 24 h window = compacted [11:00 yesterday, 11:00 today) + live [11:00, 12:00) up.
    const shopSite = buildStatusDocument(input()).sites.find((site) => site.id === publicIdOf('shop'));

    // Assess
    expect(shopSite?.uptime['24h']).toMatchObject({
      text: '97.50',
      upMs: DAY_MS - 36 * MINUTE,
      downMs: 36 * MINUTE,
    });
    const yesterday = shopSite?.days.at(-2);
    expect(yesterday).toMatchObject({ dayStartMs: YESTERDAY, incidents: 1, uptime: { text: '97.50' } });
  });

  it('has 90 days ending today: null without data, today = compacted part + live stretch', () => {
    // Act
    const shopSite = buildStatusDocument(input()).sites.find((site) => site.id === publicIdOf('shop'));

    // Assess
    expect(shopSite?.days).toHaveLength(90);
    expect(shopSite?.days[0]?.dayStartMs).toBe(TODAY - 89 * DAY_MS);
    // Before yesterday: nothing compacted, and the live stretch starts at the compaction.
    expect(shopSite?.days.slice(0, 88).every((day) => day.uptime === null && day.incidents === 0)).toBe(true);
    expect(shopSite?.days.at(-1)).toMatchObject({
      dayStartMs: TODAY,
      uptime: { upMs: 12 * HOUR_MS, text: '100.00' },
    });
  });

  it('lists hourly response times for hours with up checks only, oldest first', () => {
    const shopSite = buildStatusDocument(input()).sites.find((site) => site.id === publicIdOf('shop'));
    expect(shopSite?.responseTimes).toEqual([
      { hourStartMs: NOW - 3 * HOUR_MS, p50Ms: 80, p95Ms: 140, maxMs: 300 },
      { hourStartMs: NOW - HOUR_MS, p50Ms: 90, p95Ms: 150, maxMs: 400 },
    ]);
  });

  it('shows the current status and since when, the last check, and PAUSED for a disabled site', () => {
    // Prepare
    const down = record(
      { siteId: 'down', name: 'Down', public: true },
      {
        status: 'RECOVERING',
        statusSinceMs: NOW - 9 * MINUTE,
        outage: { sinceMs: NOW - 10 * MINUTE, reason: 'timeout', detail: 'x' },
      },
    );
    const paused = record({ siteId: 'paused', name: 'Paused', public: true, enabled: false });

    // Act
    const [first, second] = buildStatusDocument(input({ sites: [down, paused] })).sites;

    // Assess
    expect(first).toMatchObject({ id: publicIdOf('down'), status: 'RECOVERING', sinceMs: NOW - 10 * MINUTE });
    expect(first?.uptime['24h']).toMatchObject({ downMs: 10 * MINUTE });
    expect(second).toMatchObject({ id: publicIdOf('paused'), status: 'PAUSED' });
    expect(second?.sinceMs).toBeUndefined();
    const shopSite = buildStatusDocument(input()).sites.find((site) => site.id === publicIdOf('shop'));
    expect(shopSite?.lastCheck).toEqual({ atMs: NOW - MINUTE, latencyMs: 81, status: 200 });
  });

  it('lists incidents newest first: the ongoing outage, the one that just ended, then the summary, at most 10', () => {
    // Prepare: a site whose summary has 12 incidents (one per day), which just ended one, and is down again.
    const older = Array.from({ length: 12 }, (_, i) => incident('web', TODAY - (i + 2) * DAY_MS, 5));
    const justEnded = incident('web', NOW - 50 * MINUTE, 20, 'HTTP 503');
    const web = record(
      { siteId: 'web', name: 'Web', public: true },
      {
        status: 'DOWN',
        statusSinceMs: NOW - 9 * MINUTE,
        outage: { sinceMs: NOW - 10 * MINUTE, reason: 'http-5xx', detail: 'HTTP 500', status: 500 },
        lastIncident: {
          startMs: justEnded.startMs,
          confirmedMs: justEnded.confirmedMs,
          endMs: justEnded.endMs ?? 0,
          reason: 'http-5xx',
          detail: 'HTTP 503',
        },
      },
    );
    const withWeb = { ...summary, sites: [siteSummary('web', { incidents: older.slice(0, 20) })] };

    // Act
    const site = buildStatusDocument(input({ audience: 'private', sites: [web], summary: withWeb })).sites[0];

    // Assess
    expect(site?.incidents).toHaveLength(MAX_LISTED_INCIDENTS);
    expect(site?.incidents[0]).toEqual({
      startMs: NOW - 10 * MINUTE,
      confirmedMs: NOW - 9 * MINUTE,
      durationMs: 10 * MINUTE,
      reason: 'http-5xx',
      detail: 'HTTP 500',
    });
    expect(site?.incidents[1]).toMatchObject({
      startMs: justEnded.startMs,
      endMs: justEnded.endMs,
      durationMs: 20 * MINUTE,
    });
    expect(site?.incidents.slice(2).map((listed) => listed.startMs)).toEqual(
      older.slice(0, 8).map((i) => i.startMs),
    );
    // Today's bar counts the two live incidents the summary does not have yet.
    expect(site?.days.at(-1)?.incidents).toBe(2);
  });

  it('takes an incident once when the summary already has the live one', () => {
    // Prepare: the compactor has the outage that ended (lastIncident) and the ongoing one, open.
    const ongoing: Incident = {
      siteId: 'web',
      startMs: NOW - 3 * HOUR_MS,
      confirmedMs: NOW - 3 * HOUR_MS + MINUTE,
      reason: 'timeout',
      detail: 'x',
    };
    const web = record(
      { siteId: 'web', name: 'Web', public: true },
      {
        status: 'DOWN',
        statusSinceMs: ongoing.confirmedMs,
        outage: { sinceMs: ongoing.startMs, reason: 'timeout', detail: 'x' },
        lastIncident: { ...shopOutage, endMs: shopOutage.endMs ?? 0 },
      },
    );
    const withWeb = {
      ...summary,
      sites: [siteSummary('web', { incidents: [ongoing, { ...shopOutage, siteId: 'web' }] })],
    };

    // Act
    const site = buildStatusDocument(input({ sites: [web], summary: withWeb })).sites[0];

    // Assess
    expect(site?.incidents.map((listed) => listed.startMs)).toEqual([ongoing.startMs, shopOutage.startMs]);
    expect(site?.incidents[0]).toMatchObject({ durationMs: 3 * HOUR_MS });
    expect(site?.incidents[0]?.endMs).toBeUndefined();
  });

  it('shows the open incident of a site paused while DOWN as ended where the history last saw it', () => {
    // Prepare: the compactor holds an outage open; the site was paused since (its live state still says DOWN).
    const open: Incident = {
      siteId: 'web',
      startMs: NOW - 30 * 24 * HOUR_MS,
      confirmedMs: NOW - 30 * 24 * HOUR_MS + MINUTE,
      reason: 'timeout',
      detail: 'x',
    };
    const web = record(
      { siteId: 'web', name: 'Web', public: true, enabled: false },
      {
        status: 'DOWN',
        statusSinceMs: open.confirmedMs,
        outage: { sinceMs: open.startMs, reason: 'timeout', detail: 'x' },
      },
    );
    const withWeb = { ...summary, sites: [siteSummary('web', { incidents: [open] })] };

    // Act
    const document = buildStatusDocument(input({ sites: [web], summary: withWeb }));

    // Assess
    expect(v.parse(StatusDocumentSchema, document)).toEqual(document);
    expect(document.sites[0]?.incidents).toEqual([
      {
        startMs: open.startMs,
        confirmedMs: open.confirmedMs,
        endMs: summary.compactedUntilMs,
        endKnown: false,
        durationMs: summary.compactedUntilMs - open.startMs,
        reason: 'timeout',
      },
    ]);
  });

  it('works with no history at all: every figure from the live state, no responses, no incidents', () => {
    // Act
    const document = v.parse(StatusDocumentSchema, buildStatusDocument(input({ summary: undefined })));

    // Assess
    expect(document.compactedUntilMs).toBeUndefined();
    // Up for the last 30 days from 12:00: 31 days touched, today's and that first one's in part.
    const shopSite = document.sites.find((site) => site.id === publicIdOf('shop'));
    expect(shopSite?.uptime['24h'].text).toBe('100.00');
    expect(shopSite?.responseTimes).toEqual([]);
    expect(shopSite?.incidents.map((listed) => listed.startMs)).toEqual([]);
    expect(
      document.sites.find((site) => site.id === publicIdOf('api'))?.days.filter((day) => day.uptime !== null),
    ).toHaveLength(31);
  });

  describe('a site verified from several locations (issue 15)', () => {
    const homeTimeout = {
      outcome: 'down',
      location: 'us-east-1',
      reason: 'timeout',
      detail: 'connect ETIMEDOUT 10.0.0.9:443',
      latencyMs: 10_000,
    } as const;
    const reached = (location: string) => ({ outcome: 'up', location, status: 200, latencyMs: 70 }) as const;
    const regionalSinceMs = NOW - 20 * MINUTE;
    // Up for 30 days, failing from home since 12:00 − 20.5 min, REGIONAL since the re-check 30 s later.
    const edge = record(
      { siteId: 'edge', name: 'Edge', owner: 'team-public' },
      {
        status: 'REGIONAL',
        statusSinceMs: regionalSinceMs,
        outage: { sinceMs: regionalSinceMs - 30_000, reason: 'timeout', detail: homeTimeout.detail },
        verification: {
          atMs: regionalSinceMs,
          locations: [
            homeTimeout,
            reached('us-west-2'),
            { outcome: 'no-answer', location: 'eu-west-1', detail: 'verifier timed out' },
          ],
        },
      },
    );

    it('shows a REGIONAL site as REGIONAL with its failing count, names for the private audience only, and no incident', () => {
      // Act
      const [publicSite] = v.parse(
        StatusDocumentSchema,
        buildStatusDocument(input({ sites: [edge], summary: undefined })),
      ).sites;
      const [privateSite] = buildStatusDocument(
        input({ sites: [edge], summary: undefined, audience: 'private' }),
      ).sites;

      // Assess
      expect(publicSite).toMatchObject({ status: 'REGIONAL', locations: { failing: 1, answered: 2 } });
      expect(publicSite?.locations).not.toHaveProperty('failingFrom');
      expect(JSON.stringify(publicSite)).not.toContain('us-east-1');
      expect(privateSite?.locations).toEqual({ failing: 1, answered: 2, failingFrom: ['us-east-1'] });
      expect(privateSite?.incidents).toEqual([]);
    });

    it('counts the REGIONAL time as up: only the failed check before it is down', () => {
      // Act
      const [site] = buildStatusDocument(input({ sites: [edge], summary: undefined })).sites;

      // Assess: from the live state alone (no summary), which vouches for time since the first failure only: its
      // 30 s down, as for a blip that recovered, then up.
      expect(site?.uptime['24h']).toMatchObject({ downMs: 30_000, upMs: 20 * MINUTE, text: '97.56' });
      expect(site?.days.at(-1)?.incidents).toBe(0);
    });

    it('adds nothing for a site without a verification (no verifiers configured)', () => {
      // Act
      const document = buildStatusDocument(input({ audience: 'private' }));

      // Assess
      expect(document.sites.every((site) => !('locations' in site))).toBe(true);
    });
  });

  it(`lists at most ${MAX_STATUS_SITES.public} public sites and says how many it left out`, () => {
    // Prepare
    const many = Array.from({ length: MAX_STATUS_SITES.public + 3 }, (_, i) =>
      record({ siteId: `s${String(i).padStart(4, '0')}`, name: 'Site', public: true }),
    );

    // Act
    const document = v.parse(
      StatusDocumentSchema,
      buildStatusDocument(input({ sites: many, summary: undefined })),
    );

    // Assess
    expect(document.sites).toHaveLength(MAX_STATUS_SITES.public);
    expect(document.omittedSites).toBe(3);
    expect(document.sites.at(-1)?.id).toBe(
      publicIdOf(`s${String(MAX_STATUS_SITES.public - 1).padStart(4, '0')}`),
    );
  });

  it('a site with full history stays within its share of the document bound (≤ 38 KiB of JSON)', () => {
    // Prepare: 90 days, 168 hours and 20 incidents of data.
    const full = siteSummary('shop', {
      windows: summary.sites[0]?.windows ?? siteSummary('x').windows,
      days: Array.from({ length: 90 }, (_, i) => ({
        dayStartMs: TODAY - (89 - i) * DAY_MS,
        totals: totals({
          upMs: DAY_MS - 1234567,
          downMs: 1234567,
          blockedMs: 12345,
          faultMs: 6789,
          maintenanceMs: 3600000,
        }),
        checks: 1440,
        failures: 21,
        incidents: 1,
      })),
      hours: Array.from({ length: 168 }, (_, i) => ({
        hourStartMs: NOW - (168 - i) * HOUR_MS,
        checks: 60,
        failures: 0,
        p50Ms: 123,
        p95Ms: 456,
        maxMs: 7890,
      })),
      incidents: Array.from({ length: 20 }, (_, i) =>
        incident('shop', TODAY - (i + 1) * DAY_MS, 21, 'x'.repeat(200)),
      ),
    });

    // Act
    const document = buildStatusDocument(
      input({ audience: 'private', sites: [shop], summary: { ...summary, sites: [full] } }),
    );
    const bytes = Buffer.byteLength(JSON.stringify(document));

    // Assess
    expect(bytes).toBeLessThanOrEqual(38 * 1024);
    expect(gzipSync(JSON.stringify(document)).length).toBeLessThan(bytes / 4);
  });
});
