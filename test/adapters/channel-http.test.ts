import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChannelPosterOptions,
  createChannelPoster,
  ERROR_BODY_MAX_BYTES,
  retryAfterOf,
} from '../../functions/adapters/channel-http.ts';
import { isPublicAddress } from '../../functions/domain/address-policy.ts';
import type { ChannelRequest } from '../../functions/domain/channels/channel-request.ts';
import { type AnswerPlan, type ChannelReceiver, startChannelReceiver } from '../support/channel-receiver.ts';
import { startSilentServer } from '../support/silent-server.ts';
import { type LoopbackDnsServer, startDnsServer } from '../support/world/dns-server.ts';
import { httpResponse, startRawServer } from '../support/world/raw-http-server.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function receiver(plan?: AnswerPlan): Promise<ChannelReceiver> {
  const started = await startChannelReceiver(plan);
  cleanups.push(() => started.close());
  return started;
}

function poster(options: ChannelPosterOptions = { allowPrivateTargets: true }) {
  const created = createChannelPoster(options);
  cleanups.push(() => created.close());
  return created;
}

async function dnsServer(): Promise<LoopbackDnsServer> {
  const started = await startDnsServer();
  cleanups.push(() => started.close());
  return started;
}

const post = (url: string, followRedirects = true): ChannelRequest => ({
  url,
  headers: { 'content-type': 'application/json', 'x-squirrel-event': 'DOWN' },
  body: '{"text":"example.com is DOWN"}',
  followRedirects,
});

const answer =
  (status: number, body = '', headers: Record<string, string> = {}): AnswerPlan =>
  () => ({ status, body, headers });

// Only 127.0.0.1 besides the public internet: the receivers live there, the "internal" hosts elsewhere.
const onlyFirstLoopback = (ip: string) => ip === '127.0.0.1' || isPublicAddress(ip);

