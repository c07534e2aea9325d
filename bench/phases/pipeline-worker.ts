// The checker side of the local pipeline: the SQS event source and the checker invocations, one process.
// The fan-out runs in its own process (fanout-worker.ts), as it is its own Lambda on AWS.
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { AlertPublisher } from '../../functions/adapters/alert-publisher.ts';
import { CheckQueue } from '../../functions/adapters/check-queue.ts';
import { createProbe, type Probe } from '../../functions/adapters/http-probe.ts';
import { createJsonLogger } from '../../functions/adapters/logger.ts';
import { SiteStore } from '../../functions/adapters/site-store.ts';
import type { DownReason } from '../../functions/domain/check-result.ts';
import { processCheckBatch } from '../../functions/services/check-batch.ts';
import { type BenchClients, createBenchClients, resetUsage, type SdkUsage } from '../lib/aws.ts';
import { serveCommands } from '../lib/child.ts';
import type { EmulatorEndpoints } from '../lib/emulators.ts';
import { type InvocationRecord, LocalEventSource } from '../lib/event-source.ts';
import { createCountingLogger, ResultRecorder } from '../lib/recording.ts';
import { type BenchResources, createResources } from '../lib/resources.ts';
import { benchSite, seedSites } from '../lib/sites.ts';
import { CHECKER_TIMEOUT_MS, type Settings } from '../settings.ts';

export interface PipelineSetup {
  readonly endpoints: EmulatorEndpoints;
  readonly urls: readonly string[];
  readonly timeoutMs: number;
  readonly settings: Settings;
  /** Sites already DOWN before the sweep, by index (null: UP). Empty: every site starts UP. */
  readonly downReasons: readonly (DownReason | null)[];
}

export interface PipelineSeeded {
  readonly resources: BenchResources;
  readonly seedMs: number;
  readonly itemBytes: number;
}

/** What the checker side saw of one sweep; times are epoch ms (the fan-out runs in another process). */
export interface CheckerSideMeasurement {
  /** When the last site got its first result. */
  readonly lastResultAtMs: number;
  /** When every invocation had returned and its messages were deleted. */
  readonly drainedAtMs: number;
  readonly hitLimit: boolean;
  readonly invocations: readonly InvocationRecord[];
  readonly usage: SdkUsage;
  readonly logBytes: number;
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  readonly peakRssMiB: number;
  /** Sites left PENDING in the table: the new DOWN verdicts, committed through the real store. */
  readonly pendingInTable: number;
  readonly results: readonly unknown[];
  readonly checksBySite: Uint32Array;
}

interface Running {
  readonly recorder: ResultRecorder;
  readonly source: LocalEventSource;
  readonly log: ReturnType<typeof createCountingLogger>;
  readonly cpuBefore: NodeJS.CpuUsage;
}

let state:
  | { setup: PipelineSetup; clients: BenchClients; resources: BenchResources; probe: Probe }
  | undefined;
let running: Running | undefined;

async function setup(payload: PipelineSetup): Promise<PipelineSeeded> {
  const clients = createBenchClients(payload.endpoints);
  const resources = await createResources(clients, `pipeline-${Date.now()}`);
  const startMs = performance.now();
  const sites = payload.urls.map((url, index) => benchSite(index, url, payload.timeoutMs));
  const { itemBytes } = await seedSites(
    clients.dynamodb,
    resources.tableName,
    sites,
    Date.now(),
    payload.downReasons,
  );
  // Like a warm Lambda container, the probe outlives one sweep.
  const probe = state?.probe ?? createProbe({ allowPrivateTargets: true });
  state = { setup: payload, clients, resources, probe };
  return { resources, seedMs: performance.now() - startMs, itemBytes };
}

/** Starts the event source's pollers: from now on every message on the queue is checked. */
function start(): void {
  if (!state) throw new Error('start before setup');
  const { setup, clients, resources } = state;
  const { settings } = setup;
  resetUsage(clients.usage);
  const recorder = new ResultRecorder(setup.urls);
  const log = createCountingLogger();
  const deps = {
    store: new SiteStore(clients.dynamodb, resources.tableName),
    probe: recorder.wrap(state.probe),
    publisher: new AlertPublisher(clients.sns, resources.topicArn),
    queue: new CheckQueue(clients.sqs, resources.queueUrl),
    // BENCH_DEBUG=1 shows the checker's log lines instead of only counting them.
    log: process.env.BENCH_DEBUG
      ? createJsonLogger((line) =>
          process.stderr.write(`${line.startsWith('{"_aws"') ? line.slice(-200) : line.slice(0, 300)}\n`),
        )
      : log.log,
    nowMs: Date.now,
  };
  const source = new LocalEventSource(
    clients.sqs,
    resources.queueUrl,
    {
      pollers: settings.maxConcurrency,
      batchSize: settings.batchSize,
      batchingWindowMs: settings.batchingWindowMs,
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds: 360,
    },
    async (records) => {
      const report = await processCheckBatch(records, deps, {
        deadlineMs: Date.now() + CHECKER_TIMEOUT_MS,
        concurrency: settings.checkConcurrency,
      });
      return {
        failedMessageIds: report.failedMessageIds,
        checks: report.checksCompleted + report.checkerFaults,
        tasksRetried: report.tasksRetried,
      };
    },
  );
  running = { recorder, source, log, cpuBefore: process.cpuUsage() };
  source.start();
}

/** Waits until every site has a result and no invocation is running (or `limitMs` passed), then stops. */
async function finish(payload: { limitMs: number }): Promise<CheckerSideMeasurement> {
  if (!state || !running) throw new Error('finish before start');
  const { recorder, source, log, cpuBefore } = running;
  let timer: NodeJS.Timeout | undefined;
  const hitLimit = await Promise.race([
    recorder.waitFor(state.setup.urls.length).then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), payload.limitMs);
    }),
  ]);
  clearTimeout(timer);
  await source.idle();
  const drainedAtMs = Date.now();
  const cpu = process.cpuUsage(cpuBefore);
  await source.stop();
  running = undefined;
  return {
    lastResultAtMs: Date.now() - (performance.now() - recorder.lastAtMs),
    drainedAtMs,
    hitLimit,
    invocations: source.invocations,
    usage: structuredClone(state.clients.usage),
    logBytes: log.bytes(),
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    pendingInTable: await countPending(state.clients, state.resources.tableName),
    results: recorder.first,
    checksBySite: recorder.checksBySite,
  };
}

async function countPending(clients: BenchClients, tableName: string): Promise<number> {
  let pending = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await clients.dynamodb.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pending': { S: 'PENDING' } },
        Select: 'COUNT',
        ...(startKey ? { ExclusiveStartKey: startKey as never } : {}),
      }),
    );
    pending += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return pending;
}

if (process.env.BENCH_PIPELINE === '1' && process.send) {
  serveCommands(
    {
      setup: (payload) => setup(payload as PipelineSetup),
      start,
      finish: (payload) => finish(payload as { limitMs: number }),
    },
    async () => {
      await state?.probe.close();
    },
  );
}
