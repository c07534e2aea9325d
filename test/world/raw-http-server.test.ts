import { connect } from 'node:net';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  HOSTILE,
  httpResponse,
  type RawResponder,
  type RawServer,
  startRawServer,
} from '../support/world/raw-http-server.ts';

const PAGE = '<!doctype html><title>ok</title>';
// How long a connection must stay silent and open to count as hanging: the scripts hang at once.
const HANG_PROOF_MS = 300;
// undici's timers fire up to ~1 s late (TOOLCHAIN.md): short ones keep these tests quick.
const UNDICI_TIMEOUT_MS = 300;

const servers: RawServer[] = [];
const agents: Agent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.destroy()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function startServer(respond: RawResponder, host?: string): Promise<RawServer> {
  const server = await startRawServer(respond, host === undefined ? {} : { host });
  servers.push(server);
  return server;
}

interface RawExchange {
  /** Everything received, as latin1 text. */
  readonly received: string;
  /** How the server left the connection: FIN, RST, or still open after HANG_PROOF_MS. */
  readonly ending: 'fin' | 'rst' | 'open';
}

/** Sends `chunks` on one connection (waiting `gapMs` between them) and watches what comes back. */
async function exchange(server: RawServer, chunks: readonly string[], gapMs = 0): Promise<RawExchange> {
  const socket = connect(server.port, server.host);
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  const ending = await new Promise<RawExchange['ending']>((resolve) => {
    const timer = setTimeout(() => resolve('open'), HANG_PROOF_MS + gapMs * chunks.length);
    socket.on('end', () => {
      clearTimeout(timer);
      resolve('fin');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error.code === 'ECONNRESET' ? 'rst' : 'open');
    });
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        socket.write(chunk);
        if (gapMs > 0) await new Promise((wait) => setTimeout(wait, gapMs));
      }
    });
  });
  socket.destroy();
  return { received: Buffer.concat(received).toString('latin1'), ending };
}

function get(path = '/'): string {
  return `GET ${path} HTTP/1.1\r\nHost: site.test\r\n\r\n`;
}

function codeOf(error: unknown): string {
  const { code, name } = error as { code?: unknown; name?: unknown };
  return String(code ?? name);
}

/**
 * What undici's request() makes of the server, in words: "rejects CODE", "STATUS, N body bytes" or
 * "STATUS, body fails CODE". The code is the error's `code`, or its name when it has none (HTTPParserError).
 */
async function fetchWithUndici(server: RawServer, method: 'GET' | 'HEAD'): Promise<string> {
  const agent = new Agent({ headersTimeout: UNDICI_TIMEOUT_MS, bodyTimeout: UNDICI_TIMEOUT_MS });
  agents.push(agent);
  try {
    const response = await request(server.url('/'), { method, dispatcher: agent });
    try {
      const body = await response.body.arrayBuffer();
      return `${response.statusCode}, ${body.byteLength} body bytes`;
    } catch (error) {
      return `${response.statusCode}, body fails ${codeOf(error)}`;
    }
  } catch (error) {
    return `rejects ${codeOf(error)}`;
  }
}

const RESPOND_BY_METHOD = HOSTILE.byMethod({
  HEAD: httpResponse(200, { reason: 'OK', body: PAGE, isHead: true }),
  GET: httpResponse(503, { reason: 'Service Unavailable', body: 'down' }),
});

