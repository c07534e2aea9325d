import type { Logger } from '../adapters/logger.ts';
import type { CarriedCheck } from '../domain/check-message.ts';
import type { CheckResult } from '../domain/check-result.ts';
import type { HistoryWriteOutcome } from './history-recorder.ts';

// What one checker invocation reports: to its caller (the handler answers SQS with failedMessageIds) and to
// CloudWatch, as one metrics log line.

/** How one task ended: done, or to be tried again on its own after `delaySeconds` (carrying its check, if done). */
export type TaskOutcome =
  | {
      readonly kind: 'done';
      readonly verdict: CheckResult['kind'];
      /** A blocked address, stored as UNCHECKED: the check itself is done (the policy, not the checker, said no). */
      readonly blockedByPolicy?: boolean;
    }
  | {
      readonly kind: 'retry';
      readonly verdict: CheckResult['kind'];
      readonly delaySeconds: number;
      readonly carried?: CarriedCheck;
    };

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
  /** Verifications made (each asked every verifier region once; issue 15). */
  readonly verifications: number;
  /** Checks sent back to be verified by the next invocation (this one had too little time left). */
  readonly verificationsDeferred: number;
  /** Sites made REGIONAL: home failed but most other locations reached them (no page). */
  readonly regionalVerdicts: number;
  /** Check records written to the raw history (0 when history is off or the batch was lost). */
  readonly historyRecords: number;
  /** 1 when the invocation's history batch could not be written (a gap in the history). */
  readonly historyBatchesLost: number;
}

/** What the invocation counted besides its tasks' outcomes. */
export type BatchCounts = Pick<
  BatchReport,
  | 'failedMessageIds'
  | 'malformedMessages'
  | 'invalidTasks'
  | 'sitesUnchecked'
  | 'alertsPublished'
  | 'alertGroupsPublished'
  | 'verifications'
  | 'verificationsDeferred'
  | 'regionalVerdicts'
> & { readonly history: HistoryWriteOutcome };

/** Tallies the invocation and logs its metrics line. */
export function reportBatch(outcomes: readonly TaskOutcome[], counts: BatchCounts, log: Logger): BatchReport {
  const { history, ...rest } = counts;
  const report: BatchReport = {
    ...rest,
    // A blocked address counts as completed: a fleet of only such sites is not a stalled checker (the alarm).
    checksCompleted: outcomes.filter((o) => o.verdict !== 'fault' || (o.kind === 'done' && o.blockedByPolicy))
      .length,
    checksDown: outcomes.filter((o) => o.verdict === 'down').length,
    checkerFaults: outcomes.filter((o) => o.verdict === 'fault').length,
    tasksRetried: outcomes.filter((o) => o.kind === 'retry').length,
    historyRecords: history.recordsWritten,
    historyBatchesLost: history.batchesLost,
  };
  // One metric, for the "monitor stalled" alarm; the rest is queryable in the logs at no metric cost.
  log.metrics(
    { ChecksCompleted: report.checksCompleted },
    {
      ChecksDown: report.checksDown,
      CheckerFaults: report.checkerFaults,
      TasksRetried: report.tasksRetried,
      InvalidTasks: report.invalidTasks,
      SitesUnchecked: report.sitesUnchecked,
      AlertsPublished: report.alertsPublished,
      AlertGroupsPublished: report.alertGroupsPublished,
      Verifications: report.verifications,
      VerificationsDeferred: report.verificationsDeferred,
      RegionalVerdicts: report.regionalVerdicts,
      HistoryRecords: report.historyRecords,
      HistoryBatchesLost: report.historyBatchesLost,
    },
  );
  return report;
}