describe('createChannelPoster', () => {
  it('delivers a POST answered 2xx, sending the body and headers as given', async () => {
    const hook = await receiver();

    const outcome = await poster().post(post(`${hook.origin}/services/T01/B02/secretpart`));

    expect(outcome).toMatchObject({ kind: 'delivered', status: 200 });
    expect(hook.requests).toHaveLength(1);
    expect(hook.requests[0]).toMatchObject({
      method: 'POST',
      path: '/services/T01/B02/secretpart',
      body: '{"text":"example.com is DOWN"}',
    });
    expect(hook.requests[0]?.headers['x-squirrel-event']).toBe('DOWN');
  });

  it.each([500, 502, 503, 408, 429])('retries HTTP %i', async (status) => {
    const hook = await receiver(answer(status, 'try later'));

    const outcome = await poster().post(post(`${hook.origin}/hook`));

    expect(outcome).toMatchObject({ kind: 'retry', status, detail: `HTTP ${status}: try later` });
  });

  it.each([
    [
      400,
      '{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}',
      'Bad Request: chat not found',
    ],
    [404, '{"message": "Unknown Webhook", "code": 10015}', 'Unknown Webhook'],
    [403, 'invalid_token', 'invalid_token'],
    [410, '<html><body><h1>Gone</h1><p>no_service</p></body></html>', 'Gone no_service'],
    [
      400,
      '{"status":"invalid event","message":"Event object is invalid","errors":["Length of \'routing_key\' is incorrect"]}',
      "Event object is invalid; Length of 'routing_key' is incorrect",
    ],
  ])("rejects HTTP %i, quoting the service's reason", async (status, body, reason) => {
    const hook = await receiver(answer(status, body));

    const outcome = await poster().post(post(`${hook.origin}/hook`));

    expect(outcome).toMatchObject({ kind: 'rejected', status, detail: `HTTP ${status}: ${reason}` });
  });

  it('honours Retry-After in seconds on a 429', async () => {
    const hook = await receiver(answer(429, '', { 'retry-after': '120' }));

    const outcome = await poster().post(post(`${hook.origin}/hook`));

    expect(outcome).toMatchObject({ kind: 'retry', status: 429, retryAfterMs: 120_000 });
  });

  it("reads Telegram's parameters.retry_after from the body", async () => {
    const hook = await receiver(
      answer(
        429,
        '{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}',
      ),
    );

    const outcome = await poster().post(post(`${hook.origin}/bot1:token/sendMessage`));

    expect(outcome).toMatchObject({
      kind: 'retry',
      status: 429,
      retryAfterMs: 7_000,
      detail: 'HTTP 429: Too Many Requests: retry after 7',
    });
  });

  it('keeps no path, query or token in a detail, even when the receiver quotes them back', async () => {
    const path = '/bot123456:AAHsecretTOKENvalue/sendMessage?key=supersecretvalue';
    const hook = await receiver((request) => ({ status: 404, body: `Not Found: ${request.path}` }));

    const outcome = await poster().post(post(`${hook.origin}${path}`));

    expect(outcome.kind).toBe('rejected');
    const detail = outcome.kind === 'rejected' ? outcome.detail : '';
    expect(detail).toMatch(/^HTTP 404: Not Found: /);
    for (const secret of ['AAHsecretTOKENvalue', 'supersecretvalue', 'sendMessage?', '/bot123456']) {
      expect(detail).not.toContain(secret);
    }
  });

  it(`reads at most ${ERROR_BODY_MAX_BYTES} bytes of an error body and keeps its detail short`, async () => {
    const hook = await receiver(answer(400, 'x'.repeat(512 * 1024)));

    const outcome = await poster().post(post(`${hook.origin}/hook`));

    expect(outcome.kind).toBe('rejected');
    expect(outcome.kind === 'rejected' && outcome.detail.length).toBeLessThanOrEqual(200);
  });

  describe('redirects', () => {
    it('follows a 307 for a chat service, POSTing the same body again', async () => {
      const moved = await receiver();
      const hook = await receiver(() => ({ status: 307, headers: { location: `${moved.origin}/new-home` } }));

      const outcome = await poster().post(post(`${hook.origin}/old`));

      expect(outcome).toMatchObject({ kind: 'delivered', status: 200 });
      expect(moved.requests).toMatchObject([
        { method: 'POST', path: '/new-home', body: '{"text":"example.com is DOWN"}' },
      ]);
    });

    it.each([301, 302, 303])(
      'rejects a %i (it would turn the POST into a GET) without following it',
      async (status) => {
        const moved = await receiver();
        const hook = await receiver(() => ({ status, headers: { location: `${moved.origin}/new-home` } }));

        const outcome = await poster().post(post(`${hook.origin}/old`));

        expect(outcome).toMatchObject({ kind: 'rejected', status });
        expect(moved.requests).toHaveLength(0);
      },
    );

    it('never follows a redirect of a signed webhook, not even a 308', async () => {
      const moved = await receiver();
      const hook = await receiver(() => ({
        status: 308,
        headers: { location: `${moved.origin}/elsewhere` },
      }));

      const outcome = await poster().post(post(`${hook.origin}/hook`, false));

      expect(outcome).toMatchObject({ kind: 'rejected', status: 308 });
      expect(outcome.kind === 'rejected' && outcome.detail).toContain('never follow');
      expect(moved.requests).toHaveLength(0);
    });

    it('gives up after 3 redirects', async () => {
      const loop = await receiver((_request, index) => ({
        status: 307,
        headers: { location: `/hop-${index + 1}` },
      }));

      const outcome = await poster().post(post(`${loop.origin}/hop-0`));

      expect(outcome).toMatchObject({
        kind: 'rejected',
        status: 307,
        detail: 'redirected more than 3 times',
      });
      expect(loop.requests).toHaveLength(4);
    });

    it('refuses a redirect to a name that resolves to a private address, without connecting to it', async () => {
      const dns = await dnsServer();
      dns.set('internal.test', { kind: 'answer', a: ['127.0.0.2'] });
      const connections: number[] = [];
      const internal: Server = createServer((socket) => {
        connections.push(1);
        socket.destroy();
      });
      await new Promise<void>((resolve) => internal.listen(0, '127.0.0.2', resolve));
      cleanups.push(() => new Promise<void>((resolve) => internal.close(() => resolve())));
      const port = (internal.address() as { port: number }).port;
      const hook = await receiver(() => ({
        status: 307,
        headers: { location: `http://internal.test:${port}/admin` },
      }));

      const outcome = await poster({ isAddressAllowed: onlyFirstLoopback, dnsServers: [dns.server] }).post(
        post(`${hook.origin}/hook`),
      );

      expect(outcome).toMatchObject({
        kind: 'rejected',
        detail: 'blocked connection to internal.test at 127.0.0.2: not an allowed (public) address',
      });
      expect(hook.requests).toHaveLength(1);
      expect(connections).toHaveLength(0);
    });

    it('refuses a redirect to the metadata address given as an IP literal', async () => {
      const hook = await receiver(() => ({
        status: 308,
        headers: { location: 'http://169.254.169.254/latest/meta-data/iam/' },
      }));

      const outcome = await poster({ isAddressAllowed: onlyFirstLoopback }).post(post(`${hook.origin}/hook`));

      expect(outcome).toMatchObject({
        kind: 'rejected',
        detail: 'blocked connection to 169.254.169.254: not an allowed (public) address',
      });
    });
  });

  describe('refused addresses', () => {
    it('refuses the metadata address as an IP literal, before any connection, by default', async () => {
      const outcome = await poster({}).post(post('http://169.254.169.254/latest/meta-data/'));

      expect(outcome).toMatchObject({
        kind: 'rejected',
        detail: 'blocked connection to 169.254.169.254: not an allowed (public) address',
      });
    });

    it('judges an IP literal before connecting to it', async () => {
      const connections: number[] = [];
      const internal: Server = createServer((socket) => {
        connections.push(1);
        socket.destroy();
      });
      await new Promise<void>((resolve) => internal.listen(0, '127.0.0.2', resolve));
      cleanups.push(() => new Promise<void>((resolve) => internal.close(() => resolve())));
      const port = (internal.address() as { port: number }).port;

      const outcome = await poster({ isAddressAllowed: onlyFirstLoopback }).post(
        post(`http://127.0.0.2:${port}/hook`),
      );

      expect(outcome).toMatchObject({
        kind: 'rejected',
        detail: expect.stringContaining('blocked connection to 127.0.0.2'),
      });
      expect(connections).toHaveLength(0);
    });

    it('refuses a loopback receiver unless private targets are allowed', async () => {
      const hook = await receiver();

      const outcome = await poster({ allowPrivateTargets: false }).post(post(`${hook.origin}/hook`));

      expect(outcome).toMatchObject({ kind: 'rejected' });
      expect(hook.requests).toHaveLength(0);
    });

    it('refuses an IPv6 loopback literal', async () => {
      const outcome = await poster({}).post(post('http://[::1]:9/hook'));

      expect(outcome).toMatchObject({
        kind: 'rejected',
        detail: expect.stringContaining('blocked connection'),
      });
    });
  });

  describe('network failures', () => {
    it('bounds a receiver that never answers by the deadline and retries', async () => {
      const silent = await startSilentServer();
      cleanups.push(() => silent.close());
      const startedMs = performance.now();

      const outcome = await poster({ allowPrivateTargets: true, timeoutMs: 300 }).post(
        post(`${silent.url}/hook`),
      );

      expect(outcome).toMatchObject({
        kind: 'retry',
        detail: `timed out after 300 ms waiting for ${new URL(silent.url).host} to answer`,
      });
      // A generous bound: the point is that it ends near its deadline, not the kernel's connect timeout.
      expect(performance.now() - startedMs).toBeLessThan(5_000);
    });

    it('bounds an error body that stalls by the same deadline', async () => {
      const raw = await startRawServer(() => [
        { write: 'HTTP/1.1 400 Bad Request\r\nContent-Length: 1000\r\n\r\npartial' },
        { hang: true },
      ]);
      cleanups.push(() => raw.close());

      const outcome = await poster({ allowPrivateTargets: true, timeoutMs: 300 }).post(
        post(raw.url('/hook')),
      );

      expect(outcome).toMatchObject({ kind: 'retry', detail: expect.stringContaining('reading the answer') });
    });

    it('retries a connection refused', async () => {
      const closed = await startRawServer(() => httpResponse(200));
      const url = closed.url('/hook');
      await closed.close();

      const outcome = await poster().post(post(url));

      expect(outcome).toMatchObject({ kind: 'retry', detail: expect.stringContaining('ECONNREFUSED') });
    });

    it('retries a connection reset before the answer', async () => {
      const raw = await startRawServer(() => [{ reset: true }]);
      cleanups.push(() => raw.close());

      const outcome = await poster().post(post(raw.url('/hook')));

      expect(outcome.kind).toBe('retry');
    });

    it('retries a name that does not resolve (the service may be back)', async () => {
      const dns = await dnsServer();
      dns.set('hooks.example.test', { kind: 'nxdomain' });

      const outcome = await poster({ allowPrivateTargets: true, dnsServers: [dns.server] }).post(
        post('http://hooks.example.test/services/secret-path-part'),
      );

      expect(outcome).toMatchObject({
        kind: 'retry',
        detail: 'hooks.example.test does not exist (NXDOMAIN)',
      });
    });
  });

  it.each([
    ['not a url', 'the channel URL is not a valid URL'],
    ['ftp://files.example.com/hook', 'the channel URL is not http(s) (ftp:)'],
  ])('rejects %s', async (url, detail) => {
    expect(await poster().post(post(url))).toEqual({ kind: 'rejected', detail, ms: 0 });
  });
});

describe('retryAfterOf', () => {
  const nowMs = Date.parse('2026-12-06T20:00:00Z');
  it.each([
    ['120', '', 120_000],
    [' 0 ', '', 0],
    ['Sun, 06 Dec 2026 20:02:30 GMT', '', 150_000],
    ['Sun, 06 Dec 2026 19:00:00 GMT', '', 0],
    [undefined, '{"message":"You are being rate limited.","retry_after":1.5,"global":false}', 1_500],
    [undefined, '{"ok":false,"parameters":{"retry_after":30}}', 30_000],
    ['45', '{"retry_after":1}', 45_000],
    [undefined, 'slow down', undefined],
    ['soon', '', undefined],
    [undefined, '{"retry_after":-3}', undefined],
  ])('header %s and body %s → %s ms', (header, body, expected) => {
    expect(retryAfterOf(header, body, nowMs)).toBe(expected);
  });
});
