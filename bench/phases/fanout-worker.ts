// The fan-out alone over a large table, run by run.ts as its own process.
import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { CheckQueue } from '../../functions/adapters/check-queue.ts';
import { SiteStore } from '../../functions/adapters/site-store.ts';
import { runSweep, type SweepReport } from '../../functions/services/sweep.ts';
import { type BenchClients, createBenchClients, resetUsage, type SdkUsage } from '../lib/aws.ts';
import { serveCommands } from '../lib/child.ts';
import type { EmulatorEndpoints } from '../lib/emulators.ts';
import { createCountingLogger } from '../lib/recording.ts';
import { type BenchResources, createResources } from '../lib/resources.ts';
import { benchSite, seedSites } from '../lib/sites.ts';

export interface FanOutSetup {
  readonly endpoints: EmulatorEndpoints;
  readonly sites: number;
}

export interface FanOutMeasurement {
  /** Epoch ms when the sweep returned (for the pipeline, whose checker runs in another process). */
  readonly doneAtMs: number;
  readonly scanSegments: number;
  readonly checksPerMessage: number;
  /** Scan + enqueue: the sweep from the lease to the last SendMessageBatch. */
  readonly wallMs: number;
  readonly sweep: SweepReport;
  readonly usage: SdkUsage;
  readonly logBytes: number;
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  readonly peakRssMiB: number;
}

export interface FanOutRun {
  readonly scanSegments: number;
  readonly checksPerMessage: number;
  /** Empty the queue first: the fan-out-alone phase sweeps several times into a queue nobody reads. */
  readonly purgeFirst: boolean;
}

// As functions/fan-out.ts.
const SWEEP_LEASE_MS = 45_000;
const MINUTE_MS = 60_000;

let state: { clients: BenchClients; resources: BenchResources; nextMinuteMs: number } | undefined;

async function setup(payload: FanOutSetup): Promise<{ seedMs: number; itemBytes: number }> {
  const clients = createBenchClients(payload.endpoints);
  const resources = await createResources(clients, `fanout-${Date.now()}`);
  const startMs = performance.now();
  // Realistic configs (names, owners, long-ish URLs): item size drives the scan's read units.
  const sites = Array.from({ length: payload.sites }, (_, index) =>
    benchSite(index, `https://www.customer-${index}.example.com/health?probe=squirrel`, 5_000),
  );
  const { itemBytes } = await seedSites(clients.dynamodb, resources.tableName, sites, Date.now());
  state = { clients, resources, nextMinuteMs: Date.now() };
  return { seedMs: performance.now() - startMs, itemBytes };
}

/** Uses a table and queue that already exist (the pipeline's) instead of seeding its own. */
function attach(payload: { endpoints: EmulatorEndpoints; resources: BenchResources }): void {
  state = {
    clients: createBenchClients(payload.endpoints),
    resources: payload.resources,
    nextMinuteMs: Date.now(),
  };
}

async function run(options: FanOutRun): Promise<FanOutMeasurement> {
  if (!state) throw new Error('run before setup');
  const { clients, resources } = state;
  if (options.purgeFirst) await clients.sqs.send(new PurgeQueueCommand({ QueueUrl: resources.queueUrl }));
  resetUsage(clients.usage);
  const log = createCountingLogger();
  // Each run sweeps a later minute, so the sweep lease of the previous run does not block it.
  state.nextMinuteMs += MINUTE_MS;
  const cpuBefore = process.cpuUsage();
  const startMs = performance.now();
  const sweep = await runSweep(
    state.nextMinuteMs,
    Date.now(),
    {
      store: new SiteStore(clients.dynamodb, resources.tableName),
      queue: new CheckQueue(clients.sqs, resources.queueUrl),
      log: log.log,
    },
    {
      scanSegments: options.scanSegments,
      checksPerMessage: options.checksPerMessage,
      leaseMs: SWEEP_LEASE_MS,
    },
  );
  const wallMs = performance.now() - startMs;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    scanSegments: options.scanSegments,
    checksPerMessage: options.checksPerMessage,
    doneAtMs: Date.now(),
    wallMs,
    sweep,
    usage: structuredClone(clients.usage),
    logBytes: log.bytes(),
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

if (process.env.BENCH_FANOUT === '1' && process.send) {
  serveCommands({
    setup: (payload) => setup(payload as FanOutSetup),
    attach: (payload) => attach(payload as { endpoints: EmulatorEndpoints; resources: BenchResources }),
    run: (payload) => run(payload as FanOutRun),
  });
}
