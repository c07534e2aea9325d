// The checker's side of the sweep: bundled and run as its own process by checker-sweep.ts.
import { readdirSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createProbe, type Probe } from '../../functions/adapters/http-probe.ts';
import { ENV, readNameservers } from '../../functions/config.ts';
import { packCheckMessages } from '../../functions/domain/check-message.ts';
import type { SiteState } from '../../functions/domain/site-state.ts';
import { processCheckBatch, type QueueRecord } from '../../functions/services/check-batch.ts';
import { serveCommands } from '../lib/child.ts';
import { createCountingLogger, ResultRecorder } from '../lib/recording.ts';
import { benchSite, checkTasks } from '../lib/sites.ts';
import { CHECKER_TIMEOUT_MS, type Settings } from '../settings.ts';

export interface SweepSetup {
  readonly urls: readonly string[];
  readonly timeoutMs: number;
  readonly settings: Settings;
  /** Which invocations of the sweep this process runs (all of them when absent). */
  readonly invocations?: readonly number[];
  /** Every check is the site's periodic full GET (the whole page read) instead of the HEAD heartbeat. */
  readonly fullGet?: boolean;
}

export interface InvocationFigures {
  readonly messages: number;
  readonly checks: number;
  readonly durationMs: number;
  /** Checks that ended in a checker fault (no verdict). */
  readonly checkerFaults: number;
  /** Messages the invocation handed back to SQS (BatchReport.failedMessageIds). */
  readonly failedMessages: number;
  /** Tasks sent back to the queue alone, to be tried again. */
  readonly tasksRetried: number;
  readonly sitesUnchecked: number;
}

/** One sweep (or this process's invocations of it), measured in the checker's own process. */
export interface SweepMeasurement {
  /** Epoch ms: the sweep is spread over processes, so their clocks are compared as wall time. */
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  readonly wallMs: number;
  /** When the last check began, from the start of the sweep. */
  readonly lastStartMs: number;
  readonly invocations: readonly InvocationFigures[];
  readonly messageBytes: number;
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  readonly peakRssMiB: number;
  readonly heapUsedMiB: number;
  /** process.memoryUsage() in MiB when RSS peaked (sampled every 20 ms). */
  readonly memoryAtPeak: Readonly<Record<string, number>>;
  readonly eventLoopDelayP99Ms: number;
  /** Descriptors open after the sweep that were not before: leaked sockets would show here. */
  readonly descriptorsLeft: number;
  readonly logBytes: number;
  readonly logLines: number;
  readonly metricLogBytes: number;
  readonly stateWrites: number;
  readonly rechecksQueued: number;
  /** First result per site, by site index. */
  readonly results: readonly unknown[];
  readonly checksBySite: Uint32Array;
}

/** The fleet's checks as the fan-out packs them, grouped `batchSize` messages per invocation. */
export function packInvocations(setup: SweepSetup, nowMs: number): QueueRecord[][] {
  const sites = setup.urls.map((url, index) => benchSite(index, url, setup.timeoutMs));
  const tasks = checkTasks(sites, nowMs).map((task) => (setup.fullGet ? { ...task, fullGet: true } : task));
  const bodies = packCheckMessages(tasks, { maxTasks: setup.settings.checksPerMessage });
  const records: QueueRecord[] = bodies.map((body, index) => ({ messageId: `message-${index}`, body }));
  const batches: QueueRecord[][] = [];
  for (let start = 0; start < records.length; start += setup.settings.batchSize) {
    batches.push(records.slice(start, start + setup.settings.batchSize));
  }
  return batches;
}

// The rest runs in the child. Like a Lambda container: one probe for the process, reused by every sweep.
let probe: Probe | undefined;
let setup: SweepSetup | undefined;

async function sweep(): Promise<SweepMeasurement> {
  if (!setup || !probe) throw new Error('sweep before setup');
  const { urls, settings } = setup;
  const all = packInvocations(setup, Date.now());
  const batches = setup.invocations
    ? setup.invocations.map((index) => all[index] ?? []).filter((batch) => batch.length > 0)
    : all;

  const recorder = new ResultRecorder(urls);
  const logger = createCountingLogger();
  let stateWrites = 0;
  let rechecksQueued = 0;
  // Light fakes for storage and queues: this phase measures the checks; the pipeline phase uses the real ones.
  const deps = {
    store: {
      commitState: async (_siteId: string, _version: number, _next: SiteState) => {
        stateWrites++;
        return 'committed' as const;
      },
      getSite: async () => undefined,
      claimAlert: async () => true,
      clearAlert: async () => {},
    },
    probe: recorder.wrap(probe),
    publisher: { publish: async () => {}, publishGroup: async () => {} },
    queue: {
      send: async (messages: readonly string[]) => {
        rechecksQueued += messages.length;
      },
    },
    log: logger.log,
    nowMs: Date.now,
  };

  const memory = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    if (now.rss > memory.rss) Object.assign(memory, now);
  }, 20);
  const descriptorsBefore = openDescriptors();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const cpuBefore = process.cpuUsage();
  const startedAtMs = Date.now();
  const startMs = performance.now();
  const invocations = await Promise.all(
    batches.map(async (batch) => {
      const invokedMs = performance.now();
      const report = await processCheckBatch(batch, deps, {
        deadlineMs: Date.now() + CHECKER_TIMEOUT_MS,
        concurrency: settings.checkConcurrency,
      });
      return {
        messages: batch.length,
        checks: report.checksCompleted + report.checkerFaults,
        durationMs: performance.now() - invokedMs,
        checkerFaults: report.checkerFaults,
        failedMessages: report.failedMessageIds.length,
        tasksRetried: report.tasksRetried,
        sitesUnchecked: report.sitesUnchecked,
      };
    }),
  );
  const wallMs = performance.now() - startMs;
  const endedAtMs = Date.now();
  const lastStartMs = recorder.lastStartAtMs - startMs;
  const cpu = process.cpuUsage(cpuBefore);
  delay.disable();
  clearInterval(sampler);
  // Sockets close on the next turns of the loop: give them a moment before counting leftovers.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const descriptorsLeft = openDescriptors() - descriptorsBefore;
  return {
    startedAtMs,
    endedAtMs,
    wallMs,
    lastStartMs,
    invocations,
    messageBytes: batches.flat().reduce((sum, record) => sum + Buffer.byteLength(record.body), 0),
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    heapUsedMiB: process.memoryUsage().heapUsed / 1_048_576,
    memoryAtPeak: Object.fromEntries(Object.entries(memory).map(([k, v]) => [k, Math.round(v / 1_048_576)])),
    eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
    descriptorsLeft,
    logBytes: logger.bytes(),
    logLines: logger.lines(),
    metricLogBytes: logger.metricBytes(),
    stateWrites,
    rechecksQueued,
    results: recorder.first,
    checksBySite: recorder.checksBySite,
  };
}

const openDescriptors = (): number => readdirSync('/proc/self/fd').length;

if (process.env.BENCH_CHECKER === '1' && process.send) {
  serveCommands(
    {
      setup: (payload) => {
        setup = payload as SweepSetup;
        // As functions/checker.ts: nameservers from DNS_SERVERS (the DNS phase's loopback one), else the system's.
        probe ??= createProbe({
          allowPrivateTargets: true,
          dnsServers: readNameservers(process.env, ENV.dnsServers),
        });
      },
      sweep,
    },
    async () => {
      await probe?.close();
    },
  );
}
