import { serveCommands } from '../lib/child.ts';
import { type FleetOptions, planFleet } from './plan.ts';
import { type FleetTls, type RunningFleet, startFleet } from './server.ts';

export interface FleetShard {
  readonly options: FleetOptions;
  /** This process serves the sites whose index % shards === shard. */
  readonly shard: number;
  readonly shards: number;
  readonly tls?: FleetTls;
}

// The fleet runs in its own process(es) so that its timers and sockets do not share the checker's event loop.
let fleet: RunningFleet | undefined;

serveCommands(
  {
    start: async (payload) => {
      const { options, shard, shards, tls } = payload as FleetShard;
      await fleet?.stop();
      const plan = planFleet(options).filter((site) => site.index % shards === shard);
      fleet = await startFleet(plan, options.size, tls, options.pageBytes);
      return fleet.urls;
    },
    counts: () => fleet?.counts() ?? new Uint32Array(),
    bytesIn: () => fleet?.bytesIn() ?? 0,
    bytesOut: () => fleet?.bytesOut() ?? 0,
    stop: async () => {
      await fleet?.stop();
      fleet = undefined;
    },
  },
  async () => {
    await fleet?.stop();
  },
);
