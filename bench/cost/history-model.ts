import { RAW_RETENTION_DAYS, ROLLUP_RETENTION_DAYS } from '../../functions/domain/history/history-keys.ts';
import { COMPACTOR_MEMORY_MIB } from '../../infra/compactor-size.ts';
import { afterFree, GIB, marginal, perMillion, sumUsd } from './billing.ts';
import type { CostLine } from './model.ts';
import { ALWAYS_FREE, MINUTES_PER_MONTH, PRICES } from './prices.ts';

// Issue 13's history and status page, priced from the usage of the monitor's own estimate (model.ts: checker
// invocations and checks a month) and what the lines below measure or state. Every estimate says so by name.

const HOURS_PER_MONTH = MINUTES_PER_MONTH / 60;
const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;

/**
 * The compactor's billed seconds per hourly run for 1,000 sites checked every minute (~120 raw objects an hour plus
 * 20 minutes of the next, ~60,000 records). MEASURED by the history pipeline (/work/wt/history-pipeline-measurements.md,
 * `npx tsx bench/history-compaction.ts 1000`, 17:49 UTC): 4.8-5.6 s for an ordinary hour with a year of caches, on 2
 * cores shared at load 15-21, so an upper bound; its state and summary (gunzip, parse, stringify) are most of it.
 */
export const COMPACTOR_SECONDS_PER_RUN_PER_1000_SITES = 5;

/**
 * What the fan-out's publish adds to a sweep: one summary GET (conditional: 304 while unchanged), building
 * status.json, one PUT. ESTIMATE (not yet measured): two S3 round trips of ~30-50 ms and a few ms of JSON.
 */
export const PUBLISH_MS_PER_SWEEP = 150;

/**
 * Reading the changed public summary (history/summary-public.json.gz: only the public sites, once an hour per warm
 * fan-out). MEASURED (bench/public-summary.ts, 1,000 sites of which 10 public, a child held to 0.29 of a core): the
 * publish that read it took 399 ms against 106 and 20 ms for those that got a 304, so ~0.04 s per public site.
 */
export const PUBLIC_SUMMARY_READ_SECONDS_PER_PUBLIC_SITE = 0.04;

/** What the history cannot measure here: sizes of objects other helpers write, and people reading the page. */
export interface HistoryAssumptions {
  /** One site-hour in an hourly rollup, gzip JSON (totals by kind, p50/p95/max). */
  readonly hourlyRollupBytesPerSite: number;
  /** One site-day in a daily rollup, gzip JSON. */
  readonly dailyRollupBytesPerSite: number;
  /** One site in the summary (365 days, 168 hours, 20 incidents) and the compactor's state, gzip JSON. */
  readonly summaryBytesPerSite: number;
  /** One site's incidents file, gzip JSON (kept as long as the site exists): ESTIMATE. */
  readonly incidentsBytesPerSite: number;
  /** Fan-out cold starts a month, each PUTting index.html once (an every-minute function stays warm for hours). */
  readonly fanOutColdStartsPerMonth: number;
  /** Page views a month of the public page (stated, not measured): each loads index.html and status.json. */
  readonly pageViewsPerMonth: number;
  /** status.json loads per view: the first, then one a minute while open (2: a view of about a minute). */
  readonly documentLoadsPerView: number;
  /** index.html compressed (inline CSS and script): ESTIMATE until the page exists. */
  readonly pageBytes: number;
  /** Sites on the public page; status.json holds this many. */
  readonly publicSites: number;
  /** One public site in status.json, compressed (state, 5 uptimes, 90 bars, hourly chart, incidents): ESTIMATE. */
  readonly documentBytesPerSite: number;
  /** Metrics the compactor's alarm reads (infra/monitor-alarms.ts CompactorErrors: 1). */
  readonly alarmMetrics: number;
  /** Incidents per site per month (as model.ts): each rewrites one incidents file at the next compaction. */
  readonly incidentsPerSitePerMonth: number;
  /** Log bytes per compactor run (platform lines + one summary line). */
  readonly compactorLogBytesPerRun: number;
  /** Read units of the compactor's Scan of the site ids, per run per 1,000 sites (history pipeline: ≈ 128). */
  readonly compactorScanReadUnitsPer1000Sites: number;
}

