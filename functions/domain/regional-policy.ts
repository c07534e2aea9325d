import type { CheckResult } from './check-result.ts';
import { withoutUndelivered } from './outbox.ts';
import { confirmedStatusOf, type Outage, type SiteState } from './site-state.ts';
import type { Decision, Draft } from './transition.ts';
import { hasVerifierAnswer, quorumOf, sameOutcomes, type Verification } from './verification.ts';

/**
 * The moment home's checks would confirm an outage, decided with a verification when there is one (issue 15):
 * the majority of the locations that answered says DOWN (pages) or REGIONAL (told once, never pages). Without a
 * verification, DOWN exactly as before verifiers existed. alert-policy.ts calls this; the checker asks the
 * verifiers when a decision says needsVerification.
 */

type DownVerdict = Extract<CheckResult, { kind: 'down' }>;

const NO_CHANGE: Draft = { changes: {}, events: [] };

/**
 * Whether this decision would page for a site that was not down: the one moment the verifiers are asked. DOWN or
 * RECOVERING sites never are (a recovery is home's alone and never waits), nor a PENDING blip.
 */
export function needsVerification(prev: SiteState, decision: Decision): boolean {
  return decision.next?.status === 'DOWN' && confirmedStatusOf(prev.status) !== 'DOWN';
}

/**
 * Home confirmed the failure (`confirming`: the counters and outage of the confirming check). DOWN without a
 * verification or when a strict majority of the answering locations failed; REGIONAL otherwise, with the outage
 * kept (its first home failure: what `status` shows as REGIONAL since).
 */
export function confirmOutage(
  confirming: Partial<SiteState>,
  nowMs: number,
  verification: Verification | undefined,
): Draft {
  const event = verification !== undefined && quorumOf(verification) === 'regional' ? 'REGIONAL' : 'DOWN';
  return {
    changes: {
      ...confirming,
      status: event,
      statusSinceMs: nowMs,
      lastReminderAtMs: undefined,
      ...(verification === undefined ? {} : { verification }),
    },
    events: [
      verification === undefined ? { event } : { event, fields: { locations: verification.locations } },
    ],
  };
}

/**
 * A REGIONAL site whose home check fails again: the verifiers are asked again. DOWN when the majority now fails,
 * the outage counted from this check (the first the majority failed: until the last verification most locations
 * reached the site, so its users were not cut off; the incident, its downtime and "down since" all start here);
 * otherwise it stays REGIONAL without telling anyone,
 * writing only when a location's outcome changed. Without a verification (no verifiers configured any more), DOWN
 * as home's confirmation always was.
 */
export function afterRegionalFailure(
  prev: SiteState,
  result: DownVerdict,
  nowMs: number,
  verification: Verification | undefined,
): Draft {
  // No verifier answered this time (throttled, out of time, not asked on a last attempt): nothing new is known. The
  // locations that reached the site last time were not heard to fail, so home's failure alone must not page now
  // (over hours of REGIONAL one silent round is likely). Only an answering majority moves it to DOWN.
  if (verification !== undefined && !hasVerifierAnswer(verification)) return NO_CHANGE;
  if (verification !== undefined && quorumOf(verification) === 'regional') {
    const isSameStory = prev.verification !== undefined && sameOutcomes(prev.verification, verification);
    return isSameStory ? NO_CHANGE : { changes: { verification }, events: [] };
  }
  const outage: Outage = {
    // Without a verification (verifiers removed meanwhile) home's confirmation is all there is, as before them.
    sinceMs: verification === undefined ? (prev.outage?.sinceMs ?? nowMs) : nowMs,
    reason: result.reason,
    detail: result.detail,
    ...(result.status === undefined ? {} : { status: result.status }),
  };
  const confirming: Partial<SiteState> = {
    consecutiveFailures: prev.consecutiveFailures + 1,
    consecutiveSuccesses: 0,
    consecutiveSlow: 0,
    consecutiveBlocked: 0,
    outage,
    // Locations asked for an earlier check would describe this DOWN wrongly.
    ...(verification === undefined ? { verification: undefined } : {}),
  };
  return confirmOutage(confirming, nowMs, verification);
}

/** The verification a state has once `changes` apply (they may clear it). */
export const verificationAfter = (prev: SiteState, changes: Partial<SiteState>): Verification | undefined =>
  'verification' in changes ? changes.verification : prev.verification;

/** A REGIONAL that never reached anyone is not sent once the site is UP again (it would say "fails from …"). */
export function withoutUndeliveredRegional(prev: SiteState, nowMs: number): Partial<SiteState> {
  const pendingAlerts = withoutUndelivered(prev.pendingAlerts, 'REGIONAL', nowMs);
  return pendingAlerts === prev.pendingAlerts ? {} : { pendingAlerts };
}
