import type { DownReason } from './check-result.ts';

export type AlertEvent = 'DOWN' | 'UP';

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
  /** DOWN: why. UP: the reason of the outage that ended. */
  readonly reason: DownReason;
  readonly detail: string;
  readonly status?: number;
  readonly latencyMs: number;
}
