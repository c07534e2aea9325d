import Table from 'cli-table3';
import type { SweepReport } from '../../functions/services/sweep.ts';
import type { IdealBound, TruthSummary } from '../fleet/plan.ts';
import type { InvocationFigures } from '../phases/checker-worker.ts';
import type { Settings } from '../settings.ts';
import type { SdkUsage } from './aws.ts';
import type { InvocationRecord } from './event-source.ts';
import type { MachineInfo } from './machine.ts';
import type { VerdictScore } from './recording.ts';
import {
  type DeadHostPhaseReport,
  type DnsPhaseReport,
  deadHostSection,
  dnsSection,
  type TableSection,
} from './world-report.ts';

/** The targets of issue 5, checked against every run. */
export const TARGETS = {
  sweepRatio: 1.1,
  precision: 1,
  recall: 1,
  requestsPerSite: 1.1,
  peakRssMiB: 150,
  pipelineRatio: 1.5,
  fanOutMs: 10_000,
} as const;

export interface SweepSummary {
  readonly wallMs: number;
  readonly lastStartMs: number;
  readonly ratio: number;
  readonly score: VerdictScore;
  readonly requestsPerSite: number;
  /** Bytes the checker sent per site (TCP payload, TLS records included): the Lambda's data transfer out. */
  readonly bytesSentPerSite: number;
  readonly cpuMsPerCheck: number;
  readonly peakRssMiB: number;
  readonly memoryAtPeakMiB: Readonly<Record<string, number>>;
  readonly eventLoopDelayP99Ms: number;
  readonly descriptorsLeft: number;
  readonly invocations: readonly InvocationFigures[];
  readonly logBytes: number;
  readonly logLines: number;
  readonly metricLogBytes: number;
  readonly stateWrites: number;
  readonly rechecksQueued: number;
  readonly messageBytes: number;
}

/** One invocation's sweep in a process held to a Lambda memory size's CPU share. */
export interface SizedSweep {
  /** Wall time of the invocation: what Lambda bills. */
  readonly billedMs: number;
  readonly score: VerdictScore;
  readonly cpuMsPerCheck: number;
  readonly lastStartMs: number;
  /** Checker-measured minus server latency of healthy sites: what a busy CPU adds to response times. */
  readonly latencyAddedMs: { readonly p50: number; readonly p99: number };
  readonly eventLoopDelayP99Ms: number;
  readonly peakRssMiB: number;
}

