import { randomBytes } from 'node:crypto';
import type { CheckQueue } from '../adapters/check-queue.ts';
import type { HistoryStore } from '../adapters/history-store.ts';
import type { Probe } from '../adapters/http-probe.ts';
import { type Logger, redactUrl } from '../adapters/logger.ts';
import type { SiteStore } from '../adapters/site-store.ts';
import type { Alert } from '../domain/alert.ts';
import { type CarriedCheck, type CheckTask, MAX_TASK_ATTEMPTS, snapshotOf } from '../domain/check-message.ts';
import type { CheckResult } from '../domain/check-result.ts';
import { expectedCheckMs } from '../domain/expected-check-time.ts';
import { isUnchecked, type SiteState } from '../domain/site-state.ts';
import type { Verification } from '../domain/verification.ts';
import type { AlertOutbox, AlertOutboxDeps } from './alert-outbox.ts';
import { CLAIM_LAPSE_SECONDS } from './alert-outbox.ts';
import type { TaskOutcome } from './batch-report.ts';
import { type CheckVerifier, commitCheck } from './check-commit.ts';
import { createCheckVerifier } from './check-verifier.ts';
import type { HistoryRecorder } from './history-recorder.ts';
import { probeTargetOf } from './probe-target.ts';
import type { Outgoing } from './task-requeue.ts';
import { VERIFY_OVERHEAD_MS, type Verifiers } from './verifiers.ts';

// One check of an invocation, end to end: probe, verification, commit, alerts, re-check (processCheckBatch runs
// many of these at once and sends back what they could not finish).

export interface CheckerDeps extends AlertOutboxDeps {
  readonly store: AlertOutboxDeps['store'] & Pick<SiteStore, 'commitState' | 'getSite'>;
  readonly probe: Pick<Probe, 'check'>;
  readonly queue: Pick<CheckQueue, 'send'>;
  readonly log: Logger;
  readonly nowMs: () => number;
  /** Where the raw history of applied checks goes; absent: history is off. */
  readonly history?: Pick<HistoryStore, 'putRawBatch'>;
  /** The verifier regions that confirm a DOWN (issue 15); absent: none configured, home alone decides. */
  readonly verifiers?: Verifiers;
}

export interface CheckerOptions {
  /** Absolute time by which the invocation must have returned (the Lambda deadline). */
  readonly deadlineMs: number;
  /** Checks in their first `startSlotMs` at once (createStartLimiter): CHECK_CONCURRENCY. */
  readonly concurrency: number;
  /** How long a check counts against `concurrency` unless it ends sooner. @default DEFAULT_START_SLOT_MS */
  readonly startSlotMs?: number;
  /** Time kept back from the deadline for the writes, publishes and the response after the probes. */
  readonly reserveMs?: number;
  /** Fewest DOWN alerts of one owner, sharing a reason or a host, sent as one grouped alert. @default 3 */
  readonly minGroupSize?: number;
}

/** A task as the invocation tracks it: which message brought it (that message answers if it cannot be sent on). */
export interface TaskRun {
  readonly messageId: string;
  readonly task: CheckTask;
  outcome?: TaskOutcome;
  /** What a retry of this task would carry, once its check is done (a held alert may still fail). */
  carried?: CarriedCheck;
}

// Kept back from the Lambda deadline for what follows the checks: tasks sent back, held alerts published.
export const DEFAULT_RESERVE_MS = 3_000;
// A fault on our side (out of descriptors, out of time) often passes within seconds; a lost write too.
export const FAULT_RETRY_SECONDS = 10;

/**
 * How long a task will probably take, for the longest-first start order: a task carrying a failed check that
 * may still have to be verified takes a whole verification (it was sent back to get this invocation's time);
 * any other task is ordered as before verifiers existed (expectedCheckMs).
 */
export function expectedRunMs(task: CheckTask, canVerify: boolean): number {
  const { carried } = task;
  const mayVerify =
    canVerify &&
    carried !== undefined &&
    carried.verification === undefined &&
    (carried.result.kind === 'down' || carried.result.kind === 'blocked');
  return mayVerify ? task.site.timeoutMs + VERIFY_OVERHEAD_MS : expectedCheckMs(task);
}

