import type { Alert } from './alert.ts';
import type { DownReason } from './check-result.ts';

/**
 * UNKNOWN: never checked. PENDING: failing, not yet confirmed. RECOVERING: succeeding after DOWN, not yet
 * confirmed. Only UP↔DOWN transitions alert.
 */
export type SiteStatus = 'UNKNOWN' | 'UP' | 'PENDING' | 'DOWN' | 'RECOVERING';

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
