import { X509Certificate } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, isIP, type Server, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostResolver, ResolutionFailure } from '../../functions/adapters/dns-resolver.ts';
import {
  createProbe,
  DEFAULT_USER_AGENT,
  type Probe,
  type ProbeOptions,
  type ProbeTarget,
} from '../../functions/adapters/http-probe.ts';
import { KEYWORD_MAX_BYTES } from '../../functions/adapters/response-body.ts';
import { MONITOR_USER_AGENT } from '../../functions/domain/alert-message.ts';
import { parseStatusRanges } from '../../functions/domain/status-range.ts';
import { createTestAuthority, type TestCertificate } from './test-certificates.ts';

// Self-signed for 127.0.0.1/localhost, valid until 2126: only used to prove certificates are verified.
const SELF_SIGNED_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgZZO6IMwwbiBNxioU
bSh8d7CbOilv0iylaz3ym29han6hRANCAARn4JAsm5pumhEWBGX/hwR/c3YA43+t
HIp3Bn7zFFFOzAIH9fhtApH0zy2+29uvVu+GNkL8Fqzhx9x88Aq0ZN4P
-----END PRIVATE KEY-----
`;
const SELF_SIGNED_CERT = `-----BEGIN CERTIFICATE-----
MIIBmzCCAUGgAwIBAgIUKlSkZYIXnzvs6lRd0qOZP7cIXZAwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNTA5MDg1OFoYDzIxMjYxMTAx
MDkwODU4WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAARn4JAsm5pumhEWBGX/hwR/c3YA43+tHIp3Bn7zFFFOzAIH9fhtApH0
zy2+29uvVu+GNkL8Fqzhx9x88Aq0ZN4Po28wbTAdBgNVHQ4EFgQU75dxRnP4qB+I
VJ3l4J0oF4krBgAwHwYDVR0jBBgwFoAU75dxRnP4qB+IVJ3l4J0oF4krBgAwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARhwR/AAABgglsb2NhbGhvc3QwCgYIKoZI
zj0EAwIDSAAwRQIhAMNURHgJb9kDev9XZM9X2DsBKaVlNGftgBJ+wcbBCakzAiBy
fqAdKUefxxwZLhohxGbIrhe0d2/w/qoalgr062XE5A==
-----END CERTIFICATE-----
`;

const DEFAULT_EXPECT = parseStatusRanges('200-399');

interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** Name/value pairs as sent, duplicates included. */
  readonly rawHeaders: readonly string[];
}

interface TestServer {
  readonly origin: string;
  readonly port: number;
  readonly requests: SeenRequest[];
  connectionCount(): number;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/** Starts a real server on `host` (always 127.x), by default on port 0; closed after each test. */
async function startServer(handler: Handler, host = '127.0.0.1', port = 0): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const server = createServer(recordInto(requests, handler));
  return serve(server, 'http', requests, host, port);
}

/** Starts a real HTTPS server on 127.0.0.1 presenting `certificate`; closed after each test. */
async function startTlsServer(
  certificate: TestCertificate,
  handler: Handler,
): Promise<TestServer & { renew(next: TestCertificate): void; readonly resumedHandshakes: boolean[] }> {
  const requests: SeenRequest[] = [];
  const server = createHttpsServer(
    { key: certificate.keyPem, cert: certificate.certPem },
    recordInto(requests, handler),
  );
  const resumedHandshakes: boolean[] = [];
  server.on('secureConnection', (socket) => resumedHandshakes.push(socket.isSessionReused()));
  const served = await serve(server, 'https', requests, '127.0.0.1', 0);
  return {
    ...served,
    renew: (next) => server.setSecureContext({ key: next.keyPem, cert: next.certPem }),
    resumedHandshakes,
  };
}

const recordInto =
  (requests: SeenRequest[], handler: Handler): Handler =>
  (req, res) => {
    requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
    });
    handler(req, res);
  };

async function serve(
  server: ReturnType<typeof createServer>,
  scheme: 'http' | 'https',
  requests: SeenRequest[],
  host: string,
  port: number,
): Promise<TestServer> {
  let connections = 0;
  server.on('connection', () => {
    connections += 1;
  });
  const boundPort = await listen(server, host, port);
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  cleanups.push(close);
  return {
    origin: `${scheme}://${host}:${boundPort}`,
    port: boundPort,
    requests,
    connectionCount: () => connections,
    close,
  };
}

/** Starts a raw TCP server for misbehaving peers (resets, garbage); closed after each test. */
async function startRawServer(onSocket: (socket: Socket) => void): Promise<{ origin: string }> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onSocket(socket);
  });
  const port = await listen(server, '127.0.0.1');
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { origin: `http://127.0.0.1:${port}` };
}

async function listen(server: Server, host: string, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return address.port;
}

/** Returns a port nothing listens on: bound once, then released. */
async function findClosedPort(): Promise<number> {
  const server = createNetServer();
  const port = await listen(server, '127.0.0.1');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function useProbe(options: ProbeOptions = { allowPrivateTargets: true }): Probe {
  const probe = createProbe(options);
  cleanups.push(() => probe.close());
  return probe;
}

const target = (url: string, overrides: Partial<ProbeTarget> = {}): ProbeTarget => ({
  url,
  method: 'HEAD',
  timeoutMs: 2_000,
  expectStatus: DEFAULT_EXPECT,
  ...overrides,
});

/** A resolver that answers every name with the given loopback addresses (no real DNS). */
function answerWith(...addresses: string[]): HostResolver {
  return resolverAnswering(() => addresses);
}

/** A resolver whose answer for each lookup comes from `next` (called once per lookup). */
function resolverAnswering(next: () => readonly string[]): HostResolver {
  const toAddress = (address: string) => ({
    address,
    family: isIP(address) === 6 ? (6 as const) : (4 as const),
  });
  return {
    close: () => {},
    // IP literals resolve to themselves, as with the real resolver.
    resolve: async (hostname) => {
      const literal = hostname.replace(/^\[|\]$/g, '');
      const addresses = isIP(literal) === 0 ? next() : [literal];
      return { kind: 'resolved', addresses: addresses.map(toAddress) };
    },
  };
}

function failLookupWith(failure: ResolutionFailure, detail: string): HostResolver {
  return { resolve: async () => ({ kind: 'failed', failure, detail }), close: () => {} };
}

const respondWith =
  (status: number, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, headers).end();
  };

