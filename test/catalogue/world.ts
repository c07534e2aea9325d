import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as createTcpServer, isIP, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestAuthority, type TestAuthority } from '../adapters/test-certificates.ts';
import { startDeadHosts } from '../support/world/dead-host.ts';
import { type DnsBehaviour, type LoopbackDnsServer, startDnsServer } from '../support/world/dns-server.ts';
import { type RawResponder, type RawServer, startRawServer } from '../support/world/raw-http-server.ts';

// The loopback world the catalogue's cases live in: one nameserver for every name, and per case its own server
// on its own 127.x address, so no two cases share a connection, a port or a DNS answer.

const DAY_MS = 86_400_000;
// Dead hosts are held by a child process that exits by itself after this long, whatever happens to the run.
const DEAD_HOST_LIFETIME_MS = 5 * 60_000;
// Every name a case uses ends in this reserved (RFC 6761) domain: nothing outside this world can answer it.
export const CATALOGUE_DOMAIN = 'catalogue.test';

/** The kinds of certificate a case's HTTPS server can present. */
export type CertificateKind = 'valid' | 'expired' | 'wrong-host' | 'self-signed';

/** What a case's fixture gets: its own loopback address and name, and ways to put a server behind them. */
export interface CaseWorld {
  /** This case's own loopback address (127.x.y.z, unique to the case). */
  readonly host: string;
  /** A DNS name unique to this case, under CATALOGUE_DOMAIN (unanswered, i.e. NXDOMAIN, until set). */
  readonly name: string;
  /** Sets how the world's nameserver answers a name (record it with this, not on the server directly). */
  setDns(name: string, behaviour: DnsBehaviour): void;
  /** A scripted raw-TCP HTTP server on `host` (or another loopback address, e.g. ::1). */
  raw(respond: RawResponder, host?: string): Promise<RawServer>;
  /** An HTTPS server on `host` answering 200 with a small page, presenting the kind of certificate asked. */
  https(certificate: CertificateKind): Promise<{ readonly port: number; readonly url: string }>;
  /** A plain HTTP server (node:http) on `host` answering 200: a TLS ClientHello gets its 400 Bad Request. */
  plainHttp(): Promise<number>;
  /** A port on `host` where nothing listens: connections are refused. */
  refusedPort(): Promise<number>;
  /** A port on `host` whose SYNs go unanswered (a host switched off behind a firewall). */
  deadPort(): Promise<number>;
}

/** What a fixture hands back: the URL to check (the site's URL). */
export interface CaseSite {
  readonly url: string;
  /** Requests its server has received, where a case must show that nothing reached it. */
  readonly requests?: () => number;
}

export interface CatalogueWorld {
  readonly dns: LoopbackDnsServer;
  /** PEM of the test CA every client here trusts (the probe's `ca`, NODE_EXTRA_CA_CERTS, curl's --cacert). */
  readonly caPem: string;
  /** A file holding caPem. */
  readonly caFile: string;
  /** A directory for files of this run (removed by close()). */
  readonly workDir: string;
  /** Starts one case's fixture. */
  start(caseIndex: number, id: string, fixture: (world: CaseWorld) => Promise<CaseSite>): Promise<CaseSite>;
  /** The address a name ends at through its CNAME chain, if the nameserver answers it with one. */
  addressOf(name: string): string | undefined;
  /** Stops every server and process it started. */
  close(): Promise<void>;
}

/** 127.42.N.1 for case N (N < 254 × 254): a distinct address per case, every one reaching `lo`. */
export const caseHost = (caseIndex: number): string =>
  `127.42.${Math.floor(caseIndex / 254)}.${(caseIndex % 254) + 1}`;

