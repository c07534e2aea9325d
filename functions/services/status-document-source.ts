import type { HistoryStore } from '../adapters/history-store.ts';
import type { SiteRecord, SiteStore } from '../adapters/site-store.ts';
import { TUNING } from '../config.ts';
import type { Audience, StatusDocument } from '../domain/history/status-document.ts';
import { buildStatusDocument, isPublicSite } from '../domain/history/status-document-builder.ts';
import type { HistorySummary } from '../domain/history/summary.ts';

// status.json built on demand from the table and the history summary: the private page (local runtime,
// `squirrel page`). The public page on AWS is published by the fan-out from its own scan (status-publisher.ts).

export interface StatusDocumentSourceDeps {
  readonly sites: Pick<SiteStore, 'scanSites'>;
  readonly history: Pick<HistoryStore, 'getSummary'>;
  readonly nowMs: () => number;
}

export interface StatusDocumentSourceOptions {
  readonly audience: Audience;
  readonly title: string;
  readonly publicOwners: readonly string[];
  /** Parallel scan segments. @default TUNING.scanSegments (the fan-out's) */
  readonly scanSegments?: number;
}

/**
 * Scans every site, reads the summary, builds the document (buildStatusDocument). The summary is read while
 * the table is scanned; the public audience keeps only public sites in memory. Items that do not parse are
 * left out (the fan-out reports them). A failed scan or summary read rejects: a page without history would
 * read as "no downtime".
 */
export async function readStatusDocument(
  deps: StatusDocumentSourceDeps,
  options: StatusDocumentSourceOptions,
): Promise<StatusDocument> {
  const sites: SiteRecord[] = [];
  const [summary] = await Promise.all([
    deps.history.getSummary(),
    deps.sites.scanSites(options.scanSegments ?? TUNING.scanSegments, async (page) => {
      for (const site of page.sites) {
        if (options.audience === 'private' || isPublicSite(site.config, options.publicOwners))
          sites.push(site);
      }
    }),
  ]);
  return buildStatusDocument({
    audience: options.audience,
    title: options.title,
    sites,
    summary,
    publicOwners: options.publicOwners,
    nowMs: deps.nowMs(),
  });
}

/**
 * A summary reader for a page that is read again and again (the private page refreshes every minute): it keeps
 * the last summary and asks S3 only whether it changed (304, no body), so a summary of ~33 MB for 1,000 sites is
 * downloaded and parsed once per compaction, not once per refresh.
 */
export function keptSummary(
  history: Pick<HistoryStore, 'getSummaryIfChanged'>,
): Pick<HistoryStore, 'getSummary'> {
  let kept: { readonly summary: HistorySummary; readonly eTag: string } | undefined;
  return {
    async getSummary() {
      const read = await history.getSummaryIfChanged(kept?.eTag);
      if (read === 'unchanged') return kept?.summary;
      kept = read?.eTag === undefined ? undefined : { summary: read.summary, eTag: read.eTag };
      return read?.summary;
    },
  };
}
