import { SITE_LIMITS } from '../../functions/domain/site.ts';
import type { CostDrivers, SizedInvocation } from '../lib/report.ts';
import { afterFree, GIB, perMillion, sumUsd } from './billing.ts';
import { ALWAYS_FREE, MINUTES_PER_MONTH, PRICES } from './prices.ts';

/** What the bench cannot measure: how real sites and AWS behave over a month. Every value is a default. */
export interface Assumptions {
  /** Lambda's SQS event source keeps this many long polls open on an idle queue (AWS starts with 5). */
  readonly idlePollers: number;
  readonly pollWaitSeconds: number;
  /** Outages per site per month: each is a PENDING, a DOWN and an UP, with their alerts. */
  readonly incidentsPerSitePerMonth: number;
  /** PENDING, DOWN, clear the DOWN alert, UP, clear the UP alert. */
  readonly writesPerIncident: number;
  /** DOWN and UP. */
  readonly publishesPerIncident: number;
  /** The confirming re-check after the first failure: one message, one invocation of its own. */
  readonly recheckInvocationsPerIncident: number;
  /** The sweep's lease item of the minute: one UpdateItem to take it, one to complete it (functions/services/sweep.ts). */
  readonly leaseWritesPerSweep: number;
  /** Lease items deleted per sweep: the one that turned SWEEP_RETENTION_MINUTES old (one a minute, steady state). */
  readonly leaseDeletesPerSweep: number;
  /** Lambda's own START, END and REPORT lines per invocation. */
  readonly platformLogBytesPerInvocation: number;
  /** EMF metrics: the checker's ChecksCompleted and the fan-out's ChecksEnqueued (other counts are log fields). */
  readonly customMetrics: number;
  /**
   * Metrics the stack's alarms evaluate (CloudWatch bills a standard alarm per metric it reads): DLQ not empty,
   * two function errors, sweeps dropped, SMS spend near the limit, one each; monitor stalled reads two
   * (ChecksEnqueued, ChecksCompleted) in one expression (infra/monitor-alarms.ts).
   */
  readonly alarms: number;
  /** DynamoDB returns Scan results in pages of at most 1 MB. */
  readonly scanPageBytes: number;
  /** Share of sites served over HTTPS: each adds the measured TLS handshake CPU and bytes. */
  readonly httpsShare: number;
  /** IP and TCP headers of the ~8 packets a check sends (SYN, ACKs, request, TLS records, FIN): 52 B each. */
  readonly headerBytesPerCheck: number;
  /** An invocation's CPU should keep the event loop at most this busy within the site timeout, or late
   * callbacks start to look like timeouts. Used to say which memory is enough. */
  readonly maxCpuShareOfTimeout: number;
  /** `cdk deploy`s a month: each runs the checker-reservation custom resource once (checkerReservation auto). */
  readonly deploysPerMonth: number;
  /** One reservation decision: three Lambda API calls and a PUT to S3, billed at the decider's 256 MB. */
  readonly reservationInvocationMs: number;
}

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  idlePollers: 5,
  pollWaitSeconds: 20,
  incidentsPerSitePerMonth: 1,
  writesPerIncident: 5,
  publishesPerIncident: 2,
  recheckInvocationsPerIncident: 1,
  leaseWritesPerSweep: 2,
  leaseDeletesPerSweep: 1,
  platformLogBytesPerInvocation: 400,
  customMetrics: 2,
  alarms: 7,
  scanPageBytes: 1024 * 1024,
  httpsShare: 1,
  headerBytesPerCheck: 8 * 52,
  maxCpuShareOfTimeout: 0.5,
  deploysPerMonth: 10,
  reservationInvocationMs: 1_000,
};

// infra/checker-reservation.ts: the decider Lambda's memory.
const RESERVATION_DECIDER_MEMORY_MIB = 256;

/**
 * The sweep flushes due checks once this many messages' worth are buffered, and records its progress on the lease
 * after each flush but the last (functions/services/sweep.ts MESSAGES_PER_FLUSH, not exported there).
 */
export const SWEEP_MESSAGES_PER_FLUSH = 10;

/**
 * Progress writes a sweep makes: one per flush but the last. A flush takes everything buffered once it reaches
 * `checksPerMessage × SWEEP_MESSAGES_PER_FLUSH` due checks, and the check runs once per scan page added: so at most
 * one per page, and at most one per full flush's worth of due checks.
 */
