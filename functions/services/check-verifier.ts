import type { Logger } from '../adapters/logger.ts';
import type { CheckTask } from '../domain/check-message.ts';
import type { CheckResult } from '../domain/check-result.ts';
import { quorumOf, type Verification } from '../domain/verification.ts';
import { unaskedReplies, verificationOf } from '../domain/verification-answer.ts';
import type { CheckVerifier } from './check-commit.ts';
import { VERIFY_OVERHEAD_MS, type Verifiers } from './verifiers.ts';

/** What a check's verification may spend: until `untilMs` (the invocation's deadline less its reserve). */
export interface VerifyBudget {
  readonly untilMs: number;
  /** The task's last attempt: verify with whatever time is left rather than send it back again. */
  readonly isLastAttempt: boolean;
}

/** Why the regions of a last attempt with no time left have no answer (shown in the alert). */
export const OUT_OF_TIME = 'not asked: checker out of time';

/**
 * The verifier of one check (issue 15): asks every region at most once (a conflict's re-decision, or a retry that
 * carries the verification, reuses it) with as long as the site's own timeout plus VERIFY_OVERHEAD_MS. With less
 * time than that left it does not ask short (a verifier given less than the site's timeout would call a slow site
 * down): the check comes back and is verified first thing next time, except on its last attempt, which asks with
 * what is left, or with nothing left decides with every region as not asked (home alone: DOWN) rather than leave
 * the site unjudged.
 */
export function createCheckVerifier(
  deps: { readonly verifiers: Verifiers; readonly log: Logger; readonly nowMs: () => number },
  task: CheckTask,
  homeResult: CheckResult,
  budget: VerifyBudget,
  carried: Verification | undefined,
  onAsked: (verification: Verification) => void,
): CheckVerifier {
  let made = carried;
  let asking: Promise<Verification | undefined> | undefined;
  const ask = async (): Promise<Verification | undefined> => {
    const { site } = task;
    const atMs = deps.nowMs();
    const fullWindowMs = site.timeoutMs + VERIFY_OVERHEAD_MS;
    const leftMs = budget.untilMs - atMs;
    if (leftMs < fullWindowMs && !budget.isLastAttempt) {
      deps.log.info('verification deferred: its task comes back to verify first thing', {
        siteId: site.siteId,
        leftMs,
        neededMs: fullWindowMs,
      });
      return undefined;
    }
    const replies =
      leftMs > 0
        ? await deps.verifiers.verify(
            site,
            task.fullGet === true,
            Math.min(atMs + fullWindowMs, budget.untilMs),
          )
        : unaskedReplies(deps.verifiers.regions, OUT_OF_TIME);
    const verification = verificationOf(
      site,
      { location: deps.verifiers.home, result: homeResult },
      replies,
      atMs,
    );
    deps.log.info('site verified', {
      siteId: site.siteId,
      quorum: quorumOf(verification),
      outcomes: verification.locations.map(({ location, outcome }) => `${location}:${outcome}`),
    });
    onAsked(verification);
    return verification;
  };
  return {
    get made() {
      return made;
    },
    verify() {
      asking ??= ask().then((verification) => {
        made = verification;
        return verification;
      });
      return asking;
    },
  };
}
