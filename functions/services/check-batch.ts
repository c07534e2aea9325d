import { randomBytes } from 'node:crypto';
import type { CheckQueue } from '../adapters/check-queue.ts';
import type { HistoryStore } from '../adapters/history-store.ts';
import type { Probe } from '../adapters/http-probe.ts';
import { type Logger, redactUrl } from '../adapters/logger.ts';
import type { SiteStore } from '../adapters/site-store.ts';
import type { Alert } from '../domain/alert.ts';
import { MIN_GROUP_SIZE } from '../domain/alert-group.ts';
import {
  type CarriedCheck,
  type CheckTask,
  MAX_TASK_ATTEMPTS,
  parseCheckMessage,
  snapshotOf,
} from '../domain/check-message.ts';
import type { CheckResult } from '../domain/check-result.ts';
import { expectedCheckMs } from '../domain/expected-check-time.ts';
import { isUnchecked, type SiteState } from '../domain/site-state.ts';
import { AlertOutbox, type AlertOutboxDeps, CLAIM_LAPSE_SECONDS } from './alert-outbox.ts';
import { type BatchReport, reportBatch, type TaskOutcome } from './batch-report.ts';
import { commitCheck } from './check-commit.ts';
import { HistoryRecorder, writeHistory } from './history-recorder.ts';
import { probeTargetOf } from './probe-target.ts';
import { createStartLimiter } from './start-limiter.ts';
import { type Outgoing, sendBack } from './task-requeue.ts';
import type { Verifiers } from './verifiers.ts';

export interface CheckerDeps extends AlertOutboxDeps {
  readonly store: AlertOutboxDeps['store'] & Pick<SiteStore, 'commitState' | 'getSite'>;
  readonly probe: Pick<Probe, 'check'>;
  readonly queue: Pick<CheckQueue, 'send'>;
  readonly log: Logger;
  readonly nowMs: () => number;
  /** Where the raw history of applied checks goes; absent: history is off. */
  readonly history?: Pick<HistoryStore, 'putRawBatch'>;
  /** Who confirms a DOWN from other regions (issue 15); absent: no verifier region, DOWN as before. */
  readonly verifiers?: Verifiers;
}

export type { BatchReport } from './batch-report.ts';

/**
 * Long enough for the CPU of a check (connect, TLS handshake, request) to be behind it on most sites, short
 * enough that slow and hung sites do not hold back the start of the others (bench: the sized phase).
 */
export const DEFAULT_START_SLOT_MS = 500;

/**
 * Each check in flight holds up to two sockets (a HEAD still waiting at 60 % of its deadline gets a GET beside it):
 * Lambda allows 1,024 descriptors, and the runtime and the SDK's pools need some. An invocation whose sites all
 * hang runs them in rounds; a check that can no longer start before the deadline comes back alone.
 */
export const MAX_CHECKS_IN_FLIGHT = 400;

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

export interface QueueRecord {
  readonly messageId: string;
  readonly body: string;
}

/** A task as the invocation tracks it: which message brought it (that message answers if it cannot be sent on). */
interface TaskRun {
  readonly messageId: string;
  readonly task: CheckTask;
  outcome?: TaskOutcome;
  /** What a retry of this task would carry, once its check is done (a held alert may still fail). */
  carried?: CarriedCheck;
}

// Kept back from the Lambda deadline for what follows the checks: tasks sent back, held alerts published.
const DEFAULT_RESERVE_MS = 3_000;
// A fault on our side (out of descriptors, out of time) often passes within seconds; a lost write too.
const FAULT_RETRY_SECONDS = 10;

/**
 * The checker: runs every check of every message concurrently, commits transitions, publishes alerts. Each task
 * stands alone: a fault, a lost write or an invalid task sends only that task back to the queue (alone, with a
 * bounded number of attempts), never its neighbours; a fault retrying does not cure marks the site UNCHECKED.
 * DOWN alerts and re-checks wait until every check of the invocation has committed: DOWN alerts of one owner
 * confirmed together are then grouped, and the re-checks of sites that failed together travel together.
 */