/** Answers HEAD with `headStatus` and GET with 200 and a short body. */
const refuseHead =
  (headStatus: number): Handler =>
  (req, res) => {
    if (req.method === 'HEAD') res.writeHead(headStatus).end();
    else res.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
  };

describe('createProbe: status', () => {
  it('reports up with the status and a whole-number latency when the site answers 200', async () => {
    // Prepare
    const server = await startServer(respondWith(200));
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`));

    // Assess
    expect(result).toEqual({ kind: 'up', status: 200, latencyMs: expect.any(Number) });
    expect(Number.isInteger(result.latencyMs)).toBe(true);
    expect(server.requests).toEqual([expect.objectContaining({ method: 'HEAD', path: '/' })]);
  });

  it('sends the squirrel user agent and asks the server to close the connection, also for GET', async () => {
    // Prepare: undici closes after HEAD by itself, so GET is what proves the probe asks for it
    const server = await startServer(respondWith(200));
    const probe = useProbe();

    // Act
    await probe.check(target(`${server.origin}/`, { method: 'GET' }));

    // Assess
    expect(server.requests[0]?.headers['user-agent']).toBe(DEFAULT_USER_AGENT);
    expect(server.requests[0]?.headers.connection).toBe('close');
  });

  it('opens a fresh connection for every GET check instead of keeping one alive', async () => {
    // Prepare
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    const probe = useProbe();

    // Act
    await probe.check(target(`${server.origin}/`, { method: 'GET' }));
    await probe.check(target(`${server.origin}/`, { method: 'GET' }));
    await probe.check(target(`${server.origin}/`, { method: 'GET' }));

    // Assess
    expect(server.connectionCount()).toBe(3);
  });

  it('reports down http-5xx with the status and a human detail when the site answers 503 to HEAD and to GET', async () => {
    // Prepare
    const server = await startServer(respondWith(503));
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/health`));

    // Assess: a HEAD failure is never the last word
    expect(result).toEqual({
      kind: 'down',
      reason: 'http-5xx',
      status: 503,
      detail: `HTTP 503 Service Unavailable from GET ${server.origin}/health (HEAD 503)`,
      latencyMs: expect.any(Number),
    });
    expect(server.requests.map((seen) => seen.method)).toEqual(['HEAD', 'GET']);
  });

  it("keeps the server's answer to HEAD when the GET asked after it gets none in time", async () => {
    // Prepare: HEAD 404 at once; GET read and never answered
    const server = await startServer((req, res) => {
      if (req.method === 'HEAD') res.writeHead(404).end();
    });
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/missing`, { timeoutMs: 600 }));

    // Assess: the GET cannot show the method matters; "404" is what the owner can act on
    expect(result).toEqual({
      kind: 'down',
      reason: 'http-4xx',
      status: 404,
      detail: `HTTP 404 Not Found from HEAD ${server.origin}/missing (GET timed out)`,
      latencyMs: expect.any(Number),
    });
    expect(server.requests.map((seen) => seen.method)).toEqual(['HEAD', 'GET']);
  });

  it('keeps the query of an unsupported redirect target (an OAuth code) out of the detail', async () => {
    // Prepare
    const server = await startServer(respondWith(302, { location: 'myapp://callback?code=SECRET-CODE' }));
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/login`, { method: 'GET' }));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'protocol', status: 302 });
    expect(result.kind === 'down' && result.detail).toBe(
      `HTTP 302 redirect to unsupported location "myapp://callback?…" from GET ${server.origin}/login`,
    );
  });

  it('shows what a server sent that could garble a mail (C1 controls, read as Latin-1) as "?"', async () => {
    // Prepare: 0x9B is CSI, a terminal escape on some mail and SMS readers
    const server = await startServer(respondWith(302, { location: 'myapp://a\u009b31mb' }));
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`, { method: 'GET' }));

    // Assess
    expect(result.kind === 'down' && result.detail).toBe(
      `HTTP 302 redirect to unsupported location "myapp://a?31mb" from GET ${server.origin}/`,
    );
  });

  it('reports a status outside 100-599 as down protocol, without storing the bogus status', async () => {
    // Prepare
    const server = await startServer(respondWith(600));
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`));

    // Assess
    expect(result).toEqual({
      kind: 'down',
      reason: 'protocol',
      detail: `invalid HTTP status 600 from GET ${server.origin}/ (HEAD failed (protocol))`,
      latencyMs: expect.any(Number),
    });
  });

  it('reports 999, the refusal LinkedIn gives clients it takes for bots, as blocked', async () => {
    // Prepare
    const server = await startServer(respondWith(999));
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`));

    // Assess
    expect(result).toEqual({
      kind: 'blocked',
      status: 999,
      detail: `HTTP 999 from HEAD ${server.origin}/: the site refuses clients it takes for bots (as LinkedIn does)`,
      latencyMs: expect.any(Number),
    });
  });

  it('keeps query strings (often tokens) out of the detail, which is logged and mailed', async () => {
    // Prepare
    const server = await startServer(respondWith(503));
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/health?api_key=sk_live_SECRET`));

    // Assess
    expect(result.kind === 'up' ? '' : result.detail).toBe(
      `HTTP 503 Service Unavailable from GET ${server.origin}/health?… (HEAD 503)`,
    );
  });

  it('reports down http-4xx when the site answers 404', async () => {
    // Prepare
    const server = await startServer(respondWith(404));
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/missing`));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'http-4xx', status: 404 });
    expect(result.kind === 'down' && result.detail).toBe(
      `HTTP 404 Not Found from GET ${server.origin}/missing (HEAD 404)`,
    );
  });

  it('uses GET from the start when the site is configured with GET', async () => {
    // Prepare
    const server = await startServer(respondWith(200));
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`, { method: 'GET' }));

    // Assess
    expect(result.kind).toBe('up');
    expect(server.requests.map((seen) => seen.method)).toEqual(['GET']);
  });

  it('reports up for 204 when only 204 is expected', async () => {
    // Prepare
    const server = await startServer(respondWith(204));
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`, { expectStatus: parseStatusRanges('204') }));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 204 });
  });

  it('reports down unexpected-status for 200 when only 204 is expected', async () => {
    // Prepare
    const server = await startServer(respondWith(200));
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`, { expectStatus: parseStatusRanges('204') }));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'unexpected-status', status: 200 });
    expect(result.kind === 'down' && result.detail).toBe(`HTTP 200 OK from GET ${server.origin}/ (HEAD 200)`);
  });

  it('reports up for a 404 when the site expects 404', async () => {
    // Prepare
    const server = await startServer(respondWith(404));
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`, { expectStatus: parseStatusRanges('404') }));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 404 });
  });
});

describe('createProbe: servers that refuse HEAD', () => {
  it.each([405, 501])(
    'retries a HEAD answered %i exactly once with GET and reports up',
    async (headStatus) => {
      // Prepare
      const server = await startServer(refuseHead(headStatus));
      const probe = useProbe();

      // Act
      const result = await probe.check(target(`${server.origin}/`));

      // Assess: the answer says which method saw what
      expect(result).toMatchObject({ kind: 'up', status: 200 });
      expect(result.kind === 'up' && result.detail).toMatch(
        new RegExp(`^HEAD ${headStatus}, GET 200 in \\d+ ms$`),
      );
      expect(server.requests.map((seen) => seen.method)).toEqual(['HEAD', 'GET']);
    },
  );

  it('judges the GET answer when GET is refused too, without asking a third time', async () => {
    // Prepare
    const server = await startServer(respondWith(405));
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'http-4xx', status: 405 });
    expect(result.kind === 'down' && result.detail).toBe(
      `HTTP 405 Method Not Allowed from GET ${server.origin}/ (HEAD 405)`,
    );
    expect(server.requests.map((seen) => seen.method)).toEqual(['HEAD', 'GET']);
  });

  it('does not retry a 405 when the site was checked with GET', async () => {
    // Prepare
    const server = await startServer(respondWith(405));
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`, { method: 'GET' }));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'http-4xx', status: 405 });
    expect(server.requests).toHaveLength(1);
  });

  it('discards an endless GET body without reading it and frees the socket', async () => {
    // Prepare
    let socketClosed: Promise<void> = Promise.resolve();
    const server = await startServer((req, res) => {
      if (req.method === 'HEAD') {
        res.writeHead(405).end();
        return;
      }
      socketClosed = new Promise((resolve) => req.socket.once('close', () => resolve()));
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const timer = setInterval(() => res.write(chunk), 5);
      res.once('close', () => clearInterval(timer));
    });
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
    await socketClosed;
  });
});

