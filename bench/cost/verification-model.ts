import { VERIFY_OVERHEAD_MS } from '../../functions/services/verifiers.ts';
import { CHECKER_MEMORY_MIB } from '../../infra/uptime-squirrel-stack.ts';
import { VERIFIER_MEMORY_MIB, VERIFIER_TIMEOUT } from '../../infra/verifier-stack.ts';
import { GIB, marginal, perMillion, sumUsd } from './billing.ts';
import type { CostLine } from './model.ts';
import { ALWAYS_FREE, MINUTES_PER_MONTH, PRICES } from './prices.ts';

// Issue 15's verifiers (infra/verifier-stack.ts): what asking other regions adds. Verification runs only when the
// home region would confirm a site DOWN (and on every failing check of a REGIONAL site), so its cost follows the
// failures, not the fleet. Nothing here is measured on Lambda yet: times are ESTIMATES or ASSUMPTIONS and say so.
// Prices: us-east-1's list prices (prices.ts). ASSUMED the same in the verifier regions: Lambda's Arm GB-s and
// request prices are published per region, and us-west-2 and eu-west-1 list the same as us-east-1; some regions
// (e.g. af-south-1, ap-east-1) charge more: look there before choosing one.

export interface VerificationAssumptions {
  /** Share of all checks that fail at home (the figure: 1 %). */
  readonly failingCheckShare: number;
  /**
   * Short outages: each is the failing check and its confirming re-check (failureThreshold 2, the default), then one
   * verification. A site down everywhere is not asked again while DOWN.
   */
  readonly failingChecksPerVerification: number;
  /** ASSUMPTION: a verifier probing a site that is down everywhere waits for most of the site timeout. */
  readonly downProbeShareOfTimeout: number;
  /** ASSUMPTION: a verifier probing a site that is up from there (the REGIONAL case): a HEAD's answer. */
  readonly upProbeMs: number;
  /** ESTIMATE: the verifier's billed init on a cold start (a small ESM bundle; Lambda bills INIT since August 2025). */
  readonly coldStartInitMs: number;
  /** ESTIMATE: the verifier's own time per invoke besides the probe: parse, guard, DNS, answer. */
  readonly verifierOverheadMs: number;
  /**
   * ASSUMPTION: Lambda keeps an idle environment warm for about this long; invokes further apart than this start
   * cold. AWS does not document it (minutes, typically 5-15).
   */
  readonly warmMinutes: number;
  /** The Invoke payload: one target's SiteConfig and ids (functions/domain/verify-request.ts), and its answer. */
  readonly requestBytes: number;
  readonly responseBytes: number;
  /** Lambda's START/END/REPORT lines plus the verifier's one line per target. */
  readonly logBytesPerInvoke: number;
}

export const DEFAULT_VERIFICATION_ASSUMPTIONS: VerificationAssumptions = {
  failingCheckShare: 0.01,
  failingChecksPerVerification: 2,
  downProbeShareOfTimeout: 1,
  upProbeMs: 500,
  coldStartInitMs: 400,
  verifierOverheadMs: 50,
  warmMinutes: 5,
  requestBytes: 1_000,
  responseBytes: 600,
  logBytesPerInvoke: 700,
};

/** Which failures are verified, and what the verifiers see. */
export type VerificationCase = 'confirmations' | 'regional';

export interface VerificationCostInput {
  readonly checksPerMonth: number;
  readonly regions: number;
  /** The sites' timeout: a verifier of a site down everywhere waits about this long. */
  readonly siteTimeoutMs: number;
  /** What the monitor already uses of Lambda's account-wide free tier, and of the free alarms. */
  readonly shared: {
    readonly lambdaGbSeconds: number;
    readonly lambdaRequests: number;
    readonly alarmMetrics: number;
    readonly customMetrics: number;
  };
  readonly assumptions?: Partial<VerificationAssumptions>;
}

export interface VerificationCostEstimate {
  readonly case: VerificationCase;
  readonly verificationsPerMonth: number;
  readonly invokesPerMonth: number;
  readonly coldStartShare: number;
  readonly verifierBilledMs: number;
  readonly lines: readonly CostLine[];
  readonly fixedLines: readonly CostLine[];
  readonly listUsd: number;
  readonly billedUsd: number;
}