export class CheckRun {
  readonly rechecks: Outgoing[] = [];
  /** Sites this invocation made UNCHECKED (their owners were just told). */
  sitesUnchecked = 0;
  /** Verifications this invocation made (each asked every verifier region once). */
  verifications = 0;
  /** Checks waiting on the verifier regions right now (early dispatch sends what is ready meanwhile). */
  verifying = 0;
  /** Checks sent back to be verified by the next invocation (too little time left in this one). */
  verificationsDeferred = 0;
  /** Sites this invocation made REGIONAL (home failed, most other locations reached them). */
  regionalVerdicts = 0;
  #counted: Verifiers | undefined;

  constructor(
    private readonly deps: CheckerDeps,
    private readonly options: CheckerOptions,
    private readonly outbox: AlertOutbox<TaskRun>,
    private readonly recorder: HistoryRecorder | undefined,
  ) {}

  /**
   * Runs one check end to end. Never throws: anything unexpected sends only this task back. A task that comes
   * back carrying its check finishes it (no second probe).
   */
  async runTask(taskRun: TaskRun): Promise<TaskOutcome> {
    const { task } = taskRun;
    const isLastAttempt = (task.attempt ?? 1) >= MAX_TASK_ATTEMPTS;
    let result: CheckResult | undefined = task.carried?.result;
    try {
      result ??= await this.probe(task);
      if (!result) return { kind: 'retry', verdict: 'fault', delaySeconds: 0 };
      if (result.kind === 'fault') {
        this.deps.log.warn('check not completed', {
          siteId: task.site.siteId,
          url: redactUrl(task.site.url),
          reason: result.reason,
          detail: result.detail,
          attempt: task.attempt ?? 1,
        });
        // A blocked address will be blocked again; any other fault gets every attempt before it counts.
        if (result.reason !== 'blocked-address' && !isLastAttempt) {
          return { kind: 'retry', verdict: 'fault', delaySeconds: FAULT_RETRY_SECONDS };
        }
      }
      return await this.apply(taskRun, result, task.carried);
    } catch (error) {
      this.deps.log.error('check result not stored: will be retried', {
        siteId: task.site.siteId,
        error: (error as Error).message,
      });
      // An error that outlives every attempt is a fault of ours that does not pass: it is counted like one.
      if (isLastAttempt && result?.kind !== 'fault') {
        const fault: CheckResult = {
          kind: 'fault',
          reason: 'checker-fault',
          detail: `check not completed: ${(error as Error).message}`,
          latencyMs: 0,
        };
        return this.apply(taskRun, fault, undefined);
      }
      return { kind: 'retry', verdict: result?.kind ?? 'fault', delaySeconds: FAULT_RETRY_SECONDS };
    }
  }

  /** Probes the site within what is left of the invocation; undefined when there is no time left to try. */
  private async probe(task: CheckTask): Promise<CheckResult | undefined> {
    const { site } = task;
    const remainingMs =
      this.options.deadlineMs - (this.options.reserveMs ?? DEFAULT_RESERVE_MS) - this.deps.nowMs();
    if (remainingMs <= 0) {
      this.deps.log.warn('check not attempted: checker deadline reached', { siteId: site.siteId });
      return undefined;
    }
    return this.deps.probe.check(
      probeTargetOf(site, task.fullGet === true),
      AbortSignal.timeout(remainingMs),
    );
  }

