import { describe, expect, it } from 'vitest';
import type { Incident } from '../../../functions/domain/history/incident.ts';
import {
  type LiveSite,
  liveIncidentsOf,
  ongoingIncidentOf,
  viewIncidents,
} from '../../../functions/domain/history/incident-view.ts';
import { INITIAL_STATE, type SiteState, type SiteStatus } from '../../../functions/domain/site-state.ts';

const MIN = 60_000;
const NOW_MS = Date.UTC(2026, 11, 6, 12);
const OUTAGE_START = NOW_MS - 10 * MIN;

const site = (
  status: SiteStatus,
  options: { enabled?: boolean; state?: Partial<SiteState> } = {},
): LiveSite => ({
  config: { siteId: 'shop', enabled: options.enabled ?? true },
  state: {
    ...INITIAL_STATE,
    status,
    statusSinceMs: OUTAGE_START + MIN,
    outage: { sinceMs: OUTAGE_START, reason: 'timeout', detail: 'no answer in 10 s' },
    ...options.state,
  },
});

const incident = (startMs: number, overrides: Partial<Incident> = {}): Incident => ({
  siteId: 'shop',
  startMs,
  confirmedMs: startMs + MIN,
  reason: 'timeout',
  detail: 'no answer in 10 s',
  ...overrides,
});

describe('ongoingIncidentOf: only an enabled site confirmed DOWN has an ongoing outage', () => {
  it.each<[string, LiveSite, boolean]>([
    ['DOWN', site('DOWN'), true],
    ['RECOVERING (still confirmed DOWN)', site('RECOVERING'), true],
    ['PENDING (not confirmed)', site('PENDING'), false],
    ['UP with a stale outage field', site('UP'), false],
    ['BLOCKED', site('BLOCKED'), false],
    ['paused while DOWN', site('DOWN', { enabled: false }), false],
    ['paused while RECOVERING', site('RECOVERING', { enabled: false }), false],
    ['DOWN without an outage (never written so)', site('DOWN', { state: { outage: undefined } }), false],
  ])('%s', (_, live, ongoing) => {
    const found = ongoingIncidentOf(live);

    expect(found).toEqual(ongoing ? incident(OUTAGE_START) : undefined);
  });
});

describe('liveIncidentsOf', () => {
  const { siteId: _siteId, ...rest } = incident(NOW_MS - 120 * MIN);
  const ended = { ...rest, endMs: NOW_MS - 90 * MIN };

  it.each<[string, LiveSite, Incident[]]>([
    [
      'the ongoing outage and the last one that ended',
      site('DOWN', { state: { lastIncident: ended } }),
      [incident(OUTAGE_START), { ...ended, siteId: 'shop' }],
    ],
    [
      'a paused site: only the last one that ended',
      site('DOWN', { enabled: false, state: { lastIncident: ended } }),
      [{ ...ended, siteId: 'shop' }],
    ],
    ['an UP site that never failed: none', site('UP', { state: { outage: undefined } }), []],
  ])('%s', (_, live, expected) => {
    expect(liveIncidentsOf(live)).toEqual(expected);
  });
});

describe('viewIncidents: one incident per (siteId, startMs), none ongoing unless the live state says so', () => {
  const HISTORY_UNTIL = NOW_MS - 40 * MIN;
  const start = NOW_MS - 60 * MIN;
  const open = incident(start);
  const ended = incident(start, { endMs: NOW_MS - 30 * MIN });
  const lastSeen = incident(start, { endMs: NOW_MS - 50 * MIN, endKnown: false });
  const shownLastSeen = incident(start, { endMs: HISTORY_UNTIL, endKnown: false });

  it.each<[string, Incident[], Incident[], Incident[]]>([
    ['history open, live ended: the end wins', [open], [ended], [ended]],
    ['history ended, live ongoing (a stale live copy): the end wins', [ended], [open], [ended]],
    [
      'both open: the live one (its detail is newer)',
      [open],
      [{ ...open, detail: 'HTTP 503' }],
      [{ ...open, detail: 'HTTP 503' }],
    ],
    ['history last seen, live ongoing (resumed still DOWN): ongoing', [lastSeen], [open], [open]],
    ['history last seen, live knows the end: the end', [lastSeen], [ended], [ended]],
    ['history last seen, nothing live: as the history says', [lastSeen], [], [lastSeen]],
    [
      'history open, nothing live (paused, re-added, or moved on): ended where the history reaches',
      [open],
      [],
      [shownLastSeen],
    ],
    [
      'same start on two sites: two incidents, ordered by site id',
      [{ ...ended, siteId: 'web' }],
      [ended],
      [ended, { ...ended, siteId: 'web' }],
    ],
  ])('%s', (_, history, live, expected) => {
    expect(viewIncidents({ history, live, historyUntilMs: HISTORY_UNTIL })).toEqual(expected);
  });

  it('shows an open incident of the history as ended when confirmed if nothing says how far the history reaches', () => {
    expect(viewIncidents({ history: [open], live: [], historyUntilMs: undefined })).toEqual([
      incident(start, { endMs: open.confirmedMs, endKnown: false }),
    ]);
  });

  it('lists newest first', () => {
    const older = incident(start - 600 * MIN, { endMs: start - 590 * MIN });
    const viewed = viewIncidents({
      history: [older, ended],
      live: [incident(OUTAGE_START)],
      historyUntilMs: HISTORY_UNTIL,
    });

    expect(viewed.map((item) => item.startMs)).toEqual([OUTAGE_START, start, older.startMs]);
  });
});
