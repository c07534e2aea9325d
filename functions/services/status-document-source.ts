import type { HistoryStore } from '../adapters/history-store.ts';
import type { SiteStore } from '../adapters/site-store.ts';
import type { Audience, StatusDocument } from '../domain/history/status-document.ts';

// CONTRACT SKELETON (issue 13): status.json built on demand from the table and the history summary — the
// private page (local runtime, `squirrel page`). Written by the status-document helper.

export interface StatusDocumentSourceDeps {
  readonly sites: Pick<SiteStore, 'scanSites'>;
  readonly history: Pick<HistoryStore, 'getSummary'>;
  readonly nowMs: () => number;
}

export interface StatusDocumentSourceOptions {
  readonly audience: Audience;
  readonly title: string;
  readonly publicOwners: readonly string[];
}

/** Scans every site, reads the summary, builds the document (buildStatusDocument). */
export async function readStatusDocument(
  _deps: StatusDocumentSourceDeps,
  _options: StatusDocumentSourceOptions,
): Promise<StatusDocument> {
  throw new Error('not yet implemented');
}
