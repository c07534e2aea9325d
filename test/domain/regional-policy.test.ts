import { describe, expect, it } from 'vitest';
import type { Alert } from '../../functions/domain/alert.ts';
import { decideTransition } from '../../functions/domain/alert-policy.ts';
import type { CheckResult } from '../../functions/domain/check-result.ts';
import { needsVerification } from '../../functions/domain/regional-policy.ts';
import type { SiteConfig } from '../../functions/domain/site.ts';
import { INITIAL_STATE, type SiteState } from '../../functions/domain/site-state.ts';
import type { LocationAnswer, Verification } from '../../functions/domain/verification.ts';
import { aSite, downResult, T0, upResult } from './fixtures.ts';

// The decision table of issue 15 (CONTRACT-15.md), row by row, through decideTransition.

const MINUTE = 60_000;
const UP: SiteState = { ...INITIAL_STATE, status: 'UP', version: 3, statusSinceMs: T0 };
const REGIONS = ['us-west-2', 'eu-west-1'] as const;

/**
 * A verification from a compact story: one letter per location, home first ('d' down, 'u' up, 'n' no answer),
 * e.g. 'duu' = down from home, up from both verifier regions.
 */
function verification(story: string, atMs = T0): Verification {
  const names = ['us-east-1', ...REGIONS, 'ap-south-1', 'sa-east-1'];
  const locations = [...story].map((letter, i): LocationAnswer => {
    const location = names[i] ?? 'unknown';
    if (letter === 'u') return { outcome: 'up', location, status: 200, latencyMs: 80 };
    if (letter === 'n') return { outcome: 'no-answer', location, detail: 'invoke timed out after 8000 ms' };
    return { outcome: 'down', location, reason: 'timeout', detail: 'no answer in 5000 ms', latencyMs: 5000 };
  });
  return { atMs, locations };
}

interface Step {
  readonly result: CheckResult;
  readonly atMs: number;
  readonly verification?: Verification;
}

/** Feeds checks through the machine as the checker commits them (alerts published and cleared). */
function run(site: SiteConfig, steps: readonly Step[], start: SiteState = UP) {
  let state = start;
  const alerts: Alert[] = [];
  const states: SiteState[] = [];
  let writes = 0;
  steps.forEach(({ result, atMs, verification: given }, i) => {
    const decision = decideTransition(site, state, result, `m${i}`, atMs, given);
    if (decision.next) {
      state = { ...decision.next, pendingAlerts: undefined };
      writes++;
    }
    alerts.push(...decision.alerts);
    states.push(state);
  });
  return { alerts, state, states, writes, events: alerts.map((alert) => alert.event).join(',') };
}

/** Check i at T0 + (i + 1) minutes; `verify` gives the confirming check (and later ones) their verification. */
const at = (i: number): number => T0 + (i + 1) * MINUTE;
const steps = (
  results: readonly CheckResult[],
  verify: (i: number) => Verification | undefined = () => undefined,
) =>
  results.map((result, i) => {
    const given = verify(i);
    return given === undefined ? { result, atMs: at(i) } : { result, atMs: at(i), verification: given };
  });

const site = aSite({ failureThreshold: 2 });
const blocked: CheckResult = { kind: 'blocked', status: 403, detail: 'HTTP 403', latencyMs: 20 };
const slow = upResult(200, 900);