describe('createProbe: redirects', () => {
  it('follows an absolute redirect and judges the final response', async () => {
    // Prepare
    const server = await startServer((req, res) => {
      if (req.url === '/old') res.writeHead(301, { location: `http://${req.headers.host}/new` }).end();
      else res.writeHead(200).end();
    });
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/old`));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
    expect(server.requests.map((seen) => seen.path)).toEqual(['/old', '/new']);
  });

  it('resolves a relative Location against the current URL', async () => {
    // Prepare
    const server = await startServer((req, res) => {
      if (req.url === '/a/b/start') res.writeHead(302, { location: '../final?x=1' }).end();
      else if (req.url === '/a/final?x=1') res.writeHead(200).end();
      else res.writeHead(404).end();
    });
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/a/b/start`));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
    expect(server.requests.map((seen) => seen.path)).toEqual(['/a/b/start', '/a/final?x=1']);
  });

  it('judges the final status of a redirect chain, not the redirect', async () => {
    // Prepare
    const server = await startServer((req, res) => {
      if (req.url === '/') res.writeHead(307, { location: '/down' }).end();
      else res.writeHead(500).end();
    });
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'http-5xx', status: 500 });
    expect(result.kind === 'down' && result.detail).toBe(
      `HTTP 500 Internal Server Error from GET ${server.origin}/down (HEAD 500)`,
    );
  });

  it('reports down redirect-loop when a URL comes back', async () => {
    // Prepare
    const server = await startServer((req, res) => {
      res.writeHead(302, { location: req.url === '/a' ? '/b' : '/a' }).end();
    });
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/a`));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'redirect-loop', status: 302 });
    // HEAD's chain, then GET's: a server could loop for HEAD alone.
    expect(server.requests.map((seen) => `${seen.method} ${seen.path}`)).toEqual([
      'HEAD /a',
      'HEAD /b',
      'GET /a',
      'GET /b',
    ]);
  });

  it('reports down redirect-loop when a page redirects to itself', async () => {
    // Prepare
    const server = await startServer(respondWith(301, { location: '/self' }));
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/self`));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'redirect-loop' });
    expect(server.requests.map((seen) => seen.method)).toEqual(['HEAD', 'GET']);
  });

  it('reports down too-many-redirects for 6 redirects with a limit of 5', async () => {
    // Prepare: /r0 -> /r1 -> ... -> /r6 is 6 redirects before /final
    const server = await startServer((req, res) => {
      const hop = Number(req.url?.replace('/r', ''));
      if (hop < 6) res.writeHead(302, { location: `/r${hop + 1}` }).end();
      else if (hop === 6) res.writeHead(302, { location: '/final' }).end();
      else res.writeHead(200).end();
    });
    const probe = useProbe({ allowPrivateTargets: true, maxRedirects: 5 });

    // Act
    const result = await probe.check(target(`${server.origin}/r1`));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'too-many-redirects', status: 302 });
    expect(server.requests.filter((seen) => seen.method === 'HEAD')).toHaveLength(6);
    expect(server.requests.filter((seen) => seen.method === 'GET')).toHaveLength(6);
  });

  it('follows exactly 5 redirects with a limit of 5', async () => {
    // Prepare
    const server = await startServer((req, res) => {
      const hop = Number(req.url?.replace('/r', ''));
      if (hop < 5) res.writeHead(308, { location: `/r${hop + 1}` }).end();
      else res.writeHead(200).end();
    });
    const probe = useProbe({ allowPrivateTargets: true, maxRedirects: 5 });

    // Act
    const result = await probe.check(target(`${server.origin}/r0`));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
    expect(server.requests).toHaveLength(6);
  });

  it('reports down protocol for a redirect to a non-http scheme', async () => {
    // Prepare
    const server = await startServer(respondWith(302, { location: 'ftp://files.example/' }));
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'protocol', status: 302 });
  });

  it('judges a redirect status without Location as the final response', async () => {
    // Prepare
    const server = await startServer(respondWith(301));
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 301 });
  });
});

