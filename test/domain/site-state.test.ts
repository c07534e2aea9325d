import { describe, expect, it } from 'vitest';
import type { Alert } from '../../functions/domain/alert.ts';
import { formatAlert } from '../../functions/domain/alert-message.ts';
import { decideTransition } from '../../functions/domain/alert-policy.ts';
import {
  ALERT_CLAIM_MS,
  INITIAL_STATE,
  parseSiteState,
  type SiteState,
  SiteStateError,
  statusSinceOf,
} from '../../functions/domain/site-state.ts';
import { aSite, downResult, T0, upResult } from './fixtures.ts';

/**
 * Every kind of state the machine writes, with an outbox holding a DOWN and an UP alert at the end: checks 10 s
 * apart, so the DOWN alert's publisher still holds its claim when the UP commits.
 */
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
    const next = decideTransition(site, state, result, `m${i}`, T0 + i * 10_000).next;
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

describe('statusSinceOf: the "down since" that status and alerts share', () => {
  // One outage as the checker lives it: up, a first failure, the confirming re-check 30 s later, a reminder half
  // an hour after the confirmation, then two successes.
  const site = aSite({ failureThreshold: 2, recoveryThreshold: 2, reminderMinutes: 30 });
  const FIRST_FAILURE_MS = T0 + 60_000;
  const CONFIRMED_MS = FIRST_FAILURE_MS + 30_000;
  const checks = [
    { atMs: T0, result: upResult() },
    { atMs: FIRST_FAILURE_MS, result: downResult('http-5xx', 'HTTP 503', 503) },
    { atMs: CONFIRMED_MS, result: downResult('http-5xx', 'HTTP 503', 503) },
    { atMs: CONFIRMED_MS + 30 * 60_000, result: downResult('timeout', 'no headers') },
    { atMs: CONFIRMED_MS + 31 * 60_000, result: upResult() },
    { atMs: CONFIRMED_MS + 32 * 60_000, result: upResult() },
  ];
  function run(): { states: SiteState[]; alerts: Alert[] } {
    const states: SiteState[] = [];
    const alerts: Alert[] = [];
    let state = INITIAL_STATE;
    checks.forEach(({ atMs, result }, i) => {
      const decision = decideTransition(site, state, result, `c${i}`, atMs);
      // Each alert is published (and cleared from the outbox) before the next check, as SNS would take it.
      const { pendingAlerts: _published, ...next } = decision.next ?? state;
      state = next;
      states.push(state);
      alerts.push(...decision.alerts);
    });
    return { states, alerts };
  }

  it('is the first failed check while the site fails, and every alert of the outage says the same', () => {
    // Act
    const { states, alerts } = run();

    // Assess
    expect(states.map((state) => [state.status, statusSinceOf(state)])).toEqual([
      ['UP', T0],
      ['PENDING', FIRST_FAILURE_MS],
      ['DOWN', FIRST_FAILURE_MS],
      ['DOWN', FIRST_FAILURE_MS],
      ['RECOVERING', FIRST_FAILURE_MS],
      ['UP', CONFIRMED_MS + 32 * 60_000],
    ]);
    expect(alerts.map((alert) => [alert.event, alert.outageSinceMs])).toEqual([
      ['DOWN', FIRST_FAILURE_MS],
      ['REMINDER', FIRST_FAILURE_MS],
      ['UP', FIRST_FAILURE_MS],
    ]);
    expect(formatAlert(alerts[0] as Alert).email).toContain('Down since:  2026-11-25 09:01:00 UTC');
  });

  it('leaves the confirmation time where reminders count from', () => {
    // Act
    const { states } = run();

    // Assess: the stored statusSinceMs of the DOWN site is still the confirming check.
    expect(states[2]).toMatchObject({ status: 'DOWN', statusSinceMs: CONFIRMED_MS });
  });

  it('is the confirmation of any status that is not an outage', () => {
    // Prepare
    const slow: SiteState = { ...INITIAL_STATE, status: 'DEGRADED', statusSinceMs: T0 };

    // Act
    const since = statusSinceOf(slow);

    // Assess
    expect(since).toBe(T0);
    expect(statusSinceOf(INITIAL_STATE)).toBeUndefined();
  });
});

describe('INITIAL_STATE', () => {
  it('is a never-checked site: UNKNOWN, version 0, no counters, no outage, nothing pending', () => {
    // Prepare
    // Act
    const state = INITIAL_STATE;

    // Assess
    expect(state).toStrictEqual({
      status: 'UNKNOWN',
      version: 0,
      consecutiveFailures: 0,
      consecutiveSuccesses: 0,
    });
  });
});

describe('ALERT_CLAIM_MS', () => {
  it('outlasts SNS and SDK retries (30 s) yet lets a stuck alert be retried within minutes (5 min)', () => {
    // Prepare
    // Act
    const claimMs = ALERT_CLAIM_MS;

    // Assess
    expect(claimMs).toBeGreaterThanOrEqual(30_000);
    expect(claimMs).toBeLessThanOrEqual(300_000);
  });
});
