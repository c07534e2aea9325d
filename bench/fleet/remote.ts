import { Child } from '../lib/child.ts';
import { openFilesLimit } from '../lib/machine.ts';
import type { NameserverSetup } from './nameserver.ts';
import { type FleetOptions, planFleet, type SiteTruth } from './plan.ts';
import type { FleetShard } from './process.ts';
import type { FleetTls } from './server.ts';

/** A simulated fleet running in child processes; the truth is planned here too, from the same seed. */
export interface RemoteFleet {
  readonly truth: readonly SiteTruth[];
  readonly urls: readonly string[];
  /** Process ids of the shards. */
  readonly pids: readonly (number | undefined)[];
  /** Requests (connections, for resets) per site so far, by site index. */
  counts(): Promise<Uint32Array>;
  /** Bytes the checker has sent to the fleet so far (all shards). */
  bytesIn(): Promise<number>;
  bytesOut(): Promise<number>;
  stop(): Promise<void>;
}

// Descriptors a shard keeps for itself beyond its listeners and the connections it accepts.
const SHARD_MARGIN = 500;

/**
 * Starts the fleet in as many processes as the descriptor limit needs: a shard holds one listener per site
 * plus, at worst, one accepted connection per site, and a process may not open more than `ulimit -n`;
 * `minShards` spreads even a small fleet's CPU over processes.
 */
export async function startRemoteFleet(
  options: FleetOptions,
  tls?: FleetTls,
  { minShards = 1 }: { readonly minShards?: number } = {},
): Promise<RemoteFleet> {
  const perShard = Math.max(1, Math.floor((openFilesLimit() - SHARD_MARGIN) / 2));
  const shards = Math.min(options.size, Math.max(minShards, Math.ceil(options.size / perShard)));
  const children = Array.from({ length: shards }, () => new Child(new URL('./process.ts', import.meta.url)));
  const parts = await Promise.all(
    children.map((child, shard) =>
      child.request<string[]>('start', {
        options,
        shard,
        shards,
        ...(tls ? { tls } : {}),
      } satisfies FleetShard),
    ),
  );
  const urls = parts[0]?.map((_, index) => parts[index % shards]?.[index] ?? '') ?? [];
  return {
    truth: planFleet(options),
    urls,
    pids: children.map((child) => child.pid),
    counts: async () => {
      const all = await Promise.all(children.map((child) => child.request<Uint32Array>('counts')));
      const total = new Uint32Array(options.size);
      for (const counts of all) {
        counts.forEach((count, index) => {
          total[index] = (total[index] ?? 0) + count;
        });
      }
      return total;
    },
    bytesIn: async () => {
      const all = await Promise.all(children.map((child) => child.request<number>('bytesIn')));
      return all.reduce((sum, bytes) => sum + bytes, 0);
    },
    bytesOut: async () => {
      const all = await Promise.all(children.map((child) => child.request<number>('bytesOut')));
      return all.reduce((sum, bytes) => sum + bytes, 0);
    },
    stop: async () => {
      await Promise.all(children.map((child) => child.stop()));
    },
  };
}

/** The DNS phase's loopback nameserver, running in a child process. */
export interface RemoteNameserver {
  /** "127.0.0.1:PORT": what the checker gets as DNS_SERVERS. */
  readonly server: string;
  readonly pid: number | undefined;
  /** Queries received so far (any type) for each name. */
  queries(names: readonly string[]): Promise<number[]>;
  stop(): Promise<void>;
}

/** Starts the loopback nameserver of test/support/world/ in its own process, answering `names` as given. */
export async function startRemoteNameserver(setup: NameserverSetup): Promise<RemoteNameserver> {
  const child = new Child(new URL('./nameserver.ts', import.meta.url));
  const server = await child.request<string>('start', setup);
  return {
    server,
    pid: child.pid,
    queries: (names) => child.request<number[]>('queries', names),
    stop: () => child.stop(),
  };
}
