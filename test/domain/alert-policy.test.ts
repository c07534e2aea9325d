import { describe, expect, it } from 'vitest';
import type { Alert } from '../../functions/domain/alert.ts';
import { decideTransition } from '../../functions/domain/alert-policy.ts';
import type { CheckResult } from '../../functions/domain/check-result.ts';
import type { SiteConfig } from '../../functions/domain/site.ts';
import {
  ALERT_CLAIM_MS,
  INITIAL_STATE,
  type SiteState,
  type SiteStatus,
} from '../../functions/domain/site-state.ts';
import type { Decision } from '../../functions/domain/transition.ts';
import { aSite, at, downResult, faultResult, seededRandom, T0, upResult } from './fixtures.ts';

const STEP_MS = 60_000;
const LETTER: Record<SiteStatus, string> = {
  UNKNOWN: '?',
  UP: 'U',
  PENDING: 'P',
  DOWN: 'D',
  RECOVERING: 'R',
  DEGRADED: 'G',
  BLOCKED: 'B',
  REGIONAL: 'L',
};

/** A site that has been UP since T0, at an arbitrary version so increments are visible. */
const upSince = (sinceMs: number): SiteState => ({
  ...INITIAL_STATE,
  status: 'UP',
  version: 7,
  statusSinceMs: sinceMs,
  lastCheckId: 'm-before',
});

/** 'x' = down (timeout), 'o' = up (200), 'f' = checker fault; spaces are for the reader. */
function resultsOf(checks: string): CheckResult[] {
  return [...checks.replace(/\s/g, '')].map((code) => {
    if (code === 'x') return downResult();
    if (code === 'o') return upResult();
    if (code === 'f') return faultResult();
    throw new Error(`unknown check code "${code}"`);
  });
}

const squash = (text: string): string => text.replace(/\s/g, '');

interface Run {
  /** Status after each check, one letter per check (U, P, D, R, ?). */
  readonly statuses: string;
  /** Alert sent by each check: '.' none, 'D' DOWN, 'U' UP. */
  readonly alertTrace: string;
  readonly alerts: readonly Alert[];
  readonly decisions: readonly Decision[];
  readonly states: readonly SiteState[];
  readonly final: SiteState;
  readonly writes: number;
}

/**
 * Drives results through the machine the way the checker does: each committed `next` becomes the next `prev`.
 * Check i runs at `startMs + (i + 1) * stepMs` with checkId `m<i>`; every delivery is applied `deliveries` times.
 * With `isPublished` (the default) the committing checker's publish succeeds and clears its alerts from the
 * outbox, as in production; without it SNS refuses everything and the outbox keeps what it must.
 */
function runChecks(
  site: SiteConfig,
  checks: string | readonly CheckResult[],
  start: SiteState = upSince(T0),
  { startMs = T0, stepMs = STEP_MS, deliveries = 1, isPublished = true } = {},
): Run {
  const results = typeof checks === 'string' ? resultsOf(checks) : checks;
  let state = start;
  let statuses = '';
  let alertTrace = '';
  let writes = 0;
  const alerts: Alert[] = [];
  const decisions: Decision[] = [];
  const states: SiteState[] = [];
  results.forEach((result, i) => {
    const nowMs = startMs + (i + 1) * stepMs;
    let alertLetter = '.';
    for (let delivery = 0; delivery < deliveries; delivery++) {
      const decision = decideTransition(site, state, result, `m${i}`, nowMs);
      decisions.push(decision);
      if (decision.alerts[0]) {
        alerts.push(decision.alerts[0]);
        alertLetter = alertLetter === '.' ? at([...decision.alerts[0].event], 0) : '!';
      }
      if (decision.next) {
        // Invariants of every committed decision: one version step, and the alert is in the outbox.
        expect(decision.next.version).toBe(state.version + 1);
        if (decision.alerts[0]) {
          expect(decision.next.pendingAlerts?.[decision.alerts[0].alertId]?.alert).toEqual(
            decision.alerts[0],
          );
        }
        state = isPublished ? withoutAlerts(decision.next, decision.alerts) : decision.next;
        writes++;
      } else {
        expect(decision.alerts[0]).toBeUndefined();
      }
    }
    statuses += LETTER[state.status];
    alertTrace += alertLetter;
    states.push(state);
  });
  return { statuses, alertTrace, alerts, decisions, states, final: state, writes };
}

/** The state once the publisher has cleared `alerts` from its outbox. */
function withoutAlerts(state: SiteState, alerts: readonly Alert[]): SiteState {
  const ids = new Set(alerts.map((alert) => alert.alertId));
  const left = Object.entries(state.pendingAlerts ?? {}).filter(([id]) => !ids.has(id));
  const { pendingAlerts: _cleared, ...rest } = state;
  return left.length === 0 ? rest : { ...rest, pendingAlerts: Object.fromEntries(left) };
}

/** A state reached by driving `checks` from `start`: the machine's own states, not hand-made ones. */
const stateAfter = (site: SiteConfig, checks: string, start: SiteState = upSince(T0)): SiteState =>
  runChecks(site, checks, start).final;