describe('startRawServer', () => {
  it('parses the request head: method, path, lower-cased headers with repeats joined', async () => {
    // Prepare
    const server = await startServer(() => httpResponse(204));
    const head =
      'HEAD /health?full=1 HTTP/1.1\r\nHost: site.test\r\nX-Tag: a\r\nx-tag: b\r\nUser-Agent: probe\r\n\r\n';

    // Act
    await exchange(server, [head]);

    // Assess
    expect(server.requests()).toEqual([
      {
        method: 'HEAD',
        path: '/health?full=1',
        headers: { host: 'site.test', 'x-tag': 'a, b', 'user-agent': 'probe' },
      },
    ]);
  });

  it('waits for the whole head when it comes in pieces', async () => {
    // Prepare
    const server = await startServer(() => httpResponse(200, { reason: 'OK', body: 'hi' }));

    // Act
    const reply = await exchange(server, ['GET /sl', 'ow HTTP/1.1\r\nHost: a\r', '\n\r\n'], 20);

    // Assess
    expect(reply.received).toBe('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi');
    expect(server.requests().map((seen) => seen.path)).toEqual(['/slow']);
  });

  it('plays writes, waits, Buffers and the FIN in order', async () => {
    // Prepare
    const server = await startServer(() => [
      { write: 'HTTP/1.1 200 OK\r\n' },
      { waitMs: 150 },
      { write: Buffer.from('Content-Length: 1\r\n\r\n\xff', 'latin1') },
      { end: true },
    ]);

    // Act
    const startedMs = performance.now();
    const reply = await exchange(server, [get()]);
    const elapsedMs = performance.now() - startedMs;

    // Assess: a lower bound only (timers never fire early).
    expect(reply).toEqual({ received: 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n\xff', ending: 'fin' });
    expect(elapsedMs).toBeGreaterThanOrEqual(145);
  });

  it('answers the next request on the same connection when a script leaves it open (keep-alive)', async () => {
    // Prepare
    const server = await startServer((seen) => [
      { write: `HTTP/1.1 200 OK\r\nContent-Length: ${seen.path.length}\r\n\r\n${seen.path}` },
    ]);

    // Act
    const reply = await exchange(server, [get('/one') + get('/two')]);

    // Assess
    expect(reply.received).toBe(
      'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n/one' + 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n/two',
    );
    expect(reply.ending).toBe('open');
    expect(server.requests()).toHaveLength(2);
  });

  it('reads and drops whatever the client sends after a script has finished with the connection', async () => {
    // Prepare
    const server = await startServer(() => [
      { write: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
      { hang: true },
    ]);

    // Act
    const reply = await exchange(server, [get('/first'), get('/second'), 'x'.repeat(100_000)], 20);

    // Assess
    expect(reply).toEqual({ received: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', ending: 'open' });
    expect(server.requests().map((seen) => seen.path)).toEqual(['/first']);
  });

  it('closes promptly, destroying hanging connections and connections in a wait', async () => {
    // Prepare
    const server = await startRawServer((seen) =>
      seen.path === '/hang' ? [{ hang: true }] : [{ waitMs: 60_000 }],
    );
    const clients = ['/hang', '/wait'].map((path) => {
      const socket = connect(server.port, server.host, () => socket.write(get(path)));
      socket.on('error', () => {});
      return new Promise<void>((resolve) => socket.on('close', () => resolve()));
    });
    await expect.poll(() => server.requests().length).toBe(2);

    // Act
    await server.close();

    // Assess: both clients see their connection close.
    await Promise.all(clients);
  });

  it('listens on ::1 with a bracketed URL', async () => {
    // Prepare
    const server = await startServer(() => httpResponse(200, { reason: 'OK', body: 'v6' }), '::1');

    // Act
    const outcome = await fetchWithUndici(server, 'GET');

    // Assess
    expect(server.url('/x')).toBe(`http://[::1]:${server.port}/x`);
    expect(outcome).toBe('200, 2 body bytes');
  });
});

describe('HOSTILE, on the wire (net client)', () => {
  it.each<{ name: string; respond: RawResponder; received: string; ending: RawExchange['ending'] }>([
    {
      name: 'statusBelow100',
      respond: HOSTILE.statusBelow100,
      received: 'HTTP/1.1 099 Odd\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      ending: 'fin',
    },
    {
      name: 'status999',
      respond: HOSTILE.status999,
      received: `HTTP/1.1 999 Request denied\r\nContent-Length: ${PAGE.length}\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n${PAGE}`,
      ending: 'fin',
    },
    {
      name: 'notHttp',
      respond: HOSTILE.notHttp,
      received: 'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n',
      ending: 'fin',
    },
    {
      name: 'conflictingContentLength',
      respond: HOSTILE.conflictingContentLength,
      received: `HTTP/1.1 200 OK\r\nContent-Length: ${PAGE.length}\r\nContent-Length: 7\r\nConnection: close\r\n\r\n${PAGE}`,
      ending: 'fin',
    },
    {
      name: 'earlyHintsThen200',
      respond: HOSTILE.earlyHintsThen200,
      received:
        'HTTP/1.1 103 Early Hints\r\nLink: </app.css>; rel=preload; as=style\r\n\r\n' +
        `HTTP/1.1 200 OK\r\nContent-Length: ${PAGE.length}\r\nConnection: close\r\n\r\n${PAGE}`,
      ending: 'fin',
    },
    {
      name: 'http10CloseDelimited',
      respond: HOSTILE.http10CloseDelimited,
      received: `HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n${PAGE}`,
      ending: 'fin',
    },
    {
      name: 'truncatedBody',
      respond: HOSTILE.truncatedBody,
      received: 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n<!doctype ',
      ending: 'fin',
    },
    {
      name: 'stalledBody',
      respond: HOSTILE.stalledBody,
      received: 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n<!doctype ',
      ending: 'open',
    },
    { name: 'headersNeverSent', respond: HOSTILE.headersNeverSent, received: '', ending: 'open' },
    { name: 'closeWithoutAnswer', respond: HOSTILE.closeWithoutAnswer, received: '', ending: 'fin' },
    { name: 'resetAfterRequest', respond: HOSTILE.resetAfterRequest, received: '', ending: 'rst' },
    {
      name: 'byMethod (GET)',
      respond: RESPOND_BY_METHOD,
      received: 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\ndown',
      ending: 'fin',
    },
  ])(
    '$name sends exactly its bytes, then leaves the connection: $ending',
    async ({ respond, received, ending }) => {
      // Prepare
      const server = await startServer(respond);

      // Act
      const reply = await exchange(server, [get()]);

      // Assess
      expect(reply).toEqual({ received, ending });
    },
  );

  it('byMethod answers HEAD with its own script and other methods with 405', async () => {
    // Prepare
    const server = await startServer(RESPOND_BY_METHOD);

    // Act
    const head = await exchange(server, ['HEAD / HTTP/1.1\r\nHost: a\r\n\r\n']);
    const post = await exchange(server, ['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi']);

    // Assess
    expect(head).toEqual({
      received: `HTTP/1.1 200 OK\r\nContent-Length: ${PAGE.length}\r\nConnection: close\r\n\r\n`,
      ending: 'fin',
    });
    expect(post).toEqual({
      received: 'HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      ending: 'fin',
    });
  });

  it('hugeHeaders sends a header block of at least the size asked for, and no body', async () => {
    // Prepare
    const server = await startServer(HOSTILE.hugeHeaders(40 * 1024));

    // Act
    const reply = await exchange(server, [get()]);

    // Assess
    expect(reply.ending).toBe('fin');
    expect(reply.received.length).toBeGreaterThanOrEqual(40 * 1024);
    expect(reply.received.startsWith('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n')).toBe(true);
    expect(reply.received.indexOf('\r\n\r\n')).toBe(reply.received.length - 4);
    expect(reply.received).toContain('\r\nContent-Security-Policy: ');
    expect(reply.received.split('\r\nSet-Cookie: ').length - 1).toBeGreaterThan(150);
  });
});

describe('HOSTILE, through undici request() (what the probe classifies)', () => {
  it.each<{ name: string; respond: RawResponder; get: string; head: string }>([
    // undici asserts the status line: an AssertionError, not an undici error.
    {
      name: 'statusBelow100',
      respond: HOSTILE.statusBelow100,
      get: 'rejects ERR_ASSERTION',
      head: 'rejects ERR_ASSERTION',
    },
    {
      name: 'status999',
      respond: HOSTILE.status999,
      get: `999, ${PAGE.length} body bytes`,
      head: '999, 0 body bytes',
    },
    // llhttp's error; undici 7 leaves its code undefined, so the name stands in.
    {
      name: 'notHttp',
      respond: HOSTILE.notHttp,
      get: 'rejects HTTPParserError',
      head: 'rejects HTTPParserError',
    },
    // Over undici's 16 KiB maxHeaderSize default.
    {
      name: 'hugeHeaders(40 KiB)',
      respond: HOSTILE.hugeHeaders(40 * 1024),
      get: 'rejects UND_ERR_HEADERS_OVERFLOW',
      head: 'rejects UND_ERR_HEADERS_OVERFLOW',
    },
    {
      name: 'hugeHeaders(8 KiB)',
      respond: HOSTILE.hugeHeaders(8 * 1024),
      get: '200, 0 body bytes',
      head: '200, 0 body bytes',
    },
    // llhttp rejects the second Content-Length; undici reports any parser error as a length mismatch then.
    {
      name: 'conflictingContentLength',
      respond: HOSTILE.conflictingContentLength,
      get: 'rejects UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
      head: 'rejects UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
    },
    {
      name: 'earlyHintsThen200',
      respond: HOSTILE.earlyHintsThen200,
      get: `200, ${PAGE.length} body bytes`,
      head: '200, 0 body bytes',
    },
    {
      name: 'http10CloseDelimited',
      respond: HOSTILE.http10CloseDelimited,
      get: `200, ${PAGE.length} body bytes`,
      head: '200, 0 body bytes',
    },
    // The status arrives; only reading the body fails.
    {
      name: 'truncatedBody',
      respond: HOSTILE.truncatedBody,
      get: '200, body fails UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
      head: '200, 0 body bytes',
    },
    {
      name: 'stalledBody',
      respond: HOSTILE.stalledBody,
      get: '200, body fails UND_ERR_BODY_TIMEOUT',
      head: '200, 0 body bytes',
    },
    {
      name: 'headersNeverSent',
      respond: HOSTILE.headersNeverSent,
      get: 'rejects UND_ERR_HEADERS_TIMEOUT',
      head: 'rejects UND_ERR_HEADERS_TIMEOUT',
    },
    {
      name: 'closeWithoutAnswer',
      respond: HOSTILE.closeWithoutAnswer,
      get: 'rejects UND_ERR_SOCKET',
      head: 'rejects UND_ERR_SOCKET',
    },
    {
      name: 'resetAfterRequest',
      respond: HOSTILE.resetAfterRequest,
      get: 'rejects ECONNRESET',
      head: 'rejects ECONNRESET',
    },
    {
      name: 'byMethod',
      respond: RESPOND_BY_METHOD,
      get: '503, 4 body bytes',
      head: '200, 0 body bytes',
    },
  ])('$name: GET → $get; HEAD → $head', async ({ respond, get: expectedGet, head: expectedHead }) => {
    // Prepare
    const server = await startServer(respond);

    // Act
    const outcomes = await Promise.all([fetchWithUndici(server, 'GET'), fetchWithUndici(server, 'HEAD')]);

    // Assess
    expect(outcomes).toEqual([expectedGet, expectedHead]);
  });
});
