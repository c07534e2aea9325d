import type { HistoryStore } from '../functions/adapters/history-store.ts';
import type { SiteStore } from '../functions/adapters/site-store.ts';
import { keptSummary, readStatusDocument } from '../functions/services/status-document-source.ts';
import { STATUS_PAGE_HTML } from '../functions/status-page/page-shell.ts';
import type { PortChoice } from './runtime-contract.ts';
import { type RunningStatusPageServer, startStatusPageServer } from './status-page-server.ts';

// The private status page of `npm start` and `squirrel page`: the same shell the public page uses, its
// status.json built on each request for the private audience (every site, URLs and failure details).

/** The page's title locally; on AWS the deploy setting statusPage.title names the public page. */
export const PRIVATE_PAGE_TITLE = 'uptime-squirrel';

export interface LocalStatusPageProps {
  readonly port: PortChoice;
  readonly store: Pick<SiteStore, 'scanSites'>;
  readonly history: Pick<HistoryStore, 'getSummaryIfChanged'>;
  /** Owners whose sites are public, shown as such on the private page. @default none */
  readonly publicOwners?: readonly string[];
}

/** Starts the loopback page server over a table and a history bucket. */
export function startLocalStatusPage(props: LocalStatusPageProps): Promise<RunningStatusPageServer> {
  const history = keptSummary(props.history);
  return startStatusPageServer({
    port: props.port,
    pageHtml: STATUS_PAGE_HTML,
    readDocument: () =>
      readStatusDocument(
        { sites: props.store, history, nowMs: Date.now },
        { audience: 'private', title: PRIVATE_PAGE_TITLE, publicOwners: props.publicOwners ?? [] },
      ),
  });
}