const countEvents = (alerts: readonly Alert[]) => ({
  DOWN: alerts.filter((alert) => alert.event === 'DOWN').length,
  UP: alerts.filter((alert) => alert.event === 'UP').length,
});

describe('decideTransition: thresholds', () => {
  it.each([
    { failureThreshold: 1, recoveryThreshold: 1, checks: 'xxx ooo', statuses: 'DDD UUU', alerts: 'D.. U..' },
    {
      failureThreshold: 1,
      recoveryThreshold: 2,
      checks: 'xxx oooo',
      statuses: 'DDD RUUU',
      alerts: 'D.. .U..',
    },
    {
      failureThreshold: 2,
      recoveryThreshold: 1,
      checks: 'xxxx ooo',
      statuses: 'PDDD UUU',
      alerts: '.D.. U..',
    },
    {
      failureThreshold: 2,
      recoveryThreshold: 2,
      checks: 'xxxx oooo',
      statuses: 'PDDD RUUU',
      alerts: '.D.. .U..',
    },
    {
      failureThreshold: 3,
      recoveryThreshold: 1,
      checks: 'xxxxx ooo',
      statuses: 'PPDDD UUU',
      alerts: '..D.. U..',
    },
    {
      failureThreshold: 3,
      recoveryThreshold: 2,
      checks: 'xxxxx oooo',
      statuses: 'PPDDD RUUU',
      alerts: '..D.. .U..',
    },
  ])(
    'failureThreshold $failureThreshold / recoveryThreshold $recoveryThreshold: "$checks" goes "$statuses" with one DOWN and one UP alert',
    ({ failureThreshold, recoveryThreshold, checks, statuses, alerts }) => {
      // Prepare
      const site = aSite({ failureThreshold, recoveryThreshold });

      // Act
      const run = runChecks(site, checks);

      // Assess
      expect(run.statuses).toBe(squash(statuses));
      expect(run.alertTrace).toBe(squash(alerts));
      expect(countEvents(run.alerts)).toEqual({ DOWN: 1, UP: 1 });
    },
  );

  it.each([
    { failureThreshold: 1, recoveryThreshold: 1 },
    { failureThreshold: 1, recoveryThreshold: 2 },
    { failureThreshold: 2, recoveryThreshold: 1 },
    { failureThreshold: 2, recoveryThreshold: 2 },
    { failureThreshold: 3, recoveryThreshold: 1 },
    { failureThreshold: 3, recoveryThreshold: 2 },
  ])(
    'failureThreshold $failureThreshold / recoveryThreshold $recoveryThreshold: a 200-check outage sends exactly one DOWN alert',
    ({ failureThreshold, recoveryThreshold }) => {
      // Prepare
      const site = aSite({ failureThreshold, recoveryThreshold });

      // Act
      const run = runChecks(site, 'x'.repeat(200));

      // Assess
      expect(run.alerts).toHaveLength(1);
      expect(at(run.alerts, 0).event).toBe('DOWN');
      expect(run.alertTrace.indexOf('D')).toBe(failureThreshold - 1);
      expect(run.final.status).toBe('DOWN');
      // Only the PENDING steps and the DOWN transition write; the rest of the outage is steady state.
      expect(run.writes).toBe(failureThreshold);
    },
  );

  it.each([
    { failureThreshold: 2, checks: 'xo', statuses: 'PU' },
    { failureThreshold: 3, checks: 'xo', statuses: 'PU' },
    { failureThreshold: 3, checks: 'xxo', statuses: 'PPU' },
    { failureThreshold: 2, checks: 'xo xo xo', statuses: 'PU PU PU' },
    { failureThreshold: 3, checks: 'xxo xxo', statuses: 'PPU PPU' },
  ])(
    'failureThreshold $failureThreshold: the blip "$checks" alerts nobody and returns to UP',
    ({ failureThreshold, checks, statuses }) => {
      // Prepare
      const site = aSite({ failureThreshold });
      const start = upSince(T0);

      // Act
      const run = runChecks(site, checks, start);

      // Assess
      expect(run.statuses).toBe(squash(statuses));
      expect(run.alerts).toEqual([]);
      expect(run.final).toMatchObject({ status: 'UP', consecutiveFailures: 0, statusSinceMs: T0 });
      expect(run.final.outage).toBeUndefined();
    },
  );

  it('an UP site starts counting failures at one, whatever a stored counter says', () => {
    // Prepare
    const site = aSite({ failureThreshold: 2 });
    const stale: SiteState = { ...upSince(T0), consecutiveFailures: 5 };

    // Act
    const decision = decideTransition(site, stale, downResult(), 'm1', T0 + STEP_MS);

    // Assess
    expect(decision.next).toMatchObject({ status: 'PENDING', consecutiveFailures: 1 });
    expect(decision.alerts[0]).toBeUndefined();
  });

  it('counts failures again from one after a blip', () => {
    // Prepare
    const site = aSite({ failureThreshold: 2 });

    // Act
    const run = runChecks(site, 'x o x');

    // Assess
    expect(run.final).toMatchObject({ status: 'PENDING', consecutiveFailures: 1 });
  });
});