export const DEFAULT_HISTORY_ASSUMPTIONS: HistoryAssumptions = {
  // Measured (history pipeline, 1,000 sites): hourly rollup 22.3 KB, daily 28.5 KB, summary 2.73 MB, state 0.97 MB.
  hourlyRollupBytesPerSite: 22.3,
  dailyRollupBytesPerSite: 28.5,
  summaryBytesPerSite: 2_730 + 970,
  incidentsBytesPerSite: 2_000,
  fanOutColdStartsPerMonth: 360,
  pageViewsPerMonth: 10_000,
  documentLoadsPerView: 2,
  pageBytes: 20_000,
  publicSites: 20,
  documentBytesPerSite: 1_500,
  alarmMetrics: 1,
  incidentsPerSitePerMonth: 1,
  compactorLogBytesPerRun: 1_000,
  compactorScanReadUnitsPer1000Sites: 128,
};

export interface HistoryCostInput {
  readonly sites: number;
  /** From the monitor's estimate: each invocation that applied a check writes one raw batch. */
  readonly checkerInvocationsPerMonth: number;
  readonly checksPerMonth: number;
  /** Lambda GB-s the rest of the monitor uses: the always-free tier is shared. */
  readonly otherLambdaGbSeconds: number;
  readonly fanOutMemoryMiB: number;
  /** Measured: bytes a record takes in a gzip raw batch (raw-batch-sample.ts). */
  readonly gzipBytesPerRecord: number;
  /** Measured: bytes a record takes as plain JSON (for the alternatives that store it uncompressed). */
  readonly jsonBytesPerRecord: number;
  /** The fan-out publishes status.json every minute only when a site is public; priced when true. */
  readonly publicPage: boolean;
  readonly assumptions?: Partial<HistoryAssumptions>;
}

export interface StoreAlternative {
  readonly name: string;
  readonly usd: number;
  readonly basis: string;
}

export interface HistoryCostEstimate {
  readonly lines: readonly CostLine[];
  readonly listUsd: number;
  readonly billedUsd: number;
  /** The same usage (checks, invocations, retention) in other stores; the chosen one last. */
  readonly alternatives: readonly StoreAlternative[];
  readonly usage: {
    readonly rawPutsPerMonth: number;
    readonly rawStoredGb: number;
    readonly compactorRun: {
      readonly lists: number;
      readonly gets: number;
      readonly puts: number;
      readonly seconds: number;
    };
  };
}

const perThousand = (count: number, price: number) => (count / 1000) * price;
const s3Line = (item: string, quantity: number, unit: string, usd: number): CostLine => ({
  service: 'S3',
  item,
  quantity,
  unit,
  listUsd: usd,
  // S3 has no always-free tier (only 12 months for new accounts).
  billedUsd: usd,
});

