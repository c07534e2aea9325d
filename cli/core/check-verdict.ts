import {
  applyBlockedPolicy,
  type CertificateReading,
  type Reading,
  readCertificate,
  readingOf,
} from '../../functions/domain/alert-policy.ts';
import type { CheckResult } from '../../functions/domain/check-result.ts';
import type { SiteConfig } from '../../functions/domain/site.ts';

/** What `check` says of one URL. DEGRADED: up, but slower than the site's maxResponseMs. */
export type CheckVerdict = 'UP' | 'DEGRADED' | 'BLOCKED' | 'DOWN' | 'NOT CHECKED';

// The alert policy's reading of one result, in the words `status` uses for the states it leads to.
const VERDICT_OF_READING: Readonly<Record<Reading, CheckVerdict>> = {
  up: 'UP',
  slow: 'DEGRADED',
  blocked: 'BLOCKED',
  down: 'DOWN',
};

/** One URL's check, read by the site's policy: what `check` prints. */
export interface JudgedCheck {
  readonly url: string;
  readonly verdict: CheckVerdict;
  /** The probe's result after the site's blocked policy: under treatBlockedAsDown a refusal is down `http-4xx`. */
  readonly result: CheckResult;
  /** The site's response-time limit, which a DEGRADED result went over. */
  readonly maxResponseMs?: number;
  /** The certificate the check saw (up or blocked over https), with the site's tlsWarnDays it is under. */
  readonly certificate?: CertificateReading;
}

/**
 * Reads one result as the checker's alert policy reads it, minus history (a one-shot check has no thresholds
 * to count): treatBlockedAsDown, maxResponseMs and tlsWarnDays through the policy's own functions.
 */
export function judgeCheck(site: SiteConfig, result: CheckResult, nowMs: number): JudgedCheck {
  if (result.kind === 'fault') return { url: site.url, verdict: 'NOT CHECKED', result };
  const verdict = applyBlockedPolicy(site, result);
  const certificate = readCertificate(site, verdict, nowMs);
  return {
    url: site.url,
    verdict: VERDICT_OF_READING[readingOf(site, verdict)],
    result: verdict,
    ...(site.maxResponseMs === undefined ? {} : { maxResponseMs: site.maxResponseMs }),
    ...(certificate === undefined ? {} : { certificate }),
  };
}