describe('decideTransition: flapping', () => {
  const alternating = (count: number): string =>
    Array.from({ length: count }, (_, i) => (i % 2 === 0 ? 'x' : 'o')).join('');

  it.each([
    { failureThreshold: 2, recoveryThreshold: 1, down: 0, up: 0 },
    { failureThreshold: 2, recoveryThreshold: 2, down: 0, up: 0 },
    { failureThreshold: 3, recoveryThreshold: 1, down: 0, up: 0 },
    { failureThreshold: 1, recoveryThreshold: 1, down: 50, up: 50 },
    // Never two successes in a row: it goes DOWN once and stays DOWN.
    { failureThreshold: 1, recoveryThreshold: 2, down: 1, up: 0 },
  ])(
    'failureThreshold $failureThreshold / recoveryThreshold $recoveryThreshold: 100 alternating checks send $down DOWN and $up UP alerts',
    ({ failureThreshold, recoveryThreshold, down, up }) => {
      // Prepare
      const site = aSite({ failureThreshold, recoveryThreshold });

      // Act
      const run = runChecks(site, alternating(100));

      // Assess
      expect(countEvents(run.alerts)).toEqual({ DOWN: down, UP: up });
    },
  );

  it('failureThreshold 1 / recoveryThreshold 1: every flap is a transition with exactly one alert, alternating', () => {
    // Prepare
    const site = aSite({ failureThreshold: 1, recoveryThreshold: 1 });

    // Act
    const run = runChecks(site, alternating(100));

    // Assess
    expect(run.statuses).toBe('DU'.repeat(50));
    expect(run.alertTrace).toBe('DU'.repeat(50));
    run.alerts.forEach((alert, i) => {
      expect(alert.event).toBe(i % 2 === 0 ? 'DOWN' : 'UP');
    });
  });

  it('failureThreshold 2: flapping never leaves UP/PENDING and never writes DOWN', () => {
    // Prepare
    const site = aSite({ failureThreshold: 2, recoveryThreshold: 1 });

    // Act
    const run = runChecks(site, alternating(100));

    // Assess
    expect(run.statuses).toBe('PU'.repeat(50));
  });
});

describe('decideTransition: recovery', () => {
  it('recoveryThreshold 2: the first success after DOWN goes to RECOVERING without an alert and schedules a re-check', () => {
    // Prepare
    const site = aSite({ failureThreshold: 1, recoveryThreshold: 2, confirmDelaySeconds: 45 });
    const down = stateAfter(site, 'x');

    // Act
    const decision = decideTransition(site, down, upResult(), 'm100', T0 + 10 * STEP_MS);

    // Assess
    expect(decision.next).toMatchObject({
      status: 'RECOVERING',
      consecutiveSuccesses: 1,
      consecutiveFailures: 0,
    });
    expect(decision.alerts[0]).toBeUndefined();
    expect(decision.recheckAfterSeconds).toBe(45);
    // Still the same outage: RECOVERING is not UP yet.
    expect(decision.next?.outage).toEqual(down.outage);
    expect(decision.next?.statusSinceMs).toBe(down.statusSinceMs);
  });

  it('recoveryThreshold 2: the second success after DOWN comes UP with the UP alert', () => {
    // Prepare
    const site = aSite({ failureThreshold: 1, recoveryThreshold: 2 });
    const recovering = stateAfter(site, 'x o');
    const nowMs = T0 + 10 * STEP_MS;

    // Act
    const decision = decideTransition(site, recovering, upResult(), 'r9', nowMs);

    // Assess
    expect(recovering.status).toBe('RECOVERING');
    expect(decision.next).toMatchObject({ status: 'UP', consecutiveSuccesses: 0, statusSinceMs: nowMs });
    expect(decision.next?.outage).toBeUndefined();
    expect(decision.alerts[0]?.event).toBe('UP');
  });

  it('RECOVERING + failure goes back to DOWN with no new alert, keeping the outage', () => {
    // Prepare
    const site = aSite({ failureThreshold: 1, recoveryThreshold: 2 });
    const recovering = stateAfter(site, 'x o');

    // Act
    const decision = decideTransition(
      site,
      recovering,
      downResult('dns', 'ENOTFOUND'),
      'r9',
      T0 + 9 * STEP_MS,
    );

    // Assess
    expect(recovering.status).toBe('RECOVERING');
    expect(decision.next).toMatchObject({ status: 'DOWN', consecutiveSuccesses: 0 });
    expect(decision.alerts[0]).toBeUndefined();
    expect(decision.recheckAfterSeconds).toBeUndefined();
    expect(decision.next?.outage).toEqual(recovering.outage);
    expect(decision.next?.statusSinceMs).toBe(recovering.statusSinceMs);
    expect(decision.next?.pendingAlerts).toEqual(recovering.pendingAlerts);
  });

  it('a relapse while RECOVERING still ends in exactly one DOWN and one UP alert', () => {
    // Prepare
    const site = aSite({ failureThreshold: 2, recoveryThreshold: 2 });

    // Act
    const run = runChecks(site, 'xx o x o x oo');

    // Assess
    expect(run.statuses).toBe('PDRDRDRU');
    expect(run.alertTrace).toBe('.D.....U');
  });
});

