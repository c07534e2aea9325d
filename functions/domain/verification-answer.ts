import { applyBlockedPolicy } from './alert-policy.ts';
import type { CheckResult } from './check-result.ts';
import { truncateText } from './schema-parts.ts';
import type { SiteConfig } from './site.ts';
import { type LocationAnswer, MAX_VERIFIER_REGIONS, type Verification } from './verification.ts';

/**
 * What each location's check means for the vote (issue 15), and the Verification the checker decides with:
 * home's failing verdict first, then each verifier region's reply in configured order.
 */

/** One verifier region's reply as the checker got it: the probe's result there, or why there is none. */
export type RegionReply =
  | { readonly location: string; readonly result: CheckResult }
  | { readonly location: string; readonly noAnswer: string };

/**
 * A location's answer. Up is up; blocked means the site answered from there (up) unless the site treats a refusal
 * as an outage; down keeps its reason; a fault there (checker fault, an address the guard refuses there) says
 * nothing about the site, so that location did not answer.
 */
export function locationAnswerOf(site: SiteConfig, location: string, result: CheckResult): LocationAnswer {
  if (result.kind === 'fault') {
    return {
      outcome: 'no-answer',
      location,
      detail: truncateText(`${result.reason}: ${result.detail}`),
    };
  }
  const verdict = applyBlockedPolicy(site, result);
  if (verdict.kind === 'down') {
    return {
      outcome: 'down',
      location,
      reason: verdict.reason,
      detail: truncateText(verdict.detail),
      ...(verdict.status === undefined ? {} : { status: verdict.status }),
      latencyMs: wholeMs(verdict.latencyMs),
    };
  }
  return { outcome: 'up', location, status: verdict.status, latencyMs: wholeMs(verdict.latencyMs) };
}

/**
 * The verification of one check: home's answer (its failing verdict: verification only happens when home would
 * confirm DOWN) and one per verifier region. Only MAX_VERIFIER_REGIONS regions are kept: the state and alerts
 * hold no more (the configuration allows no more).
 */
export function verificationOf(
  site: SiteConfig,
  home: { readonly location: string; readonly result: CheckResult },
  replies: readonly RegionReply[],
  atMs: number,
): Verification {
  const regions = replies
    .slice(0, MAX_VERIFIER_REGIONS)
    .map((reply) =>
      'result' in reply
        ? locationAnswerOf(site, reply.location, reply.result)
        : { outcome: 'no-answer' as const, location: reply.location, detail: truncateText(reply.noAnswer) },
    );
  return { atMs, locations: [locationAnswerOf(site, home.location, home.result), ...regions] };
}

/**
 * Every region as not answering, with why: a check whose invocation has no time left for a verification on its
 * last attempt (home alone then answered, which decides DOWN, as without verifiers), or a verifier client that
 * failed before any region could answer.
 */
export const unaskedReplies = (regions: readonly string[], why: string): RegionReply[] =>
  regions.map((location) => ({ location, noAnswer: why }));

// Latencies are whole milliseconds in the state and alerts.
const wholeMs = (ms: number): number => Math.max(0, Math.round(ms));
