/** Why a site was judged down. Stable machine values: alerts, filters and dashboards match on them. */
export const DOWN_REASONS = [
  'timeout',
  'dns',
  'refused',
  'unreachable',
  'reset',
  'tls',
  'http-5xx',
  'http-4xx',
  'unexpected-status',
  'redirect-loop',
  'too-many-redirects',
  'protocol',
  'keyword',
] as const;
export type DownReason = (typeof DOWN_REASONS)[number];

/**
 * Why a check produced no verdict about the site. `checker-fault`: the checker, not the site, is at fault.
 * `blocked-address`: the site's name resolves only to addresses checks may not reach (private, metadata).
 */
export const FAULT_REASONS = ['checker-fault', 'blocked-address'] as const;
export type FaultReason = (typeof FAULT_REASONS)[number];

/** The leaf certificate seen in the check's own TLS handshake. */
export interface TlsCertificate {
  readonly validToMs: number;
  /** SHA-256 fingerprint: a renewed certificate starts its expiry warnings afresh. */
  readonly fingerprint: string;
}

/**
 * A check result is a value, never an exception: a down site is an expected outcome.
 * `blocked` means the site answered but refused us (401/403/429, a bot challenge): not an outage.
 * `fault` means "we could not check", which must never be reported as the site being down.
 */
export type CheckResult =
  | {
      readonly kind: 'up';
      readonly status: number;
      readonly latencyMs: number;
      readonly tls?: TlsCertificate;
    }
  | {
      readonly kind: 'blocked';
      readonly status: number;
      readonly detail: string;
      readonly latencyMs: number;
      readonly tls?: TlsCertificate;
    }
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
