import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { VerifyRequestError } from '../../functions/services/verify-batch.ts';
import type { handler as VerifierHandler } from '../../functions/verifier.ts';

// The handler module as Lambda loads it: configuration from the environment at cold start, the probe at module
// scope. The local runtime gives each location its own source address on loopback.

const context = { getRemainingTimeInMillis: () => 10_000 };
let handler: typeof VerifierHandler;
let siteUrl: string;
const remoteAddresses: string[] = [];
let close: () => Promise<void>;

beforeAll(async () => {
  const server = createServer((req, res) => {
    remoteAddresses.push(req.socket.remoteAddress ?? '');
    res.writeHead(204, { connection: 'close' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  siteUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    VERIFIER_LOCATION: 'local-west',
    ALLOW_PRIVATE_TARGETS: 'true',
    PROBE_SOURCE_ADDRESS: '127.0.0.2',
  });
  ({ handler } = await import('../../functions/verifier.ts'));
});
afterAll(async () => {
  for (const name of ['VERIFIER_LOCATION', 'ALLOW_PRIVATE_TARGETS', 'PROBE_SOURCE_ADDRESS'])
    delete process.env[name];
  await close();
});

describe('verifier handler', () => {
  it('answers from its location, checking from its source address', async () => {
    // Act
    const response = await handler(
      { v: 1, targets: [{ id: 'shop', site: { siteId: 'shop', url: siteUrl } }] },
      context,
    );

    // Assess
    expect(response).toEqual({
      location: 'local-west',
      answers: [{ id: 'shop', result: expect.objectContaining({ kind: 'up', status: 204 }) }],
    });
    expect(remoteAddresses).toEqual(['127.0.0.2']);
  });

  it('throws on a request a checker would not send (Lambda reports a function error)', async () => {
    // Act
    const invoke = handler({ v: 1, targets: 'all of them' }, context);

    // Assess
    await expect(invoke).rejects.toThrow(VerifyRequestError);
  });

  it('refuses private targets as production does when ALLOW_PRIVATE_TARGETS is unset (blocked-address)', async () => {
    // Prepare: a cold start with the production setting
    delete process.env.ALLOW_PRIVATE_TARGETS;
    vi.resetModules();
    const { handler: guarded } = await import('../../functions/verifier.ts');
    const before = remoteAddresses.length;

    // Act
    const response = await guarded(
      { v: 1, targets: [{ id: 'inside', site: { siteId: 'inside', url: siteUrl } }] },
      context,
    );

    // Assess
    expect(response.answers).toEqual([
      { id: 'inside', result: expect.objectContaining({ kind: 'fault', reason: 'blocked-address' }) },
    ]);
    expect(remoteAddresses).toHaveLength(before);
  });
});