/** Starts the world's nameserver and CA; cases add their servers with `start`. */
export async function startCatalogueWorld(): Promise<CatalogueWorld> {
  const closers: Array<() => Promise<unknown>> = [];
  const workDir = await mkdtemp(join(tmpdir(), 'squirrel-catalogue-'));
  closers.push(() => rm(workDir, { recursive: true, force: true }));
  const dns = await startDnsServer();
  closers.push(() => dns.close());
  const authority = createTestAuthority('uptime-squirrel catalogue CA');
  const caFile = join(workDir, 'ca.pem');
  await writeFile(caFile, authority.certPem);
  const records = new Map<string, DnsBehaviour>();

  const world: CatalogueWorld = {
    dns,
    caPem: authority.certPem,
    caFile,
    workDir,
    start: (caseIndex, id, fixture) => {
      const host = caseHost(caseIndex);
      const caseWorld: CaseWorld = {
        host,
        name: `${id}.${CATALOGUE_DOMAIN}`,
        setDns: (name, behaviour) => {
          records.set(name.toLowerCase(), behaviour);
          dns.set(name, behaviour);
        },
        raw: async (respond, on = host) => {
          const server = await startRawServer(respond, { host: on });
          closers.push(() => server.close());
          return server;
        },
        https: async (kind) => {
          const { certPem, keyPem } = await certificateFor(kind, host, authority, workDir);
          const server = createHttpsServer({ cert: certPem, key: keyPem }, (_request, response) => {
            response.writeHead(200, { 'content-type': 'text/html', connection: 'close' }).end(PAGE);
          });
          // A client that rejects the certificate resets the handshake: expected here, not a failure.
          server.on('tlsClientError', () => {});
          const port = await listen(server, host);
          closers.push(() => closeServer(server));
          return { port, url: `https://${host}:${port}/` };
        },
        plainHttp: async () => {
          const server = createHttpServer((_request, response) => {
            response.writeHead(200, { 'content-type': 'text/html', connection: 'close' }).end(PAGE);
          });
          const port = await listen(server, host);
          closers.push(() => closeServer(server));
          return port;
        },
        refusedPort: async () => {
          const server = createTcpServer();
          const port = await listen(server, host);
          await closeServer(server);
          return port;
        },
        deadPort: async () => {
          const dead = await startDeadHosts([host], { lifetimeMs: DEAD_HOST_LIFETIME_MS });
          closers.push(() => dead.close());
          return dead.hosts[0]?.port ?? 0;
        },
      };
      return fixture(caseWorld);
    },
    addressOf: (name) => {
      let current = name.toLowerCase();
      for (let hops = 0; hops < 10; hops++) {
        const record = records.get(current);
        if (record?.kind === 'cname') {
          current = record.target.toLowerCase();
          continue;
        }
        if (record?.kind !== 'answer') return undefined;
        return record.a?.[0] ?? record.aaaa?.[0];
      }
      return undefined;
    },
    close: async () => {
      for (const close of closers.splice(0).reverse()) await close();
    },
  };
  return world;
}

const PAGE = '<!doctype html><title>Shop</title><h1>Welcome to the shop</h1>';

const execFileAsync = promisify(execFile);

async function certificateFor(
  kind: CertificateKind,
  host: string,
  authority: TestAuthority,
  workDir: string,
): Promise<{ readonly certPem: string; readonly keyPem: string }> {
  const nowMs = Date.now();
  switch (kind) {
    case 'valid':
      return authority.issue({ notAfterMs: nowMs + 365 * DAY_MS, hosts: [host] });
    case 'expired':
      return authority.issue({
        notBeforeMs: nowMs - 40 * DAY_MS,
        notAfterMs: nowMs - 10 * DAY_MS,
        hosts: [host],
      });
    case 'wrong-host':
      // Valid and trusted, but for another address: a certificate deployed to the wrong server.
      return authority.issue({ notAfterMs: nowMs + 365 * DAY_MS, hosts: ['127.9.9.9', 'elsewhere.example'] });
    case 'self-signed':
      return selfSigned(host, workDir);
  }
}

/** A leaf signed by its own key (test-certificates only issues from a CA): OpenSSL's `req -x509`. */
async function selfSigned(host: string, workDir: string): Promise<{ certPem: string; keyPem: string }> {
  const keyFile = join(workDir, `self-signed-${host}.key`);
  const certFile = join(workDir, `self-signed-${host}.pem`);
  const altName = isIP(host) === 0 ? `DNS:${host}` : `IP:${host}`;
  await execFileAsync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '30',
    '-subj',
    `/CN=${host}`,
    '-addext',
    `subjectAltName=${altName}`,
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  return { certPem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8') };
}

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if ('closeAllConnections' in server && typeof server.closeAllConnections === 'function') {
      server.closeAllConnections();
    }
    server.close(() => resolve());
  });
}