/** Everything one `npm run bench` measured; written as JSON to bench/results/. */
export interface BenchReport {
  readonly version: 1;
  readonly startedAt: string;
  durationMs: number;
  readonly preset: string;
  readonly settings: Settings;
  readonly machine: MachineInfo;
  readonly timeoutMs: number;
  readonly seed: number;
  checkerSweep?: {
    readonly sites: number;
    readonly invocations: number;
    readonly messages: number;
    readonly inFlight: number;
    readonly ideal: IdealBound;
    readonly truth: TruthSummary;
    readonly cold: SweepSummary;
    readonly warm: SweepSummary;
    /** CPU ms per process during both sweeps; `other` is the rest of the machine. */
    readonly cpuMs: Record<string, number>;
  };
  /** A typical minute through the local pipeline: failing sites are DOWN already. */
  pipeline?: PipelineSummary;
  /** The same fleet in a minute where every failure is new: a write and a re-check each. */
  pipelineOutage?: PipelineSummary;
  /** CPU per check over HTTPS and over HTTP, same healthy sites, same process: cold, warm, warm. */
  tls?: {
    readonly sites: number;
    readonly skipped?: string;
    readonly httpsCpuMsPerCheck?: readonly number[];
    readonly httpCpuMsPerCheck?: readonly number[];
    readonly httpsWallMs?: readonly number[];
    readonly httpWallMs?: readonly number[];
    /** Healthy HTTPS sites not judged up: must be 0, or the certificates were not trusted. */
    readonly httpsUnhealthy?: number;
    readonly httpsBytesSentPerCheck?: number;
    readonly httpBytesSentPerCheck?: number;
    /** The same sites over HTTPS, every check the periodic full GET of a `pageBytes` page (older reports lack it). */
    readonly pageBytes?: number;
    readonly fullGetCpuMsPerCheck?: readonly number[];
    readonly fullGetUnhealthy?: number;
    /** What the checker downloads per check (TLS records included): the proof the full GET read the page. */
    readonly headBytesReceivedPerCheck?: number;
    readonly fullGetBytesReceivedPerCheck?: number;
  };
  /** Healthy sites by name through a loopback nameserver, 2 % of the names silent; and the same by address. */
  dns?: DnsPhaseReport;
  /** Sites of the usual mix, 2 % of them on hosts that drop SYNs. */
  deadHost?: DeadHostPhaseReport;
  /** One full HTTPS invocation at several memory sizes, each under its CPU share (cold, then warm). */
  sized?: {
    readonly sites: number;
    readonly skipped?: string;
    readonly truth?: TruthSummary;
    readonly runs: readonly {
      readonly memoryMiB: number;
      readonly cpuShare: number;
      readonly checkConcurrency: number;
      readonly cold: SizedSweep;
      readonly warm: SizedSweep;
      /** CPU ms of the checker and the fleet over both sweeps. */
      readonly cpuMs: Record<string, number>;
    }[];
  };
  fanOut?: {
    readonly sites: number;
    readonly seedMs: number;
    readonly itemBytes: number;
    readonly scanSegments: number;
    readonly checksPerMessage: number;
    readonly wallMs: number;
    readonly sweep: SweepReport;
    readonly usage: SdkUsage;
    readonly logBytes: number;
    readonly cpuUserMs: number;
    readonly cpuSystemMs: number;
    readonly peakRssMiB: number;
    readonly cpuMs: Record<string, number>;
  };
}

export interface PipelineSummary {
  readonly scenario: string;
  readonly sites: number;
  readonly inFlight: number;
  readonly ideal: IdealBound;
  readonly truth: TruthSummary;
  readonly seedMs: number;
  readonly itemBytes: number;
  readonly wallMs: number;
  readonly ratio: number;
  readonly fanOutMs: number;
  readonly lastResultMs: number;
  readonly hitLimit: boolean;
  readonly sweep: SweepReport;
  readonly score: VerdictScore;
  readonly requestsPerSite: number;
  readonly invocations: readonly InvocationRecord[];
  readonly usage: { readonly fanOut: SdkUsage; readonly checker: SdkUsage };
  readonly logBytes: { readonly fanOut: number; readonly checker: number };
  readonly cpuMsPerCheck: number;
  readonly peakRssMiB: number;
  readonly pendingInTable: number;
  readonly cpuMs: Record<string, number>;
}

