import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions } from 'node:https';
import { createServer as createNetServer, isIP, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HostResolver } from '../../functions/adapters/dns-resolver.ts';
import { createProbe, type Probe, type ProbeTarget } from '../../functions/adapters/http-probe.ts';
import { VERSION_DIAGNOSIS_MAX_MS } from '../../functions/adapters/probe-connection.ts';
import { parseStatusRanges } from '../../functions/domain/status-range.ts';
import {
  createSelfSignedCertificate,
  createTestAuthority,
  type TestCertificate,
} from './test-certificates.ts';

// What a failed TLS handshake reads like, against real servers on 127.0.0.1 presenting certificates from a test
// CA: every failure is DOWN `tls`, with a sentence a site owner can act on and no OpenSSL internals.

const DAY_MS = 86_400_000;
const authority = createTestAuthority('Squirrel Test Root');
const intermediate = authority.issueIntermediate('Squirrel Intermediate CA');
const stranger = createTestAuthority('Stranger Root');
const strangerIntermediate = stranger.issueIntermediate('Stranger Intermediate');
const inAMonth = () => Date.now() + 30 * DAY_MS;
// A TLS record of type 21 (alert): fatal (2), protocol_version (70).
const PROTOCOL_VERSION_ALERT = Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46]);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/** Starts `server` on 127.0.0.1 (port 0), closed after the test; resolves to its port. */
async function listen(server: Server | ReturnType<typeof createNetServer>, sockets?: Set<Socket>) {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  cleanups.push(async () => {
    for (const socket of sockets ?? []) socket.destroy();
    if ('closeAllConnections' in server) server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return address.port;
}

/** An HTTPS server answering 200, presenting `certificate` followed by `chain` (PEM), with `options` on top. */
async function startTlsServer(
  certificate: TestCertificate,
  chain: readonly string[] = [],
  options: ServerOptions = {},
): Promise<number> {
  const server = createHttpsServer(
    { key: certificate.keyPem, cert: [certificate.certPem, ...chain].join(''), ...options },
    (_req, res) => res.writeHead(200).end(),
  );
  // A client that gives up mid-handshake is what these tests are about: nothing to report on the server.
  server.on('tlsClientError', () => {});
  return listen(server);
}

/** A TCP server that hands each connection to `onSocket`; counts connections and sees them closed. */
async function startRawServer(onSocket: (socket: Socket, index: number) => void) {
  const sockets = new Set<Socket>();
  let connections = 0;
  let closed = 0;
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      closed += 1;
    });
    onSocket(socket, connections++);
  });
  const port = await listen(server, sockets);
  return { port, connections: () => connections, closed: () => closed };
}

function useProbe(ca: readonly string[] = [authority.certPem]): Probe {
  const probe = createProbe({ allowPrivateTargets: true, ca, resolver: answerWithLoopback() });
  cleanups.push(() => probe.close());
  return probe;
}

/** Every name resolves to 127.0.0.1; IP literals to themselves. */
function answerWithLoopback(): HostResolver {
  return {
    close: () => {},
    resolve: async (hostname) => ({
      kind: 'resolved',
      addresses: [{ address: isIP(hostname) === 0 ? '127.0.0.1' : hostname, family: 4 }],
    }),
  };
}

const target = (url: string, timeoutMs = 5_000): ProbeTarget => ({
  url,
  method: 'HEAD',
  timeoutMs,
  expectStatus: parseStatusRanges('200-399'),
});

/** The detail of a DOWN `tls` result; fails the test for anything else. */
async function tlsDetail(probe: Probe, url: string, timeoutMs?: number): Promise<string> {
  const result = await probe.check(target(url, timeoutMs));
  expect(result).toMatchObject({ kind: 'down', reason: 'tls' });
  return result.kind === 'down' ? result.detail : '';
}

