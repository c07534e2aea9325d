import type { RemoteFleet } from '../fleet/remote.ts';
import { startBundledChild } from '../lib/bundle.ts';
import type { Child } from '../lib/child.ts';
import { LAMBDA_MAX_OPEN_FILES } from '../settings.ts';
import { packInvocations, type SweepMeasurement, type SweepSetup } from './checker-worker.ts';

export interface CheckerProcess {
  /** Checker invocations per sweep: the messages of the fleet, `batchSize` per invocation. */
  readonly invocations: number;
  readonly messages: number;
  /** One process per invocation, as one Lambda container runs one invocation at a time. */
  readonly pids: readonly (number | undefined)[];
  /** Points the same processes at another fleet (Lambda containers checking other sites). */
  setup(setup: SweepSetup): Promise<void>;
  /** Runs every invocation at once; results merged, wall time from the first start to the last end. */
  sweep(): Promise<SweepMeasurement>;
  stop(): Promise<void>;
}

/**
 * Starts one child per checker invocation, started as Lambda starts the checker: a bundle on plain node
 * (with --enable-source-maps when `sourceMaps`) and Lambda's 1,024 descriptors each.
 */
export async function startCheckerProcess(
  setup: SweepSetup,
  sourceMaps: boolean,
  env: Readonly<Record<string, string>> = {},
): Promise<CheckerProcess> {
  const batches = packInvocations(setup, Date.now());
  const children: Child[] = [];
  for (let index = 0; index < batches.length; index++) {
    children.push(
      await startBundledChild(new URL('./checker-worker.ts', import.meta.url), {
        env: { ...env, BENCH_CHECKER: '1' },
        sourceMaps,
        maxOpenFiles: LAMBDA_MAX_OPEN_FILES,
      }),
    );
  }
  const setupAll = (next: SweepSetup) =>
    Promise.all(children.map((child, index) => child.request('setup', { ...next, invocations: [index] })));
  await setupAll(setup);
  return {
    invocations: batches.length,
    messages: batches.reduce((sum, batch) => sum + batch.length, 0),
    pids: children.map((child) => child.pid),
    setup: async (next) => {
      if (packInvocations(next, Date.now()).length !== children.length) {
        throw new Error('another fleet must need as many invocations as the first');
      }
      await setupAll(next);
    },
    sweep: async () =>
      mergeSweeps(await Promise.all(children.map((child) => child.request<SweepMeasurement>('sweep')))),
    stop: async () => {
      await Promise.all(children.map((child) => child.stop()));
    },
  };
}

/** One sweep out of the parts each invocation's process measured. */
function mergeSweeps(parts: readonly SweepMeasurement[]): SweepMeasurement {
  const sum = (pick: (part: SweepMeasurement) => number) =>
    parts.reduce((total, part) => total + pick(part), 0);
  const max = (pick: (part: SweepMeasurement) => number) => Math.max(...parts.map(pick));
  const startedAtMs = Math.min(...parts.map((part) => part.startedAtMs));
  const endedAtMs = max((part) => part.endedAtMs);
  const results: unknown[] = [];
  const checksBySite = new Uint32Array(parts[0]?.checksBySite.length ?? 0);
  for (const part of parts) {
    part.results.forEach((result, index) => {
      if (result !== undefined && result !== null) results[index] = result;
    });
    part.checksBySite.forEach((count, index) => {
      checksBySite[index] = (checksBySite[index] ?? 0) + count;
    });
  }
  const peak = parts.reduce((best, part) => (part.peakRssMiB > best.peakRssMiB ? part : best));
  return {
    startedAtMs,
    endedAtMs,
    wallMs: endedAtMs - startedAtMs,
    lastStartMs: max((part) => part.startedAtMs + part.lastStartMs) - startedAtMs,
    invocations: parts.flatMap((part) => part.invocations),
    messageBytes: sum((part) => part.messageBytes),
    cpuUserMs: sum((part) => part.cpuUserMs),
    cpuSystemMs: sum((part) => part.cpuSystemMs),
    // Per process, i.e. per Lambda container: what the function's memory must hold.
    peakRssMiB: peak.peakRssMiB,
    heapUsedMiB: max((part) => part.heapUsedMiB),
    memoryAtPeak: peak.memoryAtPeak,
    eventLoopDelayP99Ms: max((part) => part.eventLoopDelayP99Ms),
    descriptorsLeft: sum((part) => part.descriptorsLeft),
    logBytes: sum((part) => part.logBytes),
    logLines: sum((part) => part.logLines),
    metricLogBytes: sum((part) => part.metricLogBytes),
    stateWrites: sum((part) => part.stateWrites),
    rechecksQueued: sum((part) => part.rechecksQueued),
    results,
    checksBySite,
  };
}

/** A sweep and what the fleet saw of it: requests, the bytes the checker sent and the bytes it was sent. */
export type FleetSweep = SweepMeasurement & {
  readonly requests: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
};

/** Runs one sweep of `fleet` and counts the requests (connections, for resets) and bytes the fleet received. */
export async function sweepFleet(
  fleet: RemoteFleet,
  sweep: () => Promise<SweepMeasurement>,
): Promise<FleetSweep> {
  const before = await fleet.counts();
  const bytesBefore = await fleet.bytesIn();
  const bytesOutBefore = await fleet.bytesOut();
  const measurement = await sweep();
  // The fleet sees a connection's close a moment after the checker drops it.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const after = await fleet.counts();
  const bytesSent = (await fleet.bytesIn()) - bytesBefore;
  const bytesReceived = (await fleet.bytesOut()) - bytesOutBefore;
  let requests = 0;
  after.forEach((count, index) => {
    requests += count - (before[index] ?? 0);
  });
  return { ...measurement, requests, bytesSent, bytesReceived };
}
