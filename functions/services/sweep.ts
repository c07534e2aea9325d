import type { CheckQueue } from '../adapters/check-queue.ts';
import type { Logger } from '../adapters/logger.ts';
import type { ScanPage, SiteStore } from '../adapters/site-store.ts';
import { compareSitesForGrouping } from '../domain/alert-group.ts';
import type { CheckTask } from '../domain/check-message.ts';
import { packCheckMessages } from '../domain/check-message.ts';
import { isDue, minuteOfEpoch } from '../domain/schedule.ts';
import type { SiteState } from '../domain/site-state.ts';

// One SendMessageBatch worth of full messages: bounds the memory a sweep of any table size holds.
const MESSAGES_PER_FLUSH = 10;

export interface SweepDeps {
  readonly store: Pick<SiteStore, 'scanSites' | 'acquireSweep' | 'completeSweep'>;
  readonly queue: Pick<CheckQueue, 'send'>;
  readonly log: Logger;
}

export interface SweepOptions {
  readonly scanSegments: number;
  readonly checksPerMessage: number;
  /** How long a started sweep is protected from a duplicate event; after that a retry may take it over. */
  readonly leaseMs: number;
}

export interface SweepReport {
  readonly minute: number;
  /** True when another invocation already swept (or is sweeping) this minute. */
  readonly duplicate: boolean;
  readonly scanned: number;
  readonly due: number;
  readonly messages: number;
  readonly invalid: number;
}

/**
 * The fan-out: scan every site, keep those due in the scheduled minute, enqueue them packed many to a message.
 * The minute comes from the event's scheduled time, not the clock, so a retried event sweeps the same minute.
 */
export async function runSweep(
  scheduledTimeMs: number,
  nowMs: number,
  deps: SweepDeps,
  options: SweepOptions,
): Promise<SweepReport> {
  const minute = minuteOfEpoch(scheduledTimeMs);
  const counts = { scanned: 0, due: 0, messages: 0, invalid: 0 };
  if (!(await deps.store.acquireSweep(minute, nowMs, options.leaseMs))) {
    deps.log.info('sweep skipped: this minute was already swept', { minute });
    return { minute, duplicate: true, ...counts };
  }
  // Due checks from every segment wait here until a batch of full messages is ready: fewer, fuller messages,
  // and one owner's sites side by side even when the parallel scan spread them over segments.
  const waiting: CheckTask[] = [];
  const flush = async () => {
    const tasks = waiting.splice(0).sort((a, b) => compareSitesForGrouping(a.site, b.site));
    if (tasks.length === 0) return;
    const bodies = packCheckMessages(tasks, { maxTasks: options.checksPerMessage });
    counts.messages += bodies.length;
    await deps.queue.send(bodies);
  };
  await deps.store.scanSites(options.scanSegments, async (page: ScanPage) => {
    const tasks = dueTasks(page, minute);
    counts.scanned += page.sites.length + page.invalid.length;
    counts.due += tasks.length;
    counts.invalid += page.invalid.length;
    for (const item of page.invalid) deps.log.warn('site item skipped: invalid', { ...item });
    waiting.push(...tasks);
    if (waiting.length >= options.checksPerMessage * MESSAGES_PER_FLUSH) await flush();
  });
  await flush();
  await deps.store.completeSweep(minute);
  const report = { minute, duplicate: false, ...counts };
  deps.log.info('sweep complete', { ...report });
  return report;
}

/** The page's due sites, as check tasks. */
function dueTasks(page: ScanPage, minute: number): CheckTask[] {
  return page.sites
    .filter(({ config }) => config.enabled && isDue(config.siteId, config.intervalMinutes, minute))
    .map(({ config, state }) => ({ checkId: `m${minute}`, site: config, state: toSnapshot(state) }));
}

/** The checker needs no display history: dropping it keeps messages small (SQS bills per 64 KiB). */
function toSnapshot(state: SiteState): SiteState {
  const { lastCheck: _display, ...snapshot } = state;
  return snapshot;
}
