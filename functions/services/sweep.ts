import type { CheckQueue } from '../adapters/check-queue.ts';
import type { Logger } from '../adapters/logger.ts';
import type { ScanPage, SiteRecord, SiteStore } from '../adapters/site-store.ts';
import type { SegmentProgress, SweepLease, SweepLeaseItem } from '../adapters/sweep-lease.ts';
import { compareSitesForGrouping } from '../domain/alert-group.ts';
import type { CheckTask } from '../domain/check-message.ts';
import { packCheckMessages, snapshotOf } from '../domain/check-message.ts';
import { isDue, isFullGetDue, minuteOfEpoch } from '../domain/schedule.ts';

// One SendMessageBatch worth of full messages: bounds the memory a sweep of any table size holds.
const MESSAGES_PER_FLUSH = 10;

/**
 * How long a minute's lease item is kept (and how late a sweep of that minute may still run). It must exceed
 * the oldest event Lambda still delivers: the schedule's target and the fan-out each keep an event ≤ 2 min
 * (infra/uptime-squirrel-stack.ts), so a retry arrives ≤ ~4 min after its minute; 10 leaves room for both.
 */
export const SWEEP_RETENTION_MINUTES = 10;

/**
 * The EMF metric every sweep that ran emits: the checks it enqueued, 0 when no site was due (an empty table, every
 * site paused). With the checker's ChecksCompleted it tells "stalled" (checks enqueued, none completed) from "idle".
 */
export const CHECKS_ENQUEUED_METRIC = 'ChecksEnqueued';

export interface SweepDeps {
  readonly store: Pick<
    SiteStore,
    'scanSites' | 'acquireSweep' | 'saveSweepProgress' | 'completeSweep' | 'deleteSweepLease'
  >;
  readonly queue: Pick<CheckQueue, 'send'>;
  readonly log: Logger;
  /**
   * Shown every scanned page's valid sites (the status page publisher keeps the public ones, so the page needs no
   * second scan). Synchronous and never allowed to fail the sweep: what it throws is logged.
   */
  readonly observePage?: (sites: readonly SiteRecord[]) => void;
}

export interface SweepOptions {
  readonly scanSegments: number;
  readonly checksPerMessage: number;
  /** How long a started sweep is protected from a duplicate event; after that a retry may take it over. */
  readonly leaseMs: number;
  /**
   * Lease items of minutes older than this are deleted when the scan passes them, and a sweep of such a minute
   * is refused (too late to matter: the sites' next interval covers them). @default SWEEP_RETENTION_MINUTES
   */
  readonly retentionMinutes?: number;
}

export interface SweepReport {
  readonly minute: number;
  /**
   * `swept` the whole minute, or `resumed` a crashed sweep of it where its progress said; or enqueued nothing:
   * another invocation swept or is sweeping it (`duplicate`), or the minute is past the retention (`too-late`).
   */
  readonly outcome: 'swept' | 'resumed' | 'duplicate' | 'too-late';
  /** True when this run enqueued nothing on purpose (outcome `duplicate` or `too-late`). */
  readonly duplicate: boolean;
  readonly scanned: number;
  readonly due: number;
  readonly messages: number;
  readonly invalid: number;
  /** Progress writes on the lease item: one per flush except the last, so none when one flush is enough. */
  readonly checkpoints: number;
  /** Lease items of old minutes (and the legacy single lease) this run deleted. */
  readonly leasesDeleted: number;
}

/** A sweep's lease was taken over by another invocation (a retry) while it still ran: it stops sending. */
export class SweepLeaseLostError extends Error {
  override name = 'SweepLeaseLostError';
}

/**
 * The fan-out: scan every site, keep those due in the scheduled minute, enqueue them packed many to a message.
 * The minute comes from the event's scheduled time, not the clock, so a retried event sweeps the same minute;
 * a retry of a crashed sweep scans only what the crashed run had not recorded as sent.
 */
export async function runSweep(
  scheduledTimeMs: number,
  nowMs: number,
  deps: SweepDeps,
  options: SweepOptions,
): Promise<SweepReport> {
  const minute = minuteOfEpoch(scheduledTimeMs);
  const counts = { scanned: 0, due: 0, messages: 0, invalid: 0, checkpoints: 0, leasesDeleted: 0 };
  const oldestMinute = minuteOfEpoch(nowMs) - (options.retentionMinutes ?? SWEEP_RETENTION_MINUTES);
  if (minute < oldestMinute) {
    deps.log.warn('sweep refused: the minute is older than the lease retention', { minute, oldestMinute });
    return { minute, outcome: 'too-late', duplicate: true, ...counts };
  }
  const claim = await deps.store.acquireSweep(minute, nowMs, options.leaseMs);
  if (claim.kind === 'held') {
    const message =
      claim.holder === undefined
        ? 'sweep skipped: this minute is swept, or being swept, by another invocation'
        : claim.holder.completed
          ? 'sweep skipped: this minute was already swept'
          : 'sweep skipped: another invocation is sweeping this minute';
    deps.log.info(message, { minute, ...claim.holder });
    return { minute, outcome: 'duplicate', duplicate: true, ...counts };
  }
  const lease = claim.lease;
  const from = startingPoint(lease, options.scanSegments, deps.log);
  const oldLeases: SweepLeaseItem[] = [];
  const enqueue = createEnqueuer(lease, from, deps, options, counts);
  await deps.store.scanSites(
    options.scanSegments,
    async (page: ScanPage) => {
      const tasks = dueTasks(page, minute);
      counts.scanned += page.sites.length + page.invalid.length;
      counts.due += tasks.length;
      counts.invalid += page.invalid.length;
      for (const item of page.invalid) deps.log.warn('site item skipped: invalid', { ...item });
      observe(page, deps);
      oldLeases.push(...page.leases.filter((item) => item.kind === 'legacy' || item.minute < oldestMinute));
      await enqueue.add(page, tasks);
    },
    from,
  );
  await enqueue.finish();
  if ((await deps.store.completeSweep(lease)) === 'lost') {
    deps.log.warn('sweep lease taken over before completion: the new holder completes it', { minute });
  }
  counts.leasesDeleted = await deleteLeases(oldLeases, deps);
  const report = {
    minute,
    outcome: from.length > 0 ? 'resumed' : 'swept',
    duplicate: false,
    ...counts,
  } as const;
  deps.log.info('sweep complete', { ...report });
  deps.log.metrics({ [CHECKS_ENQUEUED_METRIC]: counts.due });
  return report;
}

