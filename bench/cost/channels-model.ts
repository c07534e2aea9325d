import {
  CHANNEL_FUNCTION_MEMORY_MIB,
  DELIVERER_TIMEOUT,
  DISPATCHER_TIMEOUT,
} from '../../infra/alert-channels.ts';
import { afterFree, GIB, marginal, perMillion, sumUsd } from './billing.ts';
import { type CostLine, DEFAULT_ASSUMPTIONS as MONITOR_ASSUMPTIONS } from './model.ts';
import { ALWAYS_FREE, MINUTES_PER_MONTH, PRICES } from './prices.ts';

// Issue 14's alert channels (infra/alert-channels.ts): what each alert adds once it also goes to webhooks, Slack,
// Teams, Discord, Telegram or PagerDuty, and what the pipeline costs a month while no alert comes. The handlers'
// own times are not measured on Lambda: every time below is an ESTIMATE and says so.

/** What the channels' cost rests on; every value a default the caller can change. */
export interface ChannelAssumptions {
  /** Channels each alert goes to (the owner's plus ALL_OWNERS'). */
  readonly channelsPerAlert: number;
  /** ESTIMATE: a warm dispatcher's billed time for one alert: parse the envelope, 2 Queries, 1 SendMessageBatch. */
  readonly dispatcherBilledMs: number;
  /** ASSUMPTION: how long a receiver (Slack, PagerDuty, a webhook) takes to answer a POST. */
  readonly receiverAnswerMs: number;
  /** ESTIMATE: the deliverer's own time per delivery besides the POST: GetItem, SSM on a cache miss, render, log. */
  readonly delivererOverheadMs: number;
  /** ASSUMPTION: share of deliveries whose first POST fails with something worth retrying (5xx, 429, timeout). */
  readonly failureRate: number;
  /** ASSUMPTION: extra attempts a failed delivery takes before it goes through (backoff 30 s, 1, 2 min…). */
  readonly retriesPerFailure: number;
  /** ASSUMPTION: a failed attempt's billed time: half fast 5xx (~0.3 s), half the adapter's 10 s timeout. */
  readonly failedAttemptMs: number;
  /**
   * Share of deliveries whose secret the deliverer's 5-minute cache already holds. Alerts are sparse (a few a day
   * per site), so the cache mostly helps within a burst (a group outage to several channels of one owner): 0 prices
   * an SSM read and a KMS decrypt for every delivery and every retry, the worst case.
   */
  readonly secretCacheHitShare: number;
  /**
   * Read units of one Query for one owner's channels (under 4 KB: 0.5 eventually consistent, 1 strongly; priced
   * at 1, the worst case) and of one GetItem.
   */
  readonly readUnitsPerQuery: number;
  readonly readUnitsPerGetItem: number;
  /** One DeliveryMessage on the FIFO queue (notification + ids); a batch of 3 stays in one 64 KiB request. */
  readonly deliveryMessageBytes: number;
  /** The deliverer's structured line per attempt and the dispatcher's per alert. */
  readonly logBytesPerAttempt: number;
  readonly platformLogBytesPerInvocation: number;
  /** Lambda's SQS event source on an idle queue (model.ts's figures, for each of the two new queues). */
  readonly idlePollers: number;
  readonly pollWaitSeconds: number;
  /** Alarms the channels add (dispatch DLQ, delivery DLQ, deliverer errors): one metric each. */
  readonly alarmMetrics: number;
  /** Channels stored (items of ~400 B with PITR) and SSM standard parameters (free). */
  readonly storedChannels: number;
  readonly channelItemBytes: number;
}

export const DEFAULT_CHANNEL_ASSUMPTIONS: ChannelAssumptions = {
  channelsPerAlert: 3,
  dispatcherBilledMs: 150,
  receiverAnswerMs: 300,
  delivererOverheadMs: 50,
  failureRate: 0.02,
  retriesPerFailure: 2,
  failedAttemptMs: 5_000,
  secretCacheHitShare: 0,
  readUnitsPerQuery: 1,
  readUnitsPerGetItem: 1,
  deliveryMessageBytes: 2_000,
  logBytesPerAttempt: 300,
  platformLogBytesPerInvocation: MONITOR_ASSUMPTIONS.platformLogBytesPerInvocation,
  idlePollers: MONITOR_ASSUMPTIONS.idlePollers,
  pollWaitSeconds: MONITOR_ASSUMPTIONS.pollWaitSeconds,
  alarmMetrics: 3,
  storedChannels: 20,
  channelItemBytes: 400,
};

