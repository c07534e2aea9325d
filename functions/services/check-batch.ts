import { randomBytes } from 'node:crypto';
import type { CheckQueue } from '../adapters/check-queue.ts';
import type { Probe } from '../adapters/http-probe.ts';
import { type Logger, redactUrl } from '../adapters/logger.ts';
import type { SiteRecord, SiteStore } from '../adapters/site-store.ts';
import type { Alert } from '../domain/alert.ts';
import { MIN_GROUP_SIZE } from '../domain/alert-group.ts';
import { decideTransition, decideUnchecked } from '../domain/alert-policy.ts';
import { type CheckTask, MAX_TASK_ATTEMPTS, parseCheckMessage, snapshotOf } from '../domain/check-message.ts';
import type { CheckResult } from '../domain/check-result.ts';
import { expectedCheckMs } from '../domain/expected-check-time.ts';
import { parseStatusRanges } from '../domain/status-range.ts';
import { AlertOutbox, type AlertOutboxDeps, CLAIM_LAPSE_SECONDS } from './alert-outbox.ts';
import { createStartLimiter } from './start-limiter.ts';
import { type Outgoing, sendBack } from './task-requeue.ts';

export interface CheckerDeps extends AlertOutboxDeps {
  readonly store: AlertOutboxDeps['store'] & Pick<SiteStore, 'commitState' | 'getSite'>;
  readonly probe: Pick<Probe, 'check'>;
  readonly queue: Pick<CheckQueue, 'send'>;
  readonly log: Logger;
  readonly nowMs: () => number;
}

/**
 * Long enough for the CPU of a check (connect, TLS handshake, request) to be behind it on most sites, short
 * enough that slow and hung sites do not hold back the start of the others (bench: the sized phase).
 */
export const DEFAULT_START_SLOT_MS = 500;

/** Each check in flight holds a socket: Lambda allows 1,024 descriptors, and the runtime and SDK need some. */
export const MAX_CHECKS_IN_FLIGHT = 800;

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

export interface BatchReport {
  /** Messages SQS must deliver again: malformed ones, and those whose retries could not be sent. */
  readonly failedMessageIds: readonly string[];
  readonly checksCompleted: number;
  readonly checksDown: number;
  readonly checkerFaults: number;
  readonly malformedMessages: number;
  /** Tasks that did not validate, sent on alone (their message's other tasks ran). */
  readonly invalidTasks: number;
  /** Tasks sent back to the queue alone to be tried again (faults, alerts SNS refused, lost commits). */
  readonly tasksRetried: number;
  /** Sites marked UNCHECKED by this invocation (their faults would not go away). */
  readonly sitesUnchecked: number;
  /** Alerts that left the outbox, alone or as members of a group. */
  readonly alertsPublished: number;
  /** Grouped messages among them (each stands for several alerts). */
  readonly alertGroupsPublished: number;
}

/** How one task ended: done, or to be tried again on its own after `delaySeconds`. */
type TaskOutcome =
  | { readonly kind: 'done'; readonly verdict: CheckResult['kind']; readonly isNewlyUnchecked?: boolean }
  | { readonly kind: 'retry'; readonly verdict: CheckResult['kind']; readonly delaySeconds: number };

/** A task as the invocation tracks it: which message brought it (that message answers if it cannot be sent on). */
interface TaskRun {
  readonly messageId: string;
  readonly task: CheckTask;
  outcome?: TaskOutcome;
}

// Commit attempts per check: each conflict means another writer moved the state, so re-read and re-decide.
const MAX_COMMIT_ATTEMPTS = 4;
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
  const run = new CheckRun(deps, options, outbox);
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
  // Held DOWN alerts SNS refused stay in their outboxes: their tasks come back once the claims lapse.
  for (const taskRun of await outbox.publishHeld()) {
    taskRun.outcome = {
      kind: 'retry',
      verdict: taskRun.outcome?.verdict ?? 'down',
      delaySeconds: CLAIM_LAPSE_SECONDS,
    };
  }
  outgoing.push(...run.rechecks, ...retriesOf(runs, deps.log));
  const unsent = await sendBack(outgoing, deps);
  const outcomes = runs.flatMap((taskRun) => (taskRun.outcome ? [taskRun.outcome] : []));
  const report: BatchReport = {
    failedMessageIds: [...new Set([...malformed, ...unsent])],
    checksCompleted: outcomes.filter((o) => o.verdict !== 'fault').length,
    checksDown: outcomes.filter((o) => o.verdict === 'down').length,
    checkerFaults: outcomes.filter((o) => o.verdict === 'fault').length,
    malformedMessages: malformed.length,
    invalidTasks,
    tasksRetried: outcomes.filter((o) => o.kind === 'retry').length,
    sitesUnchecked: outcomes.filter((o) => o.kind === 'done' && o.isNewlyUnchecked === true).length,
    alertsPublished: outbox.published,
    alertGroupsPublished: outbox.groupsPublished,
  };
  // One metric, for the "monitor stalled" alarm; the rest is queryable in the logs at no metric cost.
  deps.log.metrics(
    { ChecksCompleted: report.checksCompleted },
    {
      ChecksDown: report.checksDown,
      CheckerFaults: report.checkerFaults,
      TasksRetried: report.tasksRetried,
      InvalidTasks: report.invalidTasks,
      SitesUnchecked: report.sitesUnchecked,
      AlertsPublished: report.alertsPublished,
      AlertGroupsPublished: report.alertGroupsPublished,
    },
  );
  return report;
}

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
    return [{ messageId, body: { ...task, attempt }, delaySeconds: outcome.delaySeconds, site: task.site }];
  });
}

class CheckRun {
  readonly rechecks: Outgoing[] = [];

