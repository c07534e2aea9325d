import type { Logger } from '../adapters/logger.ts';
import { MIN_GROUP_SIZE } from '../domain/alert-group.ts';
import { type CheckTask, MAX_TASK_ATTEMPTS, parseCheckMessage } from '../domain/check-message.ts';
import { AlertOutbox, CLAIM_LAPSE_SECONDS } from './alert-outbox.ts';
import { type BatchReport, reportBatch } from './batch-report.ts';
import {
  type CheckerDeps,
  type CheckerOptions,
  CheckRun,
  DEFAULT_RESERVE_MS,
  expectedRunMs,
  FAULT_RETRY_SECONDS,
  type TaskRun,
} from './check-run.ts';
import { type EarlyDispatchResult, startEarlyDispatch } from './early-dispatch.ts';
import { HistoryRecorder, writeHistory } from './history-recorder.ts';
import { createStartLimiter } from './start-limiter.ts';
import { type Outgoing, sendBack } from './task-requeue.ts';

export type { BatchReport } from './batch-report.ts';
export type { CheckerDeps, CheckerOptions } from './check-run.ts';

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

export interface QueueRecord {
  readonly messageId: string;
  readonly body: string;
}

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
  // of ending the invocation a timeout after the last start; so does a check sent back to be verified. The sort
  // is stable: otherwise message order.
  const canVerify = deps.verifiers !== undefined;
  const queued = [...runs].sort(
    (a, b) => expectedRunMs(b.task, canVerify) - expectedRunMs(a.task, canVerify),
  );
  // Pacing must never cost a check its chance: from the last moment at which the longest site timeout still fits
  // before the deadline, every queued check starts.
  const longestTimeoutMs = Math.max(0, ...queued.map(({ task }) => task.site.timeoutMs));
  const paceUntilMs = options.deadlineMs - (options.reserveMs ?? DEFAULT_RESERVE_MS) - longestTimeoutMs;
  const pacing = setTimeout(() => limit.stopPacing(), Math.max(0, paceUntilMs - deps.nowMs()));
  // Only with verifier regions: what finished checks have ready does not wait on other checks' verifications.
  const early = canVerify ? startEarlyDispatch(deps, outbox, run) : undefined;
  let sentEarly: EarlyDispatchResult<TaskRun> = { unsent: [], heldFailures: new Map() };
  try {
    await Promise.all(
      queued.map(async (taskRun) => {
        taskRun.outcome = await limit(() => run.runTask(taskRun));
      }),
    );
  } finally {
    clearTimeout(pacing);
    if (early) sentEarly = await early.stop();
  }
  // What must go back to the queue is sent before the held DOWN alerts are published: a hung SNS call at the end
  // must not leave the queue no time (that would bring whole messages back).
  outgoing.push(...run.rechecks, ...retriesOf(runs, deps.log));
  const unsent = [...sentEarly.unsent, ...(await sendBack(outgoing, deps))];
  // Held DOWN alerts SNS refused stay in their outboxes: their tasks come back once the claims lapse; alerts SNS
  // accepted but that could not be cleared come back to be cleared, sooner.
  const sentBackAlready = new Set(runs.filter((taskRun) => taskRun.outcome?.kind === 'retry'));
  const heldFailures = await outbox.publishHeld();
  for (const [taskRun, uncleared] of sentEarly.heldFailures) {
    heldFailures.set(taskRun, [...(heldFailures.get(taskRun) ?? []), ...uncleared]);
  }
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
      verifications: run.verifications,
      verificationsDeferred: run.verificationsDeferred,
      regionalVerdicts: run.regionalVerdicts,
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