/**
 * What the verifiers add a month. `confirmations`: `failingCheckShare` of checks fail in short outages, each
 * confirmation asks every region once, and the verifiers wait for the site's timeout (the site is down everywhere:
 * the longest they take). `regional`: every failing check is verified (a REGIONAL site is asked again on each
 * failing check), and the verifiers see the site up. Conservative: one Invoke per verification per region (the
 * checker coalesces concurrent ones into a batch), and the checker's wait is billed in full. Pure.
 */
export function estimateVerificationCost(
  input: VerificationCostInput,
  verificationCase: VerificationCase,
): VerificationCostEstimate {
  const a = { ...DEFAULT_VERIFICATION_ASSUMPTIONS, ...input.assumptions };
  if (!Number.isInteger(input.regions) || input.regions < 1) {
    throw new Error(`regions must be a whole number ≥ 1, got ${input.regions}`);
  }
  const { lambda, interRegion, cloudwatch, dynamodb } = PRICES;
  const failing = input.checksPerMonth * a.failingCheckShare;
  const verifications = verificationCase === 'regional' ? failing : failing / a.failingChecksPerVerification;
  const invokes = verifications * input.regions;

  const probeMs =
    verificationCase === 'regional' ? a.upProbeMs : input.siteTimeoutMs * a.downProbeShareOfTimeout;
  const perRegionPerMinute = verifications / MINUTES_PER_MONTH;
  const coldStartShare = Math.min(1, 1 / Math.max(perRegionPerMinute * a.warmMinutes, Number.MIN_VALUE));
  const verifierBilledMs = Math.min(
    VERIFIER_TIMEOUT.toMilliseconds(),
    probeMs + a.verifierOverheadMs + coldStartShare * a.coldStartInitMs,
  );
  const verifierGbSeconds = invokes * (verifierBilledMs / 1000) * (VERIFIER_MEMORY_MIB / 1024);
  // The checker waits for the slowest region (they are asked in parallel), at most the site timeout + overhead.
  const checkerWaitMs = Math.min(verifierBilledMs + 100, input.siteTimeoutMs + VERIFY_OVERHEAD_MS);
  const checkerGbSeconds = verifications * (checkerWaitMs / 1000) * (CHECKER_MEMORY_MIB / 1024);
  const gbSeconds = verifierGbSeconds + checkerGbSeconds;
  const transferGb = (invokes * (a.requestBytes + a.responseBytes)) / GIB;
  const logGb = (invokes * a.logBytesPerInvoke) / GIB;
  const gbBilled =
    marginal(input.shared.lambdaGbSeconds, gbSeconds, ALWAYS_FREE.lambdaGbSeconds) * lambda.perGbSecondArm;
  const share = (gb: number) => (gbSeconds === 0 ? 0 : gbBilled * (gb / gbSeconds));
  const described =
    verificationCase === 'regional'
      ? `every failing check verified (REGIONAL), verifiers see the site up in ${a.upProbeMs} ms (ASSUMED)`
      : `1 verification per ${a.failingChecksPerVerification} failing checks (failure + confirming re-check), verifiers wait the ${input.siteTimeoutMs / 1000} s timeout (site down everywhere)`;

  const lines: CostLine[] = [
    {
      service: 'Lambda',
      item: `verifier invokes: ${input.regions} region(s) × ${Math.round(verifications).toLocaleString('en-US')} verifications (${described})`,
      quantity: invokes,
      unit: 'requests',
      listUsd: perMillion(invokes, lambda.perMillionRequests),
      billedUsd: perMillion(
        marginal(input.shared.lambdaRequests, invokes, ALWAYS_FREE.lambdaRequests),
        lambda.perMillionRequests,
      ),
    },
    {
      service: 'Lambda',
      item: `verifier duration: ${VERIFIER_MEMORY_MIB} MB × ~${Math.round(verifierBilledMs)} ms (probe + ${a.verifierOverheadMs} ms own, ESTIMATE; ${Math.round(coldStartShare * 100)} % cold starts × ${a.coldStartInitMs} ms init, ESTIMATE)`,
      quantity: verifierGbSeconds,
      unit: 'GB-s',
      listUsd: verifierGbSeconds * lambda.perGbSecondArm,
      billedUsd: share(verifierGbSeconds),
    },
    {
      service: 'Lambda',
      item: `checker waiting for the verifiers: ${CHECKER_MEMORY_MIB} MB × ~${Math.round(checkerWaitMs)} ms a verification (conservative: the wait is billed in full)`,
      quantity: checkerGbSeconds,
      unit: 'GB-s',
      listUsd: checkerGbSeconds * lambda.perGbSecondArm,
      billedUsd: share(checkerGbSeconds),
    },
    {
      service: 'DynamoDB',
      // services/check-verifier.ts reads the item before asking: a copy of the check already applied, or a site
      // another checker confirmed meanwhile, asks nobody.
      item: 'a strongly consistent GetItem before each verification (1 read unit: items stay under 4 KB)',
      quantity: verifications,
      unit: 'reads',
      listUsd: perMillion(verifications, dynamodb.perMillionReadUnits),
      billedUsd: perMillion(verifications, dynamodb.perMillionReadUnits),
    },
    {
      service: 'Data transfer',
      item: `between regions: ~${a.requestBytes} B request + ~${a.responseBytes} B answer an invoke`,
      quantity: transferGb,
      unit: 'GB',
      listUsd: transferGb * interRegion.perGbOut,
      billedUsd: transferGb * interRegion.perGbOut,
    },
    {
      service: 'CloudWatch',
      item: `verifier logs in its region: ~${a.logBytesPerInvoke} B an invoke (ingest + a month stored)`,
      quantity: logGb,
      unit: 'GB',
      listUsd: logGb * (cloudwatch.perGbLogsIngested + cloudwatch.perGbMonthLogsStored),
      // The monitor's own logs stay far inside the free 5 GB ingestion: what is billed is the storage.
      billedUsd: logGb * cloudwatch.perGbMonthLogsStored,
    },
  ];
  const fixedLines = verificationFixedLines(input.regions, input.shared);
  return {
    case: verificationCase,
    verificationsPerMonth: verifications,
    invokesPerMonth: invokes,
    coldStartShare,
    verifierBilledMs,
    lines,
    fixedLines,
    listUsd: sumUsd(lines, 'listUsd') + sumUsd(fixedLines, 'listUsd'),
    billedUsd: sumUsd(lines, 'billedUsd') + sumUsd(fixedLines, 'billedUsd'),
  };
}