/** The figures the cost model needs, derived from one report. */
export interface CostDrivers {
  /** Checks one message carries at most (CHECKS_PER_MESSAGE or the 63 KiB cap, whichever is smaller). */
  readonly checksPerMessage: number;
  readonly batchSize: number;
  /** Messages per invocation over batchSize, as the local event source filled them (no batching window). */
  readonly batchFill: number;
  /** A warm checker invocation of `checksPerInvocation` checks, as measured on one core of this machine. */
  readonly checksPerInvocation: number;
  readonly invocationMs: number;
  readonly cpuMsPerCheck: number;
  /** What a TLS handshake adds to a check's CPU (0 when the HTTPS phase did not run). */
  readonly httpsExtraCpuMsPerCheck: number;
  /** Bytes a check sends (TCP payload): over plain HTTP as the sweep measured, and what TLS adds. */
  readonly bytesSentPerCheck: number;
  readonly httpsExtraBytesSentPerCheck: number;
  readonly checkerPeakRssMiB: number;
  /** The checker's metric line (EMF), once per invocation. */
  readonly metricLogBytesPerInvocation: number;
  /** What the checker logs per state it commits (and per fault), beyond the metric line. */
  readonly eventLogBytesPerStateWrite: number;
  readonly fanOutMsPer1000Sites: number;
  readonly fanOutLogBytesPerSweep: number;
  readonly messageBytesPerCheck: number;
  readonly readUnitsPer1000Sites: number;
  readonly itemBytes: number;
  /** DynamoDB writes and SQS sends (the re-check) per site found down for the first time. */
  readonly writesPerNewFailure: number;
  readonly sendsPerNewFailure: number;
  /** Full HTTPS invocations measured under each memory size's CPU share (the sized phase); may be empty. */
  readonly sized: readonly SizedInvocation[];
  /** Tasks sent back to the queue per check (faults only), over every checker sweep of the run. */
  readonly taskRetriesPerCheck: number;
  /** Nameserver queries per check by name (A and AAAA, retries included): the DNS phase's, else 2. */
  readonly dnsQueriesPerCheck: number;
  /** What reading a `fullGetPageBytes` page over HTTPS adds to a HEAD check's CPU (0 when not measured). */
  readonly fullGetExtraCpuMsPerCheck: number;
  readonly fullGetPageBytes: number;
}

/** A and AAAA, once each: what a check by name asks when the DNS phase did not run. */
export const DEFAULT_DNS_QUERIES_PER_CHECK = 2;

/** Retried tasks over checks, across every checker sweep of a report (older reports did not count retries: 0). */
export function measuredRetriesPerCheck(report: BenchReport): number {
  type Counted = { readonly checks: number; readonly tasksRetried?: number };
  const dns = report.dns;
  const counted: readonly Counted[] = [
    ...(report.checkerSweep?.cold.invocations ?? []),
    ...(report.checkerSweep?.warm.invocations ?? []),
    ...(report.pipeline?.invocations ?? []),
    ...(report.pipelineOutage?.invocations ?? []),
    ...(dns ? [dns.byName.cold, dns.byName.warm, dns.byAddress] : []),
    ...[report.deadHost?.cold, report.deadHost?.warm].filter((sweep) => sweep !== undefined),
  ];
  const checks = counted.reduce((sum, part) => sum + part.checks, 0);
  const retried = counted.reduce((sum, part) => sum + (part.tasksRetried ?? 0), 0);
  return checks === 0 ? 0 : retried / checks;
}

/** Queries per check by name in the DNS phase (its silent names included), or the default without it. */
function measuredDnsQueriesPerCheck(report: BenchReport): number {
  const dns = report.dns;
  if (!dns || dns.sites === 0) return DEFAULT_DNS_QUERIES_PER_CHECK;
  const { healthy, silent } = dns.queriesPerName;
  return (healthy * (dns.sites - dns.silent) + silent * dns.silent) / dns.sites;
}

