// `npm run cost -- --sites 1000 --interval 1`: the monthly AWS bill from measured figures and dated prices.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { Command, InvalidArgumentError } from 'commander';
import { SITE_LIMITS } from '../functions/domain/site.ts';
import { MAX_VERIFIER_REGIONS } from '../functions/domain/verification.ts';
import { DEFAULT_CHANNEL_ASSUMPTIONS, estimateChannelsCost } from './cost/channels-model.ts';
import { DEFAULT_HISTORY_ASSUMPTIONS, estimateHistoryCost } from './cost/history-model.ts';
import {
  chooseSizedInvocation,
  DEFAULT_ASSUMPTIONS,
  estimateMonthlyCost,
  MAX_LATENCY_ADDED_P99_MS,
} from './cost/model.ts';
import { PRICES } from './cost/prices.ts';
import { measureGzipBytesPerRecord } from './cost/raw-batch-sample.ts';
import {
  DEFAULT_VERIFICATION_ASSUMPTIONS,
  estimateVerificationCost,
  type VerificationCase,
} from './cost/verification-model.ts';
import { type BenchReport, deriveCostDrivers, type SizedInvocation } from './lib/report.ts';
import { recommendedScanSegments } from './settings.ts';

const LATEST = fileURLToPath(new URL('./results/latest.json', import.meta.url));
// The run docs/performance.md shows: used when this clone has not run the bench yet.
const REFERENCE = fileURLToPath(new URL('./reference-run.json', import.meta.url));

// What a single fan-out may take: the sweep must be enqueued well within its minute.
const FAN_OUT_BUDGET_MS = 45_000;

const positive = (raw: string): number => {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new InvalidArgumentError(`expected a number > 0, got "${raw}"`);
  return value;
};

const share = (raw: string): number => {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1)
    throw new InvalidArgumentError(`expected 0 to 1, got "${raw}"`);
  return value;
};

