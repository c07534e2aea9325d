import pLimit from 'p-limit';
import { SiteStore } from '../../functions/adapters/site-store.ts';
import { incidentsJson, listIncidents, renderIncidents } from '../core/incident-list.ts';
import { parseSince } from '../core/since.ts';
import { assertSiteId } from '../core/site-input.ts';
import { unknownSiteError } from '../core/unknown-site.ts';
import { EXIT } from '../errors.ts';
import type { Io } from '../io.ts';
import { type TargetOptions, withTarget } from '../target.ts';
import { READ_CONCURRENCY } from './history.ts';
import { scanAll } from './sites.ts';

export interface IncidentsOptions {
  readonly since?: string;
  readonly json?: boolean;
}

/**
 * `incidents [SITE]`: confirmed outages still going at or after the look back, newest first: the sites'
 * incidents files plus what only the live state knows yet (the ongoing outage, the last one that ended).
 */
export async function showIncidents(
  siteId: string | undefined,
  options: IncidentsOptions,
  target: TargetOptions,
  io: Io,
  nowMs = Date.now(),
): Promise<number> {
  if (siteId !== undefined) assertSiteId(siteId);
  const fromMs = nowMs - parseSince(options.since ?? '30d');
  return withTarget(target, async (resolved) => {
    const records =
      siteId === undefined
        ? await scanAll(resolved, io)
        : [await new SiteStore(resolved.dynamodb(), resolved.tableName).getSite(siteId)].filter(
            (record) => record !== undefined,
          );
    if (siteId !== undefined && records.length === 0) {
      throw await unknownSiteError(new SiteStore(resolved.dynamodb(), resolved.tableName), siteId);
    }
    const hasHistory = resolved.historyBucket !== undefined;
    if (!hasHistory) {
      io.err(
        `note: the ${resolved.description} keeps no history: only outages its sites' state knows are shown`,
      );
    }
    const history = hasHistory ? await resolved.history() : undefined;
    const limit = pLimit(READ_CONCURRENCY);
    const files =
      history === undefined
        ? []
        : await Promise.all(
            records.map((record) => limit(() => history.getSiteIncidents(record.config.siteId))),
          );
    // The summary says how far the history is compacted: where an open incident it holds was last seen.
    const summary = await history?.getSummary();
    const incidents = listIncidents(
      files.flatMap((file) => file?.incidents ?? []),
      records,
      summary?.compactedUntilMs,
      fromMs,
    );
    if (options.json) for (const line of incidentsJson(incidents, nowMs)) io.out(line);
    else if (incidents.length === 0) {
      io.err(
        `no incidents since ${new Date(fromMs).toISOString()}${siteId === undefined ? '' : ` for ${siteId}`}`,
      );
    } else io.out(renderIncidents(incidents, nowMs));
    return EXIT.ok;
  });
}
