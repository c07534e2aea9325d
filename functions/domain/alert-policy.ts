import type { Alert } from './alert.ts';
import type { CheckResult, TlsCertificate } from './check-result.ts';
import { isInMaintenance } from './maintenance-window.ts';
import {
  afterRegionalFailure,
  confirmOutage,
  verificationAfter,
  withoutUndeliveredRegional,
} from './regional-policy.ts';
import { truncateText } from './schema-parts.ts';
import type { SiteConfig } from './site.ts';
import {
  confirmedStatusOf,
  isUnchecked,
  MAX_WATCHED_CERTIFICATES,
  type Outage,
  type SiteState,
  UNCHECKED_AFTER_FAULTS,
} from './site-state.ts';
import {
  type AlertDraft,
  commitDraft,
  type Decision,
  type Draft,
  type FaultResult,
  type Verdict,
} from './transition.ts';
import type { Verification } from './verification.ts';

type DownVerdict = Extract<CheckResult, { kind: 'down' }>;
/** How the site's policy reads a result: `slow` is up but over maxResponseMs. */
export type Reading = 'up' | 'slow' | 'down' | 'blocked';

/** The certificate a verdict carries, as the site's tlsWarnDays see it now. */
export interface CertificateReading {
  readonly certificate: TlsCertificate;
  /** Whole days until it expires (rounded down). */
  readonly daysLeft: number;
  /** The site's thresholds it is already under, in the site's order; empty: no warning is due. */
  readonly warnDays: readonly number[];
}

const NOTHING: Decision = { alerts: [] };
const NO_CHANGE: Draft = { changes: {}, events: [] };
const MS_PER_DAY = 86_400_000;

/**
 * The alerting state machine: (site policy, previous state, check result, now) → next state and alerts.
 * Pure: the caller commits `next` with a version check, so a transition and its alerts happen once.
 * `verification`: what the verifier regions said when home's checks would confirm DOWN (issue 15); it decides
 * DOWN or REGIONAL at that moment only (regional-policy.ts). Without one, the machine is what it always was.
 */
export function decideTransition(
  site: SiteConfig,
  prev: SiteState,
  result: CheckResult,
  checkId: string,
  nowMs: number,
  verification?: Verification,
): Decision {
  // A checker fault says nothing about the site (decideUnchecked records one that will not go away), and a
  // redelivered check was already counted.
  if (result.kind === 'fault' || prev.lastCheckId === checkId) return NOTHING;
  const verdict = applyBlockedPolicy(site, withBoundedDetail(result));
  const reading = readingOf(site, verdict);
  const core = decideStatus(site, prev, reading, verdict, nowMs, verification);
  const inWindow = isInMaintenance(site.maintenance, nowMs);
  // Reminders and certificate warnings wait until the window ends rather than being spent inside it.
  const draft = withMaintenance(
    prev,
    inWindow
      ? core
      : withTlsWarning(site, prev, verdict, withReminder(site, prev, reading, core, nowMs), nowMs),
    inWindow,
    nowMs,
  );
  // A verdict means the site can be checked again.
  const changes = prev.checkFault === undefined ? draft.changes : { ...draft.changes, checkFault: undefined };
  if (Object.keys(changes).length === 0 && draft.events.length === 0) return NOTHING;
  return commitDraft(site, prev, { ...draft, changes }, verdict, checkId, nowMs);
}

/**
 * A fault that retrying did not cure (or never will: a name that resolves only to private addresses). It is
 * counted on the item; once it is certain (isUnchecked) the site is UNCHECKED — recorded beside its status,
 * which it leaves alone — and the owner is told once, when not inside a maintenance window (a fault that began
 * in one is told when it ends). The same fault again, once counted and told, writes nothing; the next verdict
 * clears it.
 */
