import type { AlertPublisher } from '../adapters/alert-publisher.ts';
import { DEFAULT_MAX_CALL_MS } from '../adapters/call-deadline.ts';
import type { Logger } from '../adapters/logger.ts';
import type { SiteStore } from '../adapters/site-store.ts';
import type { Alert } from '../domain/alert.ts';
import {
  type AlertGroup,
  describeGroup,
  groupAlerts,
  groupEventOf,
  MIN_GROUP_SIZE,
} from '../domain/alert-group.ts';
import { isStatusAlert, pendingAlertsOf } from '../domain/outbox.ts';
import { ALERT_CLAIM_MS, type OutboxEntry, type SiteState } from '../domain/site-state.ts';

/**
 * The alert outbox protocol, in one place. A transition commits its alerts into the site item's outbox,
 * claimed by the committing checker (domain/outbox.ts). This sends them: the committer publishes what it
 * holds; anyone who finds an alert whose claim lapsed (its publisher failed or crashed) claims it with a
 * conditional write and publishes it; whoever SNS accepted an alert from clears it from the outbox. DOWN
 * alerts just committed wait until the whole invocation has committed, so that several sites of one owner
 * confirmed down together go out as one grouped alert.
 */
export interface AlertOutboxDeps {
  readonly store: Pick<SiteStore, 'claimAlert' | 'clearAlert'>;
  /** Without `publishGroup` (a test double that only counts alerts) nothing is grouped. */
  readonly publisher: Pick<AlertPublisher, 'publish'> & Partial<Pick<AlertPublisher, 'publishGroup'>>;
  readonly log: Logger;
  readonly nowMs: () => number;
}

/** How a site's outbox flush went: everything not held went out, and which accepted alerts are not cleared. */
export interface FlushOutcome {
  readonly isSent: boolean;
  /** Accepted by SNS but still in the outbox: the retry clears them and must never send them again. */
  readonly uncleared: readonly string[];
}

/** Seconds after which an alert whose publish failed can be claimed again: its claim has lapsed by then. */
export const CLAIM_LAPSE_SECONDS = Math.ceil(ALERT_CLAIM_MS / 1_000) + 5;

// A held alert whose claim ends sooner than this is left to the outbox: another publisher may take it over. More
// than the longest a publish may take (its call deadline), so no claim lapses while SNS is still answering and a
// second publisher cannot send the same alert meanwhile.
const CLAIM_MARGIN_MS = DEFAULT_MAX_CALL_MS + 5_000;
/** Held alerts are published early once their claim has this little left (see hasHeldClaimEndingSoon). */
export const HELD_PUBLISH_BEFORE_MS = CLAIM_MARGIN_MS + 10_000;

/**
 * DOWN alerts wait for the invocation's other commits so that one owner's sites down together go out as one
 * message; REGIONAL ones too (sites failing from home alone together are as likely), which groupAlerts sends
 * alone unless it knows how to group them.
 */
const isHeldForGrouping = (alert: Alert): boolean => alert.event === 'DOWN' || alert.event === 'REGIONAL';

/** A DOWN or REGIONAL alert committed (and claimed) by this invocation, kept back to be sent grouped or alone. */
interface HeldAlert<Ref> {
  readonly ref: Ref;
  readonly siteId: string;
  readonly entry: OutboxEntry;
}

/**
 * One invocation's outbox work. `Ref` names whatever must be retried when an alert could not be sent (the
 * checker's task): the alert then stays in its outbox, and the retry, or the site's next check, sends it once
 * its claim lapses.
 */
export class AlertOutbox<Ref> {
  readonly #held: HeldAlert<Ref>[] = [];
  #published = 0;
  #groups = 0;

  constructor(
    private readonly deps: AlertOutboxDeps,
    private readonly minGroupSize = MIN_GROUP_SIZE,
  ) {}

  /**
   * Whether a held alert's claim ends within HELD_PUBLISH_BEFORE_MS: published now it is still safely ours
   * (publishHeld leaves alerts with less than CLAIM_MARGIN_MS to the outbox, minutes later).
   */
  hasHeldClaimEndingSoon(): boolean {
    const nowMs = this.deps.nowMs();
    return this.#held.some((held) => held.entry.claimedUntilMs - nowMs < HELD_PUBLISH_BEFORE_MS);
  }

  /** Alerts that left an outbox, alone or as members of a group. */
  get published(): number {
    return this.#published;
  }

  /** Grouped messages among them (each stands for several alerts). */
  get groupsPublished(): number {
    return this.#groups;
  }