describe('createProbe: readable TLS failures, certificates', () => {
  it('says when an expired certificate was valid', async () => {
    // Prepare
    const certificate = authority.issue({
      notBeforeMs: Date.parse('2020-01-01T00:00:00Z'),
      notAfterMs: Date.parse('2020-06-30T12:00:00Z'),
    });
    const port = await startTlsServer(certificate);

    // Act
    const detail = await tlsDetail(useProbe(), `https://127.0.0.1:${port}/`);

    // Assess
    expect(detail).toBe(
      `certificate expired on 2020-06-30 (valid 2020-01-01 to 2020-06-30) (CERT_HAS_EXPIRED) on HEAD https://127.0.0.1:${port}/`,
    );
  });

  it('says from when a certificate not yet valid will be', async () => {
    // Prepare
    const certificate = authority.issue({
      notBeforeMs: Date.parse('2090-01-01T00:00:00Z'),
      notAfterMs: Date.parse('2090-12-31T00:00:00Z'),
    });
    const port = await startTlsServer(certificate);

    // Act
    const detail = await tlsDetail(useProbe(), `https://127.0.0.1:${port}/`);

    // Assess
    expect(detail).toBe(
      `certificate not valid until 2090-01-01 (valid 2090-01-01 to 2090-12-31) (CERT_NOT_YET_VALID) on HEAD https://127.0.0.1:${port}/`,
    );
  });

  it('names the hosts a certificate is for, five of them, when it is not for the site', async () => {
    // Prepare
    const hosts = ['*.example.org', 'www.example.org', 'a.example.net', 'b.example.net', 'c.example.net'];
    const certificate = authority.issue({
      notAfterMs: inAMonth(),
      hosts: [...hosts, 'd.example.net', '192.0.2.7'],
    });
    const port = await startTlsServer(certificate);

    // Act
    const detail = await tlsDetail(useProbe(), `https://shop.example.com:${port}/`);

    // Assess
    expect(detail).toBe(
      `certificate is for ${hosts.join(', ')} and 2 more — not shop.example.com (ERR_TLS_CERT_ALTNAME_INVALID) on HEAD https://shop.example.com:${port}/`,
    );
  });

  it('names the common name of a certificate without subjectAltName', async () => {
    // Prepare
    const certificate = authority.issue({
      notAfterMs: inAMonth(),
      hosts: [],
      commonName: 'legacy.example.org',
    });
    const port = await startTlsServer(certificate);

    // Act
    const detail = await tlsDetail(useProbe(), `https://shop.example.com:${port}/`);

    // Assess
    expect(detail).toBe(
      `certificate is for legacy.example.org — not shop.example.com (ERR_TLS_CERT_ALTNAME_INVALID) on HEAD https://shop.example.com:${port}/`,
    );
  });

  it('names a self-signed certificate', async () => {
    // Prepare
    const certificate = createSelfSignedCertificate({ notAfterMs: inAMonth(), commonName: 'router.local' });
    const port = await startTlsServer(certificate);

    // Act
    const detail = await tlsDetail(useProbe(), `https://127.0.0.1:${port}/`);

    // Assess
    expect(detail).toBe(
      `self-signed certificate (CN=router.local) (DEPTH_ZERO_SELF_SIGNED_CERT) on HEAD https://127.0.0.1:${port}/`,
    );
  });

  it.each([
    ['its intermediate', [strangerIntermediate.certPem], 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
    ['its untrusted root', [stranger.certPem], 'SELF_SIGNED_CERT_IN_CHAIN'],
  ])('names the unknown authority behind a chain sent with %s', async (_label, chain, code) => {
    // Prepare
    const issuer = chain[0] === stranger.certPem ? stranger : strangerIntermediate;
    const port = await startTlsServer(issuer.issue({ notAfterMs: inAMonth() }), chain);

    // Act
    const detail = await tlsDetail(useProbe(), `https://127.0.0.1:${port}/`);

    // Assess
    expect(detail).toBe(
      `certificate issued by an unknown authority (issuer CN=Stranger Root) (${code}) on HEAD https://127.0.0.1:${port}/`,
    );
  });

  it('says the chain is incomplete when the server leaves out its intermediate', async () => {
    // Prepare: the client trusts only the root; the server sends only the leaf
    const leaf = intermediate.issue({ notAfterMs: inAMonth() });
    const port = await startTlsServer(leaf);
    const completePort = await startTlsServer(leaf, [intermediate.certPem]);
    const probe = useProbe();

    // Act
    const detail = await tlsDetail(probe, `https://127.0.0.1:${port}/`);
    const complete = await probe.check(target(`https://127.0.0.1:${completePort}/`));

    // Assess
    expect(detail).toBe(
      'certificate chain incomplete: the server did not send its intermediate certificate ' +
        `(issuer CN=Squirrel Intermediate CA) (UNABLE_TO_VERIFY_LEAF_SIGNATURE) on HEAD https://127.0.0.1:${port}/`,
    );
    expect(complete).toMatchObject({ kind: 'up', status: 200 });
  });
});

describe('createProbe: readable TLS failures, handshakes', () => {
  // OpenSSL 3 allows TLS 1.0 and 1.1 (SHA-1 signatures) only at security level 0.
  const oldServer = (maxVersion: 'TLSv1' | 'TLSv1.1'): ServerOptions => ({
    minVersion: 'TLSv1',
    maxVersion,
    ciphers: 'DEFAULT@SECLEVEL=0',
  });

  it.each([
    ['TLSv1.1', 'TLS 1.1'],
    ['TLSv1', 'TLS 1.0'],
  ] as const)('says a server limited to %s offers nothing the checker accepts', async (maxVersion, name) => {
    // Prepare
    const port = await startTlsServer(authority.issue({ notAfterMs: inAMonth() }), [], oldServer(maxVersion));

    // Act
    const detail = await tlsDetail(useProbe(), `https://127.0.0.1:${port}/`);

    // Assess
    expect(detail).toBe(
      `the server offers nothing newer than ${name}; the checker accepts TLS 1.2 and 1.3 ` +
        `(ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION) on HEAD https://127.0.0.1:${port}/`,
    );
  });

  it('says no version is shared when the diagnostic handshake cannot tell either', async () => {
    // Prepare
    const server = await startRawServer((socket) => {
      socket.once('data', () => socket.end(PROTOCOL_VERSION_ALERT));
    });

    // Act
    const detail = await tlsDetail(useProbe(), `https://127.0.0.1:${server.port}/`);

    // Assess
    expect(detail).toBe(
      'the server and the checker share no TLS version (the checker accepts TLS 1.2 and 1.3) ' +
        `(ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION) on HEAD https://127.0.0.1:${server.port}/`,
    );
    expect(server.connections()).toBe(2);
  });

  it(`gives up a diagnostic handshake that stalls after ${VERSION_DIAGNOSIS_MAX_MS} ms, and closes it`, async () => {
    // Prepare: the check's own handshake gets the alert; the diagnostic one never gets an answer
    const server = await startRawServer((socket, index) => {
      if (index === 0) socket.once('data', () => socket.end(PROTOCOL_VERSION_ALERT));
      // Read and drop the ClientHello, so that the client's close is seen.
      else socket.resume();
    });
    const url = `https://127.0.0.1:${server.port}/`;

    // Act: a deadline well past the diagnostic's own limit
    const detail = await tlsDetail(useProbe(), url, VERSION_DIAGNOSIS_MAX_MS * 3);

    // Assess
    expect(detail).toBe(
      'the server and the checker share no TLS version (the checker accepts TLS 1.2 and 1.3) ' +
        `(ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION) on HEAD ${url}`,
    );
    await expect.poll(() => server.closed()).toBe(2);
  });

  it('keeps a stalled diagnostic handshake within the check’s deadline, and closes it', async () => {
    // Prepare
    const server = await startRawServer((socket, index) => {
      if (index === 0) socket.once('data', () => socket.end(PROTOCOL_VERSION_ALERT));
      else socket.resume();
    });

    // Act: a deadline shorter than the diagnostic's own limit
    const result = await useProbe().check(target(`https://127.0.0.1:${server.port}/`, 500));

    // Assess: told apart by whichever ends first, the diagnostic (100 ms before the deadline) or the deadline
    expect(result.kind === 'down' && result.reason).toMatch(/^(tls|timeout)$/);
    await expect.poll(() => server.closed()).toBe(2);
  });

  it('says the server does not speak TLS when an HTTP server answers on the port', async () => {
    // Prepare
    const port = await listen(createHttpServer((_req, res) => res.writeHead(200).end()));

    // Act
    const detail = await tlsDetail(useProbe(), `https://127.0.0.1:${port}/`);

    // Assess
    expect(detail).toBe(
      'the server does not speak TLS on this port (an HTTP server on the HTTPS port?) ' +
        `(ERR_SSL_WRONG_VERSION_NUMBER) on HEAD https://127.0.0.1:${port}/`,
    );
  });

  it('says the server refused the handshake when it shares no cipher suite with the checker', async () => {
    // Prepare: Node's default client list leaves Camellia out
    const port = await startTlsServer(authority.issue({ notAfterMs: inAMonth() }), [], {
      maxVersion: 'TLSv1.2',
      ciphers: 'ECDHE-ECDSA-CAMELLIA128-SHA256',
    });

    // Act
    const detail = await tlsDetail(useProbe(), `https://127.0.0.1:${port}/`);

    // Assess: OpenSSL 3.0 names the alert "sslv3 alert", 3.2 and later "ssl/tls alert"
    const code = detail.match(/\((ERR_SSL_[^)]+)\)/)?.[1];
    expect(code).toMatch(/^ERR_SSL_(SSLV3|SSL\/TLS)_ALERT_HANDSHAKE_FAILURE$/);
    expect(detail).toBe(
      'the server refused the handshake (handshake failure alert), usually because it shares no cipher suite ' +
        `with the checker (${code}) on HEAD https://127.0.0.1:${port}/`,
    );
  });
});