export function progressWritesPerSweep(
  dueChecks: number,
  scanPages: number,
  checksPerMessage: number,
): number {
  return Math.min(scanPages, Math.floor(dueChecks / (checksPerMessage * SWEEP_MESSAGES_PER_FLUSH)));
}

/** More response time than this (p99) added by the checker's own CPU queue distorts timeouts and DEGRADED: 10 % of
 * the default timeout. */
export const MAX_LATENCY_ADDED_P99_MS = 500;

/**
 * The measured invocation to price: at `memoryMiB` when given (any concurrency), else at the given memory and
 * concurrency; of those, the cheapest per check that judged every site right and kept response times within
 * MAX_LATENCY_ADDED_P99_MS. Undefined when none qualifies (then the model estimates from one core).
 */
export function chooseSizedInvocation(
  runs: readonly SizedInvocation[],
  want: { readonly memoryMiB?: number; readonly checkConcurrency?: number },
): SizedInvocation | undefined {
  const perCheck = (run: SizedInvocation) => (run.memoryMiB * run.billedMs) / run.checks;
  return runs
    .filter(
      (run) =>
        run.isCorrect &&
        run.latencyAddedP99Ms <= MAX_LATENCY_ADDED_P99_MS &&
        (want.memoryMiB === undefined || run.memoryMiB === want.memoryMiB) &&
        (want.checkConcurrency === undefined || run.checkConcurrency === want.checkConcurrency),
    )
    .sort((a, b) => perCheck(a) - perCheck(b))[0];
}

/** An invocation of `checks` at a measured size: the wait for the slowest site, the rest in proportion. */
export function sizedInvocationMs(run: SizedInvocation, checks: number, siteTimeoutMs: number): number {
  const wait = Math.min(run.billedMs, siteTimeoutMs);
  return wait + ((run.billedMs - wait) * checks) / run.checks;
}

/** Share of scheduled checks that are the site's periodic full GET (functions/domain/schedule.ts isFullGetDue). */
export function fullGetShare(fullGetMinutes: number, intervalMinutes: number): number {
  return fullGetMinutes === 0 ? 0 : 1 / Math.max(1, Math.ceil(fullGetMinutes / intervalMinutes));
}

export interface CostInput {
  readonly sites: number;
  readonly intervalMinutes: number;
  readonly siteTimeoutMs: number;
  readonly checkerMemoryMiB: number;
  readonly fanOutMemoryMiB: number;
  readonly scanSegments: number;
  /** Every site's fullGetMinutes (0 = no full GETs); the item schema's default when absent. */
  readonly fullGetMinutes?: number;
  readonly drivers: CostDrivers;
  /**
   * The measured invocation at checkerMemoryMiB (chooseSizedInvocation): its billed time replaces the
   * estimate from one unthrottled core, which cannot see the CPU queue of a fraction of a core.
   */
  readonly sized?: SizedInvocation;
  readonly assumptions?: Partial<Assumptions>;
}

export interface CostLine {
  readonly service: string;
  readonly item: string;
  /** Usage per month, in `unit`. */
  readonly quantity: number;
  readonly unit: string;
  readonly listUsd: number;
  /** After the always-free tier of that usage. */
  readonly billedUsd: number;
}

export interface CostEstimate {
  readonly lines: readonly CostLine[];
  readonly listUsd: number;
  readonly billedUsd: number;
  /** Usage that explains the lines. */
  readonly perSweep: {
    readonly dueSites: number;
    readonly messages: number;
    readonly checkerInvocations: number;
    readonly checksPerInvocation: number;
    readonly checkerBilledMs: number;
    readonly fanOutBilledMs: number;
    /** CPU per check used: plain HTTP as measured, plus the TLS share. */
    readonly cpuMsPerCheck: number;
    /** Least checker memory that leaves the CPU headroom (maxCpuShareOfTimeout). */
    readonly enoughMemoryMiB: number;
  };
  readonly alternatives: readonly { readonly name: string; readonly usd: number; readonly basis: string }[];
  /** Monthly usage other estimates build on (the history's: one raw batch per checker invocation). */
  readonly perMonth: {
    readonly checkerInvocations: number;
    readonly checks: number;
    readonly lambdaGbSeconds: number;
    /** For estimates that share the always-free tiers (the alert channels'). */
    readonly lambdaRequests: number;
    readonly sqsRequests: number;
    readonly alertPublishes: number;
  };
}

