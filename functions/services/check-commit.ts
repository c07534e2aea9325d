import type { Logger } from '../adapters/logger.ts';
import type { SiteRecord, SiteStore } from '../adapters/site-store.ts';
import type { Alert } from '../domain/alert.ts';
import { decideTransition, decideUnchecked } from '../domain/alert-policy.ts';
import type { CheckTask } from '../domain/check-message.ts';
import type { CheckResult } from '../domain/check-result.ts';
import { needsVerification } from '../domain/regional-policy.ts';
import type { SiteState } from '../domain/site-state.ts';
import type { Verification } from '../domain/verification.ts';

// Committing one check's verdict to the site's item: the version-conditioned write, its conflicts, and how a
// check recognises its own write whose answer was lost.

// Commit attempts per check: each conflict means another writer moved the state, so re-read and re-decide.
const MAX_COMMIT_ATTEMPTS = 4;

export interface CommitDeps {
  readonly store: Pick<SiteStore, 'commitState' | 'getSite'>;
  readonly log: Logger;
  readonly nowMs: () => number;
}

/**
 * How one check asks the verifier regions (issue 15): at most once, whatever the commit's conflicts and retries
 * (services/check-verifier.ts).
 */
export interface CheckVerifier {
  /** The verification this check has: carried from an earlier try of its task, or made by this one. */
  readonly made: Verification | undefined;
  /** Asks the verifiers (later calls get the same answer). Undefined: not enough time left to ask properly. */
  verify(): Promise<Verification | undefined>;
}

/** How committing one check went (see commitCheck). */
export type CommitOutcome =
  | {
      readonly kind: 'current' | 'stale';
      readonly record: SiteRecord;
      readonly committedAlerts: readonly Alert[];
      readonly recheckAfterSeconds?: number;
    }
  | { readonly kind: 'contended' }
  | { readonly kind: 'unverified' };

/**
 * Commits this check's transition with a version condition, re-reading and re-deciding on conflicts.
 * `current`: the site as it now stands, with what this check committed. `stale`: the site was paused or pointed
 * elsewhere meanwhile (nothing of this check applies, but its outbox is still sent). `contended`: too many
 * concurrent writers. `unverified`: the decision would page and wants a verification there was no time for
 * (nothing committed). `onCommitted` hears of each write that landed. With a `verifier`, a decision that would
 * page for a site not yet down is made again with the verification (DOWN or REGIONAL); every re-decision after
 * a conflict uses that same verification.
 */
export async function commitCheck(
  deps: CommitDeps,
  task: CheckTask,
  result: CheckResult,
  commitToken: string,
  onCommitted: (siteId: string, prev: SiteState, next: SiteState, alerts: readonly Alert[]) => void,
  verifier?: CheckVerifier,
): Promise<CommitOutcome> {
  const decide = (record: SiteRecord, verification: Verification | undefined) =>
    result.kind === 'fault'
      ? decideUnchecked(record.config, record.state, result, task.checkId, deps.nowMs())
      : decideTransition(record.config, record.state, result, task.checkId, deps.nowMs(), verification);
  let record: SiteRecord = { config: task.site, state: task.state };
  for (let attempt = 1; ; attempt++) {
    let decision = decide(record, verifier?.made);
    // The item as read while deciding to verify, when it had moved on from `record` (nothing was written).
    let movedOn: { readonly read: SiteRecord | undefined } | undefined;
    if (verifier !== undefined && verifier.made === undefined && needsVerification(record.state, decision)) {
      // Asking every region costs far more than a read: only the item as it stands is verified, so a duplicate
      // delivery of this check, or a site another checker already confirmed, asks nobody.
      const current = await deps.store.getSite(record.config.siteId);
      if (current?.state.version === record.state.version) {
        const verification = await verifier.verify();
        if (verification === undefined) return { kind: 'unverified' };
        decision = decide(record, verification);
      } else {
        movedOn = { read: current };
      }
    }
    if (!decision.next) return { kind: 'current', record, committedAlerts: [] };
    if (movedOn === undefined) {
      const next = { ...decision.next, commitToken };
      const outcome = await deps.store.commitState(record.config.siteId, record.state.version, next);
      if (outcome === 'committed') {
        onCommitted(record.config.siteId, record.state, next, decision.alerts);
        return {
          kind: 'current',
          record: { config: record.config, state: next },
          committedAlerts: decision.alerts,
          ...(decision.recheckAfterSeconds === undefined
            ? {}
            : { recheckAfterSeconds: decision.recheckAfterSeconds }),
        };
      }
    }
    if (attempt >= MAX_COMMIT_ATTEMPTS) {
      deps.log.warn('state not committed: too many concurrent writers', {
        siteId: record.config.siteId,
      });
      return { kind: 'contended' };
    }
    const fresh = movedOn === undefined ? await deps.store.getSite(record.config.siteId) : movedOn.read;
    if (!fresh) return { kind: 'stale', record, committedAlerts: [] };
    // Paused or pointed elsewhere while we checked: this result no longer applies, but alerts committed
    // before that still go out (the fan-out skips paused sites, so nobody else would send them).
    if (!fresh.config.enabled || fresh.config.url !== task.site.url) {
      return { kind: 'stale', record: fresh, committedAlerts: [] };
    }
    record = fresh;
    // This check is already stored. Our own write, whose answer was lost (the SDK's retry failed the version
    // check, or this task came back after an error): the transition is ours, with its claims. A duplicate
    // delivery's write: that processing sends its alerts (or its task comes back to), and the outbox still sends
    // whatever claim lapses. Either way the re-check goes (again): its id makes copies harmless, and a copy
    // whose processing lost its own send would otherwise leave the site unconfirmed.
    if (fresh.state.lastCheckId === task.checkId) {
      const isOurs = fresh.state.commitToken === commitToken;
      return {
        kind: 'current',
        record: fresh,
        committedAlerts: isOurs ? decision.alerts : [],
        ...(decision.recheckAfterSeconds === undefined
          ? {}
          : { recheckAfterSeconds: decision.recheckAfterSeconds }),
      };
    }
  }
}
