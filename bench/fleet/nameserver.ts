// The DNS phase's nameserver (the test world's loopback resolver), in its own process as the fleet is.
import {
  type DnsBehaviour,
  type LoopbackDnsServer,
  startDnsServer,
} from '../../test/support/world/dns-server.ts';
import { serveCommands } from '../lib/child.ts';

export interface NameserverSetup {
  /** Every answer waits this long: a recursive resolver's cache miss, roughly. */
  readonly delayMs: number;
  readonly names: readonly (readonly [string, DnsBehaviour])[];
}

let nameserver: LoopbackDnsServer | undefined;

serveCommands(
  {
    start: async (payload) => {
      const { delayMs, names } = payload as NameserverSetup;
      await nameserver?.close();
      nameserver = await startDnsServer({ defaultDelayMs: delayMs });
      for (const [name, behaviour] of names) nameserver.set(name, behaviour);
      return nameserver.server;
    },
    queries: (payload) => (payload as string[]).map((name) => nameserver?.queries(name) ?? 0),
    stop: async () => {
      await nameserver?.close();
      nameserver = undefined;
    },
  },
  async () => {
    await nameserver?.close();
  },
);