export function decideUnchecked(
  site: SiteConfig,
  prev: SiteState,
  fault: FaultResult,
  checkId: string,
  nowMs: number,
): Decision {
  if (prev.lastCheckId === checkId) return NOTHING;
  const bounded = withBoundedDetail(fault);
  const same = prev.checkFault?.reason === fault.reason ? prev.checkFault : undefined;
  const faults = Math.min(UNCHECKED_AFTER_FAULTS, (same?.faults ?? 0) + 1);
  const counted = { reason: bounded.reason, faults };
  const isAnnouncing =
    isUnchecked(counted) && same?.isAnnounced !== true && !isInMaintenance(site.maintenance, nowMs);
  if (same !== undefined && same.faults === faults && !isAnnouncing) return NOTHING;
  const checkFault = {
    sinceMs: same?.sinceMs ?? nowMs,
    reason: bounded.reason,
    detail: bounded.detail,
    faults,
    isAnnounced: same?.isAnnounced === true || isAnnouncing,
  };
  const events: AlertDraft[] = isAnnouncing ? [{ event: 'UNCHECKED' }] : [];
  return commitDraft(site, prev, { changes: { checkFault }, events }, bounded, checkId, nowMs);
}

/** Details reach state, alerts and every message: they are bounded where they enter. */
function withBoundedDetail<T extends CheckResult>(result: T): T {
  return result.kind === 'up'
    ? result
    : { ...result, detail: truncateText((result as { detail: string }).detail) };
}

/** With `treatBlockedAsDown`, a refusal is an outage like any other 4xx. `squirrel check` reads with it too. */
export function applyBlockedPolicy(site: SiteConfig, result: Verdict): Verdict {
  if (result.kind !== 'blocked' || !site.treatBlockedAsDown) return result;
  return {
    kind: 'down',
    reason: 'http-4xx',
    status: result.status,
    detail: result.detail,
    latencyMs: result.latencyMs,
  };
}

/** Up, slow (up but over maxResponseMs), down or blocked: what the state machine moves on. */
export function readingOf(site: SiteConfig, verdict: Verdict): Reading {
  if (verdict.kind !== 'up') return verdict.kind;
  return site.maxResponseMs !== undefined && verdict.latencyMs > site.maxResponseMs ? 'slow' : 'up';
}

function decideStatus(
  site: SiteConfig,
  prev: SiteState,
  reading: Reading,
  verdict: Verdict,
  nowMs: number,
  verification: Verification | undefined,
): Draft {
  switch (reading) {
    case 'down':
      return afterFailure(site, prev, verdict as DownVerdict, nowMs, verification);
    case 'blocked':
      return afterBlocked(site, prev, nowMs);
    default:
      return afterSuccess(site, prev, reading === 'slow', nowMs);
  }
}

function afterSuccess(site: SiteConfig, prev: SiteState, isSlow: boolean, nowMs: number): Draft {
  const reset = { consecutiveFailures: 0, consecutiveBlocked: 0 };
  switch (prev.status) {
    case 'DOWN':
    case 'RECOVERING': {
      const successes = prev.consecutiveSuccesses + 1;
      if (successes < site.recoveryThreshold) {
        return {
          changes: { ...reset, status: 'RECOVERING', consecutiveSuccesses: successes },
          events: [],
          recheckAfterSeconds: site.confirmDelaySeconds,
        };
      }
      return {
        changes: { ...upChanges(nowMs), consecutiveSlow: isSlow ? 1 : 0 },
        events: [{ event: 'UP', fields: { recoveredFrom: 'DOWN' } }],
      };
    }
    case 'BLOCKED':
      return {
        changes: { ...upChanges(nowMs), consecutiveSlow: isSlow ? 1 : 0 },
        events: [{ event: 'UP', fields: { recoveredFrom: 'BLOCKED' } }],
      };
    case 'DEGRADED':
      if (isSlow) return NO_CHANGE;
      return { changes: upChanges(nowMs), events: [{ event: 'UP', fields: { recoveredFrom: 'DEGRADED' } }] };
    case 'UNKNOWN':
    case 'PENDING':
    case 'REGIONAL':
    case 'UP': {
      // UNKNOWN becomes UP now; PENDING was a blip (back to UP without telling anyone). REGIONAL: most locations
      // reached it all along, so home reaching it again is no news (REGIONAL was told once); slow counts as from UP.
      const becameUp: Partial<SiteState> =
        prev.status === 'UP'
          ? {}
          : prev.status === 'REGIONAL'
            ? { ...upChanges(nowMs), ...withoutUndeliveredRegional(prev, nowMs) }
            : {
                status: 'UP',
                consecutiveFailures: 0,
                consecutiveSuccesses: 0,
                outage: undefined,
                statusSinceMs: prev.statusSinceMs ?? nowMs,
              };
      const slow = isSlow ? (prev.consecutiveSlow ?? 0) + 1 : 0;
      if (slow >= site.failureThreshold) {
        return {
          changes: { ...becameUp, ...reset, status: 'DEGRADED', consecutiveSlow: slow, statusSinceMs: nowMs },
          events: [{ event: 'DEGRADED', fields: { maxResponseMs: site.maxResponseMs } }],
        };
      }
      const slowChange = slow === (prev.consecutiveSlow ?? 0) ? {} : { consecutiveSlow: slow };
      const blockedChange = (prev.consecutiveBlocked ?? 0) === 0 ? {} : { consecutiveBlocked: 0 };
      return { changes: { ...becameUp, ...slowChange, ...blockedChange }, events: [] };
    }
  }
}

