import type { HistoryStore } from '../adapters/history-store.ts';
import type { Logger } from '../adapters/logger.ts';
import { applyBlockedPolicy, readingOf } from '../domain/alert-policy.ts';
import type { CheckResult } from '../domain/check-result.ts';
import {
  type CheckRecord,
  MAX_RECORD_DETAIL_CHARS,
  RAW_BATCH_VERSION,
  type RawBatch,
} from '../domain/history/check-record.ts';
import { isInMaintenance } from '../domain/maintenance-window.ts';
import { truncateText } from '../domain/schema-parts.ts';
import type { SiteConfig } from '../domain/site.ts';
import { type SiteState, type SiteStatus, shownStatusOf } from '../domain/site-state.ts';

// The raw history of the checks an invocation applied: one record per check, written as ONE object per invocation
// (an S3 PUT per check would cost more than the whole monitor). Best effort: the checks, their writes and their
// alerts are done before it starts and never wait for it; a batch that cannot be written is a gap in the history
// (unknown time, never downtime), logged and counted.

/** One check whose result was applied: a verdict, or a fault that reached the state machine. */
export interface AppliedCheck {
  /** The site as the check was applied to it (the configuration it was judged against). */
  readonly site: SiteConfig;
  readonly checkId: string;
  readonly result: CheckResult;
  /** The site's state once the check was applied: after its commit, or the snapshot when nothing was written. */
  readonly state: SiteState;
  /** When it was applied (the checker's clock). */
  readonly atMs: number;
}

const FAILING_STATUSES: ReadonlySet<SiteStatus> = new Set(['PENDING', 'DOWN', 'RECOVERING']);

/** The history record of one applied check, the verdict read as the site's policy reads it. */
export function checkRecordOf({ site, checkId, result, state, atMs }: AppliedCheck): CheckRecord {
  const common = {
    siteId: site.siteId,
    checkId,
    atMs,
    latencyMs: result.latencyMs,
    shown: shownStatusOf(state),
    intervalMinutes: site.intervalMinutes,
    ...(isInMaintenance(site.maintenance, atMs) ? { inMaintenance: true as const } : {}),
    ...(state.outage !== undefined && FAILING_STATUSES.has(state.status)
      ? { outageSinceMs: state.outage.sinceMs }
      : {}),
  };
  if (result.kind === 'fault') {
    return { ...common, kind: 'fault', reason: result.reason, detail: recordDetail(result.detail) };
  }
  const verdict = applyBlockedPolicy(site, result);
  switch (verdict.kind) {
    case 'up':
      return {
        ...common,
        kind: 'up',
        status: verdict.status,
        ...(readingOf(site, verdict) === 'slow' ? { slow: true as const } : {}),
      };
    case 'blocked':
      return { ...common, kind: 'blocked', status: verdict.status };
    case 'down':
      return {
        ...common,
        kind: 'down',
        reason: verdict.reason,
        ...(verdict.status === undefined ? {} : { status: verdict.status }),
        detail: recordDetail(verdict.detail),
      };
  }
}

const recordDetail = (detail: string): string => truncateText(detail, MAX_RECORD_DETAIL_CHARS);

/**
 * Collects the checks an invocation applied, each once: a check applied twice in one invocation (a duplicate
 * delivery in the same batch) is recorded once. A task that comes back in a later invocation records its check
 * again with the same id: the compactor counts a (siteId, checkId) once.
 */
export class HistoryRecorder {
  readonly #applied = new Map<string, AppliedCheck>();

  add(check: AppliedCheck): void {
    const key = `${check.site.siteId}\n${check.checkId}`;
    if (!this.#applied.has(key)) this.#applied.set(key, check);
  }

  /** Checks collected so far. */
  get size(): number {
    return this.#applied.size;
  }

  /** Distinct sites among them. */
  get siteCount(): number {
    return new Set([...this.#applied.values()].map((check) => check.site.siteId)).size;
  }

  /** The invocation's raw batch, its records in the order their checks were applied. */
  batchAt(writtenAtMs: number): RawBatch {
    return { v: RAW_BATCH_VERSION, writtenAtMs, records: [...this.#applied.values()].map(checkRecordOf) };
  }
}

export interface HistoryWriteDeps {
  /** Absent: history is off (no HISTORY_BUCKET), nothing is written. */
  readonly history?: Pick<HistoryStore, 'putRawBatch'>;
  readonly log: Logger;
  readonly nowMs: () => number;
}

/** What writing the invocation's history came to (BatchReport's history fields). */
export interface HistoryWriteOutcome {
  /** Records written (0 when the batch was lost, history is off or no check was applied). */
  readonly recordsWritten: number;
  /** 1 when the invocation had records and could not write them. */
  readonly batchesLost: number;
}

/** Kept back from the invocation's deadline: the response (batchItemFailures) matters more than the history. */
export const HISTORY_RESPONSE_MARGIN_MS = 1_000;
/**
 * One PUT of a few kB answers in tens of ms. Writing the history gets this much of an invocation in all (both
 * attempts): a slow or hung S3 must not hold every checker invocation, and so its concurrency slot, for long.
 */
export const HISTORY_ATTEMPT_MS = 3_000;
const HISTORY_ATTEMPTS = 2;

/**
 * Writes the invocation's records as one raw batch, within HISTORY_ATTEMPT_MS and what is left of the invocation less
 * HISTORY_RESPONSE_MARGIN_MS, retried once after a quick failure (never after a timeout). Never throws, never waits
 * past that time.
 */
export async function writeHistory(
  recorder: HistoryRecorder,
  deps: HistoryWriteDeps,
  deadlineMs: number,
): Promise<HistoryWriteOutcome> {
  if (deps.history === undefined || recorder.size === 0) return { recordsWritten: 0, batchesLost: 0 };
  // One budget for both attempts: a retry only uses what the first attempt left.
  const stopAtMs = Math.min(deadlineMs - HISTORY_RESPONSE_MARGIN_MS, deps.nowMs() + HISTORY_ATTEMPT_MS);
  let batch: RawBatch | undefined;
  let lastError: unknown;
  for (let attempt = 1; attempt <= HISTORY_ATTEMPTS; attempt++) {
    const timeLeftMs = Math.min(HISTORY_ATTEMPT_MS, stopAtMs - deps.nowMs());
    if (timeLeftMs <= 0) {
      lastError ??= new Error('no time left before the invocation deadline');
      break;
    }
    try {
      // Built once, inside the guard: a record that cannot be built costs the history, never the checks.
      batch ??= recorder.batchAt(deps.nowMs());
      await withinMs(deps.history.putRawBatch(batch), timeLeftMs);
      return { recordsWritten: batch.records.length, batchesLost: 0 };
    } catch (error) {
      lastError = error;
      // A write that timed out is not retried: S3 is slow right now, and a second wait would double the cost.
      if (error instanceof HistoryWriteTimeoutError) break;
    }
  }
  deps.log.error('history batch not written: its checks are a gap in the history', {
    records: recorder.size,
    sites: recorder.siteCount,
    error: (lastError as Error).message,
  });
  return { recordsWritten: 0, batchesLost: 1 };
}

class HistoryWriteTimeoutError extends Error {
  override name = 'HistoryWriteTimeoutError';
  readonly code = 'HISTORY_WRITE_TIMEOUT';
}

/** Waits for `work` at most `timeoutMs`; work that answers later is left to finish (or fail) unobserved. */
async function withinMs<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new HistoryWriteTimeoutError(`history write took longer than ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  // A write abandoned here may still fail later: that failure has been accounted for already.
  work.catch(() => {});
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
