import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StatusDocument } from '../../../functions/domain/history/status-document.ts';

/** What GET /status.json answers: a document, or a failure status. */
export type StatusAnswer = { readonly document: StatusDocument } | { readonly failWith: number };

export interface FixturePageServer {
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  answer(next: StatusAnswer): void;
  /** Requests for /status.json so far. */
  readonly documentRequests: () => number;
  close(): Promise<void>;
}

/**
 * The page as a browser gets it in production: the shell at / and status.json beside it, over real HTTP on
 * loopback. The test decides what status.json says (or that it fails).
 */
export async function startFixturePageServer(html: string, first: StatusAnswer): Promise<FixturePageServer> {
  let current = first;
  let documentRequests = 0;
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    } else if (path === '/status.json') {
      documentRequests += 1;
      if ('failWith' in current) response.writeHead(current.failWith).end();
      else
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(current.document));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    answer: (next) => {
      current = next;
    },
    documentRequests: () => documentRequests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
