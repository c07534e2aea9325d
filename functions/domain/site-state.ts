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

/** The mutable half of a site item. `version` increments on every write (optimistic concurrency). */
export interface SiteState {
  readonly status: SiteStatus;
  readonly version: number;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
  /** When the current status began. */
  readonly statusSinceMs?: number;
  /** First failed check of the current outage: what alerts call "down since". */
  readonly failingSinceMs?: number;
  /** Id of the last check applied; a redelivered check with the same id is ignored. */
  readonly lastCheckId?: string;
  readonly lastCheck?: LastCheck;
  /** Outbox: an alert committed with its transition and not yet accepted by SNS. */
  readonly pendingAlert?: Alert;
}

export const INITIAL_STATE: SiteState = {
  status: 'UNKNOWN',
  version: 0,
  consecutiveFailures: 0,
  consecutiveSuccesses: 0,
};
