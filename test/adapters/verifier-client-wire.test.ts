import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJsonLogger } from '../../functions/adapters/logger.ts';
import { VerifierClient } from '../../functions/adapters/verifier-client.ts';
import { LocalLambda } from '../../local/lambda-host.ts';
import { type InvokeEndpoint, startInvokeEndpoint } from '../../local/lambda-invoke-endpoint.ts';
import { aSite } from '../support/fixtures.ts';
import { LOCAL_CLIENT, type SilentServer, startSilentServer } from '../support/silent-server.ts';

// The checker's client and the real verifier handler module at the wire: a real LambdaClient per "region", the
// Lambda Invoke API on loopback (local/lambda-invoke-endpoint.ts), and each verifier in its own worker with its
// own environment and source address, as the local runtime runs them. Only loopback is reached.

const FUNCTION_NAME = 'squirrel-verifier';
const LOCATIONS = { 'local-west': '127.0.0.2', 'local-east': '127.0.0.3' } as const;
type Location = keyof typeof LOCATIONS;

const cleanups: Array<() => Promise<void>> = [];
const endpoints = {} as Record<Location, InvokeEndpoint>;
let site: { url: string };
let silent: SilentServer;

/** A site that resets every connection coming from local-west's address: unreachable from there only. */
async function startSiteRefusing(address: string) {
  const server: Server = createServer((_req, res) => res.writeHead(200, { connection: 'close' }).end());
  server.on('connection', (socket) => {
    if (socket.remoteAddress === address) socket.resetAndDestroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/** The verifier handler module in a worker, as the local runtime runs one location, behind an invoke endpoint. */
async function startVerifier(location: Location, logDir: string): Promise<InvokeEndpoint> {
  const lambda = await LocalLambda.start({
    functionName: `${FUNCTION_NAME}-${location}`,
    entry: new URL('../../functions/verifier.ts', import.meta.url),
    timeoutMs: 10_000,
    memorySizeMiB: 256,
    region: 'us-east-1',
    environment: {
      VERIFIER_LOCATION: location,
      ALLOW_PRIVATE_TARGETS: 'true',
      PROBE_SOURCE_ADDRESS: LOCATIONS[location],
    },
    logFile: join(logDir, `${location}.log`),
  });
  const endpoint = await startInvokeEndpoint({ handle: (_name, payload) => lambda.invoke(payload) });
  cleanups.push(async () => {
    await endpoint.close();
    await lambda.close();
  });
  return endpoint;
}

/** A client with a throttling front for `throttled`: its first request is refused with 429, as Lambda does. */
async function startThrottlingFront(target: InvokeEndpoint) {
  let requests = 0;
  const server = createServer(async (req, res) => {
    requests++;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (requests === 1) {
      res.writeHead(429, {
        'content-type': 'application/json',
        'x-amzn-errortype': 'TooManyRequestsException',
      });
      res.end(
        JSON.stringify({
          Type: 'User',
          message: 'Rate Exceeded.',
          Reason: 'ConcurrentInvocationLimitExceeded',
        }),
      );
      return;
    }
    const forwarded = await fetch(`${target.url}${req.url}`, { method: 'POST', body: Buffer.concat(chunks) });
    res.writeHead(forwarded.status, Object.fromEntries(forwarded.headers));
    res.end(Buffer.from(await forwarded.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

function useClient(endpointUrls: Readonly<Record<string, string>>, logLines: string[] = []) {
  const client = new VerifierClient({
    home: 'local',
    regions: Object.keys(endpointUrls),
    functionName: FUNCTION_NAME,
    endpoints: endpointUrls,
    log: createJsonLogger((line) => logLines.push(line)),
    clientConfig: { credentials: LOCAL_CLIENT.credentials },
  });
  return client;
}

beforeAll(async () => {
  const logDir = await mkdtemp(join(tmpdir(), 'verifier-wire-'));
  cleanups.push(() => rm(logDir, { recursive: true, force: true }));
  [endpoints['local-west'], endpoints['local-east'], site, silent] = await Promise.all([
    startVerifier('local-west', logDir),
    startVerifier('local-east', logDir),
    startSiteRefusing(LOCATIONS['local-west']),
    startSilentServer(),
  ]);
  cleanups.push(() => silent.close());
}, 60_000);

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('VerifierClient at the wire, with the real verifier handler', () => {
  it('asks each location, which checks from its own address: down from one, up from the other', async () => {
    // Prepare
    const client = useClient({
      'local-west': endpoints['local-west'].url,
      'local-east': endpoints['local-east'].url,
    });

    // Act
    const answers = await client.verify(aSite({ siteId: 'shop', url: site.url }), false, Date.now() + 8_000);

    // Assess
    expect(answers).toEqual([
      { location: 'local-west', result: expect.objectContaining({ kind: 'down', reason: 'reset' }) },
      { location: 'local-east', result: expect.objectContaining({ kind: 'up', status: 200 }) },
    ]);
  });

  it('coalesces sites into one invoke, which the SDK retries when throttled', async () => {
    // Prepare
    const front = await startThrottlingFront(endpoints['local-east']);
    const client = useClient({ 'local-east': front.url });

    // Act: the first request is throttled, the SDK retries it
    const answers = await Promise.all(
      ['a', 'b', 'c'].map((siteId) =>
        client.verify(aSite({ siteId, url: site.url }), false, Date.now() + 8_000),
      ),
    );

    // Assess: one request, tried twice
    expect(front.requests()).toBe(2);
    for (const siteAnswers of answers) {
      expect(siteAnswers).toEqual([
        { location: 'local-east', result: expect.objectContaining({ kind: 'up' }) },
      ]);
    }
  });

  it('is a no-answer when the verifier cannot answer by the deadline, logged for the region', async () => {
    // Prepare: the site never answers and may take 10 s; the checker can wait 1 s
    const logLines: string[] = [];
    const client = useClient({ 'local-west': endpoints['local-west'].url }, logLines);

    // Act
    const answers = await client.verify(
      aSite({ siteId: 'hung', url: silent.url, timeoutMs: 10_000 }),
      false,
      Date.now() + 1_000,
    );

    // Assess
    expect(answers).toEqual([
      { location: 'local-west', noAnswer: expect.stringMatching(/^no answer within \d+ ms$/) },
    ]);
    await expect
      .poll(() => logLines.map((line) => JSON.parse(line)))
      .toEqual([
        expect.objectContaining({
          message: 'verifier did not answer',
          location: 'local-west',
          sites: ['hung'],
        }),
      ]);
  });

  it('answers a fast site by its deadline though a hanging site with a longer timeout was verified with it', async () => {
    // Prepare: local-east reaches the shop; the hung site never answers and may take 3 s
    const client = useClient({ 'local-east': endpoints['local-east'].url });
    const startedMs = Date.now();

    // Act: both verified in the same window, the shop with 1 s to its deadline beyond its own timeout
    const shop = client
      .verify(aSite({ siteId: 'shop', url: site.url, timeoutMs: 1_000 }), false, startedMs + 2_000)
      .then((answers) => ({ answers, atMs: Date.now() }));
    const hung = client.verify(
      aSite({ siteId: 'hung', url: silent.url, timeoutMs: 3_000 }),
      false,
      startedMs + 5_000,
    );
    const [shopAnswered, hungAnswers] = await Promise.all([shop, hung]);

    // Assess: the shop's answer did not wait for the hung site's
    expect(shopAnswered.answers).toEqual([
      { location: 'local-east', result: expect.objectContaining({ kind: 'up', status: 200 }) },
    ]);
    expect(shopAnswered.atMs).toBeLessThan(startedMs + 2_000);
    expect(hungAnswers).toEqual([
      { location: 'local-east', result: expect.objectContaining({ kind: 'down' }) },
    ]);
  }, 15_000);

  it('is a no-answer when asked under a name whose verifier is elsewhere', async () => {
    // Prepare: local-east's endpoint given as local-west's
    const client = useClient({ 'local-west': endpoints['local-east'].url });

    // Act
    const answers = await client.verify(aSite({ siteId: 'shop', url: site.url }), false, Date.now() + 8_000);

    // Assess
    expect(answers).toEqual([
      { location: 'local-west', noAnswer: 'reply came from "local-east", not "local-west"' },
    ]);
  });
});