describe('decideTransition with a verification: confirming from home', () => {
  it('stays PENDING below failureThreshold, whatever a verification says', () => {
    // Act
    const outcome = run(
      site,
      steps([downResult()], () => verification('ddd')),
    );

    // Assess
    expect(outcome.state.status).toBe('PENDING');
    expect(outcome.state.verification).toBeUndefined();
    expect(outcome.alerts).toEqual([]);
  });

  it('without a verification confirms DOWN exactly as before: no locations, no verification', () => {
    // Act
    const outcome = run(site, steps([downResult(), downResult()]));

    // Assess
    expect(outcome.events).toBe('DOWN');
    expect(outcome.alerts[0]).not.toHaveProperty('locations');
    expect(outcome.state).not.toHaveProperty('verification');
  });

  const regionalSite = aSite({ failureThreshold: 1, maxResponseMs: 500 });
  it.each<{ from: string; start: SiteState; before: CheckResult[] }>([
    { from: 'UNKNOWN', start: INITIAL_STATE, before: [] },
    { from: 'UP', start: UP, before: [] },
    { from: 'DEGRADED', start: UP, before: [slow] },
    { from: 'BLOCKED', start: UP, before: [blocked] },
  ])(
    'from $from: a strict majority down → DOWN naming the locations; state.verification set',
    ({ start, before }) => {
      // Act
      const confirming = before.length;
      const outcome = run(
        regionalSite,
        steps([...before, downResult()], (i) => (i === confirming ? verification('ddu') : undefined)),
        start,
      );

      // Assess
      const down = outcome.alerts.at(-1);
      expect(down?.event).toBe('DOWN');
      expect(down?.locations).toEqual(verification('ddu').locations);
      expect(outcome.state).toMatchObject({ status: 'DOWN', verification: verification('ddu') });
    },
  );

  it('from PENDING (failureThreshold 2): DOWN, down since the first failed check', () => {
    // Act
    const outcome = run(
      site,
      steps([downResult(), downResult()], (i) => (i === 1 ? verification('ddd') : undefined)),
    );

    // Assess
    expect(outcome.events).toBe('DOWN');
    expect(outcome.alerts[0]?.outageSinceMs).toBe(at(0));
    expect(outcome.alerts[0]?.locations).toHaveLength(3);
  });

  it.each([
    { story: 'duu', why: 'a minority failed' },
    { story: 'dun', why: 'a tie among the locations that answered' },
    { story: 'duud', why: 'two of four: still no strict majority' },
  ])(
    'REGIONAL when $why ($story): one REGIONAL alert with the locations, outage kept, status since now',
    ({ story }) => {
      // Act
      const outcome = run(
        site,
        steps([downResult(), downResult()], (i) => (i === 1 ? verification(story) : undefined)),
      );

      // Assess
      expect(outcome.events).toBe('REGIONAL');
      expect(outcome.alerts[0]).toMatchObject({
        event: 'REGIONAL',
        locations: verification(story).locations,
        outageSinceMs: at(0),
        reason: 'timeout',
      });
      expect(outcome.state).toMatchObject({
        status: 'REGIONAL',
        statusSinceMs: at(1),
        outage: { sinceMs: at(0), reason: 'timeout' },
        verification: verification(story),
      });
    },
  );

  it('DOWN when no verifier answered: home alone answered, and the alert says who did not', () => {
    // Act
    const outcome = run(
      site,
      steps([downResult(), downResult()], (i) => (i === 1 ? verification('dnn') : undefined)),
    );

    // Assess
    expect(outcome.events).toBe('DOWN');
    expect(outcome.alerts[0]?.locations?.filter((answer) => answer.outcome === 'no-answer')).toHaveLength(2);
  });

  it('with treatBlockedAsDown, blocked answers at home confirm like failures and are verified', () => {
    // Act
    const strict = aSite({ failureThreshold: 2, treatBlockedAsDown: true });
    const outcome = run(
      strict,
      steps([blocked, blocked], (i) => (i === 1 ? verification('duu') : undefined)),
    );

    // Assess
    expect(outcome.events).toBe('REGIONAL');
    expect(outcome.state.outage?.reason).toBe('http-4xx');
  });
});