/** What the rest of the stack already uses of the always-free tiers it shares with the channels. */
export interface SharedUsage {
  readonly lambdaGbSeconds: number;
  readonly lambdaRequests: number;
  /** Standard and FIFO requests share SQS's free million. */
  readonly sqsRequests: number;
  readonly alarmMetrics: number;
}

export interface ChannelsCostInput {
  readonly alertsPerMonth: number;
  readonly shared: SharedUsage;
  readonly assumptions?: Partial<ChannelAssumptions>;
}

export interface ChannelsCostEstimate {
  /** What `alertsPerMonth` alerts add, line by line. */
  readonly perAlertLines: readonly CostLine[];
  /** What the channels cost a month with no alert at all. */
  readonly fixedLines: readonly CostLine[];
  /** List price of 1,000 alerts (the variable lines only). */
  readonly per1000AlertsUsd: number;
  readonly fixedUsd: number;
  readonly listUsd: number;
  readonly billedUsd: number;
  readonly usage: {
    readonly deliveries: number;
    readonly attempts: number;
    readonly fifoRequests: number;
    readonly standardRequests: number;
    readonly kmsDecrypts: number;
    readonly lambdaGbSeconds: number;
  };
}

/**
 * The alert channels' bill: per alert (delivered to `channelsPerAlert` channels) and fixed. Pure: same input, same
 * estimate. `billedUsd` charges only what is left after the free tiers `shared` already uses.
 */
export function estimateChannelsCost(input: ChannelsCostInput): ChannelsCostEstimate {
  const a = { ...DEFAULT_CHANNEL_ASSUMPTIONS, ...input.assumptions };
  if (a.dispatcherBilledMs > DISPATCHER_TIMEOUT.toMilliseconds()) {
    throw new Error(
      `dispatcherBilledMs must be within the dispatcher's timeout, got ${a.dispatcherBilledMs}`,
    );
  }
  if (a.failedAttemptMs > DELIVERER_TIMEOUT.toMilliseconds()) {
    throw new Error(`failedAttemptMs must be within the deliverer's timeout, got ${a.failedAttemptMs}`);
  }
  const variable = priceAlerts(input.alertsPerMonth, a, input.shared);
  const fixed = priceIdle(a, {
    ...input.shared,
    sqsRequests: input.shared.sqsRequests + variable.usage.fifoRequests + variable.usage.standardRequests,
  });
  const per1000 = priceAlerts(1_000, a, input.shared);
  return {
    perAlertLines: variable.lines,
    fixedLines: fixed,
    per1000AlertsUsd: sumUsd(per1000.lines, 'listUsd'),
    fixedUsd: sumUsd(fixed, 'listUsd'),
    listUsd: sumUsd(variable.lines, 'listUsd') + sumUsd(fixed, 'listUsd'),
    billedUsd: sumUsd(variable.lines, 'billedUsd') + sumUsd(fixed, 'billedUsd'),
    usage: variable.usage,
  };
}