describe('createProbe: timeouts and aborts', () => {
  it('reports down timeout within the deadline when the server never answers', async () => {
    // Prepare
    const server = await startServer(() => {});
    const probe = useProbe();
    const timeoutMs = 1_000;
    const startMs = performance.now();

    // Act
    const result = await probe.check(target(`${server.origin}/`, { timeoutMs }));

    // Assess
    const elapsedMs = performance.now() - startMs;
    expect(result).toMatchObject({ kind: 'down', reason: 'timeout' });
    expect(result.kind === 'down' && result.detail).toContain('1000 ms');
    expect(elapsedMs).toBeGreaterThanOrEqual(timeoutMs - 50);
    expect(elapsedMs).toBeLessThan(timeoutMs + 1_500);
  });

  it('applies the deadline to the whole check, across redirect hops', async () => {
    // Prepare: each hop takes 400 ms, three hops cannot fit in 1000 ms
    const server = await startServer((req, res) => {
      const hop = Number(req.url?.replace('/r', ''));
      setTimeout(() => {
        if (res.destroyed) return;
        if (hop < 3) res.writeHead(302, { location: `/r${hop + 1}` }).end();
        else res.writeHead(200).end();
      }, 400);
    });
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/r0`, { timeoutMs: 1_000 }));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'timeout' });
  });

  it('reports up for a slow answer that arrives before the deadline', async () => {
    // Prepare
    const server = await startServer((_req, res) => {
      setTimeout(() => res.writeHead(200).end(), 300);
    });
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`, { timeoutMs: 2_000 }));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
    expect(result.latencyMs).toBeGreaterThanOrEqual(290);
  });

  it('reports a checker fault, not a down site, when the caller aborts first', async () => {
    // Prepare
    const server = await startServer(() => {});
    const probe = useProbe();
    const startMs = performance.now();

    // Act
    const result = await probe.check(
      target(`${server.origin}/`, { timeoutMs: 10_000 }),
      AbortSignal.timeout(200),
    );

    // Assess
    expect(result).toMatchObject({ kind: 'fault', reason: 'checker-fault' });
    expect(result.kind === 'fault' && result.detail).toContain('checker ran out of time');
    expect(performance.now() - startMs).toBeLessThan(1_500);
  });

  it('reports a checker fault without connecting when the caller signal is already aborted', async () => {
    // Prepare
    const server = await startServer(respondWith(200));
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`), AbortSignal.abort());

    // Assess
    expect(result).toMatchObject({ kind: 'fault', reason: 'checker-fault' });
    expect(server.requests).toHaveLength(0);
  });
});

describe('createProbe: network failures', () => {
  it('reports down refused when nothing listens on the port', async () => {
    // Prepare
    const port = await findClosedPort();
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`http://127.0.0.1:${port}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'refused' });
    expect(result.kind === 'down' && result.detail).toContain('ECONNREFUSED');
  });

  it('reports down reset when the server closes the connection on connect', async () => {
    // Prepare
    const server = await startRawServer((socket) => socket.destroy());
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'reset' });
  });

  it('reports down reset when the server resets the connection after reading the request', async () => {
    // Prepare
    const server = await startRawServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'reset' });
  });

  it('reports down protocol when the server answers with something that is not HTTP', async () => {
    // Prepare
    const server = await startRawServer((socket) =>
      socket.once('data', () => socket.end('SSH-2.0-nope\r\n\r\n')),
    );
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'protocol' });
  });

  it('reports down dns when the name does not resolve', async () => {
    // Prepare
    const probe = useProbe({
      allowPrivateTargets: true,
      resolver: failLookupWith('nxdomain', 'no-such-site.test does not exist (NXDOMAIN)'),
    });

    // Act
    const result = await probe.check(target('http://no-such-site.test/'));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'dns' });
    expect(result.kind === 'down' && result.detail).toBe(
      'no-such-site.test does not exist (NXDOMAIN) (HEAD http://no-such-site.test/)',
    );
  });

  it('reports down tls for a self-signed certificate', async () => {
    // Prepare
    const server = createHttpsServer({ key: SELF_SIGNED_KEY, cert: SELF_SIGNED_CERT }, (_req, res) => {
      res.writeHead(200).end();
    });
    const port = await listen(server, '127.0.0.1');
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`https://127.0.0.1:${port}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'tls' });
  });
});

describe('createProbe: address guard', () => {
  it('blocks a loopback literal by default and never reaches the server', async () => {
    // Prepare
    const server = await startServer(respondWith(200));
    const probe = useProbe({});

    // Act
    const result = await probe.check(target(`${server.origin}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'fault', reason: 'blocked-address' });
    expect(result.kind === 'fault' && result.detail).toContain('127.0.0.1');
    expect(server.connectionCount()).toBe(0);
  });

  it('blocks a hostname that resolves to loopback, naming host and address', async () => {
    // Prepare
    const server = await startServer(respondWith(200));
    const probe = useProbe({ resolver: answerWith('127.0.0.1') });

    // Act
    const result = await probe.check(target(`http://rebind.test:${server.port}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'fault', reason: 'blocked-address' });
    expect(result.kind === 'fault' && result.detail).toContain('rebind.test');
    expect(result.kind === 'fault' && result.detail).toContain('127.0.0.1');
    expect(server.connectionCount()).toBe(0);
  });

  it('connects through the injected resolver when the address is allowed', async () => {
    // Prepare
    const server = await startServer(respondWith(200));
    const probe = useProbe({ allowPrivateTargets: true, resolver: answerWith('127.0.0.1') });

    // Act
    const result = await probe.check(target(`http://site.test:${server.port}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
    expect(server.requests[0]?.headers.host).toBe(`site.test:${server.port}`);
  });

  it('connects only to the allowed addresses among those resolved', async () => {
    // Prepare: two servers on the same port, one per address
    const allowed = await startServer(respondWith(204), '127.0.0.1');
    const blocked = await startServer(respondWith(200), '127.0.0.2', allowed.port);
    const probe = useProbe({
      isAddressAllowed: (ip) => ip === '127.0.0.1',
      resolver: answerWith('127.0.0.2', '127.0.0.1'),
    });

    // Act
    const result = await probe.check(target(`http://mixed.test:${allowed.port}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 204 });
    expect(blocked.connectionCount()).toBe(0);
  });

  it('judges the resolved address on every check, so a changed DNS answer is caught', async () => {
    // Prepare: the first answer is allowed, the second (a rebinding) is not
    const allowed = await startServer(respondWith(200), '127.0.0.1');
    const internal = await startServer(respondWith(200), '127.0.0.2', allowed.port);
    let lookups = 0;
    const rebinding = resolverAnswering(() => {
      lookups += 1;
      return [lookups === 1 ? '127.0.0.1' : '127.0.0.2'];
    });
    const probe = useProbe({ isAddressAllowed: (ip) => ip === '127.0.0.1', resolver: rebinding });

    // Act
    const first = await probe.check(target(`http://rebind.test:${allowed.port}/`));
    const second = await probe.check(target(`http://rebind.test:${allowed.port}/`));

    // Assess
    expect(first).toMatchObject({ kind: 'up', status: 200 });
    expect(second).toMatchObject({ kind: 'fault', reason: 'blocked-address' });
    expect(internal.connectionCount()).toBe(0);
  });

  it('blocks a redirect hop to a disallowed address and never reaches it', async () => {
    // Prepare
    const internal = await startServer(respondWith(200), '127.0.0.2');
    const server = await startServer(respondWith(302, { location: `${internal.origin}/admin` }));
    const probe = useProbe({ isAddressAllowed: (ip) => ip === '127.0.0.1' });

    // Act
    const result = await probe.check(target(`${server.origin}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'fault', reason: 'blocked-address' });
    expect(result.kind === 'fault' && result.detail).toContain('127.0.0.2');
    expect(server.requests).toHaveLength(1);
    expect(internal.connectionCount()).toBe(0);
  });

  it('blocks a redirect hop to a hostname that resolves to a disallowed address', async () => {
    // Prepare
    const internal = await startServer(respondWith(200), '127.0.0.2');
    const server = await startServer(
      respondWith(302, { location: `http://internal.test:${internal.port}/` }),
    );
    const probe = useProbe({
      isAddressAllowed: (ip) => ip === '127.0.0.1',
      resolver: answerWith('127.0.0.2'),
    });

    // Act
    const result = await probe.check(target(`${server.origin}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'fault', reason: 'blocked-address' });
    expect(result.kind === 'fault' && result.detail).toContain('internal.test');
    expect(internal.connectionCount()).toBe(0);
  });

  // Only 127/8 forms: if the guard ever broke, the test must still connect nowhere else.
  it.each(['127.0.0.1', '127.255.255.254', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]'])(
    'blocks the literal host %s by default before connecting',
    async (host) => {
      // Prepare
      const server = await startServer(respondWith(200));
      const probe = useProbe({});

      // Act
      const result = await probe.check(target(`http://${host}:${server.port}/`));

      // Assess
      expect(result).toMatchObject({ kind: 'fault', reason: 'blocked-address' });
      expect(server.connectionCount()).toBe(0);
    },
  );
});

describe('createProbe: request headers', () => {
  it('sends the documented monitor User-Agent by default', async () => {
    // Prepare
    const server = await startServer(respondWith(200));
    const probe = useProbe();

    // Act
    await probe.check(target(`${server.origin}/`));

    // Assess
    expect(DEFAULT_USER_AGENT).toBe(MONITOR_USER_AGENT);
    expect(server.requests[0]?.headers['user-agent']).toBe(MONITOR_USER_AGENT);
  });

  it("sends the site's headers on every hop of a redirect", async () => {
    // Prepare
    const server = await startServer((req, res) => {
      if (req.url === '/old') res.writeHead(302, { location: '/new' }).end();
      else res.writeHead(200).end();
    });
    const probe = useProbe();

    // Act
    const result = await probe.check(
      target(`${server.origin}/old`, { headers: { 'X-Api-Key': 'k-123', Accept: 'text/html' } }),
    );

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
    expect(server.requests.map((seen) => seen.headers['x-api-key'])).toEqual(['k-123', 'k-123']);
    expect(server.requests.map((seen) => seen.headers.accept)).toEqual(['text/html', 'text/html']);
    expect(server.requests[0]?.headers['user-agent']).toBe(MONITOR_USER_AGENT);
  });

  it("sends the site's own User-Agent instead of ours, whatever its case, and only once", async () => {
    // Prepare
    const server = await startServer(respondWith(200));
    const probe = useProbe();

    // Act
    await probe.check(
      target(`${server.origin}/`, { headers: { 'User-Agent': 'Mozilla/5.0 (allow-listed)' } }),
    );

    // Assess
    const rawHeaders = server.requests[0]?.rawHeaders ?? [];
    const userAgents = rawHeaders.filter(
      (_, i) => i % 2 === 1 && rawHeaders[i - 1]?.toLowerCase() === 'user-agent',
    );
    expect(userAgents).toEqual(['Mozilla/5.0 (allow-listed)']);
  });

  it('keeps credentials on a same-origin redirect but drops them when a redirect leaves the origin', async () => {
    // Prepare: another port is another origin
    const elsewhere = await startServer(respondWith(200));
    const server = await startServer((req, res) => {
      if (req.url === '/a') res.writeHead(302, { location: '/b' }).end();
      else res.writeHead(302, { location: `${elsewhere.origin}/c` }).end();
    });
    const probe = useProbe();
    const headers = { Authorization: 'Bearer s3cret', Cookie: 'session=1', 'X-Team': 'ops' };

    // Act
    const result = await probe.check(target(`${server.origin}/a`, { headers }));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
    expect(server.requests.map((seen) => seen.headers.authorization)).toEqual([
      'Bearer s3cret',
      'Bearer s3cret',
    ]);
    expect(server.requests.map((seen) => seen.headers.cookie)).toEqual(['session=1', 'session=1']);
    expect(elsewhere.requests[0]?.headers).toMatchObject({ 'x-team': 'ops' });
    expect(elsewhere.requests[0]?.headers.authorization).toBeUndefined();
    expect(elsewhere.requests[0]?.headers.cookie).toBeUndefined();
  });
});

const MiB = 1024 * 1024;

/** Answers with `body` (a string or chunks written `gapMs` apart) and a 200. */
const serveBody =
  (
    body: string | Buffer | readonly (string | Buffer)[],
    headers: Record<string, string> = {},
    gapMs = 10,
  ): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers });
    const chunks = Array.isArray(body) ? [...body] : [body];
    const writeNext = () => {
      if (res.destroyed) return;
      const chunk = chunks.shift();
      if (chunk === undefined) {
        res.end();
        return;
      }
      res.write(chunk);
      setTimeout(writeNext, gapMs);
    };
    writeNext();
  };

describe('createProbe: keyword', () => {
  it('reports up when a present keyword is in the body, checking with GET although HEAD is configured', async () => {
    // Prepare
    const server = await startServer(serveBody('<h1>Welcome to the shop</h1>'));
    const probe = useProbe();

    // Act
    const result = await probe.check(
      target(`${server.origin}/`, { method: 'HEAD', keyword: { text: 'Welcome', mode: 'present' } }),
    );

    // Assess
    expect(result).toEqual({ kind: 'up', status: 200, latencyMs: expect.any(Number) });
    expect(server.requests.map((seen) => seen.method)).toEqual(['GET']);
    expect(server.requests[0]?.headers['accept-encoding']).toBe('identity');
  });

  it('reports down keyword with the body size when a present keyword is missing', async () => {
    // Prepare
    const body = '<h1>Site under maintenance</h1>';
    const server = await startServer(serveBody(body));
    const probe = useProbe();

    // Act
    const result = await probe.check(
      target(`${server.origin}/`, { keyword: { text: 'Welcome', mode: 'present' } }),
    );

    // Assess
    expect(result).toEqual({
      kind: 'down',
      reason: 'keyword',
      status: 200,
      detail: `keyword "Welcome" not found in the body (${body.length} bytes) of GET ${server.origin}/`,
      latencyMs: expect.any(Number),
    });
  });

  it('is case-sensitive', async () => {
    // Prepare
    const server = await startServer(serveBody('<h1>welcome</h1>'));
    const probe = useProbe();

    // Act
    const result = await probe.check(
      target(`${server.origin}/`, { keyword: { text: 'Welcome', mode: 'present' } }),
    );

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'keyword' });
  });

  it('reports down keyword when an absent keyword is found', async () => {
    // Prepare
    const server = await startServer(serveBody('<p>Maintenance until 10:00</p>'));
    const probe = useProbe();

    // Act
    const result = await probe.check(
      target(`${server.origin}/status`, { keyword: { text: 'Maintenance', mode: 'absent' } }),
    );

    // Assess
    expect(result).toMatchObject({
      kind: 'down',
      reason: 'keyword',
      status: 200,
      detail: `keyword "Maintenance" found in the body of GET ${server.origin}/status`,
    });
  });

  it('reports up when an absent keyword is not in the body', async () => {
    // Prepare
    const server = await startServer(serveBody('<p>All systems go</p>'));
    const probe = useProbe();

    // Act
    const result = await probe.check(
      target(`${server.origin}/`, { keyword: { text: 'Maintenance', mode: 'absent' } }),
    );

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
  });

  it('finds a keyword split across chunks, also inside a multi-byte character', async () => {
    // Prepare: "Café ☕" with the chunk boundary inside the é and inside the ☕
    const bytes = Buffer.from('<p>Café ☕ open</p>', 'utf8');
    const e = bytes.indexOf(Buffer.from('é'));
    const cup = bytes.indexOf(Buffer.from('☕'));
    const chunks = [bytes.subarray(0, e + 1), bytes.subarray(e + 1, cup + 2), bytes.subarray(cup + 2)];
    const server = await startServer(serveBody(chunks));
    const probe = useProbe();

    // Act
    const result = await probe.check(
      target(`${server.origin}/`, { keyword: { text: 'Café ☕', mode: 'present' } }),
    );

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
  });

  it('decodes invalid UTF-8 tolerantly and still finds the keyword after it', async () => {
    // Prepare
    const body = Buffer.concat([Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('Welcome')]);
    const server = await startServer(serveBody(body));
    const probe = useProbe();

    // Act
    const result = await probe.check(
      target(`${server.origin}/`, { keyword: { text: 'Welcome', mode: 'present' } }),
    );

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
  });

  it('decompresses a gzip body sent although we asked for identity', async () => {
    // Prepare
    const server = await startServer(serveBody(gzipSync('<h1>Welcome</h1>'), { 'content-encoding': 'gzip' }));
    const probe = useProbe();

    // Act
    const result = await probe.check(
      target(`${server.origin}/`, { keyword: { text: 'Welcome', mode: 'present' } }),
    );

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
  });

  it('reports down protocol for a gzip body that does not decompress', async () => {
    // Prepare
    const server = await startServer(serveBody('not gzip at all', { 'content-encoding': 'gzip' }));
    const probe = useProbe();

    // Act
    const result = await probe.check(
      target(`${server.origin}/`, { keyword: { text: 'Welcome', mode: 'present' } }),
    );

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'protocol' });
    expect(result.kind === 'down' && result.detail).toContain('Z_DATA_ERROR');
  });

  it('reports down keyword, naming the encoding, for a body in a coding it cannot undo', async () => {
    // Prepare
    const server = await startServer(serveBody('....', { 'content-encoding': 'zstd' }));
    const probe = useProbe();

    // Act
    const result = await probe.check(
      target(`${server.origin}/`, { keyword: { text: 'Welcome', mode: 'present' } }),
    );

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'keyword' });
    expect(result.kind === 'down' && result.detail).toContain('unsupported content-encoding "zstd"');
  });

  it('does not find a keyword that comes after the first KEYWORD_MAX_BYTES', async () => {
    // Prepare
    const filler = 'x'.repeat(KEYWORD_MAX_BYTES + 10 * 1024);
    const server = await startServer(serveBody([filler, 'Welcome'], {}, 0));
    const probe = useProbe();

    // Act
    const result = await probe.check(
      target(`${server.origin}/`, { keyword: { text: 'Welcome', mode: 'present' } }),
    );

    // Assess
    expect(KEYWORD_MAX_BYTES).toBe(262_144);
    expect(result).toMatchObject({
      kind: 'down',
      reason: 'keyword',
      detail: `keyword "Welcome" not found in the first 262144 bytes of GET ${server.origin}/`,
    });
  });

  it.each([
    ['present', 'missing', 'down'],
    ['present', 'early', 'up'],
    ['absent', 'missing', 'up'],
  ] as const)(
    'stops reading a slow 10 MiB body at the limit or the match (%s keyword, %s) and reports %s',
    async (mode, where, kind) => {
      // Prepare: 64 KiB every 10 ms would take more than 1.6 s to send 10 MiB
      let written = 0;
      let writtenAtClose = -1;
      let closed = Promise.resolve();
      const server = await startServer((_req, res) => {
        closed = new Promise((resolve) =>
          res.once('close', () => {
            writtenAtClose = written;
            resolve();
          }),
        );
        res.writeHead(200, { 'content-type': 'text/plain' });
        if (where === 'early') res.write('Welcome ');
        const chunk = Buffer.alloc(64 * 1024, 'a');
        const timer = setInterval(() => {
          if (written >= 10 * MiB) {
            clearInterval(timer);
            res.end();
            return;
          }
          res.write(chunk);
          written += chunk.length;
        }, 10);
        res.once('close', () => clearInterval(timer));
      });
      const probe = useProbe();
      const startMs = performance.now();

      // Act
      const result = await probe.check(
        target(`${server.origin}/`, { timeoutMs: 10_000, keyword: { text: 'Welcome', mode } }),
      );

      // Assess
      const elapsedMs = performance.now() - startMs;
      await closed;
      expect(result.kind).toBe(kind);
      expect(elapsedMs).toBeLessThan(1_000);
      expect(writtenAtClose).toBeGreaterThanOrEqual(0);
      expect(writtenAtClose).toBeLessThan(MiB);
    },
  );

  it('applies the deadline to reading the body', async () => {
    // Prepare: headers and a little body, then nothing
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.write('<html><head>');
    });
    const probe = useProbe();
    const startMs = performance.now();

    // Act
    const result = await probe.check(
      target(`${server.origin}/`, { timeoutMs: 500, keyword: { text: 'Welcome', mode: 'present' } }),
    );

    // Assess
    expect(result).toMatchObject({
      kind: 'down',
      reason: 'body-timeout',
      detail: `the body of GET ${server.origin}/ stalled: 12 bytes read when the 500 ms deadline came`,
    });
    expect(performance.now() - startMs).toBeLessThan(1_500);
  });

  it('judges the keyword on the final response of a redirect', async () => {
    // Prepare
    const server = await startServer((req, res) => {
      if (req.url === '/') res.writeHead(301, { location: '/home' }).end('Welcome? no, moved');
      else serveBody('<h1>Welcome home</h1>')(req, res);
    });
    const probe = useProbe();

    // Act
    const result = await probe.check(
      target(`${server.origin}/`, { keyword: { text: 'home', mode: 'present' } }),
    );

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
    expect(server.requests.map((seen) => `${seen.method} ${seen.path}`)).toEqual(['GET /', 'GET /home']);
  });

  it('does not judge the keyword when the status is not expected', async () => {
    // Prepare
    const server = await startServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/html' }).end('Welcome');
    });
    const probe = useProbe();

    // Act
    const result = await probe.check(
      target(`${server.origin}/`, { keyword: { text: 'Welcome', mode: 'absent' } }),
    );

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'http-5xx', status: 503 });
  });
});

