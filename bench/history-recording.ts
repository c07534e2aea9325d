/**
 * What recording the raw history costs the checker: `npx tsx bench/history-recording.ts [--sites 500] [--rounds 4]`.
 *
 * 1. Whole invocations: `--sites` checks (the usual mix of bench/fleet, each site on its own loopback address,
 *    served by child processes) run by processCheckBatch with the real probe, alternately with history off and on
 *    (the store double gzips the batch as HistoryStore does and keeps the bytes). The process CPU of each
 *    invocation is compared: the ratio is what history adds to an invocation's CPU.
 * 2. The history part alone, repeated: building the records from the applied checks, JSON, gzip; and the gzip
 *    bytes per record (what S3 stores and the compactor reads).
 * Writes bench/results/history-recording.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { createProbe } from '../functions/adapters/http-probe.ts';
import { createJsonLogger } from '../functions/adapters/logger.ts';
import { packCheckMessages } from '../functions/domain/check-message.ts';
import type { RawBatch } from '../functions/domain/history/check-record.ts';
import type { SiteState } from '../functions/domain/site-state.ts';
import { processCheckBatch, type QueueRecord } from '../functions/services/check-batch.ts';
import { type AppliedCheck, checkRecordOf, HistoryRecorder } from '../functions/services/history-recorder.ts';
import { startRemoteFleet } from './fleet/remote.ts';
import { benchSite, checkTasks } from './lib/sites.ts';

const { values } = parseArgs({
  options: {
    sites: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '4' },
    repeats: { type: 'string', default: '200' },
  },
});
const SITES = Number(values.sites);
const ROUNDS = Number(values.rounds);
const REPEATS = Number(values.repeats);
// Short: a hung site costs wall time, not CPU; the CPU of a check is what is compared.
const TIMEOUT_MS = 2_000;

const cpuMsOf = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;
const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

async function main(): Promise<void> {
  const fleet = await startRemoteFleet({ size: SITES, seed: 13, timeoutMs: TIMEOUT_MS });
  const probe = createProbe({ allowPrivateTargets: true });
  const batches: RawBatch[] = [];
  const gzipBytes: number[] = [];
  const invocation = async (isHistoryOn: boolean, round: number) => {
    const nowMs = Date.now();
    const sites = fleet.urls.map((url, index) => benchSite(index, url, TIMEOUT_MS));
    // A new check id each run: every run is a fresh scheduled check.
    const tasks = checkTasks(sites, nowMs).map((task) => ({ ...task, checkId: `${task.checkId}-${round}` }));
    const records: QueueRecord[] = packCheckMessages(tasks, { maxTasks: 50 }).map((body, index) => ({
      messageId: `message-${index}`,
      body,
    }));
    const deps = {
      // Light fakes, as the sweep phase: this measures the checker's own CPU.
      store: {
        commitState: async (_siteId: string, _version: number, _next: SiteState) => 'committed' as const,
        getSite: async () => undefined,
        claimAlert: async () => true,
        clearAlert: async () => {},
      },
      probe,
      publisher: { publish: async () => {}, publishGroup: async () => {} },
      queue: { send: async () => {} },
      log: createJsonLogger(() => {}),
      nowMs: Date.now,
      ...(isHistoryOn
        ? {
            history: {
              putRawBatch: async (batch: RawBatch) => {
                gzipBytes.push(gzipSync(JSON.stringify(batch)).length);
                batches.push(batch);
                return 'history/raw/bench';
              },
            },
          }
        : {}),
    };
    const before = process.cpuUsage();
    const report = await processCheckBatch(records, deps, {
      deadlineMs: Date.now() + 60_000,
      concurrency: 256,
    });
    return {
      cpuMs: cpuMsOf(process.cpuUsage(before)),
      checks: report.checksCompleted + report.checkerFaults,
      report,
    };
  };

  // Warm up the probe (and the JIT) once, then alternate so machine noise hits both alike.
  await invocation(false, -1);
  const off: number[] = [];
  const on: number[] = [];
  let checks = 0;
  let historyRecords = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const first = round % 2 === 0;
    const a = await invocation(first, round * 2);
    const b = await invocation(!first, round * 2 + 1);
    for (const [isOn, run] of [
      [first, a],
      [!first, b],
    ] as const) {
      (isOn ? on : off).push(run.cpuMs);
      checks = run.checks;
      if (isOn) historyRecords = run.report.historyRecords;
    }
  }
  await probe.close();
  await fleet.stop();

  // The history part alone, from the checks of the last recorded invocation.
  const lastBatch = batches.at(-1);
  if (!lastBatch) throw new Error('no history batch was written');
  const sitesById = new Map(
    fleet.urls.map((url, index) => [`site-${index}`, benchSite(index, url, TIMEOUT_MS)]),
  );
  const applied: AppliedCheck[] = lastBatch.records.map((record) => {
    const site = sitesById.get(record.siteId);
    if (!site) throw new Error(`unknown site ${record.siteId}`);
    const result =
      record.kind === 'up'
        ? { kind: 'up' as const, status: record.status ?? 200, latencyMs: record.latencyMs }
        : record.kind === 'down'
          ? {
              kind: 'down' as const,
              reason: record.reason as 'timeout',
              detail: record.detail ?? '',
              latencyMs: record.latencyMs,
              ...(record.status === undefined ? {} : { status: record.status }),
            }
          : {
              kind: 'fault' as const,
              reason: 'checker-fault' as const,
              detail: record.detail ?? '',
              latencyMs: 0,
            };
    const state: SiteState = {
      status: record.shown === 'UNCHECKED' ? 'UP' : record.shown,
      version: 4,
      consecutiveFailures: 0,
      consecutiveSuccesses: 0,
    };
    return { site, checkId: record.checkId, result, state, atMs: record.atMs };
  });
  const phases = { buildMs: [] as number[], jsonMs: [] as number[], gzipMs: [] as number[] };
  let bytes = 0;
  let rawBytes = 0;
  for (let i = 0; i < REPEATS; i++) {
    let start = process.cpuUsage();
    const recorder = new HistoryRecorder();
    for (const check of applied) recorder.add(check);
    const batch = recorder.batchAt(Date.now());
    phases.buildMs.push(cpuMsOf(process.cpuUsage(start)));
    start = process.cpuUsage();
    const json = JSON.stringify(batch);
    phases.jsonMs.push(cpuMsOf(process.cpuUsage(start)));
    start = process.cpuUsage();
    bytes = gzipSync(json).length;
    phases.gzipMs.push(cpuMsOf(process.cpuUsage(start)));
    rawBytes = Buffer.byteLength(json);
  }
  // The record shape alone: one representative record, as compact JSON.
  const sample = checkRecordOf(applied[0] as AppliedCheck);
  // Pessimistic: ids people choose share less than site-0…site-499 (random 8-20 character ids).
  const randomId = (i: number) =>
    `${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`.slice(0, 8 + (i % 13));
  const randomIds = new Map(applied.map((check, i) => [check.site.siteId, randomId(i)]));
  const scattered = {
    ...lastBatch,
    records: lastBatch.records.map((record) => ({ ...record, siteId: randomIds.get(record.siteId) ?? '' })),
  };
  const scatteredBytes = gzipSync(JSON.stringify(scattered)).length;

  const offMs = median(off);
  const onMs = median(on);
  const historyMs = median(phases.buildMs) + median(phases.jsonMs) + median(phases.gzipMs);
  const results = {
    sites: SITES,
    checks,
    rounds: ROUNDS,
    invocation: {
      cpuMsHistoryOff: off,
      cpuMsHistoryOn: on,
      medianOffMs: offMs,
      medianOnMs: onMs,
      cpuMsPerCheck: offMs / checks,
      ratioOnToOff: onMs / offMs,
      historyRecords,
    },
    historyAlone: {
      repeats: REPEATS,
      medianBuildMs: median(phases.buildMs),
      medianJsonMs: median(phases.jsonMs),
      medianGzipMs: median(phases.gzipMs),
      totalMs: historyMs,
      shareOfInvocationCpu: historyMs / offMs,
      records: lastBatch.records.length,
      jsonBytes: rawBytes,
      gzipBytes: bytes,
      gzipBytesPerRecord: bytes / lastBatch.records.length,
      gzipBytesPerRecordInInvocations: median(gzipBytes) / lastBatch.records.length,
      gzipBytesPerRecordRandomIds: scatteredBytes / lastBatch.records.length,
      kinds: Object.fromEntries(
        ['up', 'down', 'blocked', 'fault'].map((kind) => [
          kind,
          lastBatch.records.filter((record) => record.kind === kind).length,
        ]),
      ),
      sample,
    },
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL('./results/history-recording.json', import.meta.url),
    `${JSON.stringify(results, null, 2)}\n`,
  );
  console.log(JSON.stringify(results, null, 2));
}

await main();
