import { describe, expect, it } from 'vitest';
import type { Alert } from '../../functions/domain/alert.ts';
import { decideTransition, decideUnchecked } from '../../functions/domain/alert-policy.ts';
import type { CheckResult } from '../../functions/domain/check-result.ts';
import type { SiteConfig } from '../../functions/domain/site.ts';
import { INITIAL_STATE, type SiteState } from '../../functions/domain/site-state.ts';
import type { FaultResult } from '../../functions/domain/transition.ts';
import { aSite, downResult, T0, upResult } from './fixtures.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;
const UP: SiteState = { ...INITIAL_STATE, status: 'UP', version: 3, statusSinceMs: T0 };

interface Step {
  readonly result: CheckResult;
  readonly atMs: number;
}

/** Feeds results through the machine as the checker does; returns the alerts and the final state. */
function run(site: SiteConfig, steps: readonly Step[], start: SiteState = UP) {
  let state = start;
  const alerts: Alert[] = [];
  let writes = 0;
  steps.forEach(({ result, atMs }, i) => {
    const decision = decideTransition(site, state, result, `m${i}`, atMs);
    if (decision.next) {
      // The committing checker publishes its alerts and clears them from the outbox.
      state = { ...decision.next, pendingAlerts: undefined };
      writes++;
    }
    alerts.push(...decision.alerts);
  });
  return { alerts, state, writes, events: alerts.map((alert) => alert.event).join(',') };
}

const every = (results: readonly CheckResult[], stepMs = MINUTE, startMs = T0): Step[] =>
  results.map((result, i) => ({ result, atMs: startMs + (i + 1) * stepMs }));

const blocked = (status = 403): CheckResult => ({
  kind: 'blocked',
  status,
  detail: `HTTP ${status}`,
  latencyMs: 20,
});
const withTls = (validToMs: number, fingerprint = 'AA:BB'): CheckResult => ({
  kind: 'up',
  status: 200,
  latencyMs: 30,
  tls: { validToMs, fingerprint },
});

describe('decideTransition: DEGRADED (maxResponseMs)', () => {
  const site = aSite({ maxResponseMs: 500 });

  it('alerts DEGRADED after failureThreshold slow checks, once, and UP when fast again', () => {
    // Act
    const outcome = run(
      site,
      every([upResult(200, 900), upResult(200, 900), upResult(200, 950), upResult(200, 80)]),
    );

    // Assess
    expect(outcome.events).toBe('DEGRADED,UP');
    expect(outcome.alerts[0]).toMatchObject({ maxResponseMs: 500, latencyMs: 900 });
    expect(outcome.alerts[1]).toMatchObject({ recoveredFrom: 'DEGRADED' });
    expect(outcome.state.status).toBe('UP');
  });

  it('ignores a single slow check and writes nothing for fast checks in steady state', () => {
    // Act
    const outcome = run(
      site,
      every([upResult(200, 900), upResult(200, 80), upResult(200, 80), upResult(200, 80)]),
    );

    // Assess
    expect(outcome.events).toBe('');
    expect(outcome.writes).toBe(2);
  });

  it('lets an outage take over from DEGRADED and come back UP', () => {
    // Act
    const outcome = run(
      site,
      every([upResult(200, 900), upResult(200, 900), downResult(), downResult(), upResult(200, 50)]),
    );

    // Assess
    expect(outcome.events).toBe('DEGRADED,DOWN,UP');
  });

  it('never degrades a site without maxResponseMs', () => {
    expect(run(aSite(), every([upResult(200, 29_000), upResult(200, 29_000)])).events).toBe('');
  });
});

describe('decideTransition: BLOCKED (401/403/429, bot challenges)', () => {
  it('is its own status with one BLOCKED alert, not a DOWN page, and UP when allowed again', () => {
    // Act
    const outcome = run(aSite(), every([blocked(), blocked(), blocked(), upResult()]));

    // Assess
    expect(outcome.events).toBe('BLOCKED,UP');
    expect(outcome.alerts[1]).toMatchObject({ recoveredFrom: 'BLOCKED' });
  });

  it('pages as DOWN (reason http-4xx) when the site says treatBlockedAsDown', () => {
    // Act
    const outcome = run(aSite({ treatBlockedAsDown: true }), every([blocked(429), blocked(429)]));

    // Assess
    expect(outcome.events).toBe('DOWN');
    expect(outcome.alerts[0]).toMatchObject({ reason: 'http-4xx', status: 429 });
  });

  it('ends an outage when the site answers again, even if it refuses us', () => {
    // Act
    const outcome = run(aSite(), every([downResult(), downResult(), blocked(), blocked()]));

    // Assess
    expect(outcome.events).toBe('DOWN,BLOCKED');
    expect(outcome.state.outage).toBeUndefined();
  });
});