  constructor(
    private readonly deps: CheckerDeps,
    private readonly options: CheckerOptions,
    private readonly outbox: AlertOutbox<TaskRun>,
  ) {}

  /** Runs one check end to end. Never throws: anything unexpected sends only this task back. */
  async runTask(taskRun: TaskRun): Promise<TaskOutcome> {
    const { task } = taskRun;
    let verdict: CheckResult['kind'] = 'fault';
    try {
      const result = await this.probe(task);
      if (!result) return { kind: 'retry', verdict, delaySeconds: 0 };
      verdict = result.kind;
      if (result.kind !== 'fault') return this.#afterApply(verdict, await this.apply(taskRun, result));
      this.deps.log.warn('check not completed', {
        siteId: task.site.siteId,
        url: redactUrl(task.site.url),
        reason: result.reason,
        detail: result.detail,
        attempt: task.attempt ?? 1,
      });
      // A blocked address will be blocked again, and a fault that outlived every attempt will not pass by itself:
      // the site is UNCHECKED, and its owner is told once.
      const isFinal = result.reason === 'blocked-address' || (task.attempt ?? 1) >= MAX_TASK_ATTEMPTS;
      if (!isFinal) return { kind: 'retry', verdict, delaySeconds: FAULT_RETRY_SECONDS };
      const wasUnchecked = task.state.checkFault?.reason === result.reason;
      const applied = await this.apply(taskRun, result);
      return applied === 'done'
        ? { kind: 'done', verdict, isNewlyUnchecked: !wasUnchecked }
        : this.#afterApply(verdict, applied);
    } catch (error) {
      this.deps.log.error('check result not stored: will be retried', {
        siteId: task.site.siteId,
        error: (error as Error).message,
      });
      return { kind: 'retry', verdict, delaySeconds: FAULT_RETRY_SECONDS };
    }
  }

  #afterApply(
    verdict: CheckResult['kind'],
    applied: 'done' | { readonly retryAfterSeconds: number },
  ): TaskOutcome {
    return applied === 'done'
      ? { kind: 'done', verdict }
      : { kind: 'retry', verdict, delaySeconds: applied.retryAfterSeconds };
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
    const target = {
      url: site.url,
      method: site.method,
      timeoutMs: site.timeoutMs,
      expectStatus: parseStatusRanges(site.expectStatus),
      headers: site.headers,
      keyword: site.keyword,
    };
    return this.deps.probe.check(target, AbortSignal.timeout(remainingMs));
  }

  /** Commits the transition (if any), sends the alerts, holds the re-check. Says when to retry, if it must. */
  private async apply(
    taskRun: TaskRun,
    result: CheckResult,
  ): Promise<'done' | { readonly retryAfterSeconds: number }> {
    const { task } = taskRun;
    const decide = (record: SiteRecord) =>
      result.kind === 'fault'
        ? decideUnchecked(record.config, record.state, result, task.checkId, this.deps.nowMs())
        : decideTransition(record.config, record.state, result, task.checkId, this.deps.nowMs());
    let record: SiteRecord = { config: task.site, state: task.state };
    let committedAlerts: readonly Alert[] = [];
    let recheckAfterSeconds: number | undefined;
    // Tells this processing's own write from a duplicate delivery's when an answer is lost (see below).
    const commitToken = randomBytes(6).toString('hex');
    for (let attempt = 1; ; attempt++) {
      const decision = decide(record);
      if (!decision.next) break;
      const next = { ...decision.next, commitToken };
      const outcome = await this.deps.store.commitState(record.config.siteId, record.state.version, next);
      if (outcome === 'committed') {
        record = { config: record.config, state: next };
        committedAlerts = decision.alerts;
        recheckAfterSeconds = decision.recheckAfterSeconds;
        this.deps.log.info('state committed', {
          siteId: record.config.siteId,
          status: next.status,
          version: next.version,
          ...(next.checkFault ? { unchecked: next.checkFault.reason } : {}),
          ...(decision.alerts.length > 0 ? { alerts: decision.alerts.map((alert) => alert.event) } : {}),
        });
        break;
      }
      if (attempt >= MAX_COMMIT_ATTEMPTS) {
        this.deps.log.warn('state not committed: too many concurrent writers', {
          siteId: record.config.siteId,
        });
        return { retryAfterSeconds: 0 };
      }
      const fresh = await this.deps.store.getSite(record.config.siteId);
      if (!fresh) return 'done';
      // Paused or pointed elsewhere while we checked: this result no longer applies, but alerts committed
      // before that still go out (the fan-out skips paused sites, so nobody else would send them).
      if (!fresh.config.enabled || fresh.config.url !== task.site.url) {
        const isSent = await this.outbox.flush(fresh.config.siteId, fresh.state, [], undefined);
        return isSent ? 'done' : { retryAfterSeconds: CLAIM_LAPSE_SECONDS };
      }
      record = fresh;
      // This check is already stored. Our own write, whose answer was lost (the SDK's retry then failed the version
      // check): the transition is ours, with its claims and its re-check, and goes on as committed. A duplicate
      // delivery's write: that processing sends its alerts and re-check (or its message comes back), and the
      // outbox below still sends whatever claim has lapsed.
      if (fresh.state.lastCheckId === task.checkId) {
        if (fresh.state.commitToken === commitToken) {
          committedAlerts = decision.alerts;
          recheckAfterSeconds = decision.recheckAfterSeconds;
        }
        break;
      }
    }
    const isSent = await this.outbox.flush(record.config.siteId, record.state, committedAlerts, taskRun);
    if (recheckAfterSeconds !== undefined) {
      const recheck: CheckTask = {
        checkId: `r${record.state.version}`,
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
    return isSent ? 'done' : { retryAfterSeconds: CLAIM_LAPSE_SECONDS };
  }
}