function afterFailure(
  site: SiteConfig,
  prev: SiteState,
  result: DownVerdict,
  nowMs: number,
  verification: Verification | undefined,
): Draft {
  switch (prev.status) {
    case 'DOWN':
      return NO_CHANGE;
    case 'RECOVERING':
      // Still down: the outage goes on, it was already alerted.
      return { changes: { status: 'DOWN', consecutiveSuccesses: 0 }, events: [] };
    case 'REGIONAL':
      return afterRegionalFailure(prev, result, nowMs, verification);
    default: {
      // UNKNOWN, UP, PENDING, DEGRADED, BLOCKED: a failure starts (or continues) an outage.
      const failures = prev.status === 'PENDING' ? prev.consecutiveFailures + 1 : 1;
      const outage: Outage = {
        sinceMs: prev.status === 'PENDING' && prev.outage ? prev.outage.sinceMs : nowMs,
        reason: result.reason,
        detail: result.detail,
        ...(result.status === undefined ? {} : { status: result.status }),
      };
      const base = { consecutiveSuccesses: 0, consecutiveSlow: 0, consecutiveBlocked: 0, outage };
      if (failures < site.failureThreshold) {
        return {
          changes: { ...base, status: 'PENDING', consecutiveFailures: failures },
          events: [],
          recheckAfterSeconds: site.confirmDelaySeconds,
        };
      }
      return confirmOutage({ ...base, consecutiveFailures: failures }, nowMs, verification);
    }
  }
}

function afterBlocked(site: SiteConfig, prev: SiteState, nowMs: number): Draft {
  if (prev.status === 'BLOCKED') return NO_CHANGE;
  const blocked = (prev.consecutiveBlocked ?? 0) + 1;
  if (blocked < site.failureThreshold) {
    return {
      changes: { consecutiveBlocked: blocked },
      events: [],
      recheckAfterSeconds: site.confirmDelaySeconds,
    };
  }
  // The site answers, so an outage in progress is over; what is left is a refusal to be monitored.
  return {
    changes: {
      status: 'BLOCKED',
      consecutiveBlocked: blocked,
      consecutiveFailures: 0,
      consecutiveSuccesses: 0,
      consecutiveSlow: 0,
      statusSinceMs: nowMs,
      outage: undefined,
      // Where it failed and where it did not belongs to the outage that just ended.
      verification: undefined,
    },
    events: [{ event: 'BLOCKED' }],
  };
}

const upChanges = (nowMs: number): Partial<SiteState> => ({
  status: 'UP',
  outage: undefined,
  verification: undefined,
  consecutiveFailures: 0,
  consecutiveSuccesses: 0,
  consecutiveSlow: 0,
  consecutiveBlocked: 0,
  statusSinceMs: nowMs,
  lastReminderAtMs: undefined,
});

/** While a site stays DOWN, a reminder every `reminderMinutes` (0 = never), counted from the last one. */
function withReminder(
  site: SiteConfig,
  prev: SiteState,
  reading: Reading,
  draft: Draft,
  nowMs: number,
): Draft {
  if (site.reminderMinutes === 0 || prev.status !== 'DOWN' || reading !== 'down') return draft;
  const lastMs = prev.lastReminderAtMs ?? prev.statusSinceMs ?? nowMs;
  if (nowMs - lastMs < site.reminderMinutes * 60_000) return draft;
  return {
    ...draft,
    changes: { ...draft.changes, lastReminderAtMs: nowMs },
    events: [...draft.events, { event: 'REMINDER' }],
  };
}