function priceAlerts(alerts: number, a: ChannelAssumptions, shared: SharedUsage) {
  const { lambda, sqs, sqsFifo, dynamodb, kms, cloudwatch } = PRICES;
  const memoryGb = CHANNEL_FUNCTION_MEMORY_MIB / 1024;
  const deliveries = alerts * a.channelsPerAlert;
  const retries = deliveries * a.failureRate * a.retriesPerFailure;
  const attempts = deliveries + retries;

  // Dispatch queue (standard): the enqueue SNS makes (its delivery to SQS is free on the SNS side; the request is
  // counted here to be safe), one receive and one delete per alert (alerts are sparse: one per batch).
  const standardRequests = alerts * 3;
  // Deliveries queue (FIFO): one SendMessageBatch per alert (≤ 10 channels, billed per 64 KiB), then per delivery a
  // receive and a delete (conservative: Lambda may take a whole alert's groups in one batch); per retry a
  // ChangeMessageVisibility (the backoff) and a receive.
  const batchChunks = Math.max(1, Math.ceil((a.channelsPerAlert * a.deliveryMessageBytes) / sqs.chunkBytes));
  const fifoRequests = alerts * batchChunks + deliveries * 2 + retries * 2;

  const dispatcherGbSeconds = alerts * (a.dispatcherBilledMs / 1000) * memoryGb;
  const delivererGbSeconds =
    (deliveries * (a.receiverAnswerMs + a.delivererOverheadMs) +
      retries * (a.failedAttemptMs + a.delivererOverheadMs)) *
    (memoryGb / 1000);
  const gbSeconds = dispatcherGbSeconds + delivererGbSeconds;
  // One invocation per alert and per attempt (conservative: one per message group).
  const invocations = alerts + attempts;

  const readUnits = alerts * 2 * a.readUnitsPerQuery + attempts * a.readUnitsPerGetItem;
  // A GetParameter WithDecryption is one KMS Decrypt with aws/ssm; the standard throughput itself is free.
  const secretReads = attempts * (1 - a.secretCacheHitShare);
  const logGb =
    (alerts * a.logBytesPerAttempt +
      attempts * a.logBytesPerAttempt +
      invocations * a.platformLogBytesPerInvocation) /
    GIB;

  const sqsBilled = (requests: number, price: number, before: number) =>
    perMillion(marginal(before, requests, ALWAYS_FREE.sqsRequests), price);
  const lambdaGbBilled =
    marginal(shared.lambdaGbSeconds, gbSeconds, ALWAYS_FREE.lambdaGbSeconds) * lambda.perGbSecondArm;
  const lambdaGbLine = (item: string, gb: number): CostLine => ({
    service: 'Lambda',
    item,
    quantity: gb,
    unit: 'GB-s',
    listUsd: gb * lambda.perGbSecondArm,
    billedUsd: gbSeconds === 0 ? 0 : lambdaGbBilled * (gb / gbSeconds),
  });

  const lines: CostLine[] = [
    {
      service: 'SNS',
      item: 'delivery of each alert to the alert-dispatch queue (SNS→SQS deliveries are free)',
      quantity: alerts,
      unit: 'deliveries',
      listUsd: 0,
      billedUsd: 0,
    },
    {
      service: 'SQS',
      item: 'alert-dispatch (standard): enqueue by SNS, receive, delete per alert',
      quantity: standardRequests,
      unit: 'requests',
      listUsd: perMillion(standardRequests, sqs.perMillionRequests),
      billedUsd: sqsBilled(standardRequests, sqs.perMillionRequests, shared.sqsRequests),
    },
    lambdaGbLine(
      `dispatcher: ${CHANNEL_FUNCTION_MEMORY_MIB} MB × ${a.dispatcherBilledMs} ms an alert (ESTIMATE)`,
      dispatcherGbSeconds,
    ),
    {
      service: 'DynamoDB',
      item: `dispatcher: 2 Queries an alert (owner + ALL_OWNERS, ${a.readUnitsPerQuery} RRU each); deliverer: GetItem per attempt`,
      quantity: readUnits,
      unit: 'RRU',
      listUsd: perMillion(readUnits, dynamodb.perMillionReadUnits),
      billedUsd: perMillion(readUnits, dynamodb.perMillionReadUnits),
    },
    {
      service: 'SQS FIFO',
      item: `channel-deliveries: SendMessageBatch an alert, receive + delete per delivery, visibility change + receive per retry`,
      quantity: fifoRequests,
      unit: 'requests',
      listUsd: perMillion(fifoRequests, sqsFifo.perMillionRequests),
      billedUsd: sqsBilled(fifoRequests, sqsFifo.perMillionRequests, shared.sqsRequests + standardRequests),
    },
    lambdaGbLine(
      `deliverer: ${CHANNEL_FUNCTION_MEMORY_MIB} MB × (${a.receiverAnswerMs} ms receiver answer, ASSUMED + ${a.delivererOverheadMs} ms own, ESTIMATE) a delivery; retries at ${a.failedAttemptMs} ms`,
      delivererGbSeconds,
    ),
    {
      service: 'Lambda',
      item: 'requests: one dispatcher invocation an alert, one deliverer invocation an attempt (conservative)',
      quantity: invocations,
      unit: 'requests',
      listUsd: perMillion(invocations, lambda.perMillionRequests),
      billedUsd: perMillion(
        marginal(shared.lambdaRequests, invocations, ALWAYS_FREE.lambdaRequests),
        lambda.perMillionRequests,
      ),
    },
    {
      service: 'SSM',
      item: `GetParameter per attempt (5-min cache hit ${Math.round(a.secretCacheHitShare * 100)} %): standard parameters and throughput are free`,
      quantity: secretReads,
      unit: 'reads',
      listUsd: secretReads * PRICES.ssm.perStandardGetParameter,
      billedUsd: secretReads * PRICES.ssm.perStandardGetParameter,
    },
    {
      service: 'KMS',
      item: 'Decrypt with aws/ssm behind each GetParameter WithDecryption ($0.03 per 10,000; 20,000 free a month)',
      quantity: secretReads,
      unit: 'requests',
      listUsd: (secretReads / 10_000) * kms.perTenThousandRequests,
      // Nothing else in the stack calls KMS (SSE-SQS, SSE-S3, an unencrypted topic): the free tier is the channels'.
      billedUsd: (afterFree(secretReads, ALWAYS_FREE.kmsRequests) / 10_000) * kms.perTenThousandRequests,
    },
    {
      service: 'CloudWatch',
      item: 'logs: a line per alert and per attempt, Lambda platform lines',
      quantity: logGb,
      unit: 'GB',
      listUsd: logGb * (cloudwatch.perGbLogsIngested + cloudwatch.perGbMonthLogsStored),
      // The monitor's own logs stay far inside the free 5 GB ingestion: what is billed is the storage.
      billedUsd: logGb * cloudwatch.perGbMonthLogsStored,
    },
  ];
  return {
    lines,
    usage: {
      deliveries,
      attempts,
      fifoRequests,
      standardRequests,
      kmsDecrypts: secretReads,
      lambdaGbSeconds: gbSeconds,
    },
  };
}

