import type { AlertOutbox } from './alert-outbox.ts';
import type { CheckerDeps } from './check-run.ts';
import { type Outgoing, sendBack } from './task-requeue.ts';

/**
 * While checks of an invocation wait on the verifier regions (issue 15), what the finished checks have ready does
 * not wait with them: a verification may take a site's whole timeout plus VERIFY_OVERHEAD_MS after its probe, so
 * at the end a held alert's claim could be nearly spent (it would be left for a retry, minutes late), and a
 * recovering site's confirming re-check (its UP alert) would be late. Every tick while a verification is in
 * progress, the re-checks gathered so far go to the queue, and held alerts whose claims come near their end are
 * published (grouped among themselves). Without verifier regions it never runs: the invocation is as before.
 */
export interface EarlyDispatch<Ref> {
  /** Stops the ticks and waits for a dispatch in progress; what it could not send is then known. */
  stop(): Promise<EarlyDispatchResult<Ref>>;
}

export interface EarlyDispatchResult<Ref> {
  /** Messages whose re-checks could not be sent (they answer for them, as at the end of an invocation). */
  readonly unsent: readonly string[];
  /** Held alerts SNS refused or that could not be cleared, by task (as publishHeld reports them). */
  readonly heldFailures: ReadonlyMap<Ref, string[]>;
}

/** How often the invocation looks for what it can send early. */
export const EARLY_DISPATCH_TICK_MS = 1_000;

export function startEarlyDispatch<Ref>(
  deps: Pick<CheckerDeps, 'queue' | 'log' | 'nowMs'>,
  outbox: AlertOutbox<Ref>,
  run: { readonly rechecks: Outgoing[]; readonly verifying: number },
): EarlyDispatch<Ref> {
  const unsent: string[] = [];
  const heldFailures = new Map<Ref, string[]>();
  let inProgress: Promise<void> | undefined;
  const dispatch = async () => {
    const rechecks = run.rechecks.splice(0);
    if (rechecks.length > 0) unsent.push(...(await sendBack(rechecks, deps)));
    if (!outbox.hasHeldClaimEndingSoon()) return;
    for (const [ref, uncleared] of await outbox.publishHeld()) {
      heldFailures.set(ref, [...(heldFailures.get(ref) ?? []), ...uncleared]);
    }
  };
  const ticker = setInterval(() => {
    if (inProgress !== undefined || run.verifying === 0) return;
    inProgress = dispatch()
      .catch((error: unknown) => {
        // Whatever was not sent stays where the end of the invocation finds it (the outbox, the task's outcome).
        deps.log.error('early dispatch failed: the end of the invocation sends what is left', {
          error: (error as Error).message,
        });
      })
      .finally(() => {
        inProgress = undefined;
      });
  }, EARLY_DISPATCH_TICK_MS);
  return {
    async stop() {
      clearInterval(ticker);
      await inProgress;
      return { unsent, heldFailures };
    },
  };
}
