import type { DownReason } from './check-result.ts';
import type { ConfirmedStatus } from './site-state.ts';

/** DOWN and UP page; the others tell: slow, blocked, still down, certificate expiring. */
export type AlertEvent = 'DOWN' | 'UP' | 'DEGRADED' | 'BLOCKED' | 'REMINDER' | 'TLS_EXPIRY';

/** A committed transition to tell people about. Self-contained: formatting needs nothing else. */
export interface Alert {
  /** Unique per transition (`siteId:version`): the outbox clears exactly this alert. */
  readonly alertId: string;
  readonly event: AlertEvent;
  readonly siteId: string;
  readonly siteName: string;
  readonly url: string;
  readonly owner: string;
  /** When the transition was committed. */
  readonly atMs: number;
  /** First failed check of the outage. */
  readonly outageSinceMs: number;
  /** DOWN: why. UP: the reason of the outage that ended. Others: the closest reason (see detail). */
  readonly reason: DownReason;
  readonly detail: string;
  readonly status?: number;
  readonly latencyMs: number;
  /** UP: what it recovered from (DOWN by default; DEGRADED or BLOCKED otherwise). */
  readonly recoveredFrom?: Exclude<ConfirmedStatus, 'UP'>;
  /** DEGRADED: the limit that was exceeded. */
  readonly maxResponseMs?: number;
  /** TLS_EXPIRY: when the leaf certificate expires. */
  readonly tlsValidToMs?: number;
  /** Sent when a maintenance window ended with the site in another status than when it began. */
  readonly afterMaintenanceSinceMs?: number;
}
