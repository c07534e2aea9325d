/**
 * Whether the checker can have its reserved concurrency in this account, decided at deploy time from the account's
 * own Lambda concurrency settings. Pure: the custom resource (functions/checker-reservation.ts) reads the settings
 * and applies the decision.
 */

/**
 * Lambda refuses a reservation that leaves fewer than 100 executions unreserved (PutFunctionConcurrency: "as long as
 * you leave at least 100 simultaneous executions unreserved"). An account whose whole quota is smaller (new accounts
 * get 10 or 50) keeps all of it: the refusal there reads "below its minimum value of [10]" (or [50]).
 */
export const LAMBDA_MIN_UNRESERVED = 100;

/** What GetAccountSettings and GetFunctionConcurrency say about the account and the checker. */
export interface AccountConcurrency {
  /** AccountLimit.ConcurrentExecutions: the region's concurrency quota. */
  readonly quota: number;
  /** AccountLimit.UnreservedConcurrentExecutions: the quota less every function's reservation, the checker's too. */
  readonly unreserved: number;
  /** The checker's reservation now; undefined when it has none. */
  readonly checkerReserved?: number;
}

export type ReservationDecision =
  | { readonly kind: 'reserve'; readonly concurrency: number; readonly reason: string }
  | { readonly kind: 'none'; readonly reason: string };

/** The executions Lambda keeps unreserved in an account with this quota. */
export function minimumUnreserved(quota: number): number {
  return Math.min(LAMBDA_MIN_UNRESERVED, quota);
}

/**
 * Reserve `wanted` for the checker when the account can give it and still keep Lambda's minimum unreserved;
 * otherwise no reservation. The checker's current reservation counts as available: replacing it frees it first.
 */
export function decideCheckerReservation(account: AccountConcurrency, wanted: number): ReservationDecision {
  const keep = minimumUnreserved(account.quota);
  const available = account.unreserved + (account.checkerReserved ?? 0);
  const reservedByOthers = account.quota - available;
  const spare = available - keep;
  const others = reservedByOthers > 0 ? `, ${reservedByOthers} reserved by other functions` : '';
  if (spare >= wanted) {
    return {
      kind: 'reserve',
      concurrency: wanted,
      reason: `account quota ${account.quota}${others}; Lambda keeps ${keep} unreserved, ${spare - wanted} spare after this`,
    };
  }
  if (reservedByOthers <= 0 && account.quota <= keep) {
    return {
      kind: 'none',
      reason: `account quota ${account.quota} leaves no room; Lambda keeps ${keep} unreserved`,
    };
  }
  return {
    kind: 'none',
    reason: `account quota ${account.quota}${others}; Lambda keeps ${keep} unreserved, so ${Math.max(0, spare)} could be reserved and the checker needs ${wanted}`,
  };
}

/** The stack output's text: the number reserved or "none", then why. */
export function describeReservation(decision: ReservationDecision): string {
  return `${decision.kind === 'reserve' ? decision.concurrency : 'none'}: ${decision.reason}`;
}
