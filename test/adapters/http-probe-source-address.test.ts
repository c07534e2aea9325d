import { createServer } from 'node:http';
import { isIP } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostResolver } from '../../functions/adapters/dns-resolver.ts';
import {
  createProbe,
  type ProbeOptions,
  ProbeOptionsError,
  type ProbeTarget,
} from '../../functions/adapters/http-probe.ts';
import { parseStatusRanges } from '../../functions/domain/status-range.ts';

// PROBE_SOURCE_ADDRESS: each "location" of the local runtime connects from its own loopback address, so a fixture
// can treat them apart. Every 127.x.y.z address is on `lo` with no setup.

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/** A server on `host` that answers 200 and records the address each connection came from. */
async function startRecordingServer(host: '127.0.0.1' | '::1') {
  const remoteAddresses: string[] = [];
  const server = createServer((req, res) => {
    remoteAddresses.push(req.socket.remoteAddress ?? '');
    res.writeHead(200, { connection: 'close' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: address.port, remoteAddresses };
}

function useProbe(options: ProbeOptions) {
  const probe = createProbe({ allowPrivateTargets: true, ...options });
  cleanups.push(() => probe.close());
  return probe;
}

const target = (url: string): ProbeTarget => ({
  url,
  method: 'HEAD',
  timeoutMs: 2_000,
  expectStatus: parseStatusRanges('200-399'),
});

/** Answers every name with `addresses`, in that order (no real DNS). */
const answerWith = (...addresses: string[]): HostResolver => ({
  close: () => {},
  resolve: async () => ({
    kind: 'resolved',
    addresses: addresses.map((address) => ({ address, family: isIP(address) === 6 ? 6 : 4 })),
  }),
});

describe('probe source address', () => {
  it('connects from the source address it is given', async () => {
    // Prepare
    const server = await startRecordingServer('127.0.0.1');
    const probe = useProbe({ sourceAddress: '127.0.0.2' });

    // Act
    const result = await probe.check(target(`http://127.0.0.1:${server.port}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
    expect(server.remoteAddresses).toEqual(['127.0.0.2']);
  });

  it('lets the system choose without one', async () => {
    // Prepare
    const server = await startRecordingServer('127.0.0.1');
    const probe = useProbe({});

    // Act
    await probe.check(target(`http://127.0.0.1:${server.port}/`));

    // Assess
    expect(server.remoteAddresses).toEqual(['127.0.0.1']);
  });

  it('connects to an address of another family as usual, unbound', async () => {
    // Prepare
    const server = await startRecordingServer('::1');
    const probe = useProbe({ sourceAddress: '127.0.0.2' });

    // Act
    const result = await probe.check(target(`http://[::1]:${server.port}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
    expect(server.remoteAddresses).toEqual(['::1']);
  });

  it('uses only the addresses of its family when a name has both', async () => {
    // Prepare: the name resolves to ::1 first; with the source bound, only 127.0.0.1 is tried.
    const server = await startRecordingServer('127.0.0.1');
    const probe = useProbe({ sourceAddress: '127.0.0.3', resolver: answerWith('::1', '127.0.0.1') });

    // Act
    const result = await probe.check(target(`http://both.test:${server.port}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
    expect(server.remoteAddresses).toEqual(['127.0.0.3']);
  });

  it('refuses a source address that is not an IP address, showing it', () => {
    // Act
    const create = () => createProbe({ sourceAddress: 'west' });

    // Assess
    expect(create).toThrow(ProbeOptionsError);
    expect(create).toThrow('sourceAddress must be an IP address, got "west"');
  });
});
