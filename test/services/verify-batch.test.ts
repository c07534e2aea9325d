import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProbe, type Probe } from '../../functions/adapters/http-probe.ts';
import type { SiteConfigInput } from '../../functions/domain/site.ts';
import { MAX_VERIFY_TARGETS, type VerifyRequest } from '../../functions/domain/verify-request.ts';
import { VerifyRequestError, verifyBatch } from '../../functions/services/verify-batch.ts';
import { startTestSite, type TestSite } from '../support/http-sites.ts';
import { type SilentServer, startSilentServer } from '../support/silent-server.ts';

// The verifier's core against real loopback servers with the real probe: what a location answers for each site.

const cleanups: Array<() => Promise<void>> = [];
let probe: Probe;
let healthy: TestSite;
let broken: TestSite;
let silent: SilentServer;

beforeAll(async () => {
  // The test sites are on loopback, which production verifiers refuse (see the SSRF guard test below).
  probe = createProbe({ allowPrivateTargets: true });
  [healthy, broken, silent] = await Promise.all([
    startTestSite(200),
    startTestSite(503),
    startSilentServer(),
  ]);
});
afterAll(async () => {
  await Promise.all([probe.close(), healthy.close(), broken.close(), silent.close()]);
});
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

const site = (siteId: string, url: string, overrides: Partial<SiteConfigInput> = {}) => ({
  siteId,
  url,
  ...overrides,
});
const requestOf = (...targets: VerifyRequest['targets']): VerifyRequest => ({ v: 1, targets });
const depsWith = (checker: Pick<Probe, 'check'> = probe) => ({
  probe: checker,
  location: 'us-west-2',
  nowMs: Date.now,
});
/** An invocation with plenty of time left. */
const roomy = () => ({ deadlineMs: Date.now() + 30_000 });

