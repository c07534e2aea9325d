import { createServer, type IncomingHttpHeaders } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createProbe } from '../../functions/adapters/http-probe.ts';
import { createJsonLogger } from '../../functions/adapters/logger.ts';
import { packCheckMessages } from '../../functions/domain/check-message.ts';
import type { SiteConfigInput } from '../../functions/domain/site.ts';
import { INITIAL_STATE } from '../../functions/domain/site-state.ts';
import { processCheckBatch } from '../../functions/services/check-batch.ts';
import { aSite } from '../support/fixtures.ts';
import { InMemorySiteStore } from '../support/in-memory-site-store.ts';

// The seam between the checker and the real probe: a site's headers and keyword travel through the check
// message and reach the wire. The checker's own logic is tested with a fake probe in test/services.

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

interface Seen {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
}

/** A page on 127.0.0.1 that says `body`; records each request. */
async function startPage(body: string): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'text/html' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${address.port}/`, seen };
}

/** Runs one check of the site through processCheckBatch with the real probe. */
async function checkThroughBatch(overrides: Partial<SiteConfigInput>) {
  const site = aSite({ siteId: 'shop', method: 'HEAD', ...overrides });
  const store = new InMemorySiteStore();
  store.put(site);
  const probe = createProbe({ allowPrivateTargets: true });
  cleanups.push(() => probe.close());
  const body = packCheckMessages([{ checkId: 'm1', site, state: INITIAL_STATE }], { maxTasks: 1 })[0] ?? '';
  return processCheckBatch(
    [{ messageId: 'message-1', body }],
    {
      store,
      probe,
      publisher: { publish: async () => {} },
      queue: { send: async () => {} },
      log: createJsonLogger(() => {}),
      nowMs: () => Date.now(),
    },
    { deadlineMs: Date.now() + 30_000, concurrency: 1 },
  );
}

describe('processCheckBatch with the real probe', () => {
  it("sends the site's headers and checks its keyword with GET", async () => {
    // Prepare
    const page = await startPage('<h1>Welcome</h1>');

    // Act
    const report = await checkThroughBatch({
      url: page.url,
      headers: { 'X-Api-Key': 'k-123', 'User-Agent': 'allow-listed-agent' },
      keyword: { text: 'Welcome', mode: 'present' },
    });

    // Assess
    expect(report).toMatchObject({ checksCompleted: 1, checksDown: 0 });
    expect(page.seen).toEqual([
      {
        method: 'GET',
        headers: expect.objectContaining({ 'x-api-key': 'k-123', 'user-agent': 'allow-listed-agent' }),
      },
    ]);
  });

  it('counts the check as down when the keyword is missing', async () => {
    // Prepare
    const page = await startPage('<h1>Maintenance</h1>');

    // Act
    const report = await checkThroughBatch({ url: page.url, keyword: { text: 'Welcome', mode: 'present' } });

    // Assess
    expect(report).toMatchObject({ checksCompleted: 1, checksDown: 1 });
  });
});
