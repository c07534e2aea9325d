import pLimit from 'p-limit';
import { SiteStore } from '../../functions/adapters/site-store.ts';
import { addTotals } from '../../functions/domain/history/time-totals.ts';
import { liveTotals, uptimeFigure } from '../../functions/domain/history/uptime.ts';
import {
  compactedPart,
  compactedTotals,
  type HistoryWindow,
  historyJson,
  planPeriods,
  renderHistory,
  siteHistory,
} from '../core/history-view.ts';
import { parseSince } from '../core/since.ts';
import { assertSiteId } from '../core/site-input.ts';
import { unknownSiteError } from '../core/unknown-site.ts';
import { EXIT } from '../errors.ts';
import type { Io } from '../io.ts';
import { type TargetOptions, withTarget } from '../target.ts';

// Rollups are small objects: a few reads at a time keep a 400-day look back to a couple of seconds.
export const READ_CONCURRENCY = 16;
// The sparkline fits an 80-column terminal beside its label when stdout is not one.
const DEFAULT_SPARK_WIDTH = 48;

export interface HistoryOptions {
  readonly since?: string;
  readonly json?: boolean;
}

/**
 * `history SITE`: the site's hourly (≤ 14 days) or daily rollups, a p50 response-time sparkline and the
 * window's uptime: the compacted periods plus the live stretch since the last compaction, counted by the same
 * functions `status` and the page use.
 */
export async function showHistory(
  siteId: string,
  options: HistoryOptions,
  target: TargetOptions,
  io: Io,
  nowMs = Date.now(),
  terminalColumns = process.stdout.columns,
): Promise<number> {
  assertSiteId(siteId);
  const sinceMs = parseSince(options.since ?? '7d');
  const plan = planPeriods(sinceMs, nowMs);
  return withTarget(target, async (resolved) => {
    const history = await resolved.history();
    const store = new SiteStore(resolved.dynamodb(), resolved.tableName);
    const [record, summary] = await Promise.all([store.getSite(siteId), history.getSummary()]);
    if (record === undefined) throw await unknownSiteError(store, siteId);
    const limit = pLimit(READ_CONCURRENCY);
    const files = await Promise.all(
      plan.starts.map((start) => limit(() => history.getRollup(plan.period, start))),
    );
    // The periods hold what was compacted; after it only the live state knows.
    const compacted = compactedPart(plan, files, summary?.compactedUntilMs);
    const periods = siteHistory(siteId, plan, compacted.files);
    const liveFromMs = compacted.liveFromMs;
    const totals = addTotals(compactedTotals(periods), liveTotals(record, liveFromMs, nowMs));
    const window: HistoryWindow = {
      siteId,
      period: plan.period,
      fromMs: plan.fromMs,
      toMs: nowMs,
      liveFromMs,
      uptime: uptimeFigure(totals),
    };
    if (options.json) for (const line of historyJson(window, periods, uptimeFigure)) io.out(line);
    else {
      const sparkWidth =
        terminalColumns === undefined ? DEFAULT_SPARK_WIDTH : Math.max(10, terminalColumns - 40);
      io.out(renderHistory(window, periods, uptimeFigure, sparkWidth));
    }
    return EXIT.ok;
  });
}