/** A server that answers nobody until `count` requests are waiting: proof they were sent together. */
async function startBarrier(count: number) {
  const waiting: Array<{ req: IncomingMessage; res: ServerResponse }> = [];
  const server = createServer((req, res) => {
    waiting.push({ req, res });
    if (waiting.length === count) {
      for (const held of waiting.splice(0)) held.res.writeHead(200, { connection: 'close' }).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A server that records each request's method and headers. */
async function startRecorder() {
  const seen: Array<{ method: string; authorization: string | undefined }> = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', authorization: req.headers.authorization });
    res.writeHead(200, { connection: 'close' }).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen };
}

describe('verifyBatch', () => {
  it('answers every target in order, by id, from its location', async () => {
    // Act
    const response = await verifyBatch(
      requestOf({ id: 't0', site: site('shop', broken.url) }, { id: 't1', site: site('blog', healthy.url) }),
      depsWith(),
      roomy(),
    );

    // Assess
    expect(response.location).toBe('us-west-2');
    expect(response.answers.map((answer) => answer.id)).toEqual(['t0', 't1']);
    expect(response.answers[0]?.result).toMatchObject({ kind: 'down', reason: 'http-5xx', status: 503 });
    expect(response.answers[1]?.result).toMatchObject({ kind: 'up', status: 200 });
  });

  it('checks the targets concurrently', async () => {
    // Prepare: the server answers only once all three requests are in
    const origin = await startBarrier(3);

    // Act
    const response = await verifyBatch(
      requestOf(
        { id: 'a', site: site('a', `${origin}/a`) },
        { id: 'b', site: site('b', `${origin}/b`) },
        { id: 'c', site: site('c', `${origin}/c`) },
      ),
      depsWith(),
      roomy(),
    );

    // Assess
    expect(response.answers.map((answer) => answer.result.kind)).toEqual(['up', 'up', 'up']);
  });

  it('checks as the home check did: a full GET when asked, HEAD otherwise, with the site headers', async () => {
    // Prepare
    const recorder = await startRecorder();
    const headers = { Authorization: 'Bearer s3cret' };

    // Act
    await verifyBatch(
      requestOf({ id: 'head', site: site('x', recorder.url, { headers }) }),
      depsWith(),
      roomy(),
    );
    await verifyBatch(
      requestOf({ id: 'full', site: site('x', recorder.url, { headers }), fullGet: true }),
      depsWith(),
      roomy(),
    );

    // Assess
    expect(recorder.seen).toEqual([
      { method: 'HEAD', authorization: 'Bearer s3cret' },
      { method: 'GET', authorization: 'Bearer s3cret' },
    ]);
  });

  it("bounds each target by its site's timeout: a silent site is down (timeout), as at home", async () => {
    // Act
    const response = await verifyBatch(
      requestOf({ id: 't0', site: site('hung', silent.url, { timeoutMs: 500 }) }),
      depsWith(),
      roomy(),
    );

    // Assess
    expect(response.answers[0]?.result).toMatchObject({ kind: 'down', reason: 'timeout' });
  });

  it("is a fault, never down, when the invocation's time runs out before the site's timeout", async () => {
    // Prepare: 400 ms left after the reply's reserve, the site would be given 10 s
    const deadlineMs = Date.now() + 400 + 500;

    // Act
    const response = await verifyBatch(
      requestOf(
        { id: 'hung', site: site('hung', silent.url, { timeoutMs: 10_000 }) },
        { id: 'fine', site: site('fine', healthy.url) },
      ),
      depsWith(),
      { deadlineMs },
    );

    // Assess
    expect(response.answers[0]?.result).toMatchObject({
      kind: 'fault',
      reason: 'checker-fault',
      detail: expect.stringMatching(/^verifier out of time during the check \(after \d+ ms\)/),
    });
    expect(response.answers[1]?.result).toMatchObject({ kind: 'up' });
    expect(Date.now()).toBeLessThan(deadlineMs);
  });

  it('answers at once, without checking, when no time is left', async () => {
    // Prepare
    const before = healthy.requests();

    // Act
    const response = await verifyBatch(requestOf({ id: 't0', site: site('fine', healthy.url) }), depsWith(), {
      deadlineMs: Date.now() + 100,
    });

    // Assess
    expect(response.answers[0]?.result).toMatchObject({
      kind: 'fault',
      reason: 'checker-fault',
      detail: expect.stringContaining('verifier out of time before the check could start'),
    });
    expect(healthy.requests()).toBe(before);
  });

  it('returns by its deadline even when a probe ignores the signal', async () => {
    // Prepare: a probe that never settles (a bug there must not hold the reply past the invocation)
    const stuck: Pick<Probe, 'check'> = { check: () => new Promise(() => {}) };

    // Act
    const response = await verifyBatch(
      requestOf({ id: 't0', site: site('x', healthy.url) }),
      depsWith(stuck),
      { deadlineMs: Date.now() + 700, reserveMs: 500 },
    );

    // Assess
    expect(response.answers[0]?.result).toMatchObject({ kind: 'fault', reason: 'checker-fault' });
  });

  it('refuses private targets unless allowed: the SSRF guard applies in every region', async () => {
    // Prepare: the production setting
    const guarded = createProbe({ allowPrivateTargets: false });
    cleanups.push(() => guarded.close());
    const before = healthy.requests();

    // Act
    const response = await verifyBatch(
      requestOf({ id: 't0', site: site('inside', healthy.url) }),
      depsWith(guarded),
      roomy(),
    );

    // Assess
    expect(response.answers[0]?.result).toMatchObject({ kind: 'fault', reason: 'blocked-address' });
    expect(healthy.requests()).toBe(before);
  });
});

describe('verifyBatch: invalid requests', () => {
  const valid = { id: 't0', site: site('shop', 'https://shop.example/') };

  it.each([
    ['not an object', 'hello', 'verify request is invalid: the root: '],
    ['another version', { v: 2, targets: [valid] }, 'verify request is invalid: v: '],
    ['no targets', { v: 1, targets: [] }, 'verify request is invalid: targets: '],
    [
      'too many targets',
      {
        v: 1,
        targets: Array.from({ length: MAX_VERIFY_TARGETS + 1 }, (_, i) => ({ ...valid, id: `t${i}` })),
      },
      'verify request is invalid: targets: ',
    ],
    [
      'a bad site',
      { v: 1, targets: [{ id: 't0', site: { siteId: 'shop', url: 'ftp://shop.example/' } }] },
      'verify request is invalid: targets.0.site.url: url scheme must be http or https, got "ftp"',
    ],
    [
      'a repeated id',
      { v: 1, targets: [valid, valid] },
      'verify request is invalid: target id "t0" appears twice',
    ],
  ])('throws a VerifyRequestError for %s', async (_name, payload, message) => {
    // Act
    const verify = verifyBatch(payload, depsWith(), roomy());

    // Assess
    await expect(verify).rejects.toThrow(VerifyRequestError);
    await expect(verifyBatch(payload, depsWith(), roomy())).rejects.toThrow(message);
  });

  it("never quotes a header's value (often a credential)", async () => {
    // Prepare
    const payload = {
      v: 1,
      targets: [
        { id: 't0', site: { siteId: 'shop', url: 'https://shop.example/', headers: { 'X-Key': 12345 } } },
      ],
    };

    // Act
    const error = await verifyBatch(payload, depsWith(), roomy()).catch((thrown: unknown) => thrown);

    // Assess
    expect(error).toBeInstanceOf(VerifyRequestError);
    expect(String((error as Error).message)).toBe(
      'verify request is invalid: targets.0.site.headers.X-Key: invalid (value not shown)',
    );
  });
});