/** The monthly bill of the history and the public page, beside the monitor's. Pure: same input, same estimate. */
export function estimateHistoryCost(input: HistoryCostInput): HistoryCostEstimate {
  const a = { ...DEFAULT_HISTORY_ASSUMPTIONS, ...input.assumptions };
  const { s3, lambda, cloudfront, cloudwatch, dynamodb } = PRICES;
  const siteThousands = input.sites / 1000;

  // Raw: one PUT per checker invocation; kept RAW_RETENTION_DAYS, so the balance is that many days of writes.
  const rawPuts = input.checkerInvocationsPerMonth;
  const rawGbPerMonth = (input.checksPerMonth * input.gzipBytesPerRecord) / GIB;
  const rawStoredGb = rawGbPerMonth * (RAW_RETENTION_DAYS / DAYS_PER_MONTH);

  // Rollups at their steady state (ROLLUP_RETENTION_DAYS of them), the summary and the incidents files.
  const rollupGb =
    (input.sites * ROLLUP_RETENTION_DAYS * (24 * a.hourlyRollupBytesPerSite + a.dailyRollupBytesPerSite)) /
    GIB;
  const summaryAndIncidentsGb = (input.sites * (a.summaryBytesPerSite + a.incidentsBytesPerSite)) / GIB;

  // One compactor run: list the hour's raw objects and the next hour's (1,000 keys a page), read them and its own
  // state, the day's rollup and the incidents files that change; write the hour, the day, the summary, the state
  // and those incidents files.
  const rawObjectsPerHour = rawPuts / HOURS_PER_MONTH;
  const rawObjectsRead = rawObjectsPerHour * (80 / 60);
  const incidentFilesPerRun = (input.sites * a.incidentsPerSitePerMonth) / HOURS_PER_MONTH;
  const run = {
    // The hour's and the next hour's raw prefixes, and the incidents prefix (to drop deleted sites' files).
    lists: 2 * Math.max(1, Math.ceil(rawObjectsPerHour / 1000)) + Math.max(1, Math.ceil(siteThousands)),
    gets: rawObjectsRead + 2 + incidentFilesPerRun,
    // Hourly and daily rollups, the summary, the public sites' summary, the state.
    puts: 5 + incidentFilesPerRun,
    seconds: COMPACTOR_SECONDS_PER_RUN_PER_1000_SITES * Math.max(0.1, siteThousands),
  };
  const compactorGbSeconds = HOURS_PER_MONTH * run.seconds * (COMPACTOR_MEMORY_MIB / 1024);

  // The fan-out's publish: every minute when a site is public, plus index.html once per cold start.
  const sweeps = MINUTES_PER_MONTH;
  const publishGets = input.publicPage ? sweeps : 0;
  const publishPuts = input.publicPage ? sweeps + a.fanOutColdStartsPerMonth : 0;
  const publishGbSeconds = input.publicPage
    ? ((sweeps * PUBLISH_MS_PER_SWEEP) / 1000 +
        HOURS_PER_MONTH * PUBLIC_SUMMARY_READ_SECONDS_PER_PUBLIC_SITE * a.publicSites) *
      (input.fanOutMemoryMiB / 1024)
    : 0;

  // Lambda's free GB-s are shared with the checker and fan-out: these lines pay what they add beyond it.
  const otherGb = input.otherLambdaGbSeconds;
  const marginalBilled = (before: number, added: number) =>
    marginal(before, added, ALWAYS_FREE.lambdaGbSeconds) * lambda.perGbSecondArm;

  // CloudFront: the stated page traffic; each viewer request may reach S3 (max-age 30 s: sparse traffic misses).
  const views = input.publicPage ? a.pageViewsPerMonth : 0;
  const edgeRequests = views * (1 + a.documentLoadsPerView);
  const edgeGb =
    (views * (a.pageBytes + a.documentLoadsPerView * a.publicSites * a.documentBytesPerSite)) / GIB;
  const cdnWithoutFreeTierUsd =
    (edgeRequests / 10_000) * cloudfront.perTenThousandHttpsRequests + edgeGb * cloudfront.perGbOut;
  // CloudFront's free tier is part of its pay-as-you-go price for every account, not a 12-month offer: the list
  // price here is what the stated traffic costs beyond it.
  const cdnBilledUsd =
    (afterFree(edgeRequests, ALWAYS_FREE.cloudfrontRequests) / 10_000) *
      cloudfront.perTenThousandHttpsRequests +
    afterFree(edgeGb, ALWAYS_FREE.cloudfrontGbOut) * cloudfront.perGbOut;

  const compactorLogGb = (HOURS_PER_MONTH * a.compactorLogBytesPerRun) / GIB;
  const lines: CostLine[] = [
    s3Line(
      'raw batch PUTs: one per checker invocation (re-checks and retries included)',
      rawPuts,
      'PUTs',
      perThousand(rawPuts, s3.perThousandPuts),
    ),
    s3Line(
      `raw storage: ${input.gzipBytesPerRecord.toFixed(1)} B a record gzip (measured), ${RAW_RETENTION_DAYS} days kept`,
      rawStoredGb,
      'GB',
      rawStoredGb * s3.perGbMonth,
    ),
    s3Line(
      `rollups (hourly + daily, ${ROLLUP_RETENTION_DAYS} days, steady state), summary, incidents: storage`,
      rollupGb + summaryAndIncidentsGb,
      'GB',
      (rollupGb + summaryAndIncidentsGb) * s3.perGbMonth,
    ),
    s3Line(
      `compactor requests: per hourly run ${run.lists} LIST, ${Math.round(run.gets)} GET, ${Math.round(run.puts)} PUT`,
      HOURS_PER_MONTH * (run.lists + run.gets + run.puts),
      'requests',
      HOURS_PER_MONTH *
        (perThousand(run.lists + run.puts, s3.perThousandPuts) + perThousand(run.gets, s3.perThousandGets)),
    ),
    {
      service: 'Lambda',
      item: `compactor: ${COMPACTOR_MEMORY_MIB} MB × ${run.seconds.toFixed(1)} s an hour (measured upper bound) + requests`,
      quantity: HOURS_PER_MONTH * run.seconds * (COMPACTOR_MEMORY_MIB / 1024),
      unit: 'GB-s',
      listUsd:
        compactorGbSeconds * lambda.perGbSecondArm + (HOURS_PER_MONTH / 1e6) * lambda.perMillionRequests,
      billedUsd: marginalBilled(otherGb, compactorGbSeconds),
    },
    {
      service: 'DynamoDB',
      item: `compactor: Scan of the site ids each run (~${a.compactorScanReadUnitsPer1000Sites} RRU per 1,000 sites)`,
      quantity: HOURS_PER_MONTH * a.compactorScanReadUnitsPer1000Sites * siteThousands,
      unit: 'RRU',
      listUsd:
        ((HOURS_PER_MONTH * a.compactorScanReadUnitsPer1000Sites * siteThousands) / 1e6) *
        dynamodb.perMillionReadUnits,
      billedUsd:
        ((HOURS_PER_MONTH * a.compactorScanReadUnitsPer1000Sites * siteThousands) / 1e6) *
        dynamodb.perMillionReadUnits,
    },
    s3Line(
      input.publicPage
        ? 'page publish by the fan-out: summary GET + status.json PUT a minute, index.html per cold start'
        : 'page publish: none (--no-public-page: no site is public)',
      publishGets + publishPuts,
      'requests',
      perThousand(publishGets, s3.perThousandGets) + perThousand(publishPuts, s3.perThousandPuts),
    ),
    {
      service: 'Lambda',
      item: `fan-out publish time: ~${PUBLISH_MS_PER_SWEEP} ms a sweep (ESTIMATE) + reading the changed public summary hourly (~${PUBLIC_SUMMARY_READ_SECONDS_PER_PUBLIC_SITE} s per public site × ${a.publicSites}, measured) at ${input.fanOutMemoryMiB} MB`,
      quantity: publishGbSeconds,
      unit: 'GB-s',
      listUsd: publishGbSeconds * lambda.perGbSecondArm,
      billedUsd: marginalBilled(otherGb + compactorGbSeconds, publishGbSeconds),
    },
    {
      service: 'CloudFront',
      item: input.publicPage
        ? `public page: ${a.pageViewsPerMonth.toLocaleString('en-US')} views a month (stated), ${a.documentLoadsPerView} status.json loads each, ${a.publicSites} public sites; ${(edgeGb * 1024).toFixed(0)} MB out. Beyond the always-free 1 TB and 10 M requests (without it: ${cdnWithoutFreeTierUsd.toFixed(2)} USD)`
        : 'public page: no traffic priced (--no-public-page)',
      quantity: edgeRequests,
      unit: 'requests',
      listUsd: cdnBilledUsd,
      billedUsd: cdnBilledUsd,
    },
    s3Line(
      'CloudFront origin fetches (a GET per viewer request at most)',
      edgeRequests,
      'GETs',
      perThousand(edgeRequests, s3.perThousandGets),
    ),
    {
      service: 'CloudWatch',
      item: `compactor alarm (CompactorErrors reads ${a.alarmMetrics} metric) and its logs`,
      quantity: a.alarmMetrics,
      unit: 'alarm metrics',
      listUsd:
        a.alarmMetrics * cloudwatch.perAlarmMonth +
        compactorLogGb * (cloudwatch.perGbLogsIngested + cloudwatch.perGbMonthLogsStored),
      // The stack's other alarms read 7 metrics: with this one they stay within the 10 free ones.
      billedUsd:
        afterFree(7 + a.alarmMetrics, ALWAYS_FREE.alarms) * cloudwatch.perAlarmMonth +
        compactorLogGb * cloudwatch.perGbMonthLogsStored,
    },
  ];

  const listUsd = sumUsd(lines, 'listUsd');
  const billedUsd = sumUsd(lines, 'billedUsd');
  // Everything but how raw records are written and read back by the compactor is the same in every alternative.
  const rawLines = new Set([0, 1, 3]);
  const sharedUsd = lines
    .filter((_, index) => !rawLines.has(index))
    .reduce((sum, line) => sum + line.listUsd, 0);
  return {
    lines,
    listUsd,
    billedUsd,
    alternatives: priceAlternatives(input, sharedUsd, listUsd),
    usage: { rawPutsPerMonth: rawPuts, rawStoredGb, compactorRun: run },
  };
}