/**
 * The monthly AWS bill of the monitor for `sites` checked every `intervalMinutes`, from the figures the bench
 * measured (`drivers`) and the list prices in prices.ts. Pure: same input, same estimate.
 */
export function estimateMonthlyCost(input: CostInput): CostEstimate {
  const a = { ...DEFAULT_ASSUMPTIONS, ...input.assumptions };
  const d = input.drivers;
  const sweeps = MINUTES_PER_MONTH;
  const due = input.sites / input.intervalMinutes;

  // The fan-out packs each scan page on its own: a small table spread over many segments makes part-full messages.
  const itemsPerPage = Math.max(1, Math.floor(a.scanPageBytes / d.itemBytes));
  const pages = Math.max(Math.min(input.scanSegments, input.sites), Math.ceil(input.sites / itemsPerPage));
  const duePerPage = due / pages;
  const messages = due === 0 ? 0 : pages * Math.ceil(duePerPage / d.checksPerMessage);
  // Pollers take what is there: batches are not always full (measured in the local pipeline).
  const invocations = Math.ceil(messages / (d.batchSize * d.batchFill));
  const checksPerInvocation = invocations === 0 ? 0 : due / invocations;

  const cpuMsPerCheck = d.cpuMsPerCheck + a.httpsShare * d.httpsExtraCpuMsPerCheck;
  // Measured on one core: the wait for the slowest site plus the CPU of the checks. Less memory, less CPU.
  const cpuSlowdown = (memoryMiB: number) => Math.max(0, PRICES.lambda.mbPerVcpu / memoryMiB - 1);
  const checkerMs =
    invocations === 0
      ? 0
      : input.sized
        ? sizedInvocationMs(input.sized, checksPerInvocation, input.siteTimeoutMs)
        : Math.max(
            input.siteTimeoutMs,
            d.invocationMs - d.cpuMsPerCheck * Math.max(0, d.checksPerInvocation - checksPerInvocation),
          ) +
          (cpuMsPerCheck - d.cpuMsPerCheck) * checksPerInvocation +
          cpuMsPerCheck * checksPerInvocation * cpuSlowdown(input.checkerMemoryMiB);
  // The memory at which an invocation's checks keep the CPU busy for at most maxCpuShareOfTimeout of the timeout.
  const enoughMemoryMiB =
    (PRICES.lambda.mbPerVcpu * cpuMsPerCheck * checksPerInvocation) /
    (a.maxCpuShareOfTimeout * input.siteTimeoutMs);
  const fanOutMs = (d.fanOutMsPer1000Sites * input.sites) / 1000;
  const fanOutBilledMs = fanOutMs * Math.max(1, PRICES.lambda.mbPerVcpu / input.fanOutMemoryMiB);

  const incidents = input.sites * a.incidentsPerSitePerMonth;
  const recheckInvocations = incidents * a.recheckInvocationsPerIncident;
  // A task that faulted goes back to the queue alone (10 s later). Priced as a re-check each, its own message and
  // invocation: an upper bound, since one invocation's retries travel together. At the measured rate (0 when no
  // check faulted) this is usually nothing.
  const scheduledChecks = sweeps * due;
  const taskRetries = scheduledChecks * d.taskRetriesPerCheck;
  const checkerInvocations = sweeps * invocations + recheckInvocations + taskRetries;
  const checkerGbSeconds =
    ((sweeps * invocations * checkerMs + (recheckInvocations + taskRetries) * (input.siteTimeoutMs + 100)) /
      1000) *
    (input.checkerMemoryMiB / 1024);
  const fanOutGbSeconds = ((sweeps * fanOutBilledMs) / 1000) * (input.fanOutMemoryMiB / 1024);
  // A full GET is the same one request as the HEAD it replaces (data in is free); what it adds is the CPU of
  // reading and decrypting the page, at the checker's share of a core. An upper bound: the CPU usually runs while
  // the invocation waits for its slowest site anyway.
  const fullGetMinutes = input.fullGetMinutes ?? SITE_LIMITS.fullGetMinutes.default;
  const fullGets = scheduledChecks * fullGetShare(fullGetMinutes, input.intervalMinutes);
  const fullGetGbSeconds =
    ((fullGets * d.fullGetExtraCpuMsPerCheck * (1 + cpuSlowdown(input.checkerMemoryMiB))) / 1000) *
    (input.checkerMemoryMiB / 1024);
  const lambdaRequests = sweeps + checkerInvocations;
  const gbSeconds = checkerGbSeconds + fanOutGbSeconds + fullGetGbSeconds;
  const gbSecondPrice = PRICES.lambda.perGbSecondArm;

  const chunk = PRICES.sqs.chunkBytes;
  const sendRequests =
    sweeps * (Math.ceil(messages / 10) + Math.floor((due * d.messageBytesPerCheck) / chunk));
  const receiveRequests =
    sweeps * invocations * Math.max(1, Math.ceil((checksPerInvocation * d.messageBytesPerCheck) / chunk));
  const deleteRequests = sweeps * invocations;
  const idlePolls = MINUTES_PER_MONTH * a.idlePollers * (60 / a.pollWaitSeconds);
  const recheckRequests = recheckInvocations * 3;
  const retryRequests = taskRetries * 3;
  const sqsRequests =
    sendRequests + receiveRequests + deleteRequests + idlePolls + recheckRequests + retryRequests;

  const readUnits = (sweeps * (d.readUnitsPer1000Sites * input.sites)) / 1000;
  // Lease, progress and state items are well under 1 KB: one write unit per write or delete.
  const leaseWriteUnits = sweeps * (a.leaseWritesPerSweep + a.leaseDeletesPerSweep);
  const progressWriteUnits = sweeps * progressWritesPerSweep(due, pages, d.checksPerMessage);
  const stateWriteUnits = incidents * a.writesPerIncident;
  const storedGb = (input.sites * d.itemBytes) / GIB;

  const publishes = incidents * a.publishesPerIncident;
  const logBytes =
    checkerInvocations * (d.metricLogBytesPerInvocation + a.platformLogBytesPerInvocation) +
    incidents * a.writesPerIncident * d.eventLogBytesPerStateWrite +
    sweeps * (d.fanOutLogBytesPerSweep + a.platformLogBytesPerInvocation);
  const logGb = logBytes / GIB;

  const checksPerMonth = scheduledChecks + recheckInvocations + taskRetries;
  // Lookups go to the resolver Lambda provides (the Route 53 VPC Resolver inside a VPC): not billed per query.
  const dnsQueries = checksPerMonth * d.dnsQueriesPerCheck;
  const bytesOutPerCheck =
    d.bytesSentPerCheck + a.httpsShare * d.httpsExtraBytesSentPerCheck + a.headerBytesPerCheck;
  const transferOutGb = (checksPerMonth * bytesOutPerCheck) / GIB;

  const lines: CostLine[] = [
    gbSecondsLine(
      `checker GB-s (${input.checkerMemoryMiB} MB × ${Math.ceil(checkerMs)} ms × ${invocations}/sweep, re-checks, retries)`,
      checkerGbSeconds,
    ),
    gbSecondsLine(
      fullGetMinutes === 0
        ? 'checker GB-s of full GETs (fullGetMinutes 0: none)'
        : d.fullGetPageBytes === 0
          ? `checker GB-s of full GETs, every ${fullGetMinutes} min: not measured in this run (bench phase tls)`
          : `checker GB-s of full GETs, every ${fullGetMinutes} min: reading a ${Math.round(d.fullGetPageBytes / 1024)} KiB page adds ${d.fullGetExtraCpuMsPerCheck.toFixed(1)} ms CPU (data in is free)`,
      fullGetGbSeconds,
    ),
    gbSecondsLine(
      `fan-out GB-s (${input.fanOutMemoryMiB} MB × ${Math.ceil(fanOutBilledMs)} ms every minute)`,
      fanOutGbSeconds,
    ),
    {
      service: 'Lambda',
      item: 'requests (fan-out, checker, re-checks, retries)',
      quantity: lambdaRequests,
      unit: 'requests',
      listUsd: perMillion(lambdaRequests, PRICES.lambda.perMillionRequests),
      billedUsd: perMillion(
        afterFree(lambdaRequests, ALWAYS_FREE.lambdaRequests),
        PRICES.lambda.perMillionRequests,
      ),
    },
    reservationLine(),
    ...sqsLines(
      [
        ['sends (64 KiB chunks)', sendRequests],
        ['receives + deletes by the event source', receiveRequests + deleteRequests],
        [`idle long polls (${a.idlePollers} pollers, ${a.pollWaitSeconds} s wait)`, idlePolls],
        ['re-check send, receive, delete', recheckRequests],
        [
          `task retries (faults: ${(d.taskRetriesPerCheck * 1000).toFixed(2)} per 1,000 checks measured) send, receive, delete`,
          retryRequests,
        ],
      ],
      sqsRequests,
    ),
    {
      service: 'DynamoDB',
      item: `scan reads, every minute (${d.readUnitsPer1000Sites.toFixed(1)} RRU per 1,000 items)`,
      quantity: readUnits,
      unit: 'RRU',
      listUsd: perMillion(readUnits, PRICES.dynamodb.perMillionReadUnits),
      billedUsd: perMillion(readUnits, PRICES.dynamodb.perMillionReadUnits),
    },
    writeLine(
      `sweep lease: take + complete the minute's item, delete the one ${a.leaseDeletesPerSweep === 1 ? '10 min old' : 'expired'}`,
      leaseWriteUnits,
    ),
    writeLine(
      `sweep progress: one per flush of ${d.checksPerMessage * SWEEP_MESSAGES_PER_FLUSH} due checks but the last`,
      progressWriteUnits,
    ),
    writeLine('state changes and outbox (PENDING, DOWN, UP, alerts cleared)', stateWriteUnits),
    {
      service: 'DynamoDB',
      item: 'storage and point-in-time recovery',
      quantity: storedGb,
      unit: 'GB',
      listUsd: storedGb * (PRICES.dynamodb.perGbMonthStorage + PRICES.dynamodb.perGbMonthPitr),
      billedUsd: storedGb * (PRICES.dynamodb.perGbMonthStorage + PRICES.dynamodb.perGbMonthPitr),
    },
    {
      service: 'Route 53',
      // Lambda's resolver answers each name; per-query pricing applies only to Resolver endpoints (prices.ts). The
      // limit that matters is a rate one (1,024 packets/s per network interface to the VPC resolver), not a price.
      item: `DNS queries of the checks (A + AAAA: ${d.dnsQueriesPerCheck.toFixed(2)} per check) to the resolver Lambda provides: not billed`,
      quantity: dnsQueries,
      unit: 'queries',
      listUsd: perMillion(dnsQueries, PRICES.dns.perMillionResolverQueries),
      billedUsd: perMillion(dnsQueries, PRICES.dns.perMillionResolverQueries),
    },
    {
      service: 'SNS',
      item: 'alert publishes (deliveries not counted)',
      quantity: publishes,
      unit: 'publishes',
      listUsd: perMillion(publishes, PRICES.sns.perMillionPublishes),
      billedUsd: perMillion(afterFree(publishes, ALWAYS_FREE.snsPublishes), PRICES.sns.perMillionPublishes),
    },
    {
      service: 'Data transfer',
      item: `out to the internet: the checks' requests (~${Math.round(bytesOutPerCheck)} B each with headers)`,
      quantity: transferOutGb,
      unit: 'GB',
      listUsd: transferOutGb * PRICES.dataTransfer.perGbOutToInternet,
      billedUsd:
        afterFree(transferOutGb, ALWAYS_FREE.dataTransferOutGb) * PRICES.dataTransfer.perGbOutToInternet,
    },
    {
      service: 'CloudWatch',
      item: 'Logs ingested and kept a month (handlers + Lambda platform lines)',
      quantity: logGb,
      unit: 'GB',
      listUsd: logGb * (PRICES.cloudwatch.perGbLogsIngested + PRICES.cloudwatch.perGbMonthLogsStored),
      billedUsd:
        afterFree(logGb, ALWAYS_FREE.logsIngestedGb) * PRICES.cloudwatch.perGbLogsIngested +
        logGb * PRICES.cloudwatch.perGbMonthLogsStored,
    },
    {
      service: 'CloudWatch',
      item: `custom metrics (EMF) and the metrics its alarms read (${a.customMetrics} + ${a.alarms})`,
      quantity: a.customMetrics + a.alarms,
      unit: 'metrics+alarms',
      listUsd:
        a.customMetrics * PRICES.cloudwatch.perCustomMetricMonth + a.alarms * PRICES.cloudwatch.perAlarmMonth,
      billedUsd:
        afterFree(a.customMetrics, ALWAYS_FREE.customMetrics) * PRICES.cloudwatch.perCustomMetricMonth +
        afterFree(a.alarms, ALWAYS_FREE.alarms) * PRICES.cloudwatch.perAlarmMonth,
    },
  ];
  return {
    lines,
    listUsd: sumUsd(lines, 'listUsd'),
    billedUsd: sumUsd(lines, 'billedUsd'),
    perSweep: {
      dueSites: due,
      messages,
      checkerInvocations: invocations,
      checksPerInvocation,
      checkerBilledMs: checkerMs,
      fanOutBilledMs,
      cpuMsPerCheck,
      enoughMemoryMiB,
    },
    perMonth: {
      checkerInvocations,
      checks: checksPerMonth,
      lambdaGbSeconds: gbSeconds,
      lambdaRequests,
      sqsRequests,
      alertPublishes: publishes,
    },
    alternatives: [
      {
        name: 'Route 53 health checks, HTTPS',
        usd: input.sites * (PRICES.route53.perNonAwsEndpointMonth + PRICES.route53.perOptionalFeatureMonth),
        basis: 'non-AWS endpoint $0.75 + HTTPS $1.00 per check per month (every 30 s)',
      },
      {
        name: 'Route 53 health checks, HTTPS + string match',
        usd:
          input.sites * (PRICES.route53.perNonAwsEndpointMonth + 2 * PRICES.route53.perOptionalFeatureMonth),
        basis: 'the "about $2.75 per HTTPS endpoint" of issue 5',
      },
      {
        name: 'CloudWatch Synthetics canaries',
        usd: input.sites * (MINUTES_PER_MONTH / input.intervalMinutes) * PRICES.synthetics.perCanaryRun,
        basis: `$0.0012 per run, one canary per site every ${input.intervalMinutes} min (Lambda and S3 not counted)`,
      },
    ],
  };

  // Lambda's always-free GB-s are shared: each line keeps its share of what is left to pay.
  function gbSecondsLine(item: string, quantity: number): CostLine {
    return {
      service: 'Lambda',
      item,
      quantity,
      unit: 'GB-s',
      listUsd: quantity * gbSecondPrice,
      billedUsd:
        afterFree(gbSeconds, ALWAYS_FREE.lambdaGbSeconds) * gbSecondPrice * (quantity / (gbSeconds || 1)),
    };
  }

  // Runs on deploys only, never per check: ~0 at any fleet size. Priced at list (the free tier easily covers it).
  function reservationLine(): CostLine {
    const invocations = a.deploysPerMonth;
    const gbSecondsPerInvocation =
      (a.reservationInvocationMs / 1000) * (RESERVATION_DECIDER_MEMORY_MIB / 1024);
    const usd =
      perMillion(invocations, PRICES.lambda.perMillionRequests) +
      invocations * gbSecondsPerInvocation * gbSecondPrice;
    return {
      service: 'Lambda',
      item: `checker-reservation custom resource: runs on deploys only (${a.deploysPerMonth} a month assumed, ~${a.reservationInvocationMs / 1000} s at ${RESERVATION_DECIDER_MEMORY_MIB} MB each; none with checkerReservation off or pinned)`,
      quantity: invocations,
      unit: 'invocations',
      listUsd: usd,
      billedUsd: usd,
    };
  }

  function writeLine(item: string, writeUnits: number): CostLine {
    const usd = perMillion(writeUnits, PRICES.dynamodb.perMillionWriteUnits);
    return {
      service: 'DynamoDB',
      item: `writes: ${item}`,
      quantity: writeUnits,
      unit: 'WRU',
      listUsd: usd,
      billedUsd: usd,
    };
  }

  function sqsLines(parts: readonly (readonly [string, number])[], total: number): CostLine[] {
    const billedTotal = perMillion(afterFree(total, ALWAYS_FREE.sqsRequests), PRICES.sqs.perMillionRequests);
    return parts.map(([item, quantity]) => ({
      service: 'SQS',
      item,
      quantity,
      unit: 'requests',
      listUsd: perMillion(quantity, PRICES.sqs.perMillionRequests),
      // The free million is shared: each part keeps its share of what is left to pay.
      billedUsd: total === 0 ? 0 : billedTotal * (quantity / total),
    }));
  }
}
