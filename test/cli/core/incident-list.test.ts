import { describe, expect, it } from 'vitest';
import { incidentsJson, listIncidents, renderIncidents } from '../../../cli/core/incident-list.ts';
import type { Incident } from '../../../functions/domain/history/incident.ts';
import { parseSiteConfig } from '../../../functions/domain/site.ts';
import { INITIAL_STATE, type SiteState } from '../../../functions/domain/site-state.ts';

const MIN = 60_000;
const NOW_MS = Date.UTC(2026, 11, 6, 12);

const recordOf = (state: Partial<SiteState>) => ({
  config: parseSiteConfig({ siteId: 'shop', url: 'https://shop.example/' }),
  state: { ...INITIAL_STATE, ...state },
});

const incident = (startMs: number, endMs?: number, siteId = 'shop'): Incident => ({
  siteId,
  startMs,
  confirmedMs: startMs + 30_000,
  ...(endMs === undefined ? {} : { endMs }),
  reason: 'http-5xx',
  detail: 'HTTP 503',
  status: 503,
});

describe('listIncidents', () => {
  it('lists no incident for a REGIONAL site: failing from its home region only is not an outage', () => {
    // Prepare: REGIONAL keeps the outage's first failure from home (issue 15), which a DOWN would list.
    const regional = recordOf({
      status: 'REGIONAL',
      statusSinceMs: NOW_MS - 10 * MIN,
      outage: { sinceMs: NOW_MS - 10.5 * MIN, reason: 'timeout', detail: 'no answer in 10000 ms' },
    });

    // Act
    const listed = listIncidents([], [regional], NOW_MS - 60 * MIN, NOW_MS - 24 * 60 * MIN);

    // Assess
    expect(listed).toEqual([]);
  });

  it("takes the live state by the shared rules: a paused site's outage is not ongoing", () => {
    // Prepare: the file holds an outage open since it was compacted; the site was paused while DOWN since.
    const open = incident(NOW_MS - 20 * 24 * 60 * MIN);
    const paused = {
      ...recordOf({
        status: 'DOWN',
        statusSinceMs: open.confirmedMs,
        outage: { sinceMs: open.startMs, reason: 'http-5xx', detail: 'HTTP 503', status: 503 },
      }),
    };
    const record = { ...paused, config: { ...paused.config, enabled: false } };

    // Act
    const listed = listIncidents([open], [record], NOW_MS - 19 * 24 * 60 * MIN, NOW_MS - 30 * 24 * 60 * MIN);

    // Assess
    expect(listed).toEqual([{ ...open, endMs: NOW_MS - 19 * 24 * 60 * MIN, endKnown: false }]);
  });

  it("shows the ongoing outage of an enabled DOWN site, the last one that ended, and the files' once", () => {
    // Prepare: the file has yesterday's outage (compacted while it lasted); the live state knows its end
    const yesterday = NOW_MS - 24 * 60 * MIN;
    const { siteId: _siteId, ...rest } = incident(yesterday);
    const ended = { ...rest, endMs: yesterday + 36 * MIN };
    const record = recordOf({
      status: 'DOWN',
      statusSinceMs: NOW_MS - 9 * MIN,
      outage: { sinceMs: NOW_MS - 10 * MIN, reason: 'timeout', detail: 'no answer in 10 s' },
      lastIncident: ended,
    });

    // Act
    const listed = listIncidents(
      [incident(yesterday)],
      [record],
      NOW_MS - 60 * MIN,
      NOW_MS - 30 * 24 * 60 * MIN,
    );

    // Assess
    expect(listed.map((entry) => [entry.siteId, entry.startMs, entry.endMs])).toEqual([
      ['shop', NOW_MS - 10 * MIN, undefined],
      ['shop', yesterday, yesterday + 36 * MIN],
    ]);
  });

  it('leaves out incidents that ended before the look back, keeps ongoing ones whenever they began', () => {
    // Prepare
    const record = recordOf({
      status: 'DOWN',
      statusSinceMs: NOW_MS - 50 * 24 * 60 * MIN + MIN,
      outage: { sinceMs: NOW_MS - 50 * 24 * 60 * MIN, reason: 'http-5xx', detail: 'HTTP 503', status: 503 },
    });

    // Act
    const merged = listIncidents(
      [incident(NOW_MS - 40 * 24 * 60 * MIN, NOW_MS - 31 * 24 * 60 * MIN)],
      [record],
      NOW_MS - 60 * MIN,
      NOW_MS - 30 * 24 * 60 * MIN,
    );

    // Assess
    expect(merged.map((entry) => entry.startMs)).toEqual([NOW_MS - 50 * 24 * 60 * MIN]);
  });
});

describe('rendering incidents', () => {
  it('shows start, confirmed, end or "ongoing", duration, reason and detail', () => {
    // Act
    const lines = renderIncidents(
      [incident(NOW_MS - 10 * MIN), incident(NOW_MS - 24 * 60 * MIN, NOW_MS - 24 * 60 * MIN + 36 * MIN)],
      NOW_MS,
    ).split('\n');

    // Assess
    expect(lines[0]).toMatch(/^SITE\s+START\s+CONFIRMED\s+END\s+DURATION\s+REASON\s+DETAIL$/);
    expect(lines[1]).toMatch(
      /^shop\s+2026-12-06T11:50:00Z\s+2026-12-06T11:50:30Z\s+ongoing\s+10m\s+http-5xx\s+HTTP 503$/,
    );
    expect(lines[2]).toMatch(
      /^shop\s+2026-12-05T12:00:00Z\s+2026-12-05T12:00:30Z\s+2026-12-05T12:36:00Z\s+36m\s+http-5xx/,
    );
  });

  it('says "last seen" when the end is only where the history last saw it', () => {
    // Act
    const [, line] = renderIncidents(
      [{ ...incident(NOW_MS - 24 * 60 * MIN, NOW_MS - 24 * 60 * MIN + 36 * MIN), endKnown: false }],
      NOW_MS,
    ).split('\n');
    const [json] = incidentsJson(
      [{ ...incident(NOW_MS - 24 * 60 * MIN, NOW_MS - 24 * 60 * MIN + 36 * MIN), endKnown: false }],
      NOW_MS,
    ).map((text) => JSON.parse(text));

    // Assess
    expect(line).toMatch(/\slast seen 2026-12-05T12:36:00Z\s+36m\s/);
    expect(json).toMatchObject({ ongoing: false, endKnown: false, endMs: NOW_MS - 24 * 60 * MIN + 36 * MIN });
  });

  it('prints JSON with null end and ongoing true while it lasts', () => {
    // Act
    const [line] = incidentsJson([incident(NOW_MS - 10 * MIN)], NOW_MS).map((text) => JSON.parse(text));

    // Assess
    expect(line).toMatchObject({
      siteId: 'shop',
      startMs: NOW_MS - 10 * MIN,
      endMs: null,
      end: null,
      ongoing: true,
      durationMs: 10 * MIN,
      reason: 'http-5xx',
      status: 503,
    });
  });
});