/** One full invocation of HTTPS checks at a memory size and CHECK_CONCURRENCY, under that memory's CPU share. */
export interface SizedInvocation {
  readonly memoryMiB: number;
  readonly checkConcurrency: number;
  readonly checks: number;
  /** The slower of the cold and the warm run. */
  readonly billedMs: number;
  /** No false DOWN, no missed DOWN, no fault, cold or warm. */
  readonly isCorrect: boolean;
  /** The larger p99 of cold and warm: what the CPU queue adds to a healthy site's response time. */
  readonly latencyAddedP99Ms: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/** Derives the cost model's inputs; undefined when a phase they need was skipped. */
export function deriveCostDrivers(report: BenchReport): CostDrivers | undefined {
  const { checkerSweep: sweep, pipelineOutage: pipeline, fanOut } = report;
  if (!sweep || !pipeline || !fanOut) return undefined;
  const warm = sweep.warm;
  const checks = warm.invocations.map((invocation) => invocation.checks);
  const bytesPerCheck = warm.messageBytes / Math.max(1, sweep.sites);
  const newFailures = Math.max(1, pipeline.score.truePositives + pipeline.score.falsePositives);
  return {
    checksPerMessage: Math.min(report.settings.checksPerMessage, Math.floor((63 * 1024) / bytesPerCheck)),
    batchSize: report.settings.batchSize,
    batchFill: Math.min(
      1,
      report.pipeline
        ? report.pipeline.sweep.messages /
            Math.max(1, report.pipeline.invocations.length * report.settings.batchSize)
        : 1,
    ),
    checksPerInvocation: Math.max(...checks),
    invocationMs: median(warm.invocations.map((invocation) => invocation.durationMs)),
    cpuMsPerCheck: warm.cpuMsPerCheck,
    httpsExtraCpuMsPerCheck: httpsExtraCpuMs(report) ?? 0,
    bytesSentPerCheck: warm.bytesSentPerSite,
    httpsExtraBytesSentPerCheck: Math.max(
      0,
      (report.tls?.httpsBytesSentPerCheck ?? 0) - (report.tls?.httpBytesSentPerCheck ?? 0),
    ),
    checkerPeakRssMiB: Math.max(sweep.cold.peakRssMiB, warm.peakRssMiB),
    metricLogBytesPerInvocation: warm.metricLogBytes / Math.max(1, warm.invocations.length),
    eventLogBytesPerStateWrite: (warm.logBytes - warm.metricLogBytes) / Math.max(1, warm.stateWrites),
    fanOutMsPer1000Sites: (fanOut.wallMs / fanOut.sites) * 1000,
    fanOutLogBytesPerSweep: fanOut.logBytes,
    messageBytesPerCheck: bytesPerCheck,
    readUnitsPer1000Sites: (fanOut.usage.dynamodbReadUnits / fanOut.sites) * 1000,
    itemBytes: fanOut.itemBytes,
    writesPerNewFailure: pipeline.usage.checker.dynamodbWrites / newFailures,
    sendsPerNewFailure: (pipeline.usage.checker.calls.SendMessageBatch ?? 0) / newFailures,
    sized: (report.sized?.runs ?? []).map((run) => ({
      memoryMiB: run.memoryMiB,
      checkConcurrency: run.checkConcurrency,
      checks: report.sized?.sites ?? 0,
      billedMs: Math.max(run.cold.billedMs, run.warm.billedMs),
      isCorrect: [run.cold, run.warm].every(
        (sweep) => sweep.score.falsePositives + sweep.score.falseNegatives + sweep.score.faults === 0,
      ),
      latencyAddedP99Ms: Math.max(run.cold.latencyAddedMs.p99, run.warm.latencyAddedMs.p99),
    })),
    taskRetriesPerCheck: measuredRetriesPerCheck(report),
    dnsQueriesPerCheck: measuredDnsQueriesPerCheck(report),
    fullGetExtraCpuMsPerCheck: fullGetExtraCpuMs(report) ?? 0,
    fullGetPageBytes: report.tls?.pageBytes ?? 0,
  };
}

/** Warm HTTPS minus warm HTTP CPU per check (the last, warmest sweep of each). */
export function httpsExtraCpuMs(report: BenchReport): number | undefined {
  const https = report.tls?.httpsCpuMsPerCheck?.at(-1);
  const http = report.tls?.httpCpuMsPerCheck?.at(-1);
  return https === undefined || http === undefined ? undefined : Math.max(0, https - http);
}

/** Warm full-GET minus warm HEAD CPU per check, both over HTTPS (the last, warmest sweep of each). */
export function fullGetExtraCpuMs(report: BenchReport): number | undefined {
  const fullGet = report.tls?.fullGetCpuMsPerCheck?.at(-1);
  const head = report.tls?.httpsCpuMsPerCheck?.at(-1);
  return fullGet === undefined || head === undefined ? undefined : Math.max(0, fullGet - head);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (value: number) => `${Math.round(value)} MB`;
const count = (value: number) => Math.round(value).toLocaleString('en-US');
const verdict = (isMet: boolean) => (isMet ? 'yes' : 'NO');

function scoreText(score: VerdictScore): string {
  const faults = score.faults > 0 ? `, ${score.faults} faults` : '';
  const reasons = score.wrongReasons > 0 ? `, ${score.wrongReasons} wrong reasons` : '';
  return `${score.precision.toFixed(3)} / ${score.recall.toFixed(3)} (${score.truePositives} down, ${score.falsePositives} false${faults}${reasons})`;
}

/** Prints the one table of a run: what was measured, the target, and whether it holds. */
export function printReport(report: BenchReport): void {
  const table = new Table({
    head: ['Measure', 'This run', 'Target', 'Met'],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [52, 44, 12, 5],
  });
  const section = (title: string) => table.push([{ colSpan: 4, content: title }]);
  const { settings } = report;

  const sweep = report.checkerSweep;
  if (sweep) {
    const { cold, warm, ideal } = sweep;
    section(
      `Checker sweep: ${count(sweep.sites)} sites, timeout ${report.timeoutMs / 1000} s, ${sweep.invocations} invocation(s) of ` +
        `≤ ${settings.checksPerMessage * settings.batchSize} checks, ${count(sweep.inFlight)} start slots`,
    );
    table.push(
      [
        'Wall time, cold process / warm (last check started at)',
        `${seconds(cold.wallMs)} / ${seconds(warm.wallMs)} (${seconds(cold.lastStartMs)} / ${seconds(warm.lastStartMs)})`,
        '',
        '',
      ],
      [
        'Ideal bound = max(slowest site, Σ min(site time, slot) / slots)',
        `${seconds(ideal.boundMs)} = max(${seconds(ideal.slowestMs)}, ${seconds(ideal.sharedMs)})`,
        '',
        '',
      ],
      [
        'Ratio to the ideal bound, cold / warm',
        `${cold.ratio.toFixed(3)} / ${warm.ratio.toFixed(3)}`,
        `≤ ${TARGETS.sweepRatio}`,
        verdict(Math.max(cold.ratio, warm.ratio) <= TARGETS.sweepRatio),
      ],
      [
        `DOWN precision / recall (cold; ${sweep.truth.down} truly down)`,
        scoreText(cold.score),
        '1.000',
        verdict(
          cold.score.precision >= 1 &&
            cold.score.recall >= 1 &&
            warm.score.precision >= 1 &&
            warm.score.recall >= 1,
        ),
      ],
      [
        'HTTP requests per site (cold / warm)',
        `${cold.requestsPerSite.toFixed(3)} / ${warm.requestsPerSite.toFixed(3)}`,
        `≤ ${TARGETS.requestsPerSite}`,
        verdict(Math.max(cold.requestsPerSite, warm.requestsPerSite) <= TARGETS.requestsPerSite),
      ],
      [
        'Peak RSS per invocation process (cold / warm)',
        `${mib(cold.peakRssMiB)} / ${mib(warm.peakRssMiB)}`,
        `≤ ${TARGETS.peakRssMiB} MB`,
        verdict(Math.max(cold.peakRssMiB, warm.peakRssMiB) <= TARGETS.peakRssMiB),
      ],
      [
        'CPU per check (cold / warm); event loop p99 delay',
        `${cold.cpuMsPerCheck.toFixed(2)} / ${warm.cpuMsPerCheck.toFixed(2)} ms; ${Math.round(cold.eventLoopDelayP99Ms)} ms`,
        '',
        '',
      ],
      [
        'CPU split: checker / fleet / rest of machine',
        cpuSplitText(sweep.cpuMs, ['checker', 'fleet']),
        '',
        '',
      ],
    );
  }

  for (const pipeline of [report.pipeline, report.pipelineOutage]) {
    if (!pipeline) continue;
    const isTypical = pipeline === report.pipeline;
    section(
      `Pipeline, ${isTypical ? 'a typical minute (failing sites already DOWN)' : 'an outage minute (every failure new)'}: ` +
        `${count(pipeline.sites)} sites, fan-out → SQS (fauxqs) → ${settings.maxConcurrency} pollers × ` +
        `${settings.checkConcurrency} start slots, DynamoDB (dynalite)`,
    );
    table.push(
      [
        'Wall: scheduled event → every message deleted',
        `${seconds(pipeline.wallMs)} (fan-out done at ${seconds(pipeline.fanOutMs)}, last result at ${seconds(pipeline.lastResultMs)}${pipeline.hitLimit ? ', HIT THE LIMIT' : ''})`,
        '',
        '',
      ],
      [
        'Ideal bound for that concurrency',
        `${seconds(pipeline.ideal.boundMs)} = max(${seconds(pipeline.ideal.slowestMs)}, ${seconds(pipeline.ideal.sharedMs)})`,
        '',
        '',
      ],
      [
        'Ratio to the ideal bound',
        pipeline.ratio.toFixed(3),
        isTypical ? `≤ ${TARGETS.pipelineRatio}` : '',
        isTypical ? verdict(pipeline.ratio <= TARGETS.pipelineRatio && !pipeline.hitLimit) : '',
      ],
      [
        `DOWN precision / recall (${pipeline.truth.down} truly down); writes; PENDING in table`,
        `${scoreText(pipeline.score)}; ${count(pipeline.usage.checker.dynamodbWrites)}; ${count(pipeline.pendingInTable)}`,
        '',
        '',
      ],
      [
        'Invocations (checks each); requests per site',
        `${pipeline.invocations.length} (${Math.round(pipeline.sites / Math.max(1, pipeline.invocations.length))} avg); ${pipeline.requestsPerSite.toFixed(3)}`,
        '',
        '',
      ],
      [
        'CPU split: checker / fan-out / fleet / emulators / rest',
        cpuSplitText(pipeline.cpuMs, ['checker', 'fanOut', 'fleet', 'emulators']),
        '',
        '',
      ],
    );
  }

  const fanOut = report.fanOut;
  if (fanOut) {
    section(
      `Fan-out alone: ${count(fanOut.sites)} sites in dynalite, ${fanOut.scanSegments} parallel scan segments`,
    );
    table.push(
      [
        'Scan + enqueue (lease → last SendMessageBatch)',
        `${seconds(fanOut.wallMs)} (${count(fanOut.sweep.due)} due → ${count(fanOut.sweep.messages)} messages)`,
        `≤ ${TARGETS.fanOutMs / 1000} s`,
        verdict(fanOut.wallMs <= TARGETS.fanOutMs && fanOut.sweep.due === fanOut.sites),
      ],
      [
        'Read units / SQS billed requests per 1,000 sites',
        `${((fanOut.usage.dynamodbReadUnits / fanOut.sites) * 1000).toFixed(1)} RRU / ${((fanOut.usage.sqsBilledRequests / fanOut.sites) * 1000).toFixed(1)} (item ${Math.round(fanOut.itemBytes)} B)`,
        '',
        '',
      ],
      [
        'CPU split: fan-out / emulators / rest of machine',
        cpuSplitText(fanOut.cpuMs, ['fanOut', 'emulators']),
        '',
        '',
      ],
    );
  }

  const tls = report.tls;
  if (tls) {
    section(`HTTPS: what TLS adds to a check (${count(tls.sites)} healthy sites, one checker process)`);
    if (tls.skipped) table.push(['Not measured', tls.skipped, '', '']);
    else {
      const perCheck = (values?: readonly number[]) =>
        (values ?? []).map((value) => value.toFixed(2)).join(' / ');
      table.push(
        ['CPU per check over HTTPS, cold / warm / warm', `${perCheck(tls.httpsCpuMsPerCheck)} ms`, '', ''],
        ['CPU per check over HTTP, same sites, warm ×3', `${perCheck(tls.httpCpuMsPerCheck)} ms`, '', ''],
        [
          'TLS adds per check (warm); healthy HTTPS sites not up',
          `${(httpsExtraCpuMs(report) ?? 0).toFixed(2)} ms; ${tls.httpsUnhealthy ?? 0}`,
          '',
          '',
        ],
        [
          'Bytes sent per check, HTTPS / HTTP (data transfer out)',
          `${count(tls.httpsBytesSentPerCheck ?? 0)} / ${count(tls.httpBytesSentPerCheck ?? 0)} B`,
          '',
          '',
        ],
      );
      if (tls.fullGetCpuMsPerCheck) {
        table.push(
          [
            `CPU per full GET of a ${count((tls.pageBytes ?? 0) / 1024)} KiB page over HTTPS, warm ×3`,
            `${perCheck(tls.fullGetCpuMsPerCheck)} ms`,
            '',
            '',
          ],
          [
            'Bytes received per check, HEAD / full GET (data in: free)',
            `${count(tls.headBytesReceivedPerCheck ?? 0)} / ${count(tls.fullGetBytesReceivedPerCheck ?? 0)} B`,
            '',
            '',
          ],
          [
            'A full GET adds per check (warm); healthy sites not up',
            `${(fullGetExtraCpuMs(report) ?? 0).toFixed(2)} ms; ${tls.fullGetUnhealthy ?? 0}`,
            '',
            '',
          ],
        );
      }
    }
  }

  const pushSection = ({ title, rows }: TableSection) => {
    section(title);
    table.push(...rows.map((row) => [...row]));
  };
  if (report.dns) pushSection(dnsSection(report.dns, settings.checkConcurrency));
  if (report.deadHost) pushSection(deadHostSection(report.deadHost, settings.checkConcurrency));

  const sized = report.sized;
  if (sized) {
    section(
      `Lambda-sized: one invocation of ${count(sized.sites)} HTTPS checks (usual mix${sized.truth ? `, ${sized.truth.down} truly down` : ''}), ` +
        'in a process held to the CPU share of each memory size (cgroup quota), cold / warm',
    );
    if (sized.skipped) table.push(['Not measured', sized.skipped, '', '']);
    for (const run of sized.runs) {
      const { cold, warm } = run;
      const isRight = (sweep: SizedSweep) =>
        sweep.score.falsePositives === 0 && sweep.score.falseNegatives === 0 && sweep.score.faults === 0;
      table.push([
        `${run.memoryMiB} MB (${run.cpuShare.toFixed(2)} vCPU), ${run.checkConcurrency} start slots: billed; wrong verdicts; latency added p50/p99; GB-s per 1,000 checks`,
        `${seconds(cold.billedMs)} / ${seconds(warm.billedMs)}; ${wrongVerdicts(cold.score)} / ${wrongVerdicts(warm.score)}; ` +
          `${Math.round(warm.latencyAddedMs.p50)}/${Math.round(warm.latencyAddedMs.p99)} ms; ` +
          `${(((warm.billedMs / 1000) * (run.memoryMiB / 1024) * 1000) / sized.sites).toFixed(2)}`,
        '0 wrong',
        verdict(isRight(cold) && isRight(warm)),
      ]);
    }
  }

  const drivers = deriveCostDrivers(report);
  if (drivers) {
    section('Per checker invocation: what drives the AWS bill (warm, one core of this machine)');
    table.push(
      [
        'Checks per invocation (messages × checks per message)',
        `${drivers.checksPerInvocation} (${drivers.batchSize} × ≤ ${drivers.checksPerMessage}, ${Math.round(drivers.messageBytesPerCheck)} B per check)`,
        '',
        '',
      ],
      [
        'Billed duration (median invocation)',
        `${Math.ceil(drivers.invocationMs).toLocaleString('en-US')} ms`,
        '',
        '',
      ],
      [
        'CPU per check; memory (peak RSS)',
        `${drivers.cpuMsPerCheck.toFixed(2)} ms; ${mib(drivers.checkerPeakRssMiB)} (configured ${settings.checkerMemoryMiB} MB)`,
        '',
        '',
      ],
      [
        'Logged: metric line per invocation; per state change; per fan-out sweep',
        `${count(drivers.metricLogBytesPerInvocation)} B; ${count(drivers.eventLogBytesPerStateWrite)} B; ${count(drivers.fanOutLogBytesPerSweep)} B`,
        '',
        '',
      ],
      [
        'Per new failure: DynamoDB writes / SQS re-check sends',
        `${drivers.writesPerNewFailure.toFixed(2)} / ${drivers.sendsPerNewFailure.toFixed(2)}`,
        '',
        '',
      ],
      [
        'Tasks retried per 1,000 checks (faults, every phase); DNS queries per check by name',
        `${(drivers.taskRetriesPerCheck * 1000).toFixed(2)}; ${drivers.dnsQueriesPerCheck.toFixed(2)}`,
        '',
        '',
      ],
    );
  }
  console.log(`\n${table.toString()}`);
  const busy = busyPhases(report);
  if (busy.length > 0) {
    console.log(
      `WARNING: other processes kept the CPUs busy during ${busy.join(', ')}: those timings are not representative; run again on a quiet machine.`,
    );
  }
  console.log(
    `preset ${report.preset}: ${JSON.stringify(settings)}; run took ${seconds(report.durationMs)}; ` +
      `load average at start ${report.machine.loadAverage1m.toFixed(2)}`,
  );
}

const wrongVerdicts = (score: VerdictScore): string => {
  const wrong = score.falsePositives + score.falseNegatives + score.faults;
  return wrong === 0
    ? '0'
    : `${wrong} (${score.falsePositives} false DOWN, ${score.falseNegatives} missed, ${score.faults} faults)`;
};

function cpuSplitText(cpuMs: Record<string, number>, names: readonly string[]): string {
  const parts = [...names, 'other'].map((name) => seconds(cpuMs[name] ?? 0));
  const busy = foreignCores(cpuMs) > BUSY_MACHINE_CORES ? ' — OTHER LOAD ON THE MACHINE' : '';
  return `${parts.join(' / ')} over ${seconds(cpuMs.wall ?? 0)}${busy}`;
}

// Other processes using more than this many cores during a phase make its timings unrepresentative.
const BUSY_MACHINE_CORES = 0.25;

/** Cores used on average by processes that are not part of the bench, during one phase. */
export const foreignCores = (cpuMs: Record<string, number>): number =>
  (cpuMs.other ?? 0) / Math.max(1, cpuMs.wall ?? 1);

/** Phases during which the rest of the machine was busy enough to distort the timings. */
export function busyPhases(report: BenchReport): string[] {
  const phases: [string, Record<string, number> | undefined][] = [
    ['checker sweep', report.checkerSweep?.cpuMs],
    ['pipeline (outage minute)', report.pipelineOutage?.cpuMs],
    ['pipeline (typical minute)', report.pipeline?.cpuMs],
    ['fan-out', report.fanOut?.cpuMs],
    ['DNS', report.dns?.cpuMs],
    ['dead hosts', report.deadHost?.cpuMs],
    // A held checker's quota is CPU time of the machine's cores: other load shows as billed time and late verdicts.
    ...(report.sized?.runs ?? []).map((run): [string, Record<string, number>] => [
      `sized ${run.memoryMiB} MB@${run.checkConcurrency}`,
      run.cpuMs,
    ]),
  ];
  return phases
    .filter(([, cpuMs]) => cpuMs !== undefined && foreignCores(cpuMs) > BUSY_MACHINE_CORES)
    .map(([name, cpuMs]) => `${name} (${foreignCores(cpuMs ?? {}).toFixed(2)} cores)`);
}
