import type { SiteRecord } from '../../functions/adapters/site-store.ts';
import type { HistorySummary } from '../../functions/domain/history/summary.ts';
import { siteUptime } from '../../functions/domain/history/uptime.ts';
import { NO_UPTIME, renderStatus, statusJson, summarizeStatus, type UptimeBySite } from '../core/render.ts';
import { EXIT } from '../errors.ts';
import type { Io } from '../io.ts';
import { type Target, type TargetOptions, withTarget } from '../target.ts';
import { scanAll } from './sites.ts';

/**
 * `status`: every site's state, since when, its uptime over 24 h and 30 d, and its last change. The checker
 * writes only when something changes, so the stored last check is the last change, not the latest check.
 */
export async function showStatus(
  options: { readonly json?: boolean },
  target: TargetOptions,
  io: Io,
  nowMs = Date.now(),
): Promise<number> {
  return withTarget(target, async (resolved) => {
    const [records, summary] = await Promise.all([scanAll(resolved, io), readSummary(resolved, io)]);
    const uptime = summary === null ? NO_UPTIME : uptimeBySite(records, summary, nowMs);
    if (options.json) {
      for (const line of statusJson(records, uptime)) io.out(line);
    } else if (records.length === 0) {
      io.err('no sites yet: add one with `squirrel sites add URL`');
    } else {
      io.out(renderStatus(records, nowMs, uptime));
      io.out('');
      io.out(summarizeStatus(records));
    }
    return EXIT.ok;
  });
}

/**
 * The compactor's summary; undefined before its first run; null when the target has no history bucket
 * (then uptime is unknown, said once on stderr, and the rest of `status` works as before).
 */
export async function readSummary(target: Target, io: Io): Promise<HistorySummary | undefined | null> {
  if (target.historyBucket === undefined) {
    io.err(`note: the ${target.description} keeps no history: uptime is not shown`);
    return null;
  }
  return (await target.history()).getSummary();
}

/** siteUptime for every site: the compacted summary plus each site's live stretch since it. */
export function uptimeBySite(
  records: readonly SiteRecord[],
  summary: HistorySummary | undefined,
  nowMs: number,
): UptimeBySite {
  const summaries = new Map(summary?.sites.map((site) => [site.siteId, site]));
  return new Map(
    records.map((record) => [
      record.config.siteId,
      siteUptime(summaries.get(record.config.siteId), record, summary?.compactedUntilMs, nowMs),
    ]),
  );
}