describe('decideTransition with a verification: a REGIONAL site', () => {
  /** REGIONAL since check 1 (verified 'duu'), then `more` checks from check 2 on. */
  const regionalThen = (more: readonly CheckResult[], verify: (i: number) => Verification | undefined) =>
    run(
      site,
      steps([downResult(), downResult(), ...more], (i) => (i === 1 ? verification('duu') : verify(i))),
    );

  it('goes DOWN when the majority now fails: one DOWN alert, down since the first check the majority failed', () => {
    // Act
    const outcome = regionalThen([downResult()], () => verification('ddu'));

    // Assess: until check 2 most locations reached it; the outage (and its incident) starts there, not at home's
    // first failure
    expect(outcome.events).toBe('REGIONAL,DOWN');
    const down = outcome.alerts[1];
    expect(down).toMatchObject({
      event: 'DOWN',
      outageSinceMs: at(2),
      locations: verification('ddu').locations,
    });
    expect(outcome.state).toMatchObject({
      status: 'DOWN',
      statusSinceMs: at(2),
      outage: { sinceMs: at(2) },
      verification: verification('ddu'),
    });
  });

  it('stays REGIONAL without a write or an alert when no verifier answers: home alone never pages a site others reached', () => {
    // Act: a round where both regions are silent (throttled, out of time), then one where they reach it again
    const outcome = regionalThen([downResult(), downResult()], (i) =>
      i === 2 ? verification('dnn') : verification('duu'),
    );

    // Assess: the writes of PENDING and REGIONAL only
    expect(outcome.events).toBe('REGIONAL');
    expect(outcome.writes).toBe(2);
    expect(outcome.state).toMatchObject({ status: 'REGIONAL', verification: verification('duu') });
  });

  it('stays REGIONAL without a write or an alert while every location tells the same story', () => {
    // Act
    const outcome = regionalThen(
      Array.from({ length: 30 }, () => downResult()),
      () => verification('duu'),
    );

    // Assess: the two writes of PENDING and REGIONAL only, and no reminder however long
    expect(outcome.events).toBe('REGIONAL');
    expect(outcome.writes).toBe(2);
    expect(outcome.state.status).toBe('REGIONAL');
  });

  it('stays REGIONAL and writes the new story, without an alert, when a location changes its outcome', () => {
    // Act
    const outcome = regionalThen([downResult()], () => verification('dun'));

    // Assess
    expect(outcome.events).toBe('REGIONAL');
    expect(outcome.writes).toBe(3);
    expect(outcome.state).toMatchObject({
      status: 'REGIONAL',
      statusSinceMs: at(1),
      verification: verification('dun'),
    });
  });

  it('goes DOWN on a home failure without a verification (no verifiers configured any more), naming no location', () => {
    // Act
    const outcome = regionalThen([downResult()], () => undefined);

    // Assess
    expect(outcome.events).toBe('REGIONAL,DOWN');
    expect(outcome.alerts[1]).not.toHaveProperty('locations');
    expect(outcome.alerts[1]?.outageSinceMs).toBe(at(0));
    expect(outcome.state).not.toHaveProperty('verification');
  });

  it('is UP again without an alert when home reaches it: outage and verification cleared, no incident', () => {
    // Act
    const outcome = regionalThen([upResult()], () => undefined);

    // Assess
    expect(outcome.events).toBe('REGIONAL');
    expect(outcome.state).toMatchObject({ status: 'UP', statusSinceMs: at(2), consecutiveFailures: 0 });
    expect(outcome.state).not.toHaveProperty('outage');
    expect(outcome.state).not.toHaveProperty('verification');
    expect(outcome.state).not.toHaveProperty('lastIncident');
  });

  it('is UP again immediately even with recoveryThreshold 3 (it never was DOWN)', () => {
    // Act
    const outcome = run(
      aSite({ failureThreshold: 2, recoveryThreshold: 3 }),
      steps([downResult(), downResult(), upResult()], (i) => (i === 1 ? verification('duu') : undefined)),
    );

    // Assess
    expect(outcome.state.status).toBe('UP');
    expect(outcome.events).toBe('REGIONAL');
  });

  it('counts slow answers as from UP: DEGRADED after failureThreshold of them, with its alert', () => {
    // Act
    const outcome = run(
      aSite({ failureThreshold: 2, maxResponseMs: 500 }),
      steps([downResult(), downResult(), slow, slow], (i) => (i === 1 ? verification('duu') : undefined)),
    );

    // Assess
    expect(outcome.states.map((state) => state.status)).toEqual(['PENDING', 'REGIONAL', 'UP', 'DEGRADED']);
    expect(outcome.events).toBe('REGIONAL,DEGRADED');
    expect(outcome.state).not.toHaveProperty('verification');
  });

  it('counts blocked answers as from UP: BLOCKED after failureThreshold of them, verification cleared', () => {
    // Act
    const outcome = regionalThen([blocked, blocked], () => undefined);

    // Assess
    expect(outcome.states.map((state) => state.status)).toEqual([
      'PENDING',
      'REGIONAL',
      'REGIONAL',
      'BLOCKED',
    ]);
    expect(outcome.events).toBe('REGIONAL,BLOCKED');
    expect(outcome.state).not.toHaveProperty('verification');
    expect(outcome.state).not.toHaveProperty('outage');
  });
});

describe('decideTransition with a verification: DOWN and RECOVERING never use one', () => {
  const downSite = aSite({ failureThreshold: 2, recoveryThreshold: 2 });
  const downState = run(
    downSite,
    steps([downResult(), downResult()], (i) => (i === 1 ? verification('ddd') : undefined)),
  ).state;

  it.each([
    { name: 'a failure while DOWN', result: downResult() },
    { name: 'a success while DOWN (toward recovery)', result: upResult() },
  ])('decides $name exactly as without a verification', ({ result }) => {
    // Act
    const withOne = decideTransition(downSite, downState, result, 'm9', at(9), verification('duu'));
    const without = decideTransition(downSite, downState, result, 'm9', at(9));

    // Assess
    expect(withOne).toEqual(without);
  });

  it('recovers UP from home alone, clearing the verification, with the UP alert', () => {
    // Act
    const outcome = run(
      downSite,
      steps([upResult(), upResult()], () => verification('ddd')),
      downState,
    );

    // Assess
    expect(outcome.events).toBe('UP');
    expect(outcome.state.status).toBe('UP');
    expect(outcome.state).not.toHaveProperty('verification');
  });
});

