import { connect } from 'node:net';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type DeadHost, type DeadHosts, startDeadHosts } from '../support/world/dead-host.ts';

// Long against loopback, where a live connect takes well under a millisecond; short against the test timeout.
const PENDING_PROOF_MS = 1_500;

const started: DeadHosts[] = [];
const agents: Agent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.destroy()));
  await Promise.all(started.splice(0).map((deadHosts) => deadHosts.close()));
});

async function start(addresses: readonly string[], lifetimeMs?: number): Promise<DeadHosts> {
  const deadHosts = await startDeadHosts(addresses, lifetimeMs === undefined ? {} : { lifetimeMs });
  started.push(deadHosts);
  return deadHosts;
}

/** How a connect stands after `waitMs`: 'pending' (no 'connect', no 'error'), 'connected', or the error code. */
async function connectState(
  host: { readonly host: string; readonly port: number },
  waitMs: number,
): Promise<string> {
  const socket = connect(host.port, host.host);
  try {
    return await new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve('pending'), waitMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve('connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve(String(error.code));
      });
    });
  } finally {
    socket.destroy();
  }
}

function firstHost(deadHosts: DeadHosts): DeadHost {
  const [host] = deadHosts.hosts;
  if (host === undefined) throw new Error('startDeadHosts returned no host');
  return host;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** The code (or name, for a DOMException) of what undici's request() rejects with. */
async function requestError(host: DeadHost, options: { connectTimeoutMs?: number; signal?: AbortSignal }) {
  const agent = new Agent({ connect: { timeout: options.connectTimeoutMs ?? 60_000 } });
  agents.push(agent);
  try {
    await request(host.url('/'), { method: 'HEAD', dispatcher: agent, signal: options.signal });
    return 'resolved';
  } catch (error) {
    const { code, name } = error as { code?: unknown; name?: unknown };
    return typeof code === 'string' ? code : String(name);
  }
}

describe('startDeadHosts', () => {
  it('leaves a connect pending: neither connected nor refused after 1.5 s', async () => {
    // Prepare
    const deadHosts = await start(['127.0.0.1']);
    const host = firstHost(deadHosts);

    // Act
    const state = await connectState(host, PENDING_PROOF_MS);

    // Assess
    expect(state).toBe('pending');
    expect(host.url('/health')).toBe(`http://127.0.0.1:${host.port}/health`);
  });

  it('holds 8 dead hosts on distinct 127.0.0.x addresses in one process, all pending at once', async () => {
    // Prepare
    const addresses = Array.from({ length: 8 }, (_, index) => `127.0.0.${101 + index}`);
    const deadHosts = await start(addresses);

    // Act
    const states = await Promise.all(deadHosts.hosts.map((host) => connectState(host, PENDING_PROOF_MS)));

    // Assess
    expect(deadHosts.hosts.map((host) => host.host)).toEqual(addresses);
    expect(states).toEqual(Array(8).fill('pending'));
  });

  it('works on ::1 too', async () => {
    // Prepare
    const deadHosts = await start(['::1']);
    const host = firstHost(deadHosts);

    // Act
    const state = await connectState(host, PENDING_PROOF_MS);

    // Assess
    expect(state).toBe('pending');
    expect(host.url()).toBe(`http://[::1]:${host.port}/`);
  });

  it('makes undici fail with UND_ERR_CONNECT_TIMEOUT, and an AbortSignal does not cut the connect short', async () => {
    // Prepare
    const host = firstHost(await start(['127.0.0.1']));

    // Act
    const startedMs = performance.now();
    const codes = await Promise.all([
      requestError(host, { connectTimeoutMs: 500 }),
      requestError(host, { connectTimeoutMs: 1_000, signal: AbortSignal.timeout(200) }),
    ]);
    const elapsedMs = performance.now() - startedMs;

    // Assess: undici 7 defers an abort until the connect settles, so the signal's 200 ms are overrun.
    expect(codes).toEqual(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);
    expect(elapsedMs).toBeGreaterThanOrEqual(995);
  });

  it('close() kills the holding process, and the port then refuses', async () => {
    // Prepare
    const deadHosts = await startDeadHosts(['127.0.0.1']);
    const host = firstHost(deadHosts);
    expect(isRunning(deadHosts.pid)).toBe(true);

    // Act
    await deadHosts.close();

    // Assess
    expect(isRunning(deadHosts.pid)).toBe(false);
    expect(await connectState(host, PENDING_PROOF_MS)).toBe('ECONNREFUSED');
  });

  it('the holding process exits by itself once its lifetime is up', async () => {
    // Prepare
    const deadHosts = await start(['127.0.0.1'], 300);

    // Act + Assess
    await expect.poll(() => isRunning(deadHosts.pid), { timeout: 5_000, interval: 50 }).toBe(false);
  });

  it('rejects an address it cannot listen on, naming it and the error', async () => {
    // Act
    const starting = startDeadHosts(['192.0.2.1']);

    // Assess
    await expect(starting).rejects.toThrow(/could not listen on \["192\.0\.2\.1"\].*EADDRNOTAVAIL/);
  });
});