describe('decideTransition: duplicates', () => {
  it.each([
    { transition: 'UNKNOWN + up → UP', ft: 2, rt: 1, from: 'UNKNOWN', setup: '', check: 'o', status: 'UP' },
    {
      transition: 'UNKNOWN + down → PENDING',
      ft: 2,
      rt: 1,
      from: 'UNKNOWN',
      setup: '',
      check: 'x',
      status: 'PENDING',
    },
    { transition: 'UP + down → PENDING', ft: 2, rt: 1, from: 'UP', setup: '', check: 'x', status: 'PENDING' },
    { transition: 'UP + down → DOWN', ft: 1, rt: 1, from: 'UP', setup: '', check: 'x', status: 'DOWN' },
    {
      transition: 'PENDING + down → PENDING',
      ft: 3,
      rt: 1,
      from: 'UP',
      setup: 'x',
      check: 'x',
      status: 'PENDING',
    },
    { transition: 'PENDING + down → DOWN', ft: 2, rt: 1, from: 'UP', setup: 'x', check: 'x', status: 'DOWN' },
    { transition: 'PENDING + up → UP', ft: 2, rt: 1, from: 'UP', setup: 'x', check: 'o', status: 'UP' },
    { transition: 'DOWN + up → UP', ft: 1, rt: 1, from: 'UP', setup: 'x', check: 'o', status: 'UP' },
    {
      transition: 'DOWN + up → RECOVERING',
      ft: 1,
      rt: 2,
      from: 'UP',
      setup: 'x',
      check: 'o',
      status: 'RECOVERING',
    },
    { transition: 'RECOVERING + up → UP', ft: 1, rt: 2, from: 'UP', setup: 'xo', check: 'o', status: 'UP' },
    {
      transition: 'RECOVERING + up → RECOVERING',
      ft: 1,
      rt: 3,
      from: 'UP',
      setup: 'xo',
      check: 'o',
      status: 'RECOVERING',
    },
    {
      transition: 'RECOVERING + down → DOWN',
      ft: 1,
      rt: 2,
      from: 'UP',
      setup: 'xo',
      check: 'x',
      status: 'DOWN',
    },
  ])(
    '$transition: the same checkId applied again to the committed state decides nothing',
    ({ ft, rt, from, setup, check, status }) => {
      // Prepare
      const site = aSite({ failureThreshold: ft, recoveryThreshold: rt });
      const prev = stateAfter(site, setup, from === 'UNKNOWN' ? INITIAL_STATE : upSince(T0));
      const result = at(resultsOf(check), 0);
      const first = decideTransition(site, prev, result, 'm-dup', T0 + 30 * STEP_MS);
      if (first.next === undefined) throw new Error('the first delivery should have written');

      // Act
      const second = decideTransition(site, first.next, result, 'm-dup', T0 + 31 * STEP_MS);

      // Assess
      expect(first.next.status).toBe(status);
      expect(second).toStrictEqual({ alerts: [] });
    },
  );

  it('a redelivered check with a different outcome is still ignored (it was already counted)', () => {
    // Prepare
    const site = aSite({ failureThreshold: 2 });
    const pending = decideTransition(site, upSince(T0), downResult(), 'm5', T0 + STEP_MS).next;
    if (pending === undefined) throw new Error('UP + down should have written');

    // Act
    const redelivered = decideTransition(
      site,
      pending,
      downResult('refused', 'ECONNREFUSED'),
      'm5',
      T0 + 2 * STEP_MS,
    );

    // Assess
    expect(redelivered).toStrictEqual({ alerts: [] });
  });

  it.each([1, 2, 3])(
    'every check delivered three times sends the same alerts as delivered once (failureThreshold %i)',
    (failureThreshold) => {
      // Prepare
      const site = aSite({ failureThreshold, recoveryThreshold: 2 });
      const checks = 'oo xo xxxx o x oo oo xxx ff xx ooo';

      // Act
      const once = runChecks(site, checks);
      const thrice = runChecks(site, checks, upSince(T0), { deliveries: 3 });

      // Assess
      expect(thrice.alerts).toEqual(once.alerts);
      expect(thrice.final).toEqual(once.final);
      expect(thrice.alertTrace).not.toContain('!');
    },
  );

  it('two checkers deciding from the same snapshot produce the same alertId, so the version check keeps one', () => {
    // Prepare
    const site = aSite({ failureThreshold: 1 });
    const prev = upSince(T0);

    // Act
    const first = decideTransition(site, prev, downResult(), 'm5', T0 + STEP_MS);
    const second = decideTransition(site, prev, downResult(), 'm5', T0 + STEP_MS + 120);

    // Assess
    expect(first.alerts[0]?.alertId).toBeDefined();
    expect(second.alerts[0]?.alertId).toBe(first.alerts[0]?.alertId);
    expect(second.next?.version).toBe(first.next?.version);
  });
});

