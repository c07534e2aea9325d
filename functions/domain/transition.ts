import type { Alert, AlertEvent } from './alert.ts';
import type { CheckResult } from './check-result.ts';
import { addToOutbox } from './outbox.ts';
import type { SiteConfig } from './site.ts';
import {
  ALERT_CLAIM_MS,
  confirmedStatusOf,
  type LastCheck,
  type Outage,
  type SiteState,
  statusSinceOf,
} from './site-state.ts';
import { withoutUndefined } from './values.ts';

/**
 * A drafted transition made whole: the next state (version, last check, outbox) and the alerts it announces.
 * alert-policy.ts decides what changes; this turns the decision into what is committed.
 */

/** What to do after a check. An empty decision means: write nothing, send nothing. */
export interface Decision {
  /** The state to commit (conditionally on `prev.version`); absent when nothing changed. */
  readonly next?: SiteState;
  /** Alerts committed with `next` (already in `next.pendingAlerts`, the outbox); the transition's first. */
  readonly alerts: readonly Alert[];
  /** Schedule a confirming re-check this many seconds from now. */
  readonly recheckAfterSeconds?: number;
}

export type Verdict = Exclude<CheckResult, { kind: 'fault' }>;
export type FaultResult = Extract<CheckResult, { kind: 'fault' }>;

/** A state change being drafted: field changes plus the events to announce. */
export interface Draft {
  readonly changes: Partial<SiteState>;
  readonly events: readonly AlertDraft[];
  readonly recheckAfterSeconds?: number;
}

export interface AlertDraft {
  readonly event: AlertEvent;
  readonly fields?: Partial<Alert>;
}

export function commitDraft(
  site: SiteConfig,
  prev: SiteState,
  draft: Draft,
  result: Verdict | FaultResult,
  checkId: string,
  nowMs: number,
): Decision {
  const next = withoutUndefined({
    ...prev,
    ...draft.changes,
    ...endedIncidentOf(prev, draft.changes, nowMs),
    lastCheckId: checkId,
    // A fault says nothing about the site: the last check that did stays on display.
    lastCheck: result.kind === 'fault' ? prev.lastCheck : toLastCheck(result, nowMs),
    version: prev.version + 1,
  });
  const drafted = draft.events.map((event, index) =>
    buildAlert(site, prev, next, result, event, index, nowMs),
  );
  if (drafted.length === 0) return withRecheck({ next, alerts: drafted }, draft);
  // The committing checker publishes right away, so it holds the claims from the start.
  const { pendingAlerts, alerts } = addToOutbox(next.pendingAlerts, drafted, nowMs + ALERT_CLAIM_MS, nowMs);
  return withRecheck({ next: { ...next, pendingAlerts }, alerts }, draft);
}

/**
 * The confirmed outage this transition ends (DOWN or RECOVERING to UP or BLOCKED, inside a maintenance window or
 * not), kept as the site's last incident until the next one ends. A PENDING blip was never an incident.
 */
function endedIncidentOf(
  prev: SiteState,
  changes: Partial<SiteState>,
  nowMs: number,
): Pick<SiteState, 'lastIncident'> {
  const { outage } = prev;
  const endsOutage = 'outage' in changes && changes.outage === undefined;
  if (outage === undefined || !endsOutage || confirmedStatusOf(prev.status) !== 'DOWN') return {};
  return {
    lastIncident: {
      startMs: outage.sinceMs,
      // A DOWN site's statusSinceMs is its confirming check (RECOVERING does not move it).
      confirmedMs: prev.statusSinceMs ?? outage.sinceMs,
      endMs: nowMs,
      reason: outage.reason,
      detail: outage.detail,
      ...(outage.status === undefined ? {} : { status: outage.status }),
    },
  };
}

const withRecheck = (decision: Decision, draft: Draft): Decision =>
  draft.recheckAfterSeconds === undefined
    ? decision
    : { ...decision, recheckAfterSeconds: draft.recheckAfterSeconds };

function buildAlert(
  site: SiteConfig,
  prev: SiteState,
  next: SiteState,
  verdict: Verdict | FaultResult,
  draft: AlertDraft,
  index: number,
  nowMs: number,
): Alert {
  // An UP alert describes the outage that just ended, so it takes it from the previous state.
  const outage = draft.event === 'UP' ? prev.outage : next.outage;
  const status =
    outage?.status ?? ('status' in verdict && verdict.kind !== 'up' ? verdict.status : undefined);
  const { reason, detail } = describe(draft.event, outage, verdict);
  return {
    alertId:
      index === 0
        ? `${site.siteId}:${next.version}`
        : `${site.siteId}:${next.version}:${draft.event.toLowerCase()}`,
    event: draft.event,
    siteId: site.siteId,
    siteName: site.name,
    url: site.url,
    owner: site.owner,
    atMs: nowMs,
    // The ended outage's start for UP, as `squirrel status` showed it; the current status's for the rest.
    outageSinceMs: statusSinceOf(draft.event === 'UP' ? prev : next) ?? nowMs,
    reason,
    detail,
    ...(status === undefined ? {} : { status }),
    latencyMs: verdict.latencyMs,
    ...draft.fields,
  };
}

function describe(
  event: AlertEvent,
  outage: Outage | undefined,
  verdict: Verdict | FaultResult,
): Pick<Alert, 'reason' | 'detail'> {
  if (verdict.kind === 'fault') return { reason: verdict.reason, detail: verdict.detail };
  if (outage) return { reason: outage.reason, detail: outage.detail };
  if (verdict.kind === 'blocked') return { reason: 'http-4xx', detail: verdict.detail };
  if (verdict.kind === 'down') return { reason: verdict.reason, detail: verdict.detail };
  return {
    reason: event === 'DEGRADED' ? 'timeout' : 'unexpected-status',
    detail: `HTTP ${verdict.status} in ${verdict.latencyMs} ms`,
  };
}

function toLastCheck(verdict: Verdict, nowMs: number): LastCheck {
  if (verdict.kind === 'up')
    return { atMs: nowMs, up: true, status: verdict.status, latencyMs: verdict.latencyMs };
  if (verdict.kind === 'blocked') {
    return {
      atMs: nowMs,
      up: false,
      status: verdict.status,
      reason: 'http-4xx',
      detail: verdict.detail,
      latencyMs: verdict.latencyMs,
    };
  }
  return {
    atMs: nowMs,
    up: false,
    reason: verdict.reason,
    detail: verdict.detail,
    latencyMs: verdict.latencyMs,
    ...(verdict.status === undefined ? {} : { status: verdict.status }),
  };
}
