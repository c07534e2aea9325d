import { describe, expect, it } from 'vitest';
import {
  incidentsJson,
  liveIncidents,
  mergeIncidents,
  renderIncidents,
} from '../../../cli/core/incident-list.ts';
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

describe('liveIncidents', () => {
  it('reads the ongoing outage of a DOWN site and the last one that ended', () => {
    // Prepare
    const record = recordOf({
      status: 'DOWN',
      statusSinceMs: NOW_MS - 9 * MIN,
      outage: { sinceMs: NOW_MS - 10 * MIN, reason: 'timeout', detail: 'no answer in 10 s' },
      lastIncident: {
        startMs: NOW_MS - 120 * MIN,
        confirmedMs: NOW_MS - 119 * MIN,
        endMs: NOW_MS - 84 * MIN,
        reason: 'http-5xx',
        detail: 'HTTP 503',
        status: 503,
      },
    });

    // Act
    const incidents = liveIncidents(record);

    // Assess
    expect(incidents).toEqual([
      {
        siteId: 'shop',
        startMs: NOW_MS - 10 * MIN,
        confirmedMs: NOW_MS - 9 * MIN,
        reason: 'timeout',
        detail: 'no answer in 10 s',
      },
      expect.objectContaining({ siteId: 'shop', startMs: NOW_MS - 120 * MIN, endMs: NOW_MS - 84 * MIN }),
    ]);
  });

  it('does not count a failure that is not confirmed (PENDING) as an incident', () => {
    expect(
      liveIncidents(
        recordOf({ status: 'PENDING', outage: { sinceMs: NOW_MS - MIN, reason: 'timeout', detail: 'slow' } }),
      ),
    ).toEqual([]);
  });
});

describe('mergeIncidents', () => {
  it('keeps each incident once, preferring the one that knows its end, newest first', () => {
    // Prepare: the file has yesterday's outage (compacted while it lasted) and an older one; the live state
    // knows how yesterday's ended
    const yesterday = NOW_MS - 24 * 60 * MIN;
    const compacted = [
      incident(yesterday),
      incident(NOW_MS - 3 * 24 * 60 * MIN, NOW_MS - 3 * 24 * 60 * MIN + 5 * MIN),
    ];
    const live = [incident(yesterday, yesterday + 36 * MIN), incident(NOW_MS - 5 * MIN, undefined, 'api')];

    // Act
    const merged = mergeIncidents(compacted, live, NOW_MS - 30 * 24 * 60 * MIN);

    // Assess
    expect(merged.map((entry) => [entry.siteId, entry.startMs, entry.endMs])).toEqual([
      ['api', NOW_MS - 5 * MIN, undefined],
      ['shop', yesterday, yesterday + 36 * MIN],
      ['shop', NOW_MS - 3 * 24 * 60 * MIN, NOW_MS - 3 * 24 * 60 * MIN + 5 * MIN],
    ]);
  });

  it('leaves out incidents that ended before the look back, keeps ongoing ones whenever they began', () => {
    // Act
    const merged = mergeIncidents(
      [
        incident(NOW_MS - 40 * 24 * 60 * MIN, NOW_MS - 31 * 24 * 60 * MIN),
        incident(NOW_MS - 50 * 24 * 60 * MIN),
      ],
      [],
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