function priceIdle(a: ChannelAssumptions, shared: SharedUsage): CostLine[] {
  const { sqs, sqsFifo, cloudwatch, dynamodb } = PRICES;
  const pollsPerQueue = MINUTES_PER_MONTH * a.idlePollers * (60 / a.pollWaitSeconds);
  const sqsBilled = (requests: number, price: number, before: number) =>
    perMillion(marginal(before, requests, ALWAYS_FREE.sqsRequests), price);
  const storedGb = (a.storedChannels * a.channelItemBytes) / GIB;
  return [
    {
      service: 'SQS',
      item: `idle long polls on alert-dispatch (${a.idlePollers} pollers, ${a.pollWaitSeconds} s wait)`,
      quantity: pollsPerQueue,
      unit: 'requests',
      listUsd: perMillion(pollsPerQueue, sqs.perMillionRequests),
      billedUsd: sqsBilled(pollsPerQueue, sqs.perMillionRequests, shared.sqsRequests),
    },
    {
      service: 'SQS FIFO',
      item: `idle long polls on channel-deliveries (${a.idlePollers} pollers assumed as for standard, ${a.pollWaitSeconds} s wait)`,
      quantity: pollsPerQueue,
      unit: 'requests',
      listUsd: perMillion(pollsPerQueue, sqsFifo.perMillionRequests),
      billedUsd: sqsBilled(pollsPerQueue, sqsFifo.perMillionRequests, shared.sqsRequests + pollsPerQueue),
    },
    {
      service: 'CloudWatch',
      item: `${a.alarmMetrics} alarms: dispatch DLQ not empty, delivery DLQ not empty, deliverer errors`,
      quantity: a.alarmMetrics,
      unit: 'alarm metrics',
      listUsd: a.alarmMetrics * cloudwatch.perAlarmMonth,
      billedUsd: marginal(shared.alarmMetrics, a.alarmMetrics, ALWAYS_FREE.alarms) * cloudwatch.perAlarmMonth,
    },
    {
      service: 'DynamoDB',
      item: `channels table: ${a.storedChannels} channels stored with PITR (on demand: no charge while idle); SSM standard parameters and aws/ssm: free`,
      quantity: storedGb,
      unit: 'GB',
      listUsd: storedGb * (dynamodb.perGbMonthStorage + dynamodb.perGbMonthPitr),
      billedUsd: storedGb * (dynamodb.perGbMonthStorage + dynamodb.perGbMonthPitr),
    },
  ];
}
