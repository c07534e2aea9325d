import { createServer as createHttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';

/**
 * What the site does with a connection from an address it cannot be reached from. `reset`: accepts it and resets
 * it at once (the client sees ECONNRESET, quickly). `hang`: accepts it and never answers (the client times out,
 * as behind a path that drops packets). A SYN cannot be dropped per source without a firewall (none here).
 */
export type UnreachableMode = 'reset' | 'hang';

/** Who cannot reach the site: these source addresses, or everyone (the site is down everywhere). */
export type Unreachable = readonly string[] | 'everyone';

export interface SourceFilterServer {
  readonly host: string;
  readonly port: number;
  /** "http://host:port/" of the site. */
  readonly url: string;
  /** From now on, connections from these addresses (or from everyone) are reset or left hanging. */
  unreachableFrom(unreachable: Unreachable): void;
  /** Source address of every connection accepted so far, served or not, in arrival order. */
  connections(): readonly { readonly from: string; readonly served: boolean }[];
  /** Stops listening and destroys every open connection, hanging ones included. */
  close(): Promise<void>;
}

export interface SourceFilterServerOptions {
  /** Loopback address to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** @default none: served to everyone */
  readonly unreachableFrom?: Unreachable;
  /** @default 'reset' */
  readonly mode?: UnreachableMode;
  /** Status of every served answer. @default 200 */
  readonly status?: number;
}

/**
 * A site on loopback that is unreachable from chosen source addresses and serves everyone else: every 127.x.y.z
 * address reaches `lo`, so a client that binds its connection to 127.0.0.2 is a different place on the network
 * from one connecting from 127.0.0.1. The multi-location tests give each location its own source address.
 */
export async function startSourceFilterServer(
  options: SourceFilterServerOptions = {},
): Promise<SourceFilterServer> {
  const host = options.host ?? '127.0.0.1';
  const mode = options.mode ?? 'reset';
  const status = options.status ?? 200;
  let unreachable: Unreachable = options.unreachableFrom ?? [];
  const seen: Array<{ from: string; served: boolean }> = [];
  const sockets = new Set<Socket>();

  const site = createHttpServer((_request, response) => {
    response.writeHead(status, { 'content-type': 'text/html', connection: 'close' }).end('<title>ok</title>');
  });
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // Clients time out and vanish: that is what these tests are about, not a failure of the server.
    socket.on('error', () => {});
    const from = plainAddress(socket.remoteAddress ?? '');
    const isUnreachable = unreachable === 'everyone' || unreachable.includes(from);
    seen.push({ from, served: !isUnreachable });
    if (!isUnreachable) site.emit('connection', socket);
    else if (mode === 'reset') socket.resetAndDestroy();
    // hang: the connection stays open, unanswered, until the client or close() ends it.
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error(`unexpected server address ${address}`);
  const { port } = address;
  return {
    host,
    port,
    url: host.includes(':') ? `http://[${host}]:${port}/` : `http://${host}:${port}/`,
    unreachableFrom: (next) => {
      unreachable = next === 'everyone' ? next : [...next];
    },
    connections: () => seen.map((connection) => ({ ...connection })),
    close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      site.closeAllConnections();
      return closed;
    },
  };
}

/** 127.0.0.2 rather than ::ffff:127.0.0.2 (how a dual-stack listener reports an IPv4 peer). */
const plainAddress = (address: string): string => address.replace(/^::ffff:(?=\d+\.)/, '');