describe('createProbe: what a good handshake costs', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("parses a verified chain in detail once (Node's own name check), and still reads its expiry", async () => {
    // Prepare: a detailed read is ~0.3 ms of CPU, most of what TLS adds to a check beyond the handshake itself
    const certificate = intermediate.issue({ notAfterMs: Date.parse('2099-03-01T00:00:00Z') });
    const port = await startTlsServer(certificate, [intermediate.certPem]);
    const reads = vi.spyOn(TLSSocket.prototype, 'getPeerCertificate');

    // Act
    const result = await useProbe().check(target(`https://127.0.0.1:${port}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'up', tls: { validToMs: Date.parse('2099-03-01T00:00:00Z') } });
    expect(reads.mock.calls.filter(([isDetailed]) => isDetailed === true)).toHaveLength(1);
  });

  it('reads the chain that will fail before Node drops it, and only that one', async () => {
    // Prepare
    const port = await startTlsServer(strangerIntermediate.issue({ notAfterMs: inAMonth() }), [
      strangerIntermediate.certPem,
    ]);
    const reads = vi.spyOn(TLSSocket.prototype, 'getPeerCertificate');

    // Act
    const detail = await tlsDetail(useProbe(), `https://127.0.0.1:${port}/`);

    // Assess: Node checks no name on a chain that failed; the one detailed read is ours
    expect(detail).toContain('unknown authority (issuer CN=Stranger Root)');
    expect(reads.mock.calls.filter(([isDetailed]) => isDetailed === true)).toHaveLength(1);
  });
});
