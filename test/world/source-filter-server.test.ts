import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type SourceFilterServer,
  type SourceFilterServerOptions,
  startSourceFilterServer,
} from '../support/world/source-filter-server.ts';

// How long a request must stay unanswered to count as hanging.
const HANG_PROOF_MS = 400;

const servers: SourceFilterServer[] = [];
const agents: Agent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.destroy()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: SourceFilterServerOptions): Promise<SourceFilterServer> {
  const server = await startSourceFilterServer(options);
  servers.push(server);
  return server;
}

/** A GET of `url` over a connection from `sourceAddress`: its status, or the error code it failed with. */
async function getFrom(url: string, sourceAddress: string): Promise<number | string> {
  const agent = new Agent({ localAddress: sourceAddress });
  agents.push(agent);
  try {
    const response = await request(url, {
      dispatcher: agent,
      signal: AbortSignal.timeout(HANG_PROOF_MS),
    });
    await response.body.dump();
    return response.statusCode;
  } catch (error) {
    const { code, name } = error as { code?: unknown; name?: unknown };
    return typeof code === 'string' ? code : String(name);
  }
}

describe('startSourceFilterServer', () => {
  it('resets connections from 127.0.0.1 and serves the same site to 127.0.0.2 and 127.0.0.3', async () => {
    // Prepare
    const site = await start({ unreachableFrom: ['127.0.0.1'] });

    // Act
    const answers = await Promise.all(
      ['127.0.0.1', '127.0.0.2', '127.0.0.3'].map((from) => getFrom(site.url, from)),
    );

    // Assess
    expect(answers).toEqual(['ECONNRESET', 200, 200]);
    expect(site.connections()).toEqual(
      expect.arrayContaining([
        { from: '127.0.0.1', served: false },
        { from: '127.0.0.2', served: true },
        { from: '127.0.0.3', served: true },
      ]),
    );
    expect(site.url).toBe(`http://127.0.0.1:${site.port}/`);
  });

  it('in hang mode leaves the unreachable source unanswered (the client times out) and serves the others', async () => {
    // Prepare
    const site = await start({ unreachableFrom: ['127.0.0.1'], mode: 'hang' });

    // Act
    const [fromHome, fromWest] = await Promise.all([
      getFrom(site.url, '127.0.0.1'),
      getFrom(site.url, '127.0.0.2'),
    ]);

    // Assess: the abort signal ended the request; the server never answered or closed it
    expect(fromHome).toBe('TimeoutError');
    expect(fromWest).toBe(200);
  });

  it('is down for everyone, then back, as told', async () => {
    // Prepare
    const site = await start({});
    expect(await getFrom(site.url, '127.0.0.1')).toBe(200);

    // Act + Assess
    site.unreachableFrom('everyone');
    expect(await getFrom(site.url, '127.0.0.1')).toBe('ECONNRESET');
    expect(await getFrom(site.url, '127.0.0.2')).toBe('ECONNRESET');
    site.unreachableFrom([]);
    expect(await getFrom(site.url, '127.0.0.2')).toBe(200);
  });

  it('answers the status it was given, and close() ends hanging connections too', async () => {
    // Prepare
    const site = await start({ unreachableFrom: ['127.0.0.1'], mode: 'hang', status: 503 });
    const hanging = getFrom(site.url, '127.0.0.1');
    await expect.poll(() => site.connections().length, { timeout: 2_000, interval: 20 }).toBe(1);

    // Act
    expect(await getFrom(site.url, '127.0.0.4')).toBe(503);
    await site.close();

    // Assess: the hanging request ended with the close, before its own timeout
    expect(await hanging).not.toBe('TimeoutError');
  });
});