/**
 * One warning per threshold (default 14, 7 and 1 days) per certificate: crossing several at once sends only
 * the most urgent; a renewed certificate (another fingerprint) starts afresh.
 */
function withTlsWarning(
  site: SiteConfig,
  prev: SiteState,
  verdict: Verdict,
  draft: Draft,
  nowMs: number,
): Draft {
  const reading = readCertificate(site, verdict, nowMs);
  if (!reading) return draft;
  const { certificate } = reading;
  const watched = prev.tls ?? [];
  // Nodes behind one name may serve different certificates: each keeps its own warnings, so alternating
  // between them neither repeats a warning nor writes on every check.
  const known = watched.find((watch) => watch.fingerprint === certificate.fingerprint);
  const warned = known?.warnedDays ?? [];
  const due = reading.warnDays.filter((days) => !warned.includes(days));
  if (known && due.length === 0) return draft;
  const entry = {
    fingerprint: certificate.fingerprint,
    validToMs: certificate.validToMs,
    warnedDays: [...warned, ...due].sort((a, b) => b - a),
  };
  const others = watched.filter((watch) => watch.fingerprint !== certificate.fingerprint);
  const tls = [entry, ...others].slice(0, MAX_WATCHED_CERTIFICATES);
  const events: AlertDraft[] =
    due.length === 0 ? [] : [{ event: 'TLS_EXPIRY', fields: { tlsValidToMs: certificate.validToMs } }];
  return { ...draft, changes: { ...draft.changes, tls }, events: [...draft.events, ...events] };
}

/**
 * The certificate an up or blocked verdict saw, its whole days left and the tlsWarnDays thresholds it is under;
 * undefined when there is none (http, or a down verdict). Shared with `squirrel check`.
 */
export function readCertificate(
  site: SiteConfig,
  verdict: Verdict,
  nowMs: number,
): CertificateReading | undefined {
  const certificate = verdict.kind === 'down' ? undefined : verdict.tls;
  if (!certificate) return undefined;
  const daysLeft = Math.floor((certificate.validToMs - nowMs) / MS_PER_DAY);
  return { certificate, daysLeft, warnDays: site.tlsWarnDays.filter((days) => daysLeft < days) };
}

/**
 * In a window: state moves on, nobody is told. Leaving it: one alert, and only if the site is no longer in
 * the status it had when the window began.
 */
function withMaintenance(prev: SiteState, draft: Draft, inWindow: boolean, nowMs: number): Draft {
  const nextStatus = confirmedStatusOf(draft.changes.status ?? prev.status);
  if (inWindow) {
    if (prev.maintenanceMark) return { ...draft, events: [] };
    const mark = { sinceMs: nowMs, statusAtStart: confirmedStatusOf(prev.status) };
    return { ...draft, changes: { ...draft.changes, maintenanceMark: mark }, events: [] };
  }
  if (!prev.maintenanceMark) return draft;
  const { statusAtStart, sinceMs } = prev.maintenanceMark;
  const changes = { ...draft.changes, maintenanceMark: undefined };
  const announcesStatus = draft.events.some((e) => e.event !== 'TLS_EXPIRY' && e.event !== 'REMINDER');
  if (nextStatus === statusAtStart || announcesStatus) return { ...draft, changes };
  // REGIONAL to UP is silent outside a window too.
  if (statusAtStart === 'REGIONAL' && nextStatus === 'UP') return { ...draft, changes };
  // A DOWN or REGIONAL decided by a verification inside the window says where, as it would have outside.
  const verification = verificationAfter(prev, draft.changes);
  const located =
    verification !== undefined && (nextStatus === 'DOWN' || nextStatus === 'REGIONAL')
      ? { locations: verification.locations }
      : {};
  const fields: Partial<Alert> =
    nextStatus === 'UP'
      ? {
          afterMaintenanceSinceMs: sinceMs, // REGIONAL returned above.
          recoveredFrom: statusAtStart === 'UP' || statusAtStart === 'REGIONAL' ? 'DOWN' : statusAtStart,
        }
      : { afterMaintenanceSinceMs: sinceMs, ...located };
  return { ...draft, changes, events: [{ event: nextStatus, fields }, ...draft.events] };
}
