import { createServer, isIPv6, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** The head of one request as the raw server parsed it; header names are lower-cased, repeats joined by ", ". */
export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** One scripted action on the connection; a script runs its steps in order. */
export type RawStep =
  | { readonly write: string | Buffer }
  | { readonly waitMs: number }
  /** FIN after what was written. */
  | { readonly end: true }
  /** RST (socket.resetAndDestroy()). */
  | { readonly reset: true }
  /** Keeps the connection open and sends nothing more. */
  | { readonly hang: true };

/** Decides the bytes for one request. A script without end/reset/hang leaves the connection open for the next. */
export type RawResponder = (request: RawRequest) => readonly RawStep[];

export interface RawServer {
  readonly host: string;
  readonly port: number;
  /** "http://host:port/path" (IPv6 hosts bracketed); path defaults to "/". */
  url(path?: string): string;
  /** Every request head parsed so far, in arrival order. */
  requests(): readonly RawRequest[];
  /** Stops listening and destroys every open connection, hanging ones included. */
  close(): Promise<void>;
}

export interface RawServerOptions {
  /** Loopback address to listen on (default 127.0.0.1). */
  readonly host?: string;
}

// Far above any real request head: a client sending more without CRLFCRLF is not HTTP, so stop reading.
const MAX_REQUEST_HEAD_BYTES = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * Starts a TCP server on loopback that parses each request head and plays back the steps `respond` returns:
 * the "hostile server" for tests of what a client makes of odd bytes, resets and silence.
 */
export async function startRawServer(
  respond: RawResponder,
  options: RawServerOptions = {},
): Promise<RawServer> {
  const host = options.host ?? '127.0.0.1';
  const seen: RawRequest[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((socket) => {
    sockets.add(socket);
    // Aborts a step's wait once the connection is gone, so nothing outlives close().
    const gone = new AbortController();
    socket.on('close', () => {
      sockets.delete(socket);
      gone.abort();
    });
    // Clients reset and vanish: that is what these tests are about, not a failure of the server.
    socket.on('error', () => {});
    socket.setNoDelay(true);
    let buffered = Buffer.alloc(0);
    let isPlaying = false;
    let isFinished = false;

    const serveNext = async (): Promise<void> => {
      while (!isFinished && !isPlaying) {
        const headEnd = buffered.indexOf(HEAD_END);
        if (headEnd === -1) {
          if (buffered.length > MAX_REQUEST_HEAD_BYTES) isFinished = true;
          return;
        }
        const request = parseHead(buffered.subarray(0, headEnd).toString('latin1'));
        // A request body (none for HEAD or GET) is skipped by its Content-Length.
        const bodyBytes = Number.parseInt(request.headers['content-length'] ?? '0', 10) || 0;
        buffered = buffered.subarray(Math.min(buffered.length, headEnd + HEAD_END.length + bodyBytes));
        seen.push(request);
        isPlaying = true;
        isFinished = await play(socket, respond(request), gone.signal);
        isPlaying = false;
      }
    };

    socket.on('data', (chunk: Buffer) => {
      // Bytes after the end of a script (a pipelined request, a late body) are read and dropped.
      if (isFinished) return;
      buffered = Buffer.concat([buffered, chunk]);
      void serveNext();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error(`unexpected server address ${address}`);
  const { port } = address;
  const origin = isIPv6(host) ? `http://[${host}]:${port}` : `http://${host}:${port}`;

  return {
    host,
    port,
    url: (path = '/') => `${origin}${path}`,
    requests: () => [...seen],
    close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      return closed;
    },
  };
}

/** Plays steps on the socket; resolves true once the connection is finished with (end, reset, hang, gone). */
async function play(socket: Socket, steps: readonly RawStep[], gone: AbortSignal): Promise<boolean> {
  for (const step of steps) {
    if (socket.destroyed) return true;
    if ('write' in step) {
      // Waits for the kernel to take the bytes, so a reset that follows cannot discard them.
      await new Promise<void>((resolve) => socket.write(step.write, () => resolve()));
    } else if ('waitMs' in step) {
      const isGone = await sleep(step.waitMs, false, { signal: gone }).catch(() => true);
      if (isGone) return true;
    } else if ('end' in step) {
      socket.end();
      return true;
    } else if ('reset' in step) {
      socket.resetAndDestroy();
      return true;
    } else {
      // hang: the connection stays open until the client or close() ends it.
      return true;
    }
  }
  return socket.destroyed;
}

function parseHead(head: string): RawRequest {
  const [requestLine = '', ...headerLines] = head.split('\r\n');
  const [method = '', path = ''] = requestLine.split(' ');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { method, path, headers };
}

/** The steps of a complete HTTP/1.1 response with Content-Length (none written for HEAD), then FIN. */
export function httpResponse(
  status: number,
  options: {
    readonly reason?: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
    readonly isHead?: boolean;
  } = {},
): readonly RawStep[] {
  const body = options.body ?? '';
  const lines = [
    `HTTP/1.1 ${String(status).padStart(3, '0')} ${options.reason ?? 'Status'}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...Object.entries(options.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
  ];
  return [{ write: `${lines.join('\r\n')}\r\n\r\n${options.isHead === true ? '' : body}` }, { end: true }];
}

const PAGE = '<!doctype html><title>ok</title>';

/** Request head, then a header block of at least `totalBytes`: the cookie-and-CSP-heavy sites of today. */
function hugeHeaders(totalBytes: number): RawResponder {
  const policy = `Content-Security-Policy: default-src 'self'; script-src 'self' ${'https://cdn.example.test '.repeat(40)}`;
  const lines = ['HTTP/1.1 200 OK', 'Content-Length: 0', 'Connection: close', policy];
  let size = lines.join('\r\n').length;
  for (let index = 0; size < totalBytes; index++) {
    const cookie = `Set-Cookie: tracker_${index}=${'v'.repeat(150)}; Path=/; Secure; HttpOnly`;
    lines.push(cookie);
    size += cookie.length + 2;
  }
  const head = `${lines.join('\r\n')}\r\n\r\n`;
  return () => [{ write: head }, { end: true }];
}

/** Steps chosen by the request's method, `otherwise` (405) for the rest: a server that treats HEAD apart. */
function byMethod(
  scripts: Readonly<Record<string, readonly RawStep[]>>,
  otherwise: readonly RawStep[] = httpResponse(405, { reason: 'Method Not Allowed' }),
): RawResponder {
  return (request) => scripts[request.method] ?? otherwise;
}

/** Ready responders modelling servers met in the wild; factories take the size or scripts they need. */
export const HOSTILE = {
  /** A status below 100 (`HTTP/1.1 099 Odd`): homegrown embedded web servers. */
  statusBelow100: (() => [
    { write: 'HTTP/1.1 099 Odd\r\nContent-Length: 0\r\nConnection: close\r\n\r\n' },
    { end: true },
  ]) satisfies RawResponder,
  /** Status 999 with a body: LinkedIn's answer to clients it takes for bots. */
  status999: ((request) =>
    httpResponse(999, {
      reason: 'Request denied',
      headers: { 'Content-Type': 'text/html' },
      body: PAGE,
      isHead: request.method === 'HEAD',
    })) satisfies RawResponder,
  /** Not HTTP at all: an SSH daemon on the port the site's URL names. */
  notHttp: (() => [
    { write: 'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n' },
    { end: true },
  ]) satisfies RawResponder,
  /** A header block of `totalBytes` (e.g. 40 KiB) of Set-Cookie lines and a long CSP: ad-tech-laden sites. */
  hugeHeaders,
  /** Two Content-Length headers that disagree: a proxy that added its own to the origin's. */
  conflictingContentLength: (() => [
    {
      write: `HTTP/1.1 200 OK\r\nContent-Length: ${PAGE.length}\r\nContent-Length: 7\r\nConnection: close\r\n\r\n${PAGE}`,
    },
    { end: true },
  ]) satisfies RawResponder,
  /** 103 Early Hints, then 200: CDNs preloading assets (Cloudflare, Fastly). */
  earlyHintsThen200: ((request) => [
    { write: 'HTTP/1.1 103 Early Hints\r\nLink: </app.css>; rel=preload; as=style\r\n\r\n' },
    ...httpResponse(200, { reason: 'OK', body: PAGE, isHead: request.method === 'HEAD' }),
  ]) satisfies RawResponder,
  /** HTTP/1.0, no Content-Length, the body ends at FIN: old CGI servers and device admin pages. */
  http10CloseDelimited: ((request) => [
    { write: `HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n${request.method === 'HEAD' ? '' : PAGE}` },
    { end: true },
  ]) satisfies RawResponder,
  /** Content-Length: 1000 but 10 bytes, then FIN: a worker that crashed mid-response. */
  truncatedBody: ((request) => [
    {
      write: `HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n${request.method === 'HEAD' ? '' : '<!doctype '}`,
    },
    { end: true },
  ]) satisfies RawResponder,
  /** Content-Length: 1000, 10 bytes, then nothing: an app stuck on a slow query halfway through the page. */
  stalledBody: ((request) => [
    {
      write: `HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n${request.method === 'HEAD' ? '' : '<!doctype '}`,
    },
    { hang: true },
  ]) satisfies RawResponder,
  /** Accepts and reads the request, never answers: a server whose workers are all busy. */
  headersNeverSent: (() => [{ hang: true }]) satisfies RawResponder,
  /** FIN right after the request: a server restarting, or one that drops clients it dislikes. */
  closeWithoutAnswer: (() => [{ end: true }]) satisfies RawResponder,
  /** RST right after the request: a firewall or load balancer killing the connection. */
  resetAfterRequest: (() => [{ reset: true }]) satisfies RawResponder,
  /** Steps per method, 405 for the rest: e.g. `byMethod({ HEAD: httpResponse(200, …), GET: httpResponse(503) })`. */
  byMethod,
} as const;