const DAY_MS = 86_400_000;
const authority = createTestAuthority();
const useTrustingProbe = (options: ProbeOptions = {}) =>
  useProbe({ allowPrivateTargets: true, ca: [authority.certPem], ...options });

describe('createProbe: TLS certificate', () => {
  it.each([5, 40])('reports the leaf certificate of its own handshake, expiring in %i days', async (days) => {
    // Prepare
    const notAfterMs = Date.now() + days * DAY_MS;
    const certificate = authority.issue({ notAfterMs });
    const server = await startTlsServer(certificate, respondWith(200));
    const probe = useTrustingProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
    const tls = result.kind === 'up' ? result.tls : undefined;
    expect(Math.abs((tls?.validToMs ?? 0) - notAfterMs)).toBeLessThan(60_000);
    expect(tls?.fingerprint).toBe(new X509Certificate(certificate.certPem).fingerprint256);
    expect(server.connectionCount()).toBe(1);
  });

  it('reports down tls for an expired certificate from a trusted CA', async () => {
    // Prepare
    const certificate = authority.issue({ notAfterMs: Date.now() - DAY_MS });
    const server = await startTlsServer(certificate, respondWith(200));
    const probe = useTrustingProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'tls' });
    expect(result.kind === 'down' && result.detail).toContain('CERT_HAS_EXPIRED');
    expect(server.requests).toHaveLength(0);
  });

  it('reports down tls for a certificate issued for another name, and still closes', async () => {
    // Prepare
    const certificate = authority.issue({ notAfterMs: Date.now() + 30 * DAY_MS, hosts: ['shop.example'] });
    const server = await startTlsServer(certificate, respondWith(200));
    const probe = createProbe({ allowPrivateTargets: true, ca: [authority.certPem] });

    // Act
    const result = await probe.check(target(`${server.origin}/`));
    // undici 7 keeps counting a request failed this way as running: a client close() would wait forever.
    const closed = await Promise.race([
      probe.close().then(() => 'closed'),
      new Promise((resolve) => setTimeout(() => resolve('still open'), 2_000)),
    ]);

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'tls' });
    expect(result.kind === 'down' && result.detail).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(closed).toBe('closed');
  });

  it('reports down tls for a certificate from a CA it was not given', async () => {
    // Prepare
    const stranger = createTestAuthority('someone else').issue({ notAfterMs: Date.now() + 30 * DAY_MS });
    const server = await startTlsServer(stranger, respondWith(200));
    const probe = useTrustingProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'tls' });
  });

  it('captures the certificate of the https hop after a redirect from http', async () => {
    // Prepare
    const certificate = authority.issue({ notAfterMs: Date.now() + 20 * DAY_MS });
    const secure = await startTlsServer(certificate, respondWith(200));
    const plain = await startServer(respondWith(301, { location: `${secure.origin}/` }));
    const probe = useTrustingProbe();

    // Act
    const result = await probe.check(target(`${plain.origin}/`));

    // Assess
    expect(result).toMatchObject({
      kind: 'up',
      status: 200,
      tls: { fingerprint: certificate.fingerprint256 },
    });
  });

  it('reports no certificate when the final hop is plain http', async () => {
    // Prepare
    const plain = await startServer(respondWith(200));
    const secure = await startTlsServer(
      authority.issue({ notAfterMs: Date.now() + 20 * DAY_MS }),
      respondWith(302, { location: `${plain.origin}/` }),
    );
    const probe = useTrustingProbe();

    // Act
    const result = await probe.check(target(`${secure.origin}/`));

    // Assess
    expect(result).toEqual({ kind: 'up', status: 200, latencyMs: expect.any(Number) });
  });

  it('does a full handshake on every check: a resumed session would show no certificate and skip verification', async () => {
    // Prepare
    const certificate = authority.issue({ notAfterMs: Date.now() + 30 * DAY_MS });
    const server = await startTlsServer(certificate, respondWith(200));
    const probe = useTrustingProbe();

    // Act
    const results = [];
    for (const method of ['GET', 'GET', 'HEAD'] as const) {
      results.push(await probe.check(target(`${server.origin}/`, { method })));
    }

    // Assess
    expect(server.resumedHandshakes).toEqual([false, false, false]);
    for (const result of results) {
      expect(result).toMatchObject({ kind: 'up', tls: { fingerprint: certificate.fingerprint256 } });
    }
  });

  it('sees a renewed certificate on the next check', async () => {
    // Prepare
    const first = authority.issue({ notAfterMs: Date.now() + 3 * DAY_MS });
    const renewed = authority.issue({ notAfterMs: Date.now() + 90 * DAY_MS });
    const server = await startTlsServer(first, respondWith(200));
    const probe = useTrustingProbe();
    const before = await probe.check(target(`${server.origin}/`));

    // Act
    server.renew(renewed);
    const after = await probe.check(target(`${server.origin}/`));

    // Assess
    expect(before).toMatchObject({ kind: 'up', tls: { fingerprint: first.fingerprint256 } });
    expect(after).toMatchObject({ kind: 'up', tls: { fingerprint: renewed.fingerprint256 } });
  });

  it('puts the certificate on blocked results and keyword checks too', async () => {
    // Prepare
    const certificate = authority.issue({ notAfterMs: Date.now() + 10 * DAY_MS });
    const server = await startTlsServer(certificate, (req, res) => {
      if (req.url === '/admin') res.writeHead(403).end();
      else serveBody('<h1>Welcome</h1>')(req, res);
    });
    const probe = useTrustingProbe();
    const tls = { fingerprint: certificate.fingerprint256, validToMs: expect.any(Number) };

    // Act
    const blocked = await probe.check(target(`${server.origin}/admin`));
    const keyword = await probe.check(
      target(`${server.origin}/`, { keyword: { text: 'Welcome', mode: 'present' } }),
    );

    // Assess
    expect(blocked).toMatchObject({ kind: 'blocked', status: 403, tls });
    expect(keyword).toMatchObject({ kind: 'up', status: 200, tls });
  });
});