describe('decideTransition: faults and steady state', () => {
  it.each([
    { status: 'UNKNOWN', setup: '', from: 'UNKNOWN' },
    { status: 'UP', setup: '', from: 'UP' },
    { status: 'PENDING', setup: 'x', from: 'UP' },
    { status: 'DOWN', setup: 'xx', from: 'UP' },
    { status: 'RECOVERING', setup: 'xxo', from: 'UP' },
  ] as const)('a checker fault in $status changes nothing', ({ status, setup, from }) => {
    // Prepare
    const site = aSite({ failureThreshold: 2, recoveryThreshold: 2 });
    const prev = stateAfter(site, setup, from === 'UNKNOWN' ? INITIAL_STATE : upSince(T0));

    // Act
    const faults = [faultResult('checker-fault'), faultResult('blocked-address')].map((fault, i) =>
      decideTransition(site, prev, fault, `m-fault-${i}`, T0 + 50 * STEP_MS),
    );

    // Assess
    expect(prev.status).toBe(status);
    expect(faults).toStrictEqual([{ alerts: [] }, { alerts: [] }]);
  });

  it('a fault between two failures neither confirms nor clears the outage', () => {
    // Prepare
    const site = aSite({ failureThreshold: 2 });

    // Act
    const run = runChecks(site, 'x f x');

    // Assess
    expect(run.statuses).toBe('PPD');
    expect(run.alertTrace).toBe('..D');
  });

  it.each([
    { label: 'UP + up', setup: '', result: upResult(200, 42) },
    { label: 'UP + up with another status and latency', setup: '', result: upResult(301, 900) },
    { label: 'DOWN + the same failure', setup: 'xx', result: downResult() },
    {
      label: 'DOWN + another failure',
      setup: 'xx',
      result: downResult('http-5xx', '503 from origin', 503, 80),
    },
  ])('$label is steady state: an empty decision, so nothing is written', ({ setup, result }) => {
    // Prepare
    const site = aSite({ failureThreshold: 2 });
    const prev = stateAfter(site, setup);

    // Act
    const decision = decideTransition(site, prev, result, 'm-steady', T0 + 40 * STEP_MS);

    // Assess
    expect(decision).toStrictEqual({ alerts: [] });
  });
});

describe('decideTransition: confirming re-checks', () => {
  it.each([
    { confirmDelaySeconds: 0 },
    { confirmDelaySeconds: 30 },
    { confirmDelaySeconds: 45 },
    { confirmDelaySeconds: 900 },
  ])(
    'schedules the re-check $confirmDelaySeconds s out on entering PENDING and RECOVERING',
    ({ confirmDelaySeconds }) => {
      // Prepare
      const site = aSite({ failureThreshold: 3, recoveryThreshold: 3, confirmDelaySeconds });

      // Act
      const run = runChecks(site, 'xx xxx oo');

      // Assess
      expect(run.statuses).toBe('PPDDDRR');
      const rechecks = run.decisions.map((decision) => decision.recheckAfterSeconds);
      expect(rechecks).toEqual([
        confirmDelaySeconds,
        confirmDelaySeconds,
        undefined,
        undefined,
        undefined,
        confirmDelaySeconds,
        confirmDelaySeconds,
      ]);
    },
  );

  it.each([
    { label: 'UP → DOWN', ft: 1, rt: 1, setup: '', check: 'x' },
    { label: 'PENDING → DOWN', ft: 2, rt: 1, setup: 'x', check: 'x' },
    { label: 'PENDING → UP (blip)', ft: 2, rt: 1, setup: 'x', check: 'o' },
    { label: 'DOWN → UP', ft: 1, rt: 1, setup: 'x', check: 'o' },
    { label: 'RECOVERING → UP', ft: 1, rt: 2, setup: 'xo', check: 'o' },
    { label: 'RECOVERING → DOWN', ft: 1, rt: 2, setup: 'xo', check: 'x' },
  ])('$label schedules no re-check', ({ ft, rt, setup, check }) => {
    // Prepare
    const site = aSite({ failureThreshold: ft, recoveryThreshold: rt });
    const prev = stateAfter(site, setup);

    // Act
    const decision = decideTransition(site, prev, at(resultsOf(check), 0), 'm-x', T0 + 20 * STEP_MS);

    // Assess
    expect(decision.next).toBeDefined();
    expect(decision.recheckAfterSeconds).toBeUndefined();
  });
});