  /**
   * Publishes what waits in a site's outbox: the alerts `committed` just now (this invocation holds their
   * claims) and any whose claim lapsed. DOWN and REGIONAL alerts just committed are held for `publishHeld` instead, on behalf
   * of `ref`. Alerts in `alreadySent` (SNS accepted them on an earlier try) are only cleared. A status alert
   * waits while an older one of the site is claimed by another publisher, so that nobody reads UP before the
   * DOWN it ends.
   */
  async flush(
    siteId: string,
    state: SiteState,
    committed: readonly Alert[],
    ref: Ref | undefined,
    alreadySent: readonly string[] = [],
  ): Promise<FlushOutcome> {
    let isSent = true;
    const uncleared: string[] = [];
    let isStatusBehind = false;
    for (const entry of pendingAlertsOf(state)) {
      const { alert } = entry;
      const nowMs = this.deps.nowMs();
      if (alreadySent.includes(alert.alertId)) {
        if (!(await this.#clear(siteId, alert.alertId))) {
          uncleared.push(alert.alertId);
          isSent = false;
        }
        continue;
      }
      // Ours while the claim we committed it with holds; once lapsed it is anybody's, to be claimed again.
      const isOurs = entry.claimedUntilMs > nowMs && committed.some((mine) => mine.alertId === alert.alertId);
      const isClaimedElsewhere = !isOurs && entry.claimedUntilMs > nowMs;
      if (isStatusAlert(alert) && (isStatusBehind || isClaimedElsewhere)) {
        // An older status alert is on its way through someone else: this one follows it, on a retry.
        if (isStatusBehind) isSent = false;
        isStatusBehind = true;
        continue;
      }
      if (isOurs && isHeldForGrouping(alert) && ref !== undefined) {
        this.#held.push({ ref, siteId, entry });
        continue;
      }
      if (isClaimedElsewhere) continue;
      if (!isOurs && !(await this.deps.store.claimAlert(siteId, entry, nowMs + ALERT_CLAIM_MS))) continue;
      if (!(await this.#send(siteId, alert))) isSent = false;
      else if (!(await this.#clear(siteId, alert.alertId))) {
        uncleared.push(alert.alertId);
        isSent = false;
      }
    }
    return { isSent, uncleared };
  }

  /**
   * Sends the held alerts: grouped where `groupAlerts` finds groups, alone otherwise. Never throws.
   * @returns the refs whose alerts did not all go out (they stay in their outboxes), each with the ids of those
   * SNS accepted but that could not be cleared (a retry clears them and never sends them again).
   */
  async publishHeld(): Promise<Map<Ref, string[]>> {
    const failed = new Map<Ref, string[]>();
    const nowMs = this.deps.nowMs();
    // Each call sends what is held so far (early dispatch may call it before the end of the invocation).
    const taken = this.#held.splice(0);
    // A claim about to lapse could be taken over by another publisher: leave that alert to the outbox.
    const usable = taken.filter((held) => {
      if (held.entry.claimedUntilMs - nowMs >= CLAIM_MARGIN_MS) return true;
      failed.set(held.ref, failed.get(held.ref) ?? []);
      this.deps.log.warn('alert held too long: left in the outbox for a retry', {
        siteId: held.siteId,
        alertId: held.entry.alert.alertId,
      });
      return false;
    });
    const heldById = new Map(usable.map((held) => [held.entry.alert.alertId, held]));
    const minGroupSize = this.deps.publisher.publishGroup ? this.minGroupSize : Number.POSITIVE_INFINITY;
    // An alert that carries a summary of missed alerts goes alone: a group message has no room to tell it.
    const { groups, singles: groupSingles } = groupAlerts(
      usable.filter((held) => held.entry.alert.missed === undefined).map((held) => held.entry.alert),
      minGroupSize,
    );
    const singles = [
      ...groupSingles,
      ...usable.filter((held) => held.entry.alert.missed !== undefined).map((held) => held.entry.alert),
    ];
    const membersOf = (alerts: readonly Alert[]) =>
      alerts.flatMap((alert) => heldById.get(alert.alertId) ?? []);
    await Promise.all([
      ...groups.map((group) => this.#publishGroup(group, membersOf(group.alerts), failed)),
      ...membersOf(singles).map(async (held) => {
        if (await this.#send(held.siteId, held.entry.alert)) await this.#clearPublished(held, failed);
        else failed.set(held.ref, failed.get(held.ref) ?? []);
      }),
    ]);
    return failed;
  }

  /** Clears an alert SNS has accepted; false (logged) when that failed (a retry clears it, never sends it). */
  async #clear(siteId: string, alertId: string): Promise<boolean> {
    try {
      await this.deps.store.clearAlert(siteId, alertId);
      return true;
    } catch (error) {
      this.deps.log.error('alert published but not cleared: its task comes back to clear it', {
        siteId,
        alertId,
        error: (error as Error).message,
      });
      return false;
    }
  }

  /** Publishes one alert; false (logged) when SNS did not accept it, which leaves it in its outbox. */
  async #send(siteId: string, alert: Alert): Promise<boolean> {
    try {
      await this.deps.publisher.publish(alert);
    } catch (error) {
      this.deps.log.error('alert not published: it stays in the outbox and will be retried', {
        siteId,
        alertId: alert.alertId,
        error: (error as Error).message,
      });
      return false;
    }
    this.#published++;
    this.deps.log.info('alert published', { siteId, alertId: alert.alertId, event: alert.event });
    return true;
  }

  /**
   * One message for the group, then each member leaves its own outbox. If SNS refuses it, every member stays in
   * its outbox (its claim lapses and it is retried on its own).
   */
  async #publishGroup(
    group: AlertGroup,
    members: readonly HeldAlert<Ref>[],
    failed: Map<Ref, string[]>,
  ): Promise<void> {
    const alertIds = members.map((held) => held.entry.alert.alertId);
    try {
      await this.deps.publisher.publishGroup?.(group);
    } catch (error) {
      for (const held of members) failed.set(held.ref, failed.get(held.ref) ?? []);
      this.deps.log.error(
        'grouped alert not published: its alerts stay in their outboxes and will be retried',
        {
          group: describeGroup(group),
          alertIds,
          error: (error as Error).message,
        },
      );
      return;
    }
    this.#groups++;
    this.#published += members.length;
    this.deps.log.info('grouped alert published', {
      group: describeGroup(group),
      event: groupEventOf(group),
      alertIds,
    });
    await Promise.all(members.map((held) => this.#clearPublished(held, failed)));
  }

  /** SNS has the alert: take it out of its outbox; if that fails, its ref comes back to clear it (only). */
  async #clearPublished(held: HeldAlert<Ref>, failed: Map<Ref, string[]>): Promise<void> {
    const { alertId } = held.entry.alert;
    if (!(await this.#clear(held.siteId, alertId)))
      failed.set(held.ref, [...(failed.get(held.ref) ?? []), alertId]);
  }
}