/** Hands the page to the observer, if any; its failure is its own, never the sweep's. */
function observe(page: ScanPage, deps: SweepDeps): void {
  if (deps.observePage === undefined) return;
  try {
    deps.observePage(page.sites);
  } catch (error) {
    deps.log.error('scan page observer failed: the sweep goes on', { error: (error as Error).message });
  }
}

/** Where the scan starts: where a crashed run of this minute got, if it recorded progress for as many segments. */
function startingPoint(lease: SweepLease, segments: number, log: Logger): readonly SegmentProgress[] {
  if (lease.progress.length === 0) return [];
  if (lease.progress.length !== segments) {
    log.warn('sweep progress ignored: recorded for another segment count, sweeping the whole minute', {
      minute: lease.minute,
      recordedSegments: lease.progress.length,
      scanSegments: segments,
    });
    return [];
  }
  log.info('sweep resumed where a crashed run of this minute got', {
    minute: lease.minute,
    segmentsDone: lease.progress.filter((segment) => segment === 'done').length,
    segmentsStarted: lease.progress.filter((segment) => typeof segment === 'object').length,
  });
  return lease.progress;
}

/**
 * Buffers due checks from every segment until a batch of full messages is ready: fewer, fuller messages, and
 * one owner's sites side by side even when the parallel scan spread them over segments. After each flush but
 * the last, records on the lease how far every segment's scan is enqueued, so a retry can resume there.
 */
function createEnqueuer(
  lease: SweepLease,
  from: readonly SegmentProgress[],
  deps: SweepDeps,
  options: SweepOptions,
  counts: { messages: number; checkpoints: number },
) {
  const waiting: CheckTask[] = [];
  // Per segment: the last page whose due checks are all in `waiting` or already handed to a flush.
  const buffered: SegmentProgress[] = Array.from(
    { length: options.scanSegments },
    (_, segment) => from[segment] ?? 'start',
  );
  // Flushes can overlap (segments scan in parallel); a checkpoint waits until every earlier flush was sent.
  let sentSoFar: Promise<void> = Promise.resolve();
  // Once a send or a checkpoint failed, the sweep has failed: nothing more is sent (its retry resumes).
  let failure: unknown;

  const flush = (isLast: boolean): Promise<void> => {
    if (failure !== undefined) return Promise.reject(failure);
    const tasks = waiting.splice(0).sort((a, b) => compareSitesForGrouping(a.site, b.site));
    const covered = [...buffered];
    const bodies = packCheckMessages(tasks, { maxTasks: options.checksPerMessage });
    counts.messages += bodies.length;
    const sending = bodies.length > 0 ? deps.queue.send(bodies) : Promise.resolve();
    sentSoFar = Promise.all([sentSoFar, sending])
      .then(async () => {
        // The last flush is followed by completeSweep: a checkpoint there would be a write nobody reads.
        if (isLast) return;
        counts.checkpoints++;
        if ((await deps.store.saveSweepProgress(lease, covered)) === 'lost') {
          throw new SweepLeaseLostError(
            `sweep of minute ${lease.minute}: lease (until ${lease.leaseUntilMs}) taken over by another invocation`,
          );
        }
      })
      .catch((error: unknown) => {
        failure ??= error;
        throw error;
      });
    return sentSoFar;
  };

  return {
    async add(page: ScanPage, tasks: readonly CheckTask[]): Promise<void> {
      if (failure !== undefined) throw failure;
      waiting.push(...tasks);
      buffered[page.segment] = page.next;
      if (waiting.length >= options.checksPerMessage * MESSAGES_PER_FLUSH) await flush(false);
    },
    finish: (): Promise<void> => flush(true),
  };
}

/** Deletes old lease items; a failure only leaves one for the next sweep to delete. */
async function deleteLeases(leases: readonly SweepLeaseItem[], deps: SweepDeps): Promise<number> {
  const outcomes = await Promise.allSettled(leases.map((lease) => deps.store.deleteSweepLease(lease)));
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'rejected') {
      deps.log.warn('old sweep lease not deleted: the next sweep tries again', {
        lease: leases[index],
        error: (outcome.reason as Error).message,
      });
    }
  });
  return outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
}

/** The page's due sites, as check tasks. */
function dueTasks(page: ScanPage, minute: number): CheckTask[] {
  return page.sites
    .filter(({ config }) => config.enabled && isDue(config.siteId, config.intervalMinutes, minute))
    .map(({ config, state }) => {
      const task: CheckTask = { checkId: `m${minute}`, site: config, state: snapshotOf(state) };
      return isFullGetDue(config.siteId, config.intervalMinutes, config.fullGetMinutes, minute)
        ? { ...task, fullGet: true }
        : task;
    });
}