export async function processCheckBatch(
  records: readonly QueueRecord[],
  deps: CheckerDeps,
  options: CheckerOptions,
): Promise<BatchReport> {
  const limit = createStartLimiter(
    options.concurrency,
    options.startSlotMs ?? DEFAULT_START_SLOT_MS,
    MAX_CHECKS_IN_FLIGHT,
  );
  const outbox = new AlertOutbox<TaskRun>(deps, options.minGroupSize ?? MIN_GROUP_SIZE);
  // Only with history on: off, no record is even built.
  const recorder = deps.history === undefined ? undefined : new HistoryRecorder();
  const run = new CheckRun(deps, options, outbox, recorder);
  const malformed: string[] = [];
  let invalidTasks = 0;
  const runs: TaskRun[] = [];
  const outgoing: Outgoing[] = [];
  for (const record of records) {
    const parsed = parseRecord(record, deps.log);
    if (parsed === undefined) {
      malformed.push(record.messageId);
      continue;
    }
    for (const task of parsed.tasks) runs.push({ messageId: record.messageId, task });
    invalidTasks += parsed.invalid.length;
    // Invalid tasks leave their message: alone in a message of their own, which then fails on its own and
    // ends in the DLQ. A message of nothing but invalid tasks is that message: it fails.
    if (parsed.tasks.length === 0) malformed.push(record.messageId);
    else
      outgoing.push(
        ...parsed.invalid.map((invalid) => ({
          messageId: record.messageId,
          body: invalid.raw,
          delaySeconds: 0,
        })),
      );
  }
  // Longest first: a site that timed out last time starts at once, so its wait overlaps the others' instead
  // of ending the invocation a timeout after the last start. The sort is stable: otherwise message order.
  const queued = [...runs].sort((a, b) => expectedCheckMs(b.task) - expectedCheckMs(a.task));
  // Pacing must never cost a check its chance: from the last moment at which the longest site timeout still fits
  // before the deadline, every queued check starts.
  const longestTimeoutMs = Math.max(0, ...queued.map(({ task }) => task.site.timeoutMs));
  const paceUntilMs = options.deadlineMs - (options.reserveMs ?? DEFAULT_RESERVE_MS) - longestTimeoutMs;
  const pacing = setTimeout(() => limit.stopPacing(), Math.max(0, paceUntilMs - deps.nowMs()));
  try {
    await Promise.all(
      queued.map(async (taskRun) => {
        taskRun.outcome = await limit(() => run.runTask(taskRun));
      }),
    );
  } finally {
    clearTimeout(pacing);
  }
  // What must go back to the queue is sent before the held DOWN alerts are published: a hung SNS call at the end
  // must not leave the queue no time (that would bring whole messages back).
  outgoing.push(...run.rechecks, ...retriesOf(runs, deps.log));
  const unsent = await sendBack(outgoing, deps);
  // Held DOWN alerts SNS refused stay in their outboxes: their tasks come back once the claims lapse; alerts SNS
  // accepted but that could not be cleared come back to be cleared, sooner.
  const sentBackAlready = new Set(runs.filter((taskRun) => taskRun.outcome?.kind === 'retry'));
  const heldFailures = await outbox.publishHeld();
  for (const [taskRun, uncleared] of heldFailures) {
    // Already on its way back (another of its alerts failed): that copy flushes this alert too once its claim
    // lapses. Only an accepted-but-uncleared alert needs a copy of its own, carrying the id so it is not re-sent.
    if (sentBackAlready.has(taskRun) && uncleared.length === 0) {
      heldFailures.delete(taskRun);
      continue;
    }
    taskRun.outcome = {
      kind: 'retry',
      verdict: taskRun.outcome?.verdict ?? 'down',
      delaySeconds: uncleared.length > 0 ? FAULT_RETRY_SECONDS : CLAIM_LAPSE_SECONDS,
      ...(taskRun.carried === undefined
        ? {}
        : {
            carried: {
              ...taskRun.carried,
              sentAlertIds: [...new Set([...taskRun.carried.sentAlertIds, ...uncleared])],
            },
          }),
    };
  }
  unsent.push(...(await sendBack(retriesOf([...heldFailures.keys()], deps.log), deps)));
  // Last, and bounded: the history never holds back the checks, their alerts or the response to SQS.
  const history = recorder ? await writeHistory(recorder, deps, options.deadlineMs) : NO_HISTORY;
  const outcomes = runs.flatMap((taskRun) => (taskRun.outcome ? [taskRun.outcome] : []));
  return reportBatch(
    outcomes,
    {
      failedMessageIds: [...new Set([...malformed, ...unsent])],
      malformedMessages: malformed.length,
      invalidTasks,
      sitesUnchecked: run.sitesUnchecked,
      alertsPublished: outbox.published,
      alertGroupsPublished: outbox.groupsPublished,
      history,
    },
    deps.log,
  );
}