describe('decideTransition: reminders while DOWN', () => {
  it('sends a reminder every reminderMinutes while the site stays down, counting from the last one', () => {
    // Prepare
    const site = aSite({ reminderMinutes: 30 });
    const results = Array.from({ length: 70 }, () => downResult());

    // Act
    const outcome = run(site, every(results));

    // Assess: DOWN at minute 2, reminders at 32 and 62.
    expect(outcome.events).toBe('DOWN,REMINDER,REMINDER');
    expect(outcome.alerts.map((alert) => (alert.atMs - T0) / MINUTE)).toEqual([2, 32, 62]);
    expect(outcome.alerts[2]?.outageSinceMs).toBe(T0 + MINUTE);
  });

  it('is off by default, and a down site then writes nothing', () => {
    // Act
    const outcome = run(aSite(), every(Array.from({ length: 90 }, () => downResult())));

    // Assess
    expect(outcome.events).toBe('DOWN');
    expect(outcome.writes).toBe(2);
  });
});

describe('decideTransition: TLS certificate expiry', () => {
  it('warns once per threshold per certificate (14, 7, 1 days) and never repeats one', () => {
    // Prepare: daily checks while the certificate runs out.
    const validToMs = T0 + 20 * DAY;
    const steps = Array.from({ length: 20 }, (_, day) => ({
      result: withTls(validToMs),
      atMs: T0 + day * DAY + MINUTE,
    }));

    // Act
    const outcome = run(aSite(), steps);

    // Assess
    expect(outcome.events).toBe('TLS_EXPIRY,TLS_EXPIRY,TLS_EXPIRY');
    expect(outcome.alerts.map((alert) => Math.floor(((alert.tlsValidToMs ?? 0) - alert.atMs) / DAY))).toEqual(
      [13, 6, 0],
    );
  });

  it('sends only the most urgent warning when it first sees a certificate close to expiry', () => {
    // Act
    const outcome = run(aSite(), [
      { result: withTls(T0 + 3 * DAY), atMs: T0 },
      { result: withTls(T0 + 3 * DAY), atMs: T0 + MINUTE },
    ]);

    // Assess
    expect(outcome.events).toBe('TLS_EXPIRY');
    expect(outcome.state.tls?.[0]?.warnedDays).toEqual([14, 7]);
  });

  it('starts afresh for a renewed certificate and costs one write per new certificate', () => {
    // Act
    const outcome = run(aSite(), [
      { result: withTls(T0 + 5 * DAY, 'OLD'), atMs: T0 },
      { result: withTls(T0 + 95 * DAY, 'NEW'), atMs: T0 + MINUTE },
      { result: withTls(T0 + 95 * DAY, 'NEW'), atMs: T0 + 2 * MINUTE },
    ]);

    // Assess
    expect(outcome.events).toBe('TLS_EXPIRY');
    expect(outcome.state.tls?.[0]).toEqual({ fingerprint: 'NEW', validToMs: T0 + 95 * DAY, warnedDays: [] });
    expect(outcome.writes).toBe(2);
  });
});

describe('decideTransition: several certificates behind one name', () => {
  it('warns once per threshold per certificate and writes nothing while nodes alternate', () => {
    // Prepare: two nodes, two certificates expiring in 5 and 6 days, answering in turn.
    const steps = Array.from({ length: 10 }, (_, i) => ({
      result: withTls(T0 + (i % 2 === 0 ? 5 : 6) * DAY, i % 2 === 0 ? 'NODE-A' : 'NODE-B'),
      atMs: T0 + i * MINUTE,
    }));

    // Act
    const outcome = run(aSite(), steps);

    // Assess
    expect(outcome.events).toBe('TLS_EXPIRY,TLS_EXPIRY');
    expect(outcome.writes).toBe(2);
    expect(outcome.state.tls?.map((watch) => watch.fingerprint).sort()).toEqual(['NODE-A', 'NODE-B']);
  });

  it('remembers at most four certificates, newest first', () => {
    // Act
    const steps = ['A', 'B', 'C', 'D', 'E'].map((fingerprint, i) => ({
      result: withTls(T0 + 90 * DAY, fingerprint),
      atMs: T0 + i * MINUTE,
    }));
    const outcome = run(aSite(), steps);

    // Assess
    expect(outcome.state.tls?.map((watch) => watch.fingerprint)).toEqual(['E', 'D', 'C', 'B']);
  });
});

