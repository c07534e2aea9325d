import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StatusDocument } from '../functions/domain/history/status-document.ts';
import { contentSecurityPolicyFor } from '../functions/status-page/content-security-policy.ts';

// The private status page server (npm start, `squirrel page`): loopback only, two fixed paths, nothing read from
// disk. The private document names internal URLs, so the server also refuses requests whose Host is not its own
// (a page on another site could otherwise reach it through DNS rebinding).

const LOOPBACK = '127.0.0.1';
// What a failed build tells the browser: enough to act on, never a whole stack.
const MAX_ERROR_CHARS = 300;

export interface StatusPageServerOptions {
  /** 0 = any free port; { preferred } = that port if free, else any. */
  readonly port: number | { readonly preferred: number };
  /** The page shell (STATUS_PAGE_HTML). */
  readonly pageHtml: string;
  /** Builds status.json for each request (private audience). */
  readonly readDocument: () => Promise<StatusDocument>;
  /** Told about each failed build (the response says only a short message). */
  readonly onError?: (error: unknown) => void;
}

export interface RunningStatusPageServer {
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves GET / (the shell) and GET /status.json (built on demand) on 127.0.0.1 only. */
export async function startStatusPageServer(
  options: StatusPageServerOptions,
): Promise<RunningStatusPageServer> {
  const securityHeaders = securityHeadersFor(options.pageHtml);
  let port = 0;
  const server = createServer((request, response) => {
    for (const [name, value] of Object.entries(securityHeaders)) response.setHeader(name, value);
    handle(request, response, options, port).catch((error: unknown) => {
      // Only a bug gets here (handle answers every request itself): answer rather than hang the browser.
      options.onError?.(error);
      if (!response.headersSent) sendJson(response, request, 500, { error: 'internal error' });
      else response.destroy();
    });
  });
  port = await listen(server, options.port);
  return {
    url: `http://${LOOPBACK}:${port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Browsers keep connections alive: close them too, or close() waits for their timeout.
        server.closeAllConnections();
      }),
  };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  options: StatusPageServerOptions,
  port: number,
): Promise<void> {
  if (!isOwnHost(request.headers.host, port)) {
    sendJson(response, request, 421, { error: 'this server answers only to its own address' });
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    sendJson(response, request, 405, { error: `method ${request.method ?? ''} is not allowed` });
    return;
  }
  const path = (request.url ?? '/').split('?')[0];
  if (path === '/' || path === '/index.html') {
    send(response, request, 200, 'text/html; charset=utf-8', options.pageHtml, 'no-cache');
    return;
  }
  if (path === '/status.json') {
    let body: string;
    try {
      body = JSON.stringify(await options.readDocument());
    } catch (error) {
      options.onError?.(error);
      const message = error instanceof Error ? error.message : String(error);
      sendJson(response, request, 503, {
        error: `status.json could not be built: ${message.slice(0, MAX_ERROR_CHARS)}`,
      });
      return;
    }
    send(response, request, 200, 'application/json; charset=utf-8', body, 'no-store');
    return;
  }
  sendJson(response, request, 404, { error: 'not found: this server has / and /status.json' });
}

function send(
  response: ServerResponse,
  request: IncomingMessage,
  status: number,
  contentType: string,
  body: string,
  cacheControl: string,
): void {
  response.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': cacheControl,
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}

const sendJson = (response: ServerResponse, request: IncomingMessage, status: number, body: object) =>
  send(response, request, status, 'application/json; charset=utf-8', JSON.stringify(body), 'no-store');

const isOwnHost = (host: string | undefined, port: number): boolean =>
  host === `${LOOPBACK}:${port}` || host === `localhost:${port}`;

/** The page's Content-Security-Policy (the same as CloudFront sends) and the usual hardening headers. */
export function securityHeadersFor(pageHtml: string): Record<string, string> {
  const policy = contentSecurityPolicyFor(pageHtml);
  return {
    'Content-Security-Policy': policy,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
  };
}

/** Listens on loopback; a preferred port that is taken falls back to any free one. */
async function listen(server: Server, port: StatusPageServerOptions['port']): Promise<number> {
  const attempt = (wanted: number) =>
    new Promise<number>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      server.once('error', onError);
      server.listen(wanted, LOOPBACK, () => {
        server.off('error', onError);
        resolve((server.address() as AddressInfo).port);
      });
    });
  if (typeof port === 'number') return attempt(port);
  try {
    return await attempt(port.preferred);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    return attempt(0);
  }
}