describe('createProbe: blocked', () => {
  it.each([
    [401, 'Unauthorized', ` (HEAD 401 (refused))`, ['HEAD', 'GET']],
    [403, 'Forbidden', ` (HEAD 403 (refused))`, ['HEAD', 'GET']],
    // Asked to slow down: no second request.
    [429, 'Too Many Requests', '', ['HEAD']],
  ])('reports blocked, not down, for %i', async (status, text, headNote, methods) => {
    // Prepare
    const server = await startServer(respondWith(status));
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`));

    // Assess
    const method = methods.at(-1);
    expect(result).toEqual({
      kind: 'blocked',
      status,
      detail: `HTTP ${status} ${text} from ${method} ${server.origin}/${headNote}`,
      latencyMs: expect.any(Number),
    });
    expect(server.requests.map((seen) => seen.method)).toEqual(methods);
  });

  it('is UP when only HEAD is refused (403) and GET is answered', async () => {
    // Prepare
    const server = await startServer(refuseHead(403));
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
  });

  it('reports blocked for a Cloudflare challenge, naming the marker', async () => {
    // Prepare
    const server = await startServer(
      respondWith(403, {
        'cf-mitigated': 'challenge',
        server: 'cloudflare',
        'cf-ray': '8f1e2d3c4b5a6978-AMS',
      }),
    );
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`));

    // Assess
    expect(result).toMatchObject({
      kind: 'blocked',
      status: 403,
      detail: `HTTP 403 Forbidden from HEAD ${server.origin}/: Cloudflare challenge (cf-mitigated: challenge)`,
    });
  });

  it.each([
    ['a Cloudflare challenge answered 503', 503, { 'cf-mitigated': 'challenge' }, 'Cloudflare challenge'],
    [
      'an AWS WAF challenge answered 202, an expected status',
      202,
      { 'x-amzn-waf-action': 'challenge' },
      'AWS WAF',
    ],
    ['an AWS WAF CAPTCHA answered 405', 405, { 'x-amzn-waf-action': 'captcha' }, 'AWS WAF'],
    ['a Vercel checkpoint answered 429', 429, { 'x-vercel-mitigated': 'challenge' }, 'Vercel checkpoint'],
  ])('reports blocked for %s', async (_label, status, headers, vendor) => {
    // Prepare
    const server = await startServer(respondWith(status, headers));
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'blocked', status });
    expect(result.kind === 'blocked' && result.detail).toContain(vendor);
    // A challenge is judged at once: a CAPTCHA's 405 is not a server refusing HEAD.
    expect(server.requests).toHaveLength(1);
  });

  it('reports up for 429 when the site expects 429', async () => {
    // Prepare
    const server = await startServer(respondWith(429));
    const probe = useProbe();

    // Act
    const result = await probe.check(
      target(`${server.origin}/`, { expectStatus: parseStatusRanges('200-299,429') }),
    );

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 429 });
  });

  it('keeps a plain 503 from behind Cloudflare as down http-5xx: server and cf-ray are on every proxied answer', async () => {
    // Prepare
    const server = await startServer(
      respondWith(503, { server: 'cloudflare', 'cf-ray': '8f1e2d3c4b5a6978-AMS' }),
    );
    const probe = useProbe();

    // Act
    const result = await probe.check(target(`${server.origin}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'http-5xx', status: 503 });
  });
});

describe('createProbe: options', () => {
  it('rejects a negative maxRedirects by name and value', () => {
    // Prepare
    const options = { maxRedirects: -1 };

    // Act
    const create = () => createProbe(options);

    // Assess
    expect(create).toThrow('maxRedirects must be a whole number from 0 to 20, got -1');
  });

  it('reports a checker fault for a target URL that cannot be parsed', async () => {
    // Prepare
    const probe = useProbe();

    // Act
    const result = await probe.check(target('not a url'));

    // Assess
    expect(result).toMatchObject({ kind: 'fault', reason: 'checker-fault' });
  });
});
