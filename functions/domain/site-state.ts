import type { Alert } from './alert.ts';
import type { DownReason } from './check-result.ts';

/**
 * UNKNOWN: never checked. PENDING: failing, not yet confirmed. RECOVERING: succeeding after DOWN, not yet
 * confirmed. DEGRADED: up, but slower than the site's maxResponseMs. BLOCKED: the site answers but refuses
 * the monitor (401/403/429, a bot challenge). Confirmed changes between UP, DOWN, DEGRADED, BLOCKED alert.
 */
export type SiteStatus = 'UNKNOWN' | 'UP' | 'PENDING' | 'DOWN' | 'RECOVERING' | 'DEGRADED' | 'BLOCKED';

/** The status a person would name: PENDING is still UP, RECOVERING still DOWN. */
export type ConfirmedStatus = 'UP' | 'DOWN' | 'DEGRADED' | 'BLOCKED';

export const confirmedStatusOf = (status: SiteStatus): ConfirmedStatus => {
  switch (status) {
    case 'UNKNOWN':
    case 'UP':
    case 'PENDING':
      return 'UP';
    case 'DOWN':
    case 'RECOVERING':
      return 'DOWN';
    default:
      return status;
  }
};

/** A maintenance window the site is in: alerts wait, and leaving it alerts only if the status changed. */
export interface MaintenanceMark {
  readonly sinceMs: number;
  readonly statusAtStart: ConfirmedStatus;
}

/** The certificate last seen and which expiry warnings were sent for it. */
export interface TlsWatch {
  readonly fingerprint: string;
  readonly validToMs: number;
  readonly warnedDays: readonly number[];
}

/** Load-balanced sites can serve several certificates at once: each keeps its own warnings. */
export const MAX_WATCHED_CERTIFICATES = 4;

/** The last check that changed something (steady-state checks write nothing, so this is not "the last check"). */
export interface LastCheck {
  readonly atMs: number;
  readonly up: boolean;
  readonly status?: number;
  readonly reason?: DownReason;
  readonly detail?: string;
  readonly latencyMs: number;
}

/**
 * An alert waiting for SNS. Whoever publishes it first claims it until `claimedUntilMs`, so two checkers that
 * both see it pending do not both send it; a crashed publisher's claim expires and another one retries.
 */
export interface OutboxEntry {
  readonly alert: Alert;
  readonly claimedUntilMs: number;
}

/** Long enough for SNS and the SDK's own retries; short enough that a stuck alert is retried within minutes. */
export const ALERT_CLAIM_MS = 60_000;

export interface Outage {
  readonly sinceMs: number;
  readonly reason: DownReason;
  readonly detail: string;
  readonly status?: number;
}

/** The mutable half of a site item. `version` increments on every write (optimistic concurrency). */
export interface SiteState {
  readonly status: SiteStatus;
  readonly version: number;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
  /** Consecutive checks slower than maxResponseMs (toward DEGRADED). */
  readonly consecutiveSlow?: number;
  /** Consecutive blocked answers (toward BLOCKED). */
  readonly consecutiveBlocked?: number;
  /** When the last "still down" reminder went out. */
  readonly lastReminderAtMs?: number;
  readonly maintenanceMark?: MaintenanceMark;
  /** The certificates seen lately, newest first (at most MAX_WATCHED_CERTIFICATES). */
  readonly tls?: readonly TlsWatch[];
  /** When the last confirmed change (to UP or DOWN) happened; PENDING and RECOVERING do not move it. */
  readonly statusSinceMs?: number;
  /** The current outage, from its first failed check (what alerts call "down since") until UP. */
  readonly outage?: Outage;
  /** Id of the last check applied; a redelivered check with the same id is ignored. */
  readonly lastCheckId?: string;
  readonly lastCheck?: LastCheck;
  /** Outbox: alerts committed with their transitions and not yet accepted by SNS, by alertId. */
  readonly pendingAlerts?: Readonly<Record<string, OutboxEntry>>;
}

export const INITIAL_STATE: SiteState = {
  status: 'UNKNOWN',
  version: 0,
  consecutiveFailures: 0,
  consecutiveSuccesses: 0,
};
