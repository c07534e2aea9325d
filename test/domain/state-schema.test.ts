import { describe, expect, it } from 'vitest';
import { decideTransition } from '../../functions/domain/alert-policy.ts';
import { INITIAL_STATE, type SiteState } from '../../functions/domain/site-state.ts';
import { parseSiteState, pendingAlertsOf, SiteStateError } from '../../functions/domain/state-schema.ts';
import { aSite, downResult, T0, upResult } from './fixtures.ts';

/** Every kind of state the machine writes, with an outbox holding a DOWN and an UP alert at the end. */
function statesFromARun(): SiteState[] {
  const site = aSite({ failureThreshold: 2, recoveryThreshold: 2 });
  const results = [
    upResult(),
    downResult('http-5xx', '503', 503),
    downResult('timeout', 'no headers'),
    upResult(),
    upResult(204, 17),
  ];
  const states: SiteState[] = [];
  let state = INITIAL_STATE;
  results.forEach((result, i) => {
    const next = decideTransition(site, state, result, `m${i}`, T0 + i * 60_000).next;
    if (next === undefined) throw new Error(`check ${i} should have written`);
    state = next;
    states.push(state);
  });
  return states;
}

describe('parseSiteState', () => {
  it('reads an item without state ({}) as a never-checked site: UNKNOWN at version 0', () => {
    // Prepare
    const item = {};

    // Act
    const state = parseSiteState(item);

    // Assess
    expect(state).toStrictEqual(INITIAL_STATE);
    expect(state).toMatchObject({ status: 'UNKNOWN', version: 0 });
  });

  it.each(statesFromARun().map((state) => ({ status: state.status, version: state.version, state })))(
    'round-trips the $status state at version $version through JSON unchanged',
    ({ state }) => {
      // Prepare
      const stored = JSON.parse(JSON.stringify(state)) as unknown;

      // Act
      const parsed = parseSiteState(stored);

      // Assess
      expect(parsed).toStrictEqual(stored);
    },
  );

  it('the run above ends with both alerts in the outbox', () => {
    // Prepare
    // Act
    const last = statesFromARun().at(-1);

    // Assess
    expect(last?.status).toBe('UP');
    expect(Object.keys(last?.pendingAlerts ?? {})).toHaveLength(2);
  });

  it('ignores the config attributes stored on the same item', () => {
    // Prepare
    const item = { siteId: 'shop', url: 'https://shop.example.com', status: 'UP', version: 3 };

    // Act
    const state = parseSiteState(item);

    // Assess
    expect(state).toStrictEqual({ ...INITIAL_STATE, status: 'UP', version: 3 });
  });

  it.each([
    { label: 'an unknown status', item: { status: 'SIDEWAYS' }, path: 'status', shows: 'SIDEWAYS' },
    { label: 'a lowercase status', item: { status: 'up' }, path: 'status', shows: 'up' },
    { label: 'a negative version', item: { version: -1 }, path: 'version', shows: '-1' },
    { label: 'a fractional version', item: { version: 1.5 }, path: 'version', shows: '1.5' },
    { label: 'a string version', item: { version: '3' }, path: 'version', shows: '"3"' },
    {
      label: 'negative failures',
      item: { consecutiveFailures: -2 },
      path: 'consecutiveFailures',
      shows: '-2',
    },
    {
      label: 'an unknown outage reason',
      item: { outage: { sinceMs: T0, reason: 'meteor', detail: '' } },
      path: 'outage.reason',
      shows: 'meteor',
    },
    {
      label: 'an outage status of 1000',
      item: { outage: { sinceMs: T0, reason: 'http-5xx', detail: '', status: 1000 } },
      path: 'outage.status',
      shows: '1000',
    },
    {
      label: 'a last check without latency',
      item: { lastCheck: { atMs: T0, up: true } },
      path: 'lastCheck.latencyMs',
      shows: undefined,
    },
    {
      label: 'a pending alert without its alert',
      item: { pendingAlerts: { 'shop:3': { claimedUntilMs: T0 } } },
      path: 'pendingAlerts.shop:3.alert',
      shows: undefined,
    },
  ])('rejects $label, saying where', ({ item, path, shows }) => {
    // Prepare
    // Act
    const attempt = () => parseSiteState(item);

    // Assess
    expect(attempt).toThrow(SiteStateError);
    expect(attempt).toThrow(`site state is invalid at ${path}:`);
    if (shows !== undefined) expect(attempt).toThrow(shows);
  });

  it.each([{ raw: null }, { raw: 'UP' }, { raw: 42 }])(
    'rejects $raw, which is not an object, at the root',
    ({ raw }) => {
      // Prepare
      // Act
      const attempt = () => parseSiteState(raw);

      // Assess
      expect(attempt).toThrow(SiteStateError);
      expect(attempt).toThrow('site state is invalid at the root');
    },
  );
});

describe('pendingAlertsOf', () => {
  it('lists the outbox oldest first', () => {
    // Prepare
    const site = aSite({ failureThreshold: 1, recoveryThreshold: 1 });
    let state = INITIAL_STATE;
    const results = [upResult(), downResult(), upResult(), downResult(), upResult()];
    results.forEach((result, i) => {
      state = decideTransition(site, state, result, `m${i}`, T0 + i * 60_000).next ?? state;
    });
    // Scramble the key order, as a DynamoDB map may.
    const scrambled: SiteState = {
      ...state,
      pendingAlerts: Object.fromEntries(Object.entries(state.pendingAlerts ?? {}).reverse()),
    };

    // Act
    const entries = pendingAlertsOf(scrambled);

    // Assess
    expect(entries.map((entry) => entry.alert.event)).toEqual(['DOWN', 'UP', 'DOWN', 'UP']);
    const times = entries.map((entry) => entry.alert.atMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('is empty for a state without an outbox', () => {
    // Prepare
    // Act
    const entries = pendingAlertsOf(INITIAL_STATE);

    // Assess
    expect(entries).toEqual([]);
  });
});