/**
 * The raw history in other stores, with the same checks, invocations and retention; the rollups, page and alarm
 * (`sharedUsd`) come on top of each, as they would.
 */
function priceAlternatives(
  input: HistoryCostInput,
  sharedUsd: number,
  chosenUsd: number,
): StoreAlternative[] {
  const { dynamodb, s3, cloudwatch, firehose, logsInsights } = PRICES;
  const checks = input.checksPerMonth;
  const invocations = input.checkerInvocationsPerMonth;
  const keptShare = RAW_RETENTION_DAYS / DAYS_PER_MONTH;
  const jsonGb = (checks * input.jsonBytesPerRecord) / GIB;
  const gzipGb = (checks * input.gzipBytesPerRecord) / GIB;
  // A DynamoDB item carries its key and attribute names: ~50 B over the record's JSON.
  const itemBytes = input.jsonBytesPerRecord + 50;
  const recordsPerInvocation = checks / Math.max(1, invocations);
  const batchGzipBytes = recordsPerInvocation * input.gzipBytesPerRecord + 100;
  const firehoseRecordGb =
    (checks *
      Math.ceil(input.jsonBytesPerRecord / firehose.recordRoundingBytes) *
      firehose.recordRoundingBytes) /
    GIB;
  return [
    {
      name: 'DynamoDB: an item per check (TTL 35 days)',
      usd:
        perMillion(checks * Math.ceil(itemBytes / 1024), dynamodb.perMillionWriteUnits) +
        ((checks * itemBytes * keptShare) / GIB) * (dynamodb.perGbMonthStorage + dynamodb.perGbMonthPitr) +
        sharedUsd,
      basis: `${Math.round(checks).toLocaleString('en-US')} writes of ~${Math.round(itemBytes)} B (1 WRU each), stored 35 days with point-in-time recovery like the table`,
    },
    {
      name: 'DynamoDB: an item per checker invocation (gzip binary attribute)',
      usd:
        perMillion(invocations * Math.ceil(batchGzipBytes / 1024), dynamodb.perMillionWriteUnits) +
        ((invocations * batchGzipBytes * keptShare) / GIB) *
          (dynamodb.perGbMonthStorage + dynamodb.perGbMonthPitr) +
        perMillion(invocations * Math.ceil(batchGzipBytes / 4096) * 0.5, dynamodb.perMillionReadUnits) +
        sharedUsd,
      basis: `${Math.round(invocations).toLocaleString('en-US')} writes of ~${Math.round(batchGzipBytes / 1024)} KB (${Math.ceil(batchGzipBytes / 1024)} WRU each), read back once by the compactor`,
    },
    {
      name: 'CloudWatch Logs: a log line per check + Logs Insights queries',
      usd:
        jsonGb * cloudwatch.perGbLogsIngested +
        gzipGb * keptShare * cloudwatch.perGbMonthLogsStored +
        jsonGb * logsInsights.perGbScanned +
        sharedUsd,
      basis: `${jsonGb.toFixed(2)} GB ingested at $${cloudwatch.perGbLogsIngested}/GB, kept 35 days (compressed), each hour scanned once by an hourly Insights query`,
    },
    {
      name: 'Kinesis Data Firehose to S3: a record per check',
      usd: firehoseRecordGb * firehose.perGbIngested + gzipGb * keptShare * s3.perGbMonth + sharedUsd,
      basis: `each ~${Math.round(input.jsonBytesPerRecord)} B record billed as 5 KB: ${firehoseRecordGb.toFixed(0)} GB ingested; S3 objects per buffer flush (few)`,
    },
    {
      name: 'S3: an object per check',
      usd:
        perThousand(checks, s3.perThousandPuts) +
        perThousand(checks, s3.perThousandGets) +
        ((checks * (input.jsonBytesPerRecord + 200) * keptShare) / GIB) * s3.perGbMonth +
        sharedUsd,
      basis: `${Math.round(checks).toLocaleString('en-US')} PUTs and as many compactor GETs`,
    },
    {
      name: 'S3: a gzip object per checker invocation (chosen)',
      usd: chosenUsd,
      basis: `${Math.round(invocations).toLocaleString('en-US')} PUTs of ~${Math.round(batchGzipBytes / 1024)} KB; the lines above`,
    },
  ];
}