describe('decideTransition: versions', () => {
  it.each([
    { failureThreshold: 1, recoveryThreshold: 1, seed: 1 },
    { failureThreshold: 2, recoveryThreshold: 1, seed: 2 },
    { failureThreshold: 2, recoveryThreshold: 2, seed: 3 },
    { failureThreshold: 3, recoveryThreshold: 2, seed: 4 },
  ])(
    'failureThreshold $failureThreshold / recoveryThreshold $recoveryThreshold: each committed decision adds exactly 1 to the version',
    ({ failureThreshold, recoveryThreshold, seed }) => {
      // Prepare
      const site = aSite({ failureThreshold, recoveryThreshold });
      const random = seededRandom(seed);
      const checks = Array.from({ length: 2_000 }, () => {
        const roll = random();
        return roll < 0.05 ? 'f' : roll < 0.4 ? 'x' : 'o';
      }).join('');
      const start = upSince(T0);

      // Act
      const run = runChecks(site, checks, start);

      // Assess: runChecks asserts +1 on every write; here the total adds up too.
      expect(run.writes).toBeGreaterThan(100);
      expect(run.final.version).toBe(start.version + run.writes);
    },
  );
});

describe('decideTransition: alert content', () => {
  it('the DOWN alert names the site and carries the confirming check, since the first failed check', () => {
    // Prepare
    const site = aSite({ failureThreshold: 2 });
    const firstFailureMs = T0 + STEP_MS;
    const pending = decideTransition(site, upSince(T0), downResult(), 'm1', firstFailureMs).next;
    if (pending === undefined) throw new Error('UP + down should have written');
    const confirmMs = firstFailureMs + 30_000;

    // Act
    const decision = decideTransition(
      site,
      pending,
      downResult('http-5xx', 'HEAD / answered 503', 503, 87),
      `r${pending.version}`,
      confirmMs,
    );

    // Assess
    expect(decision.alerts[0]).toStrictEqual({
      alertId: `shop:${pending.version + 1}`,
      event: 'DOWN',
      siteId: 'shop',
      siteName: 'Shop',
      url: 'https://shop.example.com/health',
      owner: 'team-a',
      atMs: confirmMs,
      outageSinceMs: firstFailureMs,
      reason: 'http-5xx',
      detail: 'HEAD / answered 503',
      status: 503,
      latencyMs: 87,
    });
  });

  it('a DOWN alert for a failure without an HTTP status has no status field', () => {
    // Prepare
    const site = aSite({ failureThreshold: 1 });

    // Act
    const decision = decideTransition(site, upSince(T0), downResult('refused', 'ECONNREFUSED'), 'm1', T0 + 1);

    // Assess
    expect(decision.alerts[0]).toBeDefined();
    expect(decision.alerts[0]).not.toHaveProperty('status');
  });

  it('the UP alert carries the outage reason the DOWN alert sent and is measured from the first failed check', () => {
    // Prepare: the outage starts with a timeout, is confirmed as a 503, relapses with DNS errors meanwhile.
    const site = aSite({ failureThreshold: 3, recoveryThreshold: 2 });
    const results: CheckResult[] = [
      downResult('timeout', 'no headers in 5000 ms'),
      downResult('http-5xx', 'HEAD / answered 502', 502),
      downResult('http-5xx', 'HEAD / answered 503', 503),
      downResult('dns', 'ENOTFOUND shop.example.com'),
      upResult(),
      downResult('reset', 'ECONNRESET'),
      upResult(),
      upResult(200, 64),
    ];

    // Act
    const run = runChecks(site, results);

    // Assess
    expect(run.statuses).toBe('PPDDRDRU');
    const [down, up] = run.alerts;
    const firstFailureMs = T0 + STEP_MS;
    expect(down).toMatchObject({
      event: 'DOWN',
      outageSinceMs: firstFailureMs,
      reason: 'http-5xx',
      status: 503,
    });
    expect(up).toMatchObject({
      event: 'UP',
      outageSinceMs: firstFailureMs,
      atMs: T0 + 8 * STEP_MS,
      reason: down?.reason,
      detail: down?.detail,
      status: down?.status,
      latencyMs: 64,
    });
    // "Down for" is measured from the first failed check, not from the DOWN transition.
    expect((up?.atMs ?? 0) - (up?.outageSinceMs ?? 0)).toBe(7 * STEP_MS);
  });

  it('alertIds are unique per transition across a long flapping run', () => {
    // Prepare
    const site = aSite({ failureThreshold: 1, recoveryThreshold: 1 });

    // Act
    const run = runChecks(site, 'xo'.repeat(200));

    // Assess
    const ids = run.alerts.map((alert) => alert.alertId);
    expect(ids).toHaveLength(400);
    expect(new Set(ids).size).toBe(400);
    for (const id of ids) expect(id).toMatch(/^shop:\d+$/);
  });
});