/**
 * What the verifiers cost with no failure at all: the alarms (errors and throttles in each region, "did not
 * answer" at home) and the metric filter's metric, which has data only in hours a verifier failed (custom
 * metrics are billed by the hour they exist: priced as if always, the worst case). Idle Lambdas, the empty log
 * groups and the alarm topics without publishes cost nothing.
 */
function verificationFixedLines(
  regions: number,
  shared: { readonly alarmMetrics: number; readonly customMetrics: number },
): CostLine[] {
  const { cloudwatch } = PRICES;
  const alarms = 2 * regions + 1;
  return [
    {
      service: 'CloudWatch',
      item: `${alarms} alarms: verifier errors and throttles in each of ${regions} region(s), "verifier did not answer" at home`,
      quantity: alarms,
      unit: 'alarm metrics',
      listUsd: alarms * cloudwatch.perAlarmMonth,
      billedUsd: marginal(shared.alarmMetrics, alarms, ALWAYS_FREE.alarms) * cloudwatch.perAlarmMonth,
    },
    {
      service: 'CloudWatch',
      item: 'VerifierNoAnswer metric from the log filter (data only while a verifier fails; priced as always)',
      quantity: 1,
      unit: 'custom metric',
      listUsd: cloudwatch.perCustomMetricMonth,
      billedUsd:
        marginal(shared.customMetrics, 1, ALWAYS_FREE.customMetrics) * cloudwatch.perCustomMetricMonth,
    },
  ];
}