const NO_HISTORY = { recordsWritten: 0, batchesLost: 0 } as const;

function parseRecord(record: QueueRecord, log: Logger) {
  try {
    const parsed = parseCheckMessage(record.body);
    for (const invalid of parsed.invalid) {
      log.error('invalid check task: sent on alone, for the DLQ', {
        messageId: record.messageId,
        error: invalid.problem,
      });
    }
    return parsed;
  } catch (error) {
    log.error('malformed check message: left for the DLQ', {
      messageId: record.messageId,
      error: (error as Error).message,
    });
    return undefined;
  }
}

/** The tasks to send back, each with its next attempt number; past MAX_TASK_ATTEMPTS a task is given up. */
function retriesOf(runs: readonly TaskRun[], log: Logger): Outgoing[] {
  return runs.flatMap(({ messageId, task, outcome }) => {
    if (outcome?.kind !== 'retry') return [];
    const attempt = (task.attempt ?? 1) + 1;
    if (attempt > MAX_TASK_ATTEMPTS) {
      // Only AWS-side trouble gets here (a fault of the probe would have made the site UNCHECKED): the site's next
      // scheduled check tries again, and sends whatever is left in its outbox.
      log.error('task given up after its last attempt: the next scheduled check takes over', {
        siteId: task.site.siteId,
        checkId: task.checkId,
        attempts: task.attempt ?? 1,
      });
      return [];
    }
    const { carried: _before, ...rest } = task;
    const body: CheckTask =
      outcome.carried === undefined ? { ...rest, attempt } : { ...rest, attempt, carried: outcome.carried };
    return [{ messageId, body, delaySeconds: outcome.delaySeconds, site: task.site }];
  });
}

class CheckRun {
  readonly rechecks: Outgoing[] = [];
  /** Sites this invocation made UNCHECKED (their owners were just told). */
  sitesUnchecked = 0;

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
    taskRun.carried = { result, commitToken, sentAlertIds };
    const retry = (delaySeconds: number, uncleared: readonly string[] = []): TaskOutcome => ({
      kind: 'retry',
      verdict: result.kind,
      delaySeconds,
      carried: { result, commitToken, sentAlertIds: [...new Set([...sentAlertIds, ...uncleared])] },
    });
    try {
      const appliedAtMs = this.deps.nowMs();
      const applied = await commitCheck(this.deps, task, result, commitToken, (siteId, prev, next, alerts) =>
        this.#logCommit(siteId, prev, next, alerts),
      );
      if (applied.kind === 'contended') return retry(0);
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

  #logCommit(siteId: string, prev: SiteState, next: SiteState, alerts: readonly Alert[]): void {
    const wasUnchecked = prev.checkFault !== undefined && isUnchecked(prev.checkFault);
    if (next.checkFault !== undefined && isUnchecked(next.checkFault) && !wasUnchecked) this.sitesUnchecked++;
    this.deps.log.info('state committed', {
      siteId,
      status: next.status,
      version: next.version,
      ...(next.checkFault ? { fault: next.checkFault.reason, faults: next.checkFault.faults } : {}),
      ...(alerts.length > 0 ? { alerts: alerts.map((alert) => alert.event) } : {}),
    });
  }
}