describe('decideTransition: outbox', () => {
  it('puts the alert in pendingAlerts under its alertId, claimed by the committing checker', () => {
    // Prepare
    const site = aSite({ failureThreshold: 1 });
    const nowMs = T0 + STEP_MS;

    // Act
    const decision = decideTransition(site, upSince(T0), downResult(), 'm1', nowMs);

    // Assess
    const alert = decision.alerts[0];
    if (alert === undefined) throw new Error('UP + down with failureThreshold 1 should alert');
    expect(decision.next?.pendingAlerts).toStrictEqual({
      [alert.alertId]: { alert, claimedUntilMs: nowMs + ALERT_CLAIM_MS },
    });
  });

  it('a DOWN alert SNS refused is folded into the UP alert that follows: one message with what was missed', () => {
    // Prepare
    const site = aSite({ failureThreshold: 1, recoveryThreshold: 1 });

    // Act: DOWN at minute 1, its claim lapses unsent, UP at minute 2
    const run = runChecks(site, 'x o', upSince(T0), { isPublished: false });

    // Assess
    const [down, up] = run.alerts;
    if (down === undefined || up === undefined) throw new Error('expected a DOWN and an UP alert');
    expect(Object.keys(run.final.pendingAlerts ?? {})).toEqual([up.alertId]);
    expect(up.missed).toEqual({ alerts: 1, sinceMs: down.atMs, outages: 0, downMs: 0 });
    expect(up.outageSinceMs).toBe(down.outageSinceMs);
    expect(run.final.pendingAlerts?.[up.alertId]?.alert).toEqual(up);
  });

  it('an alert whose publisher still holds its claim stays beside the new one (it may be on its way)', () => {
    // Prepare: checks 10 s apart, well inside the 60 s claim
    const site = aSite({ failureThreshold: 1, recoveryThreshold: 1 });

    // Act
    const run = runChecks(site, 'x o', upSince(T0), { isPublished: false, stepMs: 10_000 });

    // Assess
    const [down, up] = run.alerts;
    if (down === undefined || up === undefined) throw new Error('expected a DOWN and an UP alert');
    expect(Object.keys(run.final.pendingAlerts ?? {}).sort()).toEqual([down.alertId, up.alertId].sort());
    expect(up.missed).toBeUndefined();
  });

  it('a day of flapping with SNS down leaves one alert with the whole story, and a small item', () => {
    // Prepare: a flap every check, one check a minute for 24 hours, nothing ever published
    const site = aSite({ failureThreshold: 1, recoveryThreshold: 1 });

    // Act
    const run = runChecks(site, 'xo'.repeat(720), upSince(T0), { isPublished: false });

    // Assess
    const pending = Object.values(run.final.pendingAlerts ?? {});
    expect(pending).toHaveLength(1);
    const last = pending[0]?.alert;
    expect(last?.event).toBe('UP');
    expect(last?.missed).toEqual({
      alerts: 1_439,
      sinceMs: T0 + STEP_MS,
      outages: 719,
      downMs: 719 * STEP_MS,
    });
    expect(Buffer.byteLength(JSON.stringify(run.final))).toBeLessThan(3_000);
  });

  it.each([
    { label: 'UP → PENDING', ft: 2, rt: 1, setup: '', check: 'x' },
    { label: 'PENDING → UP (blip)', ft: 2, rt: 1, setup: 'x', check: 'o' },
    { label: 'DOWN → RECOVERING', ft: 1, rt: 2, setup: 'x', check: 'o' },
    { label: 'RECOVERING → DOWN', ft: 1, rt: 2, setup: 'xo', check: 'x' },
  ])('$label keeps the outbox as it was', ({ ft, rt, setup, check }) => {
    // Prepare
    const site = aSite({ failureThreshold: ft, recoveryThreshold: rt });
    const unpublished = runChecks(aSite({ failureThreshold: 1 }), 'xo', upSince(T0), { isPublished: false })
      .final.pendingAlerts;
    const prev: SiteState = { ...stateAfter(site, setup), pendingAlerts: unpublished };

    // Act
    const decision = decideTransition(site, prev, at(resultsOf(check), 0), 'm-x', T0 + 20 * STEP_MS);

    // Assess
    expect(Object.keys(unpublished ?? {})).toHaveLength(1);
    expect(decision.alerts[0]).toBeUndefined();
    expect(decision.next?.pendingAlerts).toEqual(unpublished);
  });
});

