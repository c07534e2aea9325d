import type { Alert, AlertEvent } from './alert.ts';
import type { CheckResult } from './check-result.ts';
import type { SiteConfig } from './site.ts';
import { ALERT_CLAIM_MS, type LastCheck, type SiteState } from './site-state.ts';

type Verdict = Exclude<CheckResult, { kind: 'fault' }>;
type DownVerdict = Extract<CheckResult, { kind: 'down' }>;

/** What to do after a check. An empty decision means: write nothing, send nothing. */
export interface Decision {
  /** The state to commit (conditionally on `prev.version`); absent when nothing changed. */
  readonly next?: SiteState;
  /** The alert committed with `next` (already placed in `next.pendingAlerts`, the outbox). */
  readonly alert?: Alert;
  /** Schedule a confirming re-check this many seconds from now. */
  readonly recheckAfterSeconds?: number;
}

const NOTHING: Decision = {};

/**
 * The alerting state machine: (previous state, check result, site policy, now) → next state and alert.
 * Pure: the caller commits `next` with a version check, so a transition and its alert happen once.
 */
export function decideTransition(
  site: SiteConfig,
  prev: SiteState,
  result: CheckResult,
  checkId: string,
  nowMs: number,
): Decision {
  // A checker fault says nothing about the site, and a redelivered check was already counted.
  if (result.kind === 'fault' || prev.lastCheckId === checkId) return NOTHING;
  return result.kind === 'up'
    ? decideAfterSuccess(site, prev, result, checkId, nowMs)
    : decideAfterFailure(site, prev, result, checkId, nowMs);
}

function decideAfterSuccess(
  site: SiteConfig,
  prev: SiteState,
  result: Verdict,
  checkId: string,
  nowMs: number,
): Decision {
  const base = { lastCheckId: checkId, lastCheck: toLastCheck(result, nowMs), consecutiveFailures: 0 };
  switch (prev.status) {
    case 'UP':
      return NOTHING;
    case 'UNKNOWN':
      return {
        next: advance(prev, { ...base, status: 'UP', consecutiveSuccesses: 0, statusSinceMs: nowMs }),
      };
    case 'PENDING':
      // One miss followed by a success was a blip: back to UP without telling anyone.
      return {
        next: advance(prev, {
          ...base,
          status: 'UP',
          consecutiveSuccesses: 0,
          outage: undefined,
          // A site whose very first check was a blip becomes UP only now.
          statusSinceMs: prev.statusSinceMs ?? nowMs,
        }),
      };
    case 'DOWN':
    case 'RECOVERING': {
      const successes = prev.consecutiveSuccesses + 1;
      if (successes < site.recoveryThreshold) {
        return {
          next: advance(prev, { ...base, status: 'RECOVERING', consecutiveSuccesses: successes }),
          recheckAfterSeconds: site.confirmDelaySeconds,
        };
      }
      const next = advance(prev, {
        ...base,
        status: 'UP',
        consecutiveSuccesses: 0,
        statusSinceMs: nowMs,
        outage: undefined,
      });
      return withAlert(next, buildAlert('UP', site, prev, next, result, nowMs), nowMs);
    }
  }
}

function decideAfterFailure(
  site: SiteConfig,
  prev: SiteState,
  result: DownVerdict,
  checkId: string,
  nowMs: number,
): Decision {
  const base = { lastCheckId: checkId, lastCheck: toLastCheck(result, nowMs), consecutiveSuccesses: 0 };
  switch (prev.status) {
    case 'DOWN':
      return NOTHING;
    case 'RECOVERING':
      // Still down: the outage goes on, it was already alerted.
      return {
        next: advance(prev, { ...base, status: 'DOWN', consecutiveFailures: prev.consecutiveFailures }),
      };
    case 'UNKNOWN':
    case 'UP':
    case 'PENDING': {
      const failures = prev.status === 'PENDING' ? prev.consecutiveFailures + 1 : 1;
      const outage = {
        sinceMs: prev.status === 'PENDING' && prev.outage ? prev.outage.sinceMs : nowMs,
        reason: result.reason,
        detail: result.detail,
        ...(result.status === undefined ? {} : { status: result.status }),
      };
      if (failures < site.failureThreshold) {
        return {
          next: advance(prev, { ...base, status: 'PENDING', consecutiveFailures: failures, outage }),
          recheckAfterSeconds: site.confirmDelaySeconds,
        };
      }
      const next = advance(prev, {
        ...base,
        status: 'DOWN',
        consecutiveFailures: failures,
        statusSinceMs: nowMs,
        outage,
      });
      return withAlert(next, buildAlert('DOWN', site, prev, next, result, nowMs), nowMs);
    }
  }
}

function advance(prev: SiteState, changes: Partial<SiteState>): SiteState {
  const next: SiteState = { ...prev, ...changes, version: prev.version + 1 };
  if (next.outage === undefined) {
    const { outage: _dropped, ...rest } = next;
    return rest;
  }
  return next;
}

function withAlert(next: SiteState, alert: Alert, nowMs: number): Decision {
  // The committing checker publishes right away, so it holds the claim from the start.
  const entry = { alert, claimedUntilMs: nowMs + ALERT_CLAIM_MS };
  return { next: { ...next, pendingAlerts: { ...next.pendingAlerts, [alert.alertId]: entry } }, alert };
}

function buildAlert(
  event: AlertEvent,
  site: SiteConfig,
  prev: SiteState,
  next: SiteState,
  result: Verdict,
  nowMs: number,
): Alert {
  // UP alerts describe the outage that just ended, so they take it from the previous state.
  const outage = event === 'DOWN' ? next.outage : prev.outage;
  const status = outage?.status ?? (result.kind === 'down' ? result.status : undefined);
  return {
    alertId: `${site.siteId}:${next.version}`,
    event,
    siteId: site.siteId,
    siteName: site.name,
    url: site.url,
    owner: site.owner,
    atMs: nowMs,
    outageSinceMs: outage?.sinceMs ?? nowMs,
    reason: outage?.reason ?? 'unexpected-status',
    detail: outage?.detail ?? '',
    ...(status === undefined ? {} : { status }),
    latencyMs: result.latencyMs,
  };
}

function toLastCheck(result: Verdict, nowMs: number): LastCheck {
  if (result.kind === 'up')
    return { atMs: nowMs, up: true, status: result.status, latencyMs: result.latencyMs };
  return {
    atMs: nowMs,
    up: false,
    reason: result.reason,
    detail: result.detail,
    latencyMs: result.latencyMs,
    ...(result.status === undefined ? {} : { status: result.status }),
  };
}
