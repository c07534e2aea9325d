import {
  decideCheckerReservation,
  minimumUnreserved,
} from '../../../functions/domain/checker-reservation.ts';
import type { DeployConfig } from '../../../infra/deploy-config.ts';
import { type CheckLine, type Probe, unknownLine } from './check-line.ts';
import type { LambdaConcurrency } from './facts.ts';

/** squirrel.config.json `checkerReservation`: 'auto', 'off', or a number to reserve exactly. */
export type CheckerReservation = DeployConfig['checkerReservation'];

// Service Quotas code of Lambda's "Concurrent executions".
export const LAMBDA_CONCURRENCY_QUOTA_CODE = 'L-B99A9384';

/** How many executions a new reservation may take without Lambda refusing it (the custom resource's rule). */
const fitsReservation = (account: LambdaConcurrency, amount: number): boolean =>
  decideCheckerReservation(
    {
      quota: account.concurrentExecutions,
      unreserved: account.unreservedConcurrentExecutions,
      checkerReserved: account.checkerReserved,
    },
    amount,
  ).kind === 'reserve';

/** What the deploy will do with the checker's reserved concurrency. */
export type ReservationPlan =
  | { readonly kind: 'reserve'; readonly amount: number }
  | { readonly kind: 'none'; readonly because: 'off' | 'cannot-spare' }
  /** A pinned number the account cannot spare: the deploy would fail and roll back. */
  | { readonly kind: 'refused'; readonly amount: number };

/** The rule `checkerReservation` follows at deploy time, given the account's settings. */
export function planCheckerReservation(
  reservation: CheckerReservation,
  checkerConcurrency: number,
  account: LambdaConcurrency,
): ReservationPlan {
  if (reservation === 'off') return { kind: 'none', because: 'off' };
  if (reservation === 'auto') {
    return fitsReservation(account, checkerConcurrency)
      ? { kind: 'reserve', amount: checkerConcurrency }
      : { kind: 'none', because: 'cannot-spare' };
  }
  return fitsReservation(account, reservation)
    ? { kind: 'reserve', amount: reservation }
    : { kind: 'refused', amount: reservation };
}

export const serviceQuotasUrl = (region: string): string =>
  `https://${region}.console.aws.amazon.com/servicequotas/home/services/lambda/quotas/${LAMBDA_CONCURRENCY_QUOTA_CODE}`;

/** The command (and console page) that asks for a higher Lambda concurrency quota in a region. */
export const requestIncrease = (region: string, desired: number): string =>
  `aws service-quotas request-service-quota-increase --service-code lambda --quota-code ${LAMBDA_CONCURRENCY_QUOTA_CODE} --desired-value ${desired} --region ${region}   (or ${serviceQuotasUrl(region)})`;

/**
 * The concurrency line: the account's quota and unreserved executions, what the deploy will reserve for the
 * checker, and whether the checkers could crowd out the rest of the stack.
 */
export function checkLambdaConcurrency(
  account: Probe<LambdaConcurrency>,
  settings: { readonly checkerConcurrency: number; readonly checkerReservation: CheckerReservation },
  region: string,
): CheckLine {
  if (!account.ok) return unknownLine('lambda-concurrency', account.failure);
  const { concurrentExecutions: quota, unreservedConcurrentExecutions: unreserved } = account.value;
  const { checkerConcurrency, checkerReservation } = settings;
  const plan = planCheckerReservation(checkerReservation, checkerConcurrency, account.value);
  const minimum = minimumUnreserved(quota);
  const own = account.value.checkerReserved;
  const ownBack =
    own === undefined ? '' : ` (the deployed checker's ${own} among the reserved: a redeploy frees it first)`;
  const facts = `quota ${quota}, unreserved ${unreserved}${ownBack}, Lambda keeps ${minimum} unreserved`;
  const cap = `the SQS maximum concurrency ${checkerConcurrency} caps the checkers`;
  // Room for the sweep and the stack's other functions next to a full set of checkers.
  const wanted = Math.max(1000, checkerConcurrency + minimum);

  switch (plan.kind) {
    case 'refused':
      return {
        check: 'lambda-concurrency',
        status: 'fail',
        found: `checkerReservation ${plan.amount} cannot be reserved (${facts}): the deploy would fail and roll back`,
        fix: `set "checkerReservation": "auto" in squirrel.config.json, or raise the quota: ${requestIncrease(region, wanted)}`,
      };
    case 'reserve':
      return {
        check: 'lambda-concurrency',
        status: 'pass',
        found: `reservation: ${plan.amount} for the checker (${facts}); ${cap}`,
      };
    case 'none': {
      const reason =
        plan.because === 'off'
          ? 'checkerReservation is "off"'
          : `the account cannot spare ${checkerConcurrency}`;
      const crowded = checkerConcurrency >= quota;
      const found = `reservation: none, ${reason} (${facts}); ${cap}${
        crowded
          ? `, but ${checkerConcurrency} is the whole quota: the sweep may be throttled while they run`
          : ''
      }`;
      if (plan.because === 'off' && !crowded) return { check: 'lambda-concurrency', status: 'pass', found };
      // Half the quota leaves the sweep room; the event source's maximum concurrency cannot go below 2.
      const roomy = Math.max(2, Math.floor(quota / 2));
      const shrink = crowded ? `set "checkerConcurrency": ${roomy} in squirrel.config.json, or ` : '';
      return {
        check: 'lambda-concurrency',
        status: 'warn',
        found,
        fix: `the deploy works as it is; ${shrink}raise the quota so the checker gets its reservation: ${requestIncrease(region, wanted)}`,
      };
    }
  }
}