describe('decideTransition: bookkeeping', () => {
  it('a never-checked site that answers comes UP silently, UP since that check', () => {
    // Prepare
    const site = aSite();
    const nowMs = T0 + 5_000;

    // Act
    const decision = decideTransition(site, INITIAL_STATE, upResult(204, 31), 'm1', nowMs);

    // Assess
    expect(decision.alerts[0]).toBeUndefined();
    expect(decision.next).toStrictEqual({
      status: 'UP',
      version: 1,
      consecutiveFailures: 0,
      consecutiveSuccesses: 0,
      statusSinceMs: nowMs,
      lastCheckId: 'm1',
      lastCheck: { atMs: nowMs, up: true, status: 204, latencyMs: 31 },
    });
  });

  it('a never-checked site that is down goes PENDING, and with failureThreshold 1 straight to DOWN with an alert', () => {
    // Prepare
    const lenient = aSite({ failureThreshold: 2 });
    const strict = aSite({ failureThreshold: 1 });

    // Act
    const pending = decideTransition(lenient, INITIAL_STATE, downResult(), 'm1', T0);
    const down = decideTransition(strict, INITIAL_STATE, downResult(), 'm1', T0);

    // Assess
    expect(pending.next?.status).toBe('PENDING');
    expect(pending.alerts[0]).toBeUndefined();
    expect(down.next?.status).toBe('DOWN');
    expect(down.alerts[0]).toMatchObject({ event: 'DOWN', outageSinceMs: T0 });
  });

  it('a never-checked site whose first check blips is UP since the success that confirmed it', () => {
    // Prepare
    const site = aSite({ failureThreshold: 2 });
    const successMs = T0 + 30_000;
    const pending = decideTransition(site, INITIAL_STATE, downResult(), 'm1', T0).next;
    if (pending === undefined) throw new Error('UNKNOWN + down should have written');

    // Act
    const decision = decideTransition(site, pending, upResult(), `r${pending.version}`, successMs);

    // Assess
    expect(decision.next?.status).toBe('UP');
    expect(decision.next?.statusSinceMs).toBe(successMs);
  });

  it('records the applied check (id and outcome) with every write', () => {
    // Prepare
    const site = aSite({ failureThreshold: 2 });
    const nowMs = T0 + STEP_MS;

    // Act
    const decision = decideTransition(
      site,
      upSince(T0),
      downResult('http-4xx', 'HEAD / answered 404', 404, 12),
      'm29',
      nowMs,
    );

    // Assess
    expect(decision.next).toMatchObject({
      lastCheckId: 'm29',
      lastCheck: {
        atMs: nowMs,
        up: false,
        reason: 'http-4xx',
        detail: 'HEAD / answered 404',
        status: 404,
        latencyMs: 12,
      },
      consecutiveFailures: 1,
      outage: { sinceMs: nowMs, reason: 'http-4xx', detail: 'HEAD / answered 404', status: 404 },
    });
  });

  it('statusSinceMs moves on the UP and DOWN transitions only', () => {
    // Prepare
    const site = aSite({ failureThreshold: 2, recoveryThreshold: 2 });

    // Act
    const run = runChecks(site, 'xo xx x o x oo');

    // Assess
    expect(run.statuses).toBe('PUPDDRDRU');
    const since = run.states.map((state) => (state.statusSinceMs ?? 0) - T0);
    const downAtMs = 4 * STEP_MS;
    const upAtMs = 9 * STEP_MS;
    expect(since).toEqual([0, 0, 0, downAtMs, downAtMs, downAtMs, downAtMs, downAtMs, upAtMs]);
  });
});

describe('decideTransition: a simulated run', () => {
  it('a realistic hour (blips, faults, two outages, a relapse) sends DOWN, UP, DOWN, UP', () => {
    // Prepare
    const site = aSite({ failureThreshold: 2, recoveryThreshold: 2 });
    const checks = 'oooo xo ooo xxxx o x oo ff xfx ooo oo';

    // Act
    const run = runChecks(site, checks);

    // Assess
    expect(run.statuses).toBe(squash('UUUU PU UUU PDDD R D RU UU PPD RUU UU'));
    expect(run.alerts.map((alert) => alert.event)).toEqual(['DOWN', 'UP', 'DOWN', 'UP']);
  });

  it.each([
    { failureThreshold: 1, recoveryThreshold: 1, seed: 11 },
    { failureThreshold: 2, recoveryThreshold: 1, seed: 12 },
    { failureThreshold: 2, recoveryThreshold: 2, seed: 13 },
    { failureThreshold: 3, recoveryThreshold: 1, seed: 14 },
    { failureThreshold: 3, recoveryThreshold: 2, seed: 15 },
  ])(
    'failureThreshold $failureThreshold / recoveryThreshold $recoveryThreshold: over 5,000 random checks alerts alternate and follow the thresholds',
    ({ failureThreshold, recoveryThreshold, seed }) => {
      // Prepare
      const site = aSite({ failureThreshold, recoveryThreshold });
      const random = seededRandom(seed);
      const checks = Array.from({ length: 5_000 }, () => {
        const roll = random();
        return roll < 0.05 ? 'f' : roll < 0.35 ? 'x' : 'o';
      }).join('');

      // Act
      const run = runChecks(site, checks);

      // Assess
      const events = run.alerts.map((alert) => alert.event);
      expect(events.length).toBeGreaterThan(10);
      events.forEach((event, i) => {
        expect(event).toBe(i % 2 === 0 ? 'DOWN' : 'UP');
      });
      // Faults say nothing: judge on verdicts only.
      const verdicts: string[] = [];
      [...checks].forEach((code, i) => {
        if (code !== 'f') verdicts.push(code);
        const alertLetter = run.alertTrace[i];
        const lastDown = verdicts.slice(-failureThreshold);
        const lastUp = verdicts.slice(-recoveryThreshold);
        const allDown = lastDown.length === failureThreshold && lastDown.every((v) => v === 'x');
        const allUp = lastUp.length === recoveryThreshold && lastUp.every((v) => v === 'o');
        if (alertLetter === 'D') expect(allDown).toBe(true);
        if (alertLetter === 'U') expect(allUp).toBe(true);
        if (allDown) expect(run.states[i]?.status).toBe('DOWN');
        if (allUp) expect(run.states[i]?.status).toBe('UP');
      });
    },
  );
});
