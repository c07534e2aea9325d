/** Why a site was judged down. Stable machine values: alerts, filters and dashboards match on them. */
export type DownReason =
  | 'timeout'
  | 'dns'
  | 'refused'
  | 'reset'
  | 'tls'
  | 'http-5xx'
  | 'http-4xx'
  | 'unexpected-status'
  | 'redirect-loop'
  | 'too-many-redirects'
  | 'protocol';

/** Why a check produced no verdict about the site: the checker, not the site, is at fault. */
export type FaultReason = 'checker-fault' | 'blocked-address';

/**
 * A check result is a value, never an exception: a down site is an expected outcome.
 * `fault` means "we could not check", which must never be reported as the site being down.
 */
export type CheckResult =
  | { readonly kind: 'up'; readonly status: number; readonly latencyMs: number }
  | {
      readonly kind: 'down';
      readonly reason: DownReason;
      readonly detail: string;
      readonly status?: number;
      readonly latencyMs: number;
    }
  | {
      readonly kind: 'fault';
      readonly reason: FaultReason;
      readonly detail: string;
      readonly latencyMs: number;
    };

/** True when the result says something about the site (up or down), false for checker faults. */
export const isVerdict = (result: CheckResult): result is Exclude<CheckResult, { kind: 'fault' }> =>
  result.kind !== 'fault';
