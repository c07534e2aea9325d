import type { SiteConfig } from '../domain/site.ts';
import type { RegionReply } from '../domain/verification-answer.ts';

/**
 * The verifiers a checker can ask (issue 15): the port between the checker's services and the adapter that
 * invokes the verifier function in each region (adapters/verifier-client.ts). Absent from CheckerDeps when no
 * verifier region is configured: the checker then behaves exactly as before.
 */
export interface Verifiers {
  /** The home location's name (the checker's AWS_REGION, or the local runtime's name for it). */
  readonly home: string;
  /** The verifier locations, in configured order: the order alerts and the state list them in, after home. */
  readonly regions: readonly string[];
  /**
   * Asks every verifier to check `site` now (as the home check did: same probe target, `fullGet` when it was the
   * site's periodic full GET), in parallel. Resolves by `deadlineMs` (an absolute time on the checker's clock)
   * with one answer per region in `regions` order; never throws: a region that could not answer in time (invoke
   * error, throttle, timeout, malformed reply) is a `no-answer` with what went wrong.
   */
  verify(site: SiteConfig, fullGet: boolean, deadlineMs: number): Promise<readonly VerifierAnswer[]>;
}

/** One verifier region's answer: the probe's result there, or why there is none (the domain's RegionReply). */
export type VerifierAnswer = RegionReply;

/**
 * Time a verification needs beyond the site's own timeout: invoking across regions (~100-300 ms), a verifier's
 * cold start (~1 s) and the answer's way back. A check whose remaining invocation time is shorter than
 * `site.timeoutMs + VERIFY_OVERHEAD_MS` is not verified short (a verifier given less than the site's timeout
 * would call a slow site down): its task comes back carrying its result and is verified first thing next time.
 */
export const VERIFY_OVERHEAD_MS = 3_000;

/**
 * The checker's log line when a verifier region gave no answer (one per region per batch): the home stack's metric
 * filter counts these lines for its alarm (infra/verifier-access.ts), so the two read this one constant.
 */
export const VERIFIER_NO_ANSWER_MESSAGE = 'verifier did not answer';
