import type { StatusDocument } from '../functions/domain/history/status-document.ts';

// CONTRACT SKELETON (issue 13): the private status page server (npm start, `squirrel page`), loopback only.
// Written by the status-document helper.

export interface StatusPageServerOptions {
  /** 0 = any free port; { preferred } = that port if free, else any. */
  readonly port: number | { readonly preferred: number };
  /** The page shell (STATUS_PAGE_HTML). */
  readonly pageHtml: string;
  /** Builds status.json for each request (private audience). */
  readonly readDocument: () => Promise<StatusDocument>;
}

export interface RunningStatusPageServer {
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves GET / (the shell) and GET /status.json (built on demand) on 127.0.0.1 only. */
export async function startStatusPageServer(
  _options: StatusPageServerOptions,
): Promise<RunningStatusPageServer> {
  throw new Error('not yet implemented');
}
