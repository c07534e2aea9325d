// `npm run bench`: every figure of docs/performance.md, measured in one run. See bench/README.md.
import { mkdir, writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { CheckResult } from '../functions/domain/check-result.ts';
import { DEFAULT_START_SLOT_MS } from '../functions/services/check-batch.ts';
import { describeTruth, idealBoundMs, onlyMix, planFleet, type SiteTruth } from './fleet/plan.ts';
import { startRemoteFleet } from './fleet/remote.ts';
import { startBundledChild } from './lib/bundle.ts';
import { createFleetCertificates } from './lib/certificates.ts';
import { createCpuLimit } from './lib/cpu-limit.ts';
import { startRemoteEmulators } from './lib/emulators.ts';
import { CpuSplit, describeMachine, openFilesLimit } from './lib/machine.ts';
import { scoreVerdicts } from './lib/recording.ts';
import { type BenchReport, printReport, type SizedSweep, type SweepSummary } from './lib/report.ts';
import {
  type CheckerProcess,
  type FleetSweep,
  startCheckerProcess,
  sweepFleet,
} from './phases/checker-sweep.ts';
import type { FanOutMeasurement, FanOutRun } from './phases/fanout-worker.ts';
import type { CheckerSideMeasurement, PipelineSeeded, PipelineSetup } from './phases/pipeline-worker.ts';
import { runDeadHostPhase, runDnsPhase } from './phases/world-phases.ts';
import {
  LAMBDA_MAX_OPEN_FILES,
  LAMBDA_MB_PER_VCPU,
  PRESETS,
  type PresetName,
  type Settings,
} from './settings.ts';

const RESULTS_DIR = new URL('./results/', import.meta.url);
/** Every phase, in the order they run; `--skip` takes these names. */
const PHASES = ['sweep', 'pipeline', 'fanout', 'tls', 'dns', 'dead-host', 'sized'] as const;
type PhaseName = (typeof PHASES)[number];
// Bounds every wait on the pipeline: a run that hangs still ends, and says so.
const PIPELINE_LIMIT_MS = 60_000;
interface SizedConfig {
  readonly memoryMiB: number;
  readonly checkConcurrency: number;
}
// What the sized phase measures by default: every check of the invocation starting at once (the settings before
// this phase existed), and fewer starting at once per share of a core (a shorter CPU queue, a longer invocation).
const DEFAULT_SIZED: readonly SizedConfig[] = [
  { memoryMiB: 1024, checkConcurrency: 800 },
  { memoryMiB: 1769, checkConcurrency: 800 },
  { memoryMiB: 512, checkConcurrency: 100 },
  { memoryMiB: 512, checkConcurrency: 30 },
  { memoryMiB: 768, checkConcurrency: 45 },
  { memoryMiB: 1024, checkConcurrency: 60 },
];

const sizedConfig = (raw: string): SizedConfig => {
  const [memory, concurrency] = raw.split('@');
  return { memoryMiB: positive(memory ?? ''), checkConcurrency: positive(concurrency ?? '') };
};
// Descriptors a process needs beyond its sockets to sites: SDK clients, IPC, stdio.
const DESCRIPTOR_MARGIN = 1_000;

interface Options {
  readonly preset: PresetName;
  readonly sweepSites: number;
  readonly pipelineSites: number;
  readonly fanoutSites: number;
  readonly tlsSites: number;
  readonly pageKib: number;
  readonly dnsSites: number;
  readonly deadHostSites: number;
  readonly sized: readonly SizedConfig[];
  readonly timeoutMs: number;
  readonly seed: number;
  readonly skip: readonly PhaseName[];
  readonly set: Partial<Settings>;
}

const positive = (raw: string): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new InvalidArgumentError(`expected a whole number ≥ 1, got "${raw}"`);
  return value;
};