function main(): void {
  const program = new Command('cost')
    .description('Monthly AWS cost of monitoring N sites, from the figures `npm run bench` measured')
    .option('--sites <n>', 'sites monitored', positive, 1_000)
    .option('--interval <minutes>', 'check interval of every site, minutes', positive, 1)
    .option(
      '--memory <MB>',
      'checker Lambda memory (default: the least that leaves CPU headroom, ≥ the preset)',
      positive,
    )
    .option('--fan-out-memory <MB>', 'fan-out Lambda memory (default: the measured preset)', positive)
    .option('--scan-segments <n>', 'SCAN_SEGMENTS (default: 1 per 10,000 sites, 1-16)', positive)
    .option(
      '--incidents <n>',
      'outages per site per month',
      positive,
      DEFAULT_ASSUMPTIONS.incidentsPerSitePerMonth,
    )
    .option(
      '--full-get-minutes <n>',
      "every site's fullGetMinutes (0 = no full GETs)",
      (raw: string) => {
        const value = Number(raw);
        if (!Number.isInteger(value) || value < 0)
          throw new InvalidArgumentError(`expected 0 or more, got "${raw}"`);
        return value;
      },
      SITE_LIMITS.fullGetMinutes.default,
    )
    .option('--https-share <0-1>', 'share of sites served over HTTPS', share, DEFAULT_ASSUMPTIONS.httpsShare)
    .option(
      '--no-public-page',
      'no site is public: the fan-out publishes nothing and the CDN serves nothing (default: priced, the worst case)',
    )
    .option(
      '--channels-per-alert <n>',
      'alert channels (webhook, Slack, …) each alert goes to',
      positive,
      DEFAULT_CHANNEL_ASSUMPTIONS.channelsPerAlert,
    )
    .option(
      '--verifier-regions <n>',
      'verifier regions (issue 15; 0 leaves the verification cost out)',
      (raw: string) => {
        const value = Number(raw);
        if (!Number.isInteger(value) || value < 0 || value > MAX_VERIFIER_REGIONS)
          throw new InvalidArgumentError(`expected 0 to ${MAX_VERIFIER_REGIONS}, got "${raw}"`);
        return value;
      },
      2,
    )
    .option(
      '--failing-share <0-1>',
      'share of checks that fail at home (verification cost)',
      share,
      DEFAULT_VERIFICATION_ASSUMPTIONS.failingCheckShare,
    )
    .option(
      '--results <file>',
      'a bench JSON (default: bench/results/latest.json, else bench/reference-run.json)',
    );
  program.parse();
  const options = program.opts<{
    sites: number;
    interval: number;
    memory?: number;
    fanOutMemory?: number;
    scanSegments?: number;
    incidents: number;
    fullGetMinutes: number;
    httpsShare: number;
    publicPage: boolean;
    channelsPerAlert: number;
    verifierRegions: number;
    failingShare: number;
    results?: string;
  }>();

  const file = options.results ?? (hasAllPhases(LATEST) ? LATEST : REFERENCE);
  const report = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
  const drivers = deriveCostDrivers(report);
  if (!drivers) throw new Error(`${file} lacks a phase the cost model needs (sweep, pipeline and fan-out)`);
  // A measured invocation under the CPU share of the memory priced: the deployed size (the preset's memory and
  // concurrency), or the one --memory names; the cheapest right one measured when that one was not right.
  const wanted =
    options.memory === undefined
      ? { memoryMiB: report.settings.checkerMemoryMiB, checkConcurrency: report.settings.checkConcurrency }
      : { memoryMiB: options.memory };
  const exact = chooseSizedInvocation(drivers.sized, wanted);
  const sized: SizedInvocation | undefined =
    exact ?? (options.memory === undefined ? chooseSizedInvocation(drivers.sized, {}) : undefined);
  const estimateWith = (checkerMemoryMiB: number) =>
    estimateMonthlyCost({
      ...(sized ? { sized } : {}),
      sites: options.sites,
      intervalMinutes: options.interval,
      siteTimeoutMs: report.timeoutMs,
      checkerMemoryMiB,
      fanOutMemoryMiB: options.fanOutMemory ?? report.settings.fanOutMemoryMiB,
      scanSegments: options.scanSegments ?? recommendedScanSegments(options.sites),
      fullGetMinutes: options.fullGetMinutes,
      drivers,
      assumptions: { incidentsPerSitePerMonth: options.incidents, httpsShare: options.httpsShare },
    });
  // Without --memory: the measured preset's, or more when this deployment's checks need the CPU (Lambda's
  // memory sizes come in 1 MB steps; 64 MB steps read better).
  const needed = Math.ceil(estimateWith(report.settings.checkerMemoryMiB).perSweep.enoughMemoryMiB / 64) * 64;
  const checkerMemoryMiB =
    sized?.memoryMiB ?? options.memory ?? Math.max(report.settings.checkerMemoryMiB, needed);
  const estimate = estimateWith(checkerMemoryMiB);

  const table = costTable(estimate.lines);
  table.push([
    { colSpan: 3, content: 'Total AWS bill (excluding email/SMS delivery)' },
    usd(estimate.listUsd),
    usd(estimate.billedUsd),
  ]);
  for (const alternative of estimate.alternatives) {
    table.push([
      { colSpan: 3, content: `${alternative.name}: ${alternative.basis}` },
      usd(alternative.usd),
      '',
    ]);
  }

  const sweep = estimate.perSweep;
  console.log(
    `${options.sites.toLocaleString('en-US')} sites every ${options.interval} min, us-east-1, Arm Lambdas; ` +
      `prices of ${PRICES.lambda.checkedOn} (bench/cost/prices.ts); figures from ${file.replace(`${process.cwd()}/`, '')} ` +
      `(${report.startedAt}, preset ${report.preset})`,
  );
  console.log(
    `Each minute: ${Math.round(sweep.dueSites)} checks in ${sweep.messages} message(s), ` +
      `${sweep.checkerInvocations} checker invocation(s) of ~${Math.round(sweep.checksPerInvocation)} checks billed ` +
      `~${Math.ceil(sweep.checkerBilledMs)} ms at ${checkerMemoryMiB} MB; fan-out ~${Math.ceil(sweep.fanOutBilledMs)} ms.`,
  );
  if (sized) {
    const note = exact
      ? ''
      : ` — NOT the deployed ${wanted.memoryMiB} MB${wanted.checkConcurrency ? ` × ${wanted.checkConcurrency}` : ''}: that size was not measured, or not right (wrong verdicts or response times > ${MAX_LATENCY_ADDED_P99_MS} ms late)`;
    const other =
      exact !== undefined &&
      options.memory !== undefined &&
      exact.checkConcurrency !== report.settings.checkConcurrency
        ? ` (CHECK_CONCURRENCY ${exact.checkConcurrency} with that memory; the stack deploys ${report.settings.checkConcurrency})`
        : '';
    console.log(
      `Checker priced as measured under Lambda's CPU share: ${sized.memoryMiB} MB, ${sized.checkConcurrency} checks starting at once, ` +
        `${sized.checks} HTTPS checks (conservative for plain HTTP) billed ${Math.ceil(sized.billedMs)} ms, every verdict right, response times ≤ ${Math.round(sized.latencyAddedP99Ms)} ms late (p99)${note}${other}.`,
    );
  } else if (drivers.sized.length > 0 && options.memory !== undefined) {
    console.log(`No right measured invocation at ${options.memory} MB: estimated from one unthrottled core.`);
  }
  const headroom =
    sized !== undefined
      ? 'measured'
      : sweep.enoughMemoryMiB > checkerMemoryMiB
        ? `NOT ENOUGH: ${checkerMemoryMiB} MB gives too little CPU; use ≥ ${Math.ceil(sweep.enoughMemoryMiB / 64) * 64} MB`
        : 'enough';
  console.log(
    `CPU: ${sweep.cpuMsPerCheck.toFixed(2)} ms per check (${Math.round(options.httpsShare * 100)} % HTTPS); ` +
      `checker memory for CPU headroom: ${headroom}.`,
  );
  // The fan-out Lambda times out at 50 s (infra/uptime-squirrel-stack.ts) and must end within the minute.
  if (sweep.fanOutBilledMs > FAN_OUT_BUDGET_MS) {
    console.log(
      `WARNING: one fan-out would need ~${Math.round(sweep.fanOutBilledMs / 1000)} s a minute: past its 50 s timeout. ` +
        'Split the scan segments over several fan-out invocations (docs/cost.md, "1,000,000 sites").',
    );
  }
  console.log(table.toString());
  console.log(
    `Per 1,000 sites: ${usd((estimate.listUsd / options.sites) * 1000)} a month at list price. ` +
      `Assumes ${options.incidents} outage(s) per site per month and the defaults in bench/cost/model.ts.`,
  );

  printHistoryCost(options, estimate);
  printChannelsCost(options, estimate);
  if (options.verifierRegions > 0) printVerificationCost(options, estimate, report.timeoutMs);
}

