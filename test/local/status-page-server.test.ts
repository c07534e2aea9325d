import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { StatusDocument } from '../../functions/domain/history/status-document.ts';
import { type RunningStatusPageServer, startStatusPageServer } from '../../local/status-page-server.ts';

const SCRIPT = "document.title = 'ok';";
const PAGE = `<!doctype html><title>Status</title><style>p{color:red}</style><p>page</p><script>${SCRIPT}</script>`;
const DOCUMENT: StatusDocument = { v: 1, audience: 'private', title: 'Status', generatedAtMs: 1, sites: [] };

/** A raw request, so a test can send any method and Host header. */
function rawRequest(
  url: string,
  options: { method?: string; host?: string; path?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: options.path ?? '/',
        method: options.method ?? 'GET',
        headers: options.host === undefined ? {} : { host: options.host },
        timeout: 5_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('startStatusPageServer', () => {
  let server: RunningStatusPageServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const start = (
    readDocument: () => Promise<StatusDocument> = async () => DOCUMENT,
    onError?: (e: unknown) => void,
  ) => startStatusPageServer({ port: 0, pageHtml: PAGE, readDocument, ...(onError ? { onError } : {}) });

  it('serves the shell at / and /index.html, on 127.0.0.1, with a policy that lets only its own script run', async () => {
    // Prepare
    server = await start();

    // Act
    const root = await fetch(server.url);
    const index = await fetch(new URL('/index.html', server.url));

    // Assess
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(root.status).toBe(200);
    expect(root.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await root.text()).toBe(PAGE);
    expect(await index.text()).toBe(PAGE);
    const hash = createHash('sha256').update(SCRIPT).digest('base64');
    const policy = root.headers.get('content-security-policy') ?? '';
    expect(policy).toContain(`script-src 'sha256-${hash}'`);
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(root.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('builds status.json on every request, never cached', async () => {
    // Prepare
    let builds = 0;
    server = await start(async () => ({ ...DOCUMENT, generatedAtMs: ++builds }));

    // Act
    const first = await fetch(new URL('/status.json', server.url));
    const second = await fetch(new URL('/status.json?ts=2', server.url));

    // Assess
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(((await first.json()) as StatusDocument).generatedAtMs).toBe(1);
    expect(((await second.json()) as StatusDocument).generatedAtMs).toBe(2);
  });

  it('answers HEAD with the headers and no body', async () => {
    // Prepare
    server = await start();

    // Act
    const page = await rawRequest(server.url, { method: 'HEAD' });
    const document = await rawRequest(server.url, { method: 'HEAD', path: '/status.json' });

    // Assess
    expect(page).toMatchObject({ status: 200, body: '' });
    expect(page.headers['content-length']).toBe(String(Buffer.byteLength(PAGE)));
    expect(document).toMatchObject({ status: 200, body: '' });
    expect(document.headers['content-length']).toBe(String(Buffer.byteLength(JSON.stringify(DOCUMENT))));
  });

  it.each(['/status.json/', '/../etc/passwd', '/index.htm', '/favicon.ico', '//status.json', '/%2e%2e/'])(
    'answers 404 for %s',
    async (path) => {
      server = await start();
      const response = await rawRequest(server.url, { path });
      expect(response.status).toBe(404);
      expect(JSON.parse(response.body)).toEqual({ error: 'not found: this server has / and /status.json' });
    },
  );

  it.each(['POST', 'PUT', 'DELETE', 'OPTIONS'])(
    'answers 405 to %s, naming the allowed methods',
    async (method) => {
      server = await start();
      const response = await rawRequest(server.url, { method, path: '/status.json' });
      expect(response.status).toBe(405);
      expect(response.headers.allow).toBe('GET, HEAD');
    },
  );

  it('refuses a request for another host name (DNS rebinding) and accepts localhost', async () => {
    // Prepare
    server = await start();
    const port = new URL(server.url).port;

    // Act
    const rebound = await rawRequest(server.url, { path: '/status.json', host: `attacker.example:${port}` });
    const local = await rawRequest(server.url, { path: '/status.json', host: `localhost:${port}` });

    // Assess
    expect(rebound.status).toBe(421);
    expect(rebound.body).not.toContain('"sites"');
    expect(local.status).toBe(200);
  });

  it('answers 503 with a short JSON error when the document cannot be built, and keeps serving', async () => {
    // Prepare
    const errors: unknown[] = [];
    let fail = true;
    server = await start(
      async () => {
        if (fail) throw new Error(`ResourceNotFoundException: table sites not found ${'x'.repeat(1_000)}`);
        return DOCUMENT;
      },
      (error) => errors.push(error),
    );

    // Act
    const failed = await fetch(new URL('/status.json', server.url));
    fail = false;
    const recovered = await fetch(new URL('/status.json', server.url));

    // Assess
    expect(failed.status).toBe(503);
    const body = (await failed.json()) as { error: string };
    expect(body.error).toMatch(
      /^status\.json could not be built: ResourceNotFoundException: table sites not found x+$/,
    );
    expect(body.error.length).toBeLessThan(400);
    expect(errors).toHaveLength(1);
    expect(recovered.status).toBe(200);
  });

  it('listens on the preferred port when free, on another when it is taken', async () => {
    // Prepare: hold a port.
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as { port: number }).port;

    try {
      // Act
      server = await startStatusPageServer({
        port: { preferred: taken },
        pageHtml: PAGE,
        readDocument: async () => DOCUMENT,
      });

      // Assess
      expect(new URL(server.url).port).not.toBe(String(taken));
      expect((await fetch(server.url)).status).toBe(200);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  it('closes even while a browser keeps its connection alive', async () => {
    // Prepare
    server = await start();
    await fetch(server.url, { keepalive: true });

    // Act + Assess: close resolves (vitest's timeout would fail a hang).
    await server.close();
    server = undefined;
  });
});