/** `--set checkConcurrency=500`: overrides one knob of the preset, for tuning runs. */
const setting = (raw: string, previous: Partial<Settings>): Partial<Settings> => {
  const [key, value] = raw.split('=');
  const known = Object.keys(PRESETS.tuned);
  if (!key || value === undefined || !known.includes(key)) {
    throw new InvalidArgumentError(`expected one of ${known.join(', ')} as name=value, got "${raw}"`);
  }
  const parsed = value === 'true' ? true : value === 'false' ? false : Number(value);
  if (typeof parsed === 'number' && (!Number.isInteger(parsed) || parsed < 0)) {
    throw new InvalidArgumentError(`expected a whole number ≥ 0 (or true/false) for ${key}, got "${value}"`);
  }
  return { ...previous, [key]: parsed };
};

async function main(): Promise<void> {
  const program = new Command('bench')
    .description(
      'Measure the checker, the local pipeline and the fan-out against simulated sites on 127.0.0.0/8',
    )
    .addOption(
      new Option('--preset <name>', 'settings to measure').choices(Object.keys(PRESETS)).default('tuned'),
    )
    .option('--set <name=value>', 'override one setting of the preset (repeatable)', setting, {})
    .option('--sweep-sites <n>', 'sites in the checker sweep', positive, 2_000)
    .option('--pipeline-sites <n>', 'sites through the local pipeline', positive, 10_000)
    .option('--fanout-sites <n>', 'sites in the fan-out table', positive, 100_000)
    .option('--timeout-ms <n>', 'check timeout of every site', positive, 5_000)
    .option('--seed <n>', 'seed of the simulated fleets', positive, 42)
    .option('--tls-sites <n>', 'healthy sites checked over HTTPS and over HTTP', positive, 400)
    .option(
      '--page-kib <n>',
      'the page the HTTPS phase reads in full GETs, KiB (~100: a typical HTML page, uncompressed)',
      positive,
      100,
    )
    .option(
      '--sized <MB@concurrency...>',
      'checker memory and CHECK_CONCURRENCY pairs to measure one full HTTPS invocation at, under the CPU share',
      (raw: string, previous: SizedConfig[] | undefined) => [...(previous ?? []), sizedConfig(raw)],
    )
    .option(
      '--dns-sites <n>',
      'healthy sites checked by name (2 % of the names silent) and by address',
      positive,
      400,
    )
    .option('--dead-host-sites <n>', 'sites of the usual mix, 2 % of them dropping SYNs', positive, 400)
    .addOption(
      new Option('--skip <phases...>', `phases to leave out: ${PHASES.join(', ')}`)
        .choices(PHASES)
        .default([]),
    );
  program.parse();
  const parsed = program.opts<Omit<Options, 'sized'> & { sized?: SizedConfig[] }>();
  const options: Options = { ...parsed, sized: parsed.sized ?? DEFAULT_SIZED };
  const settings: Settings = { ...PRESETS[options.preset], ...options.set };
  const startedAt = new Date();
  const machine = describeMachine();
  console.log(
    `bench: preset ${options.preset}${Object.keys(options.set).length ? ` with ${JSON.stringify(options.set)}` : ''}; ` +
      `${machine.cpus} CPUs (${machine.cpuModel}), load ${machine.loadAverage1m.toFixed(2)}, ulimit -n ${machine.openFilesLimit}`,
  );
  checkDescriptors(options);

  const report: BenchReport = {
    version: 1,
    startedAt: startedAt.toISOString(),
    durationMs: 0,
    preset: options.preset,
    settings,
    machine,
    timeoutMs: options.timeoutMs,
    seed: options.seed,
  };
  const phases = PHASES.filter((phase) => !options.skip.includes(phase));
  // "[2/7] pipeline: …": where the run is, among the phases not skipped.
  const step = (phase: PhaseName) => `[${phases.indexOf(phase) + 1}/${phases.length}]`;
  const world = (sites: number, seedOffset: number) => ({
    sites,
    seed: options.seed + seedOffset,
    timeoutMs: options.timeoutMs,
    settings,
  });
  for (const phase of phases) {
    switch (phase) {
      case 'sweep':
        report.checkerSweep = await runCheckerSweep(options, settings, step(phase));
        break;
      case 'pipeline':
        Object.assign(report, await runPipelines(options, settings, step(phase)));
        break;
      case 'fanout':
        report.fanOut = await runFanOut(options, settings, step(phase));
        break;
      case 'tls':
        report.tls = await runTls(options, settings, step(phase));
        break;
      case 'dns':
        console.log(
          `\n${step(phase)} DNS: ${options.dnsSites} healthy sites by name (2 % silent), then by address`,
        );
        report.dns = await runDnsPhase(world(options.dnsSites, 4));
        break;
      case 'dead-host':
        console.log(`\n${step(phase)} dead hosts: ${options.deadHostSites} sites, 2 % dropping SYNs`);
        report.deadHost = await runDeadHostPhase(world(options.deadHostSites, 5));
        break;
      case 'sized':
        report.sized = await runSized(options, settings, step(phase));
        break;
    }
  }
  report.durationMs = Date.now() - startedAt.getTime();

  printReport(report);
  await mkdir(RESULTS_DIR, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  await writeFile(new URL(`bench-${stamp}.json`, RESULTS_DIR), json);
  await writeFile(new URL('latest.json', RESULTS_DIR), json);
  console.log(`\nwrote bench/results/bench-${stamp}.json and bench/results/latest.json`);
}

/**
 * Fails early, by name, when descriptors are short (EMFILE must never look like a down site). Each checker
 * process gets Lambda's 1,024; the fleet splits into as many processes as its listeners need, within reason.
 */
function checkDescriptors(options: Options): void {
  const limit = openFilesLimit();
  const fleetShards = Math.ceil((2 * options.pipelineSites) / Math.max(1, limit - DESCRIPTOR_MARGIN));
  if (
    limit < LAMBDA_MAX_OPEN_FILES + DESCRIPTOR_MARGIN ||
    (!options.skip.includes('pipeline') && fleetShards > 4)
  ) {
    throw new Error(
      `ulimit -n is ${limit}: too low for a fleet of ${options.pipelineSites} sites (one listener each). ` +
        'Run the bench as `npm run bench` (which raises the limit) or raise it yourself (`ulimit -n 20000`).',
    );
  }
}

async function runCheckerSweep(
  options: Options,
  settings: Settings,
  step: string,
): Promise<BenchReport['checkerSweep']> {
  const sites = options.sweepSites;
  console.log(`\n${step} checker sweep: ${sites} sites`);
  const fleet = await startRemoteFleet({ size: sites, seed: options.seed, timeoutMs: options.timeoutMs });
  const checker = await startCheckerProcess(
    { urls: fleet.urls, timeoutMs: options.timeoutMs, settings },
    settings.sourceMaps,
  );
  try {
    const inFlight = Math.min(sites, checker.invocations * settings.checkConcurrency);
    const ideal = idealBoundMs(fleet.truth, inFlight, DEFAULT_START_SLOT_MS);
    const split = new CpuSplit({ checker: checker.pids, fleet: fleet.pids });
    // The first sweep is a cold container (JIT, lazy loading); the second is the usual warm one.
    const cold = summarize(fleet.truth, ideal.boundMs, await sweepFleet(fleet, checker.sweep));
    console.log(`  cold: ${(cold.wallMs / 1000).toFixed(2)} s, ratio ${cold.ratio.toFixed(3)}`);
    const warm = summarize(fleet.truth, ideal.boundMs, await sweepFleet(fleet, checker.sweep));
    console.log(`  warm: ${(warm.wallMs / 1000).toFixed(2)} s, ratio ${warm.ratio.toFixed(3)}`);
    return {
      sites,
      invocations: checker.invocations,
      messages: checker.messages,
      inFlight,
      ideal,
      truth: describeTruth(fleet.truth),
      cold,
      warm,
      cpuMs: split.finish(),
    };
  } finally {
    await checker.stop();
    await fleet.stop();
  }
}

function summarize(truth: readonly SiteTruth[], boundMs: number, m: FleetSweep): SweepSummary {
  const score = scoreVerdicts(truth, m.results as readonly (CheckResult | undefined)[]);
  const checks = m.invocations.reduce((sum, invocation) => sum + invocation.checks, 0);
  return {
    wallMs: m.wallMs,
    lastStartMs: m.lastStartMs,
    ratio: m.wallMs / boundMs,
    score,
    requestsPerSite: m.requests / truth.length,
    bytesSentPerSite: m.bytesSent / truth.length,
    cpuMsPerCheck: (m.cpuUserMs + m.cpuSystemMs) / Math.max(1, checks),
    peakRssMiB: m.peakRssMiB,
    memoryAtPeakMiB: m.memoryAtPeak,
    eventLoopDelayP99Ms: m.eventLoopDelayP99Ms,
    descriptorsLeft: m.descriptorsLeft,
    invocations: m.invocations,
    logBytes: m.logBytes,
    logLines: m.logLines,
    metricLogBytes: m.metricLogBytes,
    stateWrites: m.stateWrites,
    rechecksQueued: m.rechecksQueued,
    messageBytes: m.messageBytes,
  };
}

type Scenario = 'steady' | 'outage';

/**
 * The local pipeline, twice over the same fleet: an outage minute (every failure is new: a write and a
 * re-check each), then a typical minute (failing sites are DOWN already, so the sweep writes nothing).
 */
async function runPipelines(
  options: Options,
  settings: Settings,
  step: string,
): Promise<Pick<BenchReport, 'pipeline' | 'pipelineOutage'>> {
  const sites = options.pipelineSites;
  console.log(
    `\n${step} pipeline: ${sites} sites, fan-out → SQS emulator → ${settings.maxConcurrency} pollers`,
  );
  const emulators = await startRemoteEmulators();
  const endpoints = { dynamodbEndpoint: emulators.dynamodbEndpoint, sqsEndpoint: emulators.sqsEndpoint };
  const fleet = await startRemoteFleet({ size: sites, seed: options.seed + 1, timeoutMs: options.timeoutMs });
  // Two Lambdas, two processes: the fan-out must not wait for the checker's event loop, nor it for the fan-out.
  // The checker's invocations share one process here (on AWS each has its own CPU): see bench/README.md.
  const checker = await startBundledChild(new URL('./phases/pipeline-worker.ts', import.meta.url), {
    env: { BENCH_PIPELINE: '1' },
    sourceMaps: settings.sourceMaps,
  });
  const fanOut = await startBundledChild(new URL('./phases/fanout-worker.ts', import.meta.url), {
    env: { BENCH_FANOUT: '1' },
    sourceMaps: settings.sourceMaps,
  });
  try {
    const run = async (scenario: Scenario) => {
      const downReasons = scenario === 'steady' ? fleet.truth.map((site) => site.expectedReason ?? null) : [];
      const seeded = await checker.request<PipelineSeeded>('setup', {
        endpoints,
        urls: fleet.urls,
        timeoutMs: options.timeoutMs,
        settings,
        downReasons,
      } satisfies PipelineSetup);
      await fanOut.request('attach', { endpoints, resources: seeded.resources });
      const before = await fleet.counts();
      await checker.request('start');
      const split = new CpuSplit({
        checker: checker.pid,
        fanOut: fanOut.pid,
        fleet: fleet.pids,
        emulators: emulators.pid,
      });
      const scheduledAtMs = Date.now();
      const sweep = fanOut.request<FanOutMeasurement>('run', {
        scanSegments: settings.scanSegments,
        checksPerMessage: settings.checksPerMessage,
        purgeFirst: false,
      } satisfies FanOutRun);
      const m = await checker.request<CheckerSideMeasurement>('finish', { limitMs: PIPELINE_LIMIT_MS });
      const f = await sweep;
      const cpuMs = split.finish();
      const after = await fleet.counts();
      let requests = 0;
      after.forEach((count, index) => {
        requests += count - (before[index] ?? 0);
      });
      const inFlight = Math.min(sites, settings.maxConcurrency * settings.checkConcurrency);
      const ideal = idealBoundMs(fleet.truth, inFlight, DEFAULT_START_SLOT_MS);
      const checks = m.invocations.reduce((sum, invocation) => sum + invocation.checks, 0);
      const wallMs = m.drainedAtMs - scheduledAtMs;
      console.log(
        `  ${scenario}: ${(wallMs / 1000).toFixed(2)} s, ratio ${(wallMs / ideal.boundMs).toFixed(3)}`,
      );
      return {
        scenario,
        sites,
        inFlight,
        ideal,
        truth: describeTruth(fleet.truth),
        seedMs: seeded.seedMs,
        itemBytes: seeded.itemBytes,
        wallMs,
        ratio: wallMs / ideal.boundMs,
        fanOutMs: f.doneAtMs - scheduledAtMs,
        lastResultMs: m.lastResultAtMs - scheduledAtMs,
        hitLimit: m.hitLimit,
        sweep: f.sweep,
        score: scoreVerdicts(fleet.truth, m.results as readonly (CheckResult | undefined)[]),
        requestsPerSite: requests / sites,
        invocations: m.invocations,
        usage: { fanOut: f.usage, checker: m.usage },
        logBytes: { fanOut: f.logBytes, checker: m.logBytes },
        cpuMsPerCheck: (m.cpuUserMs + m.cpuSystemMs) / Math.max(1, checks),
        peakRssMiB: m.peakRssMiB,
        pendingInTable: m.pendingInTable,
        cpuMs,
      };
    };
    // The outage minute first: like a Lambda container in its second minute, the typical one then runs warm.
    const pipelineOutage = await run('outage');
    return { pipeline: await run('steady'), pipelineOutage };
  } finally {
    await checker.stop();
    await fanOut.stop();
    await fleet.stop();
    await emulators.stop();
  }
}

async function runFanOut(options: Options, settings: Settings, step: string): Promise<BenchReport['fanOut']> {
  const sites = options.fanoutSites;
  console.log(`\n${step} fan-out: ${sites} sites in dynalite, ${settings.scanSegments} scan segments`);
  const emulators = await startRemoteEmulators();
  const worker = await startBundledChild(new URL('./phases/fanout-worker.ts', import.meta.url), {
    env: { BENCH_FANOUT: '1' },
    sourceMaps: settings.sourceMaps,
  });
  try {
    const seeded = await worker.request<{ seedMs: number; itemBytes: number }>('setup', {
      endpoints: { dynamodbEndpoint: emulators.dynamodbEndpoint, sqsEndpoint: emulators.sqsEndpoint },
      sites,
    });
    console.log(`  seeded in ${(seeded.seedMs / 1000).toFixed(1)} s (not timed)`);
    const split = new CpuSplit({ fanOut: worker.pid, emulators: emulators.pid });
    const m = await worker.request<FanOutMeasurement>('run', {
      scanSegments: settings.scanSegments,
      checksPerMessage: settings.checksPerMessage,
      purgeFirst: true,
    } satisfies FanOutRun);
    console.log(`  ${(m.wallMs / 1000).toFixed(2)} s`);
    const cpuMs = split.finish();
    return { sites, seedMs: seeded.seedMs, itemBytes: seeded.itemBytes, ...m, cpuMs };
  } finally {
    await worker.stop();
    await emulators.stop();
  }
}

/**
 * What HTTPS adds to a check: the same healthy sites over HTTPS and over plain HTTP, checked by one warm
 * checker process. The other phases use HTTP only (their fleets need thousands of certificates' worth of SANs).
 */
async function runTls(options: Options, settings: Settings, step: string): Promise<BenchReport['tls']> {
  const sites = options.tlsSites;
  console.log(`\n${step} HTTPS: ${sites} healthy sites over TLS, then over plain HTTP`);
  const fleetOptions = {
    size: sites,
    seed: options.seed + 2,
    timeoutMs: options.timeoutMs,
    mix: HEALTHY_ONLY,
  };
  const certificates = await createFleetCertificates(planFleet(fleetOptions).map((site) => site.address));
  if (!certificates) return { sites, skipped: 'openssl not found: no certificates for the HTTPS fleet' };
  const measure = async (isHttps: boolean, checker?: CheckerProcess, fullGet = false) => {
    const fleet = await startRemoteFleet(
      fullGet ? { ...fleetOptions, pageBytes: options.pageKib * 1024 } : fleetOptions,
      isHttps ? certificates : undefined,
    );
    try {
      const setup = { urls: fleet.urls, timeoutMs: options.timeoutMs, settings, fullGet };
      const process =
        checker ??
        (await startCheckerProcess(setup, settings.sourceMaps, { NODE_EXTRA_CA_CERTS: certificates.caFile }));
      if (checker) await process.setup(setup);
      const sweeps = [
        await sweepFleet(fleet, process.sweep),
        await sweepFleet(fleet, process.sweep),
        await sweepFleet(fleet, process.sweep),
      ];
      const score = scoreVerdicts(
        fleet.truth,
        (sweeps[0]?.results ?? []) as readonly (CheckResult | undefined)[],
      );
      const perCheck = sweeps.map((sweep) => (sweep.cpuUserMs + sweep.cpuSystemMs) / sites);
      const bytesPerCheck = (sweeps.at(-1)?.bytesSent ?? 0) / sites;
      const bytesReceivedPerCheck = (sweeps.at(-1)?.bytesReceived ?? 0) / sites;
      const wallMs = sweeps.map((sweep) => sweep.wallMs);
      return { process, perCheck, score, wallMs, bytesPerCheck, bytesReceivedPerCheck };
    } finally {
      await fleet.stop();
    }
  };
  const https = await measure(true);
  try {
    const http = await measure(false, https.process);
    const fullGet = await measure(true, https.process, true);
    console.log(
      `  CPU per check, warm: HTTPS ${https.perCheck[2]?.toFixed(2)} ms, HTTP ${http.perCheck[2]?.toFixed(2)} ms, ` +
        `HTTPS full GET of ${options.pageKib} KiB ${fullGet.perCheck[2]?.toFixed(2)} ms`,
    );
    return {
      sites,
      httpsCpuMsPerCheck: https.perCheck,
      httpCpuMsPerCheck: http.perCheck,
      httpsWallMs: https.wallMs,
      httpWallMs: http.wallMs,
      httpsUnhealthy: https.score.faults + https.score.falsePositives,
      httpsBytesSentPerCheck: https.bytesPerCheck,
      httpBytesSentPerCheck: http.bytesPerCheck,
      pageBytes: options.pageKib * 1024,
      fullGetCpuMsPerCheck: fullGet.perCheck,
      fullGetUnhealthy: fullGet.score.faults + fullGet.score.falsePositives,
      headBytesReceivedPerCheck: https.bytesReceivedPerCheck,
      fullGetBytesReceivedPerCheck: fullGet.bytesReceivedPerCheck,
    };
  } finally {
    await https.process.stop();
  }
}

/**
 * One full checker invocation (CHECKS_PER_MESSAGE × batch size checks) of the usual mix of sites over HTTPS,
 * in a process held to the CPU share Lambda gives each memory size (a cgroup quota): what it bills and
 * whether its verdicts stay right when the checks have to share a fraction of a core.
 */
async function runSized(options: Options, settings: Settings, step: string): Promise<BenchReport['sized']> {
  const sites = settings.checksPerMessage * settings.batchSize;
  const shown = options.sized.map((config) => `${config.memoryMiB} MB@${config.checkConcurrency}`).join(', ');
  console.log(`\n${step} Lambda-sized: one invocation of ${sites} HTTPS checks at ${shown}`);
  const fleetOptions = { size: sites, seed: options.seed + 3, timeoutMs: options.timeoutMs };
  const truth = planFleet(fleetOptions);
  const certificates = await createFleetCertificates(truth.map((site) => site.address));
  if (!certificates)
    return { sites, runs: [], skipped: 'openssl not found: no certificates for the HTTPS fleet' };
  // Two processes, so that the fleet's own TLS handshakes can use whatever CPU the held checker leaves.
  const fleet = await startRemoteFleet(fleetOptions, certificates, { minShards: 2 });
  const runs: NonNullable<BenchReport['sized']>['runs'][number][] = [];
  try {
    for (const { memoryMiB, checkConcurrency } of options.sized) {
      const share = Math.min(1, memoryMiB / LAMBDA_MB_PER_VCPU);
      const limit = createCpuLimit(`uptime-squirrel-bench-${memoryMiB}`, share);
      if (typeof limit === 'string') return { sites, runs, skipped: limit };
      const checker = await startCheckerProcess(
        { urls: fleet.urls, timeoutMs: options.timeoutMs, settings: { ...settings, checkConcurrency } },
        settings.sourceMaps,
        { NODE_EXTRA_CA_CERTS: certificates.caFile },
      );
      // One quota per process: two invocations in one cgroup would share one Lambda's CPU.
      if (checker.invocations !== 1) {
        await checker.stop();
        limit.remove();
        throw new Error(
          `the sized phase measures one invocation; these settings pack ${checker.invocations}`,
        );
      }
      const split = new CpuSplit({ checker: checker.pids, fleet: fleet.pids });
      try {
        for (const pid of checker.pids) if (pid !== undefined) limit.add(pid);
        const measure = async (): Promise<SizedSweep> => {
          const m = await sweepFleet(fleet, checker.sweep);
          const results = m.results as readonly (CheckResult | undefined)[];
          return {
            billedMs: Math.max(...m.invocations.map((invocation) => invocation.durationMs)),
            score: scoreVerdicts(fleet.truth, results),
            cpuMsPerCheck: (m.cpuUserMs + m.cpuSystemMs) / sites,
            lastStartMs: m.lastStartMs,
            latencyAddedMs: latencyAdded(fleet.truth, results),
            eventLoopDelayP99Ms: m.eventLoopDelayP99Ms,
            peakRssMiB: m.peakRssMiB,
          };
        };
        const cold = await measure();
        const warm = await measure();
        console.log(
          `  ${memoryMiB} MB (${share.toFixed(2)} vCPU), ${checkConcurrency} start slots: billed ${Math.ceil(cold.billedMs)} / ${Math.ceil(warm.billedMs)} ms, ` +
            `false DOWN ${cold.score.falsePositives} / ${warm.score.falsePositives}, missed ${cold.score.falseNegatives} / ${warm.score.falseNegatives}`,
        );
        runs.push({ memoryMiB, cpuShare: share, checkConcurrency, cold, warm, cpuMs: split.finish() });
      } finally {
        await checker.stop();
        limit.remove();
      }
    }
    return { sites, truth: describeTruth(fleet.truth), runs };
  } finally {
    await fleet.stop();
  }
}

/** How much later than its server answered the checker saw each healthy site: median and p99, in ms. */
function latencyAdded(
  truth: readonly SiteTruth[],
  results: readonly (CheckResult | undefined)[],
): { readonly p50: number; readonly p99: number } {
  const added = truth
    .filter((site) => site.behaviour === 'healthy' || site.behaviour === 'slow-in-time')
    .flatMap((site) => {
      const result = results[site.index];
      return result?.kind === 'up' ? [Math.max(0, result.latencyMs - site.latencyMs)] : [];
    })
    .sort((a, b) => a - b);
  const at = (quantile: number) =>
    added[Math.min(added.length - 1, Math.floor(added.length * quantile))] ?? 0;
  return { p50: at(0.5), p99: at(0.99) };
}

const HEALTHY_ONLY = onlyMix('healthy');

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
