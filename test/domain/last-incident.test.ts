import { describe, expect, it } from 'vitest';
import type { Alert } from '../../functions/domain/alert.ts';
import { decideTransition } from '../../functions/domain/alert-policy.ts';
import type { CheckResult } from '../../functions/domain/check-result.ts';
import type { SiteConfig } from '../../functions/domain/site.ts';
import { INITIAL_STATE, type LastIncident, type SiteState } from '../../functions/domain/site-state.ts';
import { aSite, downResult, faultResult, T0, upResult } from './fixtures.ts';

// The last incident a site's state keeps: set by the transition that ends a confirmed outage, from the outage it
// ends; a blip (PENDING) never makes one, and a later outage replaces it only when it ends.

const MINUTE = 60_000;
/** Check i (1-based) runs at at(i). */
const at = (i: number): number => T0 + i * MINUTE;
const UP_SINCE_T0: SiteState = { ...INITIAL_STATE, status: 'UP', version: 1, statusSinceMs: T0 };
const blocked: CheckResult = { kind: 'blocked', status: 403, detail: 'HTTP 403 Forbidden', latencyMs: 30 };
const http503 = downResult('http-5xx', 'HTTP 503 Service Unavailable', 503, 80);

/** 'x' timeout, '5' HTTP 503, 'o' up in 42 ms, 's' up in 500 ms, 'b' blocked, 'f' checker fault. */
const resultOf = (code: string): CheckResult => {
  const results: Record<string, CheckResult> = {
    x: downResult(),
    '5': http503,
    o: upResult(),
    s: upResult(200, 500),
    b: blocked,
    f: faultResult(),
  };
  const result = results[code];
  if (result === undefined) throw new Error(`unknown check code "${code}"`);
  return result;
};

/** Applies each check as the checker does (each committed `next` is the next `prev`). */
function run(site: SiteConfig, checks: string, start: SiteState = UP_SINCE_T0) {
  let state = start;
  const alerts: Alert[] = [];
  const statuses: string[] = [];
  [...checks].forEach((code, index) => {
    const decision = decideTransition(site, state, resultOf(code), `m${index + 1}`, at(index + 1));
    state = decision.next ?? state;
    alerts.push(...decision.alerts);
    statuses.push(state.status);
  });
  return { state, alerts, statuses };
}

const timeoutIncident = (startMs: number, confirmedMs: number, endMs: number): LastIncident => ({
  startMs,
  confirmedMs,
  endMs,
  reason: 'timeout',
  detail: 'no response headers within 5000 ms',
});

describe('decideTransition: the last incident', () => {
  it.each([
    ['DOWN → UP', 'xxo', {}, timeoutIncident(at(1), at(2), at(3))],
    [
      'DOWN → RECOVERING → UP (recoveryThreshold 2)',
      'xxoo',
      { recoveryThreshold: 2 },
      timeoutIncident(at(1), at(2), at(4)),
    ],
    [
      'a relapse while RECOVERING keeps the confirming time',
      'xxoxoo',
      { recoveryThreshold: 2 },
      timeoutIncident(at(1), at(2), at(6)),
    ],
    [
      'DOWN → BLOCKED (the site answers: the outage is over)',
      'xxbb',
      {},
      timeoutIncident(at(1), at(2), at(4)),
    ],
    ['a checker fault inside the outage changes nothing', 'xxffo', {}, timeoutIncident(at(1), at(2), at(5))],
    [
      'failureThreshold 1: confirmed by its first failure',
      'xo',
      { failureThreshold: 1 },
      timeoutIncident(at(1), at(1), at(2)),
    ],
    ['a second outage replaces the first when it ends', 'xxoxxxo', {}, timeoutIncident(at(4), at(5), at(7))],
  ])('%s', (_name, checks, overrides, expected) => {
    // Act
    const { state } = run(aSite(overrides), checks);

    // Assess
    expect(state.lastIncident).toEqual(expected);
  });

  it.each([
    ['a blip (PENDING → UP)', 'xo'],
    ['PENDING → BLOCKED (never confirmed)', 'xbb'],
    ['DOWN, not yet over', 'xx'],
    ['RECOVERING, not yet over', 'xxo'],
    ['DEGRADED → UP (slow is not an outage)', 'sso'],
  ])('makes no incident of %s', (_name, checks) => {
    // Prepare: 's' is slow for this site; recoveryThreshold 2 keeps 'xxo' RECOVERING
    const site = aSite({ recoveryThreshold: 2, maxResponseMs: 100 });

    // Act
    const { state } = run(site, checks);

    // Assess
    expect(state.lastIncident).toBeUndefined();
  });

  it('keeps the last incident while the next outage is still going on', () => {
    // Act
    const { state } = run(aSite(), 'xxoxx');

    // Assess
    expect(state.status).toBe('DOWN');
    expect(state.lastIncident).toEqual(timeoutIncident(at(1), at(2), at(3)));
  });

  it('takes reason, detail and HTTP status from the outage it ends, not from the check that ends it', () => {
    // Act
    const { state, alerts } = run(aSite(), '55o');

    // Assess
    expect(state.lastIncident).toEqual({
      startMs: at(1),
      confirmedMs: at(2),
      endMs: at(3),
      reason: 'http-5xx',
      detail: 'HTTP 503 Service Unavailable',
      status: 503,
    });
    // The UP alert tells the same story.
    expect(alerts.map((alert) => [alert.event, alert.outageSinceMs, alert.reason])).toEqual([
      ['DOWN', at(1), 'http-5xx'],
      ['UP', at(1), 'http-5xx'],
    ]);
  });

  it('records a recovery inside a maintenance window, though nobody is told', () => {
    // Prepare: the window covers the whole run
    const site = aSite({
      maintenance: [{ kind: 'once', start: new Date(T0).toISOString(), end: new Date(at(60)).toISOString() }],
    });

    // Act
    const { state, alerts, statuses } = run(site, 'xxo');

    // Assess
    expect(statuses).toEqual(['PENDING', 'DOWN', 'UP']);
    expect(alerts).toEqual([]);
    expect(state.lastIncident).toEqual(timeoutIncident(at(1), at(2), at(3)));
  });
});