/** Issue 15: what the verifier regions add, for short outages at home and for REGIONAL sites, plus the fixed part. */
function printVerificationCost(
  options: { verifierRegions: number; failingShare: number; sites: number; interval: number },
  estimate: ReturnType<typeof estimateMonthlyCost>,
  siteTimeoutMs: number,
): void {
  const input = {
    checksPerMonth: estimate.perMonth.checks,
    regions: options.verifierRegions,
    siteTimeoutMs,
    shared: {
      lambdaGbSeconds: estimate.perMonth.lambdaGbSeconds,
      lambdaRequests: estimate.perMonth.lambdaRequests,
      alarmMetrics:
        DEFAULT_ASSUMPTIONS.alarms +
        DEFAULT_HISTORY_ASSUMPTIONS.alarmMetrics +
        DEFAULT_CHANNEL_ASSUMPTIONS.alarmMetrics,
      customMetrics: DEFAULT_ASSUMPTIONS.customMetrics,
    },
    assumptions: { failingCheckShare: options.failingShare },
  };
  console.log('');
  console.log(
    `Verification (issue 15): ${options.verifierRegions} verifier region(s), ${Math.round(options.failingShare * 1000) / 10} % of ` +
      `${Math.round(estimate.perMonth.checks).toLocaleString('en-US')} checks a month failing at home; us-east-1 list prices ` +
      '(ASSUMED equal in the verifier regions: bench/cost/verification-model.ts).',
  );
  const cases: [VerificationCase, string][] = [
    ['confirmations', 'short outages, each confirmation verified once'],
    ['regional', 'REGIONAL: every failing check verified'],
  ];
  for (const [verificationCase, title] of cases) {
    const verification = estimateVerificationCost(input, verificationCase);
    const table = costTable([...verification.lines, ...verification.fixedLines]);
    table.push([
      {
        colSpan: 3,
        content: `Verification, ${title}: ${Math.round(verification.invokesPerMonth).toLocaleString('en-US')} invokes (after free tiers: what the monitor leaves of them)`,
      },
      usd(verification.listUsd),
      usd(verification.billedUsd),
    ]);
    console.log(table.toString());
  }
}