describe('decideTransition: maintenance windows', () => {
  const window = {
    kind: 'once' as const,
    start: new Date(T0).toISOString(),
    end: new Date(T0 + 60 * MINUTE).toISOString(),
  };
  const site = aSite({ maintenance: [window] });

  it('sends nothing during the window and one DOWN when it ends with the site still down', () => {
    // Act: down from minute 10 to the end of the window and beyond.
    const results = [
      ...Array.from({ length: 9 }, () => upResult()),
      ...Array.from({ length: 60 }, () => downResult()),
    ];
    const outcome = run(site, every(results));

    // Assess
    expect(outcome.events).toBe('DOWN');
    expect(outcome.alerts[0]?.atMs).toBe(T0 + 60 * MINUTE);
    expect(outcome.alerts[0]?.afterMaintenanceSinceMs).toBe(T0 + MINUTE);
    expect(outcome.state.maintenanceMark).toBeUndefined();
  });

  it('sends nothing at all when the site was down and back inside the window', () => {
    // Act
    const results = [
      upResult(),
      downResult(),
      downResult(),
      downResult(),
      upResult(),
      ...Array.from({ length: 60 }, () => upResult()),
    ];
    const outcome = run(site, every(results));

    // Assess
    expect(outcome.events).toBe('');
    expect(outcome.state.status).toBe('UP');
  });

  it('sends UP when a site that was down when the window began is up when it ends', () => {
    // Prepare
    const down: SiteState = {
      ...UP,
      status: 'DOWN',
      consecutiveFailures: 2,
      outage: { sinceMs: T0 - 5 * MINUTE, reason: 'timeout', detail: 'timed out' },
    };

    // Act
    const results = [downResult(), downResult(), upResult(), ...Array.from({ length: 60 }, () => upResult())];
    const outcome = run(site, every(results), down);

    // Assess
    expect(outcome.events).toBe('UP');
    expect(outcome.alerts[0]).toMatchObject({ recoveredFrom: 'DOWN', afterMaintenanceSinceMs: T0 + MINUTE });
  });

  it('writes once when entering a window and once when leaving it, not on every check inside', () => {
    // Act
    const outcome = run(site, every(Array.from({ length: 70 }, () => upResult())));

    // Assess
    expect(outcome.writes).toBe(2);
    expect(outcome.events).toBe('');
  });
});

describe('decideUnchecked', () => {
  const fault = (
    reason: 'checker-fault' | 'blocked-address',
    detail = 'check failed: boom',
  ): FaultResult => ({
    kind: 'fault',
    reason,
    detail,
    latencyMs: 0,
  });

  /** Applies faults one scheduled check a minute, as the checker does once a task's attempts are spent. */
  function runFaults(site: SiteConfig, faults: readonly FaultResult[], start: SiteState = UP) {
    let state = start;
    const alerts: Alert[] = [];
    let writes = 0;
    faults.forEach((result, i) => {
      const decision = decideUnchecked(site, state, result, `m${i}`, T0 + (i + 1) * MINUTE);
      if (decision.next) {
        state = { ...decision.next, pendingAlerts: undefined };
        writes++;
      }
      alerts.push(...decision.alerts);
    });
    return { state, alerts, writes };
  }

  it('counts checker faults and tells the owner once, at the third scheduled check in a row; then writes nothing', () => {
    // Act
    const outcome = runFaults(
      aSite(),
      Array.from({ length: 6 }, () => fault('checker-fault')),
    );

    // Assess
    expect(outcome.alerts.map((alert) => [alert.event, alert.reason, (alert.atMs - T0) / MINUTE])).toEqual([
      ['UNCHECKED', 'checker-fault', 3],
    ]);
    expect(outcome.writes).toBe(3);
    expect(outcome.state).toMatchObject({
      status: 'UP',
      checkFault: { faults: 3, isAnnounced: true, sinceMs: T0 + MINUTE },
    });
  });

  it('tells a blocked address at once, naming it', () => {
    // Act
    const outcome = runFaults(aSite(), [fault('blocked-address', 'blocked connection to shop at 10.0.0.5')]);

    // Assess
    expect(outcome.alerts.map((alert) => [alert.event, alert.detail])).toEqual([
      ['UNCHECKED', 'blocked connection to shop at 10.0.0.5'],
    ]);
  });

  it('keeps the status and the last check as they were, and a verdict clears the mark', () => {
    // Prepare
    const faulted = runFaults(aSite(), [fault('blocked-address')]).state;

    // Act
    const after = decideTransition(aSite(), faulted, upResult(), 'm9', T0 + 10 * MINUTE);

    // Assess
    expect(faulted.status).toBe('UP');
    expect(after.next?.checkFault).toBeUndefined();
    expect(after.alerts).toEqual([]);
  });

  it('tells a fault that began inside a maintenance window once the window has ended', () => {
    // Prepare: a window over the first 30 minutes
    const site = aSite({
      maintenance: [
        { kind: 'once', start: new Date(T0).toISOString(), end: new Date(T0 + 30 * MINUTE).toISOString() },
      ],
    });

    // Act: a blocked address every minute for an hour
    const outcome = runFaults(
      site,
      Array.from({ length: 60 }, () => fault('blocked-address')),
    );

    // Assess
    expect(outcome.alerts.map((alert) => [alert.event, (alert.atMs - T0) / MINUTE])).toEqual([
      ['UNCHECKED', 30],
    ]);
  });

  it('ignores a redelivered check', () => {
    // Prepare
    const faulted = runFaults(aSite(), [fault('checker-fault')]).state;

    // Act
    const again = decideUnchecked(aSite(), faulted, fault('checker-fault'), 'm0', T0 + 2 * MINUTE);

    // Assess
    expect(again).toEqual({ alerts: [] });
  });
});