  /**
   * Commits the transition (if any), sends the alerts, holds the re-check. When it cannot finish, the task comes
   * back carrying this check: its verdict, its commit token and the alerts SNS already has.
   */
  private async apply(
    taskRun: TaskRun,
    result: CheckResult,
    before: CarriedCheck | undefined,
  ): Promise<TaskOutcome> {
    const { task } = taskRun;
    // Tells this check's own write from a duplicate delivery's when an answer is lost (see below); a task that
    // comes back keeps the token its first try wrote with.
    const commitToken = before?.commitToken ?? randomBytes(6).toString('hex');
    const sentAlertIds = before?.sentAlertIds ?? [];
    const verifier = this.#verifierOf(task, result, before?.verification);
    // The verification too, once made: a retry decides the same way without asking the regions again.
    const carriedNow = (uncleared: readonly string[] = []): CarriedCheck => ({
      result,
      commitToken,
      sentAlertIds: [...new Set([...sentAlertIds, ...uncleared])],
      ...(verifier?.made === undefined ? {} : { verification: verifier.made }),
    });
    const retry = (delaySeconds: number, uncleared: readonly string[] = []): TaskOutcome => ({
      kind: 'retry',
      verdict: result.kind,
      delaySeconds,
      carried: carriedNow(uncleared),
    });
    try {
      const appliedAtMs = this.deps.nowMs();
      const applied = await commitCheck(
        this.deps,
        task,
        result,
        commitToken,
        (siteId, prev, next, alerts) => this.#logCommit(siteId, prev, next, alerts),
        verifier,
      );
      if (applied.kind === 'contended') return retry(0);
      if (applied.kind === 'unverified') {
        // At once: the next invocation starts it first (expectedRunMs), with time for a whole verification.
        this.verificationsDeferred++;
        return retry(0);
      }
      // What this task carries back should a held alert of it fail at the end of the invocation (check-batch).
      taskRun.carried = carriedNow();
      const { record, committedAlerts, recheckAfterSeconds } = applied;
      // A stale check (site paused or pointed elsewhere meanwhile) is not the site's history.
      if (applied.kind === 'current') {
        this.recorder?.add({
          site: record.config,
          checkId: task.checkId,
          result,
          state: record.state,
          atMs: appliedAtMs,
        });
      }
      const flushed = await this.outbox.flush(
        record.config.siteId,
        record.state,
        committedAlerts,
        applied.kind === 'current' ? taskRun : undefined,
        sentAlertIds,
      );
      if (recheckAfterSeconds !== undefined && applied.kind === 'current') {
        // One id per check, whoever sends it: duplicates of a re-check are recognised like any check.
        const recheck: CheckTask = {
          checkId: `${task.checkId}:r`,
          site: record.config,
          state: snapshotOf(record.state),
        };
        this.rechecks.push({
          messageId: taskRun.messageId,
          body: recheck,
          delaySeconds: recheckAfterSeconds,
          site: record.config,
        });
      }
      if (!flushed.isSent) {
        // Accepted but not cleared: cleared soon; refused or waiting for an older alert: once claims lapse.
        return retry(
          flushed.uncleared.length > 0 ? FAULT_RETRY_SECONDS : CLAIM_LAPSE_SECONDS,
          flushed.uncleared,
        );
      }
      return {
        kind: 'done',
        verdict: result.kind,
        blockedByPolicy: result.kind === 'fault' && result.reason === 'blocked-address',
      };
    } catch (error) {
      // A write may have landed before its answer was lost: the retry recognises it by the token.
      this.deps.log.error('check result not stored: will be retried', {
        siteId: task.site.siteId,
        error: (error as Error).message,
      });
      return retry(FAULT_RETRY_SECONDS);
    }
  }

  /** The verifiers, keeping `verifying` up to date: one wrapper for the whole run. */
  #counting(verifiers: Verifiers): Verifiers {
    return {
      home: verifiers.home,
      regions: verifiers.regions,
      verify: async (...args) => {
        this.verifying++;
        try {
          return await verifiers.verify(...args);
        } finally {
          this.verifying--;
        }
      },
    };
  }

  /** With verifier regions configured, how this check asks them (at most once; a carried verification is reused). */
  #verifierOf(
    task: CheckTask,
    result: CheckResult,
    carried: Verification | undefined,
  ): CheckVerifier | undefined {
    const { verifiers } = this.deps;
    if (verifiers === undefined || result.kind === 'fault') return undefined;
    const budget = {
      untilMs: this.options.deadlineMs - (this.options.reserveMs ?? DEFAULT_RESERVE_MS),
      isLastAttempt: (task.attempt ?? 1) >= MAX_TASK_ATTEMPTS,
    };
    this.#counted ??= this.#counting(verifiers);
    return createCheckVerifier(
      { ...this.deps, verifiers: this.#counted },
      task,
      result,
      budget,
      carried,
      () => {
        this.verifications++;
      },
    );
  }

  #logCommit(siteId: string, prev: SiteState, next: SiteState, alerts: readonly Alert[]): void {
    const wasUnchecked = prev.checkFault !== undefined && isUnchecked(prev.checkFault);
    if (next.checkFault !== undefined && isUnchecked(next.checkFault) && !wasUnchecked) this.sitesUnchecked++;
    if (next.status === 'REGIONAL' && prev.status !== 'REGIONAL') this.regionalVerdicts++;
    this.deps.log.info('state committed', {
      siteId,
      status: next.status,
      version: next.version,
      ...(next.checkFault ? { fault: next.checkFault.reason, faults: next.checkFault.faults } : {}),
      ...(alerts.length > 0 ? { alerts: alerts.map((alert) => alert.event) } : {}),
    });
  }
}