describe('decideTransition with a verification: maintenance windows', () => {
  const window = {
    kind: 'once' as const,
    start: new Date(T0).toISOString(),
    end: new Date(T0 + 10 * MINUTE).toISOString(),
  };
  const inWindow = aSite({ failureThreshold: 2, maintenance: [window] });

  it('moves to REGIONAL inside a window without telling, and tells REGIONAL with the locations when it ends', () => {
    // Act: REGIONAL at minute 2; the window ends at minute 10 with home still failing the same way
    const outcome = run(
      inWindow,
      steps(
        Array.from({ length: 11 }, () => downResult()),
        (i) => (i >= 1 ? verification('duu') : undefined),
      ),
    );

    // Assess
    expect(outcome.states[1]?.status).toBe('REGIONAL');
    expect(outcome.events).toBe('REGIONAL');
    expect(outcome.alerts[0]).toMatchObject({
      atMs: at(9),
      afterMaintenanceSinceMs: at(0),
      locations: verification('duu').locations,
    });
  });

  it('says nothing when a site REGIONAL at the start of a window is UP when it ends', () => {
    // Prepare: REGIONAL before the window
    const before = run(site, [
      { result: downResult(), atMs: T0 - 3 * MINUTE },
      { result: downResult(), atMs: T0 - 2 * MINUTE, verification: verification('duu') },
    ]).state;

    // Act
    const outcome = run(
      inWindow,
      steps([downResult(), upResult(), ...Array.from({ length: 10 }, () => upResult())], () =>
        verification('duu'),
      ),
      before,
    );

    // Assess
    expect(outcome.alerts).toEqual([]);
    expect(outcome.state.status).toBe('UP');
    expect(outcome.state.maintenanceMark).toBeUndefined();
  });
});

describe('needsVerification', () => {
  it.each<{ name: string; start: SiteState; results: CheckResult[]; expected: boolean }>([
    {
      name: 'UP confirming DOWN',
      start: { ...UP, status: 'PENDING', consecutiveFailures: 1 },
      results: [downResult()],
      expected: true,
    },
    { name: 'UP to PENDING', start: UP, results: [downResult()], expected: false },
    {
      name: 'RECOVERING back to DOWN',
      start: { ...UP, status: 'RECOVERING' },
      results: [downResult()],
      expected: false,
    },
    {
      name: 'REGIONAL failing again',
      start: { ...UP, status: 'REGIONAL' },
      results: [downResult()],
      expected: true,
    },
    { name: 'a success', start: UP, results: [upResult()], expected: false },
  ])('$name: $expected', ({ start, results, expected }) => {
    // Act
    const [result] = results;
    const decision = decideTransition(site, start, result ?? upResult(), 'm1', at(1));

    // Assess
    expect(needsVerification(start, decision)).toBe(expected);
  });
});

describe('a REGIONAL alert that never reached anyone, when the site is UP again', () => {
  const site = aSite({ failureThreshold: 2 });
  const regionalAlert = (claimedUntilMs: number) => {
    const confirming = decideTransition(site, UP, downResult(), 'm0', at(0));
    const pending = { ...confirming.next, pendingAlerts: undefined } as SiteState;
    const regional = decideTransition(site, pending, downResult(), 'm1', at(1), verification('duu'));
    const alert = regional.alerts[0] as Alert;
    return {
      ...(regional.next as SiteState),
      pendingAlerts: { [alert.alertId]: { alert, claimedUntilMs } },
    };
  };

  it('is dropped from the outbox when its claim lapsed (SNS refused it): it would say "fails from …" after the fact', () => {
    // Arrange: the REGIONAL's claim lapsed a minute ago
    const prev = regionalAlert(at(2) - MINUTE);

    // Act
    const decision = decideTransition(site, prev, upResult(), 'm3', at(2));

    // Assess
    expect(decision.alerts).toEqual([]);
    expect(decision.next?.status).toBe('UP');
    expect(decision.next?.pendingAlerts).toBeUndefined();
  });

  it('is left to its publisher while its claim is live (it is being sent now)', () => {
    // Arrange
    const prev = regionalAlert(at(2) + 30_000);

    // Act
    const decision = decideTransition(site, prev, upResult(), 'm3', at(2));

    // Assess
    expect(decision.next?.status).toBe('UP');
    expect(Object.keys(decision.next?.pendingAlerts ?? {})).toEqual(Object.keys(prev.pendingAlerts));
  });
});
