import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as createNetServer, type Server, type Socket } from 'node:net';
import type { SiteTruth } from './plan.ts';

/** A running simulated fleet: one listener per site, each on its own loopback address. */
export interface RunningFleet {
  /** The URL each site is checked at, by site index ('' for sites another shard serves). */
  readonly urls: readonly string[];
  /** HTTP requests (connections, for resets) each site has received so far, by site index. */
  counts(): Uint32Array;
  /** Bytes the checker has sent to the fleet over closed connections (TLS records included): its upload. */
  bytesIn(): number;
  /** Bytes the fleet has sent the checker over closed connections (TLS records included): its download. */
  bytesOut(): number;
  /** Closes every listener and drops every open connection (hung requests included). */
  stop(): Promise<void>;
}

// Listeners opened at once while starting: enough to be quick, few enough not to stall the event loop.
const LISTEN_BATCH = 500;

/**
 * Starts the given sites of a fleet of `size` in this process (a shard when not all of them). Refused sites
 * get an address and port nobody listens on. `urls` and `counts` are indexed by site index, over the fleet.
 */
export async function startFleet(
  plan: readonly SiteTruth[],
  size = plan.length,
  tls?: FleetTls,
  pageBytes?: number,
): Promise<RunningFleet> {
  const page = pageBytes === undefined ? OK_PAGE : Buffer.alloc(pageBytes, 'a');
  const counts = new Uint32Array(size);
  const traffic = { bytesIn: 0, bytesOut: 0 };
  const servers: Server[] = [];
  const urls: string[] = new Array(size).fill('');
  for (let start = 0; start < plan.length; start += LISTEN_BATCH) {
    await Promise.all(
      plan.slice(start, start + LISTEN_BATCH).map(async (site) => {
        const server = createSiteServer(site, counts, tls, page);
        // The raw TCP socket, also under TLS: what the checker would pay as data transfer out.
        server.on('connection', (socket: Socket) => {
          socket.once('close', () => {
            traffic.bytesIn += socket.bytesRead;
            traffic.bytesOut += socket.bytesWritten;
          });
        });
        const port = await listen(server, site.address);
        if (site.behaviour === 'refused') await close(server);
        else servers.push(server);
        const scheme = tls && site.behaviour !== 'refused' && site.behaviour !== 'reset' ? 'https' : 'http';
        urls[site.index] = `${scheme}://${site.address}:${port}/`;
      }),
    );
  }
  return {
    urls,
    counts: () => counts.slice(),
    bytesIn: () => traffic.bytesIn,
    bytesOut: () => traffic.bytesOut,
    stop: async () => {
      await Promise.all(servers.map(close));
    },
  };
}

/** A key and a certificate per site address, to serve HTTPS instead of HTTP. */
export interface FleetTls {
  readonly key: string;
  readonly certs: Readonly<Record<string, string>>;
}

// What a site answers GET with unless the fleet serves bigger pages.
const OK_PAGE = Buffer.from('ok\n');

function createSiteServer(
  site: SiteTruth,
  counts: Uint32Array,
  tls: FleetTls | undefined,
  page: Buffer,
): Server {
  if (site.behaviour === 'reset') {
    // Accepts the connection, then answers it with a TCP RST.
    return createNetServer((socket) => {
      counts[site.index] = (counts[site.index] ?? 0) + 1;
      socket.resetAndDestroy();
    });
  }
  const onRequest = (request: IncomingMessage, response: ServerResponse) => {
    counts[site.index] = (counts[site.index] ?? 0) + 1;
    // A hung site reads the request and never answers; the checker's deadline has to end it.
    if (site.behaviour === 'hang') return;
    const answer = () => respond(site, request, response, page);
    if (site.latencyMs > 0) setTimeout(answer, site.latencyMs);
    else answer();
  };
  return tls
    ? createHttpsServer({ key: tls.key, cert: tls.certs[site.address] }, onRequest)
    : createHttpServer(onRequest);
}

function respond(site: SiteTruth, request: IncomingMessage, response: ServerResponse, page: Buffer): void {
  const path = new URL(request.url ?? '/', 'http://site').pathname;
  const reply = (status: number, headers: Record<string, string> = {}) => {
    // Error pages stay short; a 200 is the fleet's page.
    const body = status === 200 ? page : OK_PAGE;
    response
      .writeHead(status, { connection: 'close', 'content-length': String(body.length), ...headers })
      .end(request.method === 'HEAD' ? undefined : body);
  };
  reply(...answerFor(site, request.method ?? 'GET', path));
}

/** The status (and headers) a site answers with: the behaviour's whole HTTP side. */
function answerFor(site: SiteTruth, method: string, path: string): [number, Record<string, string>?] {
  switch (site.behaviour) {
    case 'healthy':
    case 'slow-in-time':
      return [200];
    case 'http-5xx':
      return [site.status ?? 500];
    case 'http-404':
      return [404];
    case 'head-405':
      return method === 'HEAD' ? [405, { allow: 'GET' }] : [200];
    case 'redirect':
      return path === '/home' ? [200] : [301, { location: '/home' }];
    case 'redirect-loop':
      return [302, { location: path === '/a' ? '/' : '/a' }];
    default:
      return [500];
  }
}

function listen(server: Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // HTTP servers hold hung requests open; drop them so close() can finish.
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  });
}