/** Issue 14: the alert channels, per 1,000 alerts and fixed, then for this deployment's alerts. */
function printChannelsCost(
  options: { channelsPerAlert: number },
  estimate: ReturnType<typeof estimateMonthlyCost>,
): void {
  const input = {
    alertsPerMonth: estimate.perMonth.alertPublishes,
    shared: {
      lambdaGbSeconds: estimate.perMonth.lambdaGbSeconds,
      lambdaRequests: estimate.perMonth.lambdaRequests,
      sqsRequests: estimate.perMonth.sqsRequests,
      alarmMetrics: DEFAULT_ASSUMPTIONS.alarms + DEFAULT_HISTORY_ASSUMPTIONS.alarmMetrics,
    },
    assumptions: { channelsPerAlert: options.channelsPerAlert },
  };
  const channels = estimateChannelsCost(input);
  // The after-free column: what 1,000 alerts add to this deployment, beyond what it already uses of the free tiers.
  const thousand = estimateChannelsCost({ ...input, alertsPerMonth: 1_000 });
  console.log('');
  console.log(
    `Alert channels (issue 14): 1,000 alerts, each to ${options.channelsPerAlert} channels, at list price ` +
      "(times are ESTIMATES, the receiver's answer an ASSUMPTION: bench/cost/channels-model.ts).",
  );
  const perAlert = costTable(thousand.perAlertLines);
  perAlert.push([
    {
      colSpan: 3,
      content: `Per 1,000 alerts (${thousand.usage.deliveries.toLocaleString('en-US')} deliveries)`,
    },
    usd(thousand.per1000AlertsUsd),
    '',
  ]);
  console.log(perAlert.toString());
  console.log('Alert channels: fixed, every month, with or without alerts.');
  const fixed = costTable(channels.fixedLines);
  fixed.push([{ colSpan: 3, content: 'Fixed a month' }, usd(channels.fixedUsd), '']);
  fixed.push([
    {
      colSpan: 3,
      content: `Alert channels for this deployment: ${Math.round(estimate.perMonth.alertPublishes).toLocaleString('en-US')} alerts a month + fixed (after free tiers: what the monitor leaves of them)`,
    },
    usd(channels.listUsd),
    usd(channels.billedUsd),
  ]);
  console.log(fixed.toString());
}

/** Issue 13: the history and the public page, priced from the monitor's own usage; the stores compared. */
function printHistoryCost(
  options: { sites: number; incidents: number; publicPage: boolean; fanOutMemory?: number },
  estimate: ReturnType<typeof estimateMonthlyCost>,
): void {
  const measured = measureGzipBytesPerRecord(500);
  const history = estimateHistoryCost({
    sites: options.sites,
    checkerInvocationsPerMonth: estimate.perMonth.checkerInvocations,
    checksPerMonth: estimate.perMonth.checks,
    otherLambdaGbSeconds: estimate.perMonth.lambdaGbSeconds,
    fanOutMemoryMiB: options.fanOutMemory ?? 512,
    gzipBytesPerRecord: measured.gzipBytesPerRecord,
    jsonBytesPerRecord: measured.jsonBytes / measured.records,
    publicPage: options.publicPage,
    assumptions: { incidentsPerSitePerMonth: options.incidents },
  });
  console.log('');
  console.log(
    `History and status page (issue 13): a raw batch of ${measured.records} records measured ${measured.jsonBytes.toLocaleString('en-US')} B ` +
      `JSON, ${measured.gzipBytes.toLocaleString('en-US')} B gzip (${measured.gzipBytesPerRecord.toFixed(1)} B a record; bench/cost/raw-batch-sample.ts). ` +
      `Public page ${options.publicPage ? 'on (--no-public-page to leave it out)' : 'off'}.`,
  );
  const table = costTable(history.lines);
  table.push([
    { colSpan: 3, content: 'Total: history and status page' },
    usd(history.listUsd),
    usd(history.billedUsd),
  ]);
  table.push([
    { colSpan: 3, content: 'Total AWS bill with history and page' },
    usd(estimate.listUsd + history.listUsd),
    usd(estimate.billedUsd + history.billedUsd),
  ]);
  console.log(table.toString());
  console.log(
    `History and page per 1,000 sites: ${usd((history.listUsd / options.sites) * 1000)} a month at list price (target ≤ $1.00).`,
  );

  const alternatives = new Table({
    head: [
      'Raw history store (same checks, same retention; rollups, page and alarm on top)',
      'List price a month',
    ],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [100, 14],
  });
  for (const alternative of history.alternatives) {
    alternatives.push([`${alternative.name}: ${alternative.basis}`, usd(alternative.usd)]);
  }
  console.log(alternatives.toString());
}

const usd = (value: number) => `$${value < 0.01 && value > 0 ? value.toFixed(4) : value.toFixed(2)}`;
const quantity = (value: number) =>
  value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3).replace(/\.?0+$/, '');

/** A bill's lines as a table: service, what, how much a month, list price, after the always-free tiers. */
function costTable(
  lines: readonly {
    service: string;
    item: string;
    quantity: number;
    unit: string;
    listUsd: number;
    billedUsd: number;
  }[],
): InstanceType<typeof Table> {
  const table = new Table({
    head: ['Service', 'What', 'Per month', 'List price', 'After always-free tier'],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [12, 58, 22, 12, 12],
  });
  for (const line of lines) {
    table.push([
      line.service,
      line.item,
      `${quantity(line.quantity)} ${line.unit}`,
      usd(line.listUsd),
      usd(line.billedUsd),
    ]);
  }
  return table;
}

function hasAllPhases(file: string): boolean {
  if (!existsSync(file)) return false;
  try {
    return deriveCostDrivers(JSON.parse(readFileSync(file, 'utf8')) as BenchReport) !== undefined;
  } catch {
    return false;
  }
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
