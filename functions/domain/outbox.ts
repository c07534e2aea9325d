import type { Alert, AlertEvent, MissedAlerts } from './alert.ts';
import type { OutboxEntry, SiteState } from './site-state.ts';

/**
 * The outbox on a site item, as data: which alerts wait for SNS and how new ones join them. The protocol
 * that empties it (claim, publish, clear, group) is services/alert-outbox.ts.
 */

type Kind = 'status' | 'unchecked' | 'reminder' | 'tls';

// Alerts of one slot compete for the owner's attention: once a newer one exists, an older undelivered one is
// news nobody needs any more (a DOWN followed by an UP, a reminder followed by a newer reminder). UNCHECKED is
// apart: it says nothing about the site's status, so it must never swallow a DOWN.
const KIND_OF: Readonly<Record<AlertEvent, Kind>> = {
  DOWN: 'status',
  UP: 'status',
  DEGRADED: 'status',
  BLOCKED: 'status',
  REGIONAL: 'status',
  UNCHECKED: 'unchecked',
  REMINDER: 'reminder',
  TLS_EXPIRY: 'tls',
};

/** The slot an alert competes in: one per kind, and one per certificate for expiry warnings. */
const slotOf = (alert: Alert): string =>
  alert.event === 'TLS_EXPIRY' ? `tls:${alert.tlsValidToMs ?? ''}` : KIND_OF[alert.event];

/** DOWN, UP, DEGRADED, BLOCKED, REGIONAL: alerts about the site's status, which must reach people in order. */
export const isStatusAlert = (alert: Alert): boolean => KIND_OF[alert.event] === 'status';

/** Pending alerts of a state, oldest first: the order people should read them in. */
export const pendingAlertsOf = (state: SiteState): OutboxEntry[] =>
  Object.values(state.pendingAlerts ?? {}).sort((a, b) => a.alert.atMs - b.alert.atMs);

/**
 * The outbox without the undelivered alerts of `event` (their claim lapsed: nobody is sending them): news that a
 * silent transition made untrue (a REGIONAL when the site is UP again says nothing since it is over). Alerts being
 * sent right now are left to their publisher. `pending` itself when nothing was removed; undefined when nothing
 * is left.
 */
export function withoutUndelivered(
  pending: SiteState['pendingAlerts'],
  event: AlertEvent,
  nowMs: number,
): SiteState['pendingAlerts'] {
  const entries = Object.entries(pending ?? {});
  const kept = entries.filter(([, entry]) => !(entry.alert.event === event && entry.claimedUntilMs <= nowMs));
  if (kept.length === entries.length) return pending;
  return kept.length === 0 ? undefined : Object.fromEntries(kept);
}

/** What a commit writes to the outbox, and the new alerts as they will be sent (with what they absorbed). */
export interface OutboxUpdate {
  readonly pendingAlerts: Readonly<Record<string, OutboxEntry>>;
  readonly alerts: readonly Alert[];
}

/**
 * Adds the alerts of a transition, claimed by their committer until `claimedUntilMs`. Older alerts that were
 * not delivered (their claim lapsed: SNS refused them) are folded into the newest alert of the same slot as a
 * `missed` summary, so after a day of flapping with SNS down the outbox holds the latest truth, not hundreds
 * of alerts: at most one undelivered alert per slot (status, UNCHECKED, reminder, one per certificate), beside
 * the few a publisher is sending right now (their claims are live, so they are left alone). A new reminder is
 * dropped while a status alert is undelivered: that alert already says the site is down.
 */
export function addToOutbox(
  pending: SiteState['pendingAlerts'],
  alerts: readonly Alert[],
  claimedUntilMs: number,
  nowMs: number,
): OutboxUpdate {
  const existing = Object.values(pending ?? {});
  const isUndelivered = (entry: OutboxEntry) => entry.claimedUntilMs <= nowMs;
  const hasUndeliveredStatus = existing.some(
    (entry) => isUndelivered(entry) && slotOf(entry.alert) === 'status',
  );
  const kept = alerts.filter((alert) => !(alert.event === 'REMINDER' && hasUndeliveredStatus));
  const absorbedIds = new Set<string>();
  const sent = kept.map((alert) => {
    const slot = slotOf(alert);
    const isNewestOfSlot = !kept.some((other) => slotOf(other) === slot && other.atMs > alert.atMs);
    if (!isNewestOfSlot) return alert;
    // A status alert also makes undelivered reminders pointless: they said "still down".
    const older = existing.filter(
      (entry) =>
        isUndelivered(entry) &&
        (slotOf(entry.alert) === slot || (slot === 'status' && slotOf(entry.alert) === 'reminder')),
    );
    if (older.length === 0) return alert;
    for (const entry of older) absorbedIds.add(entry.alert.alertId);
    return { ...alert, missed: summarise(older.map((entry) => entry.alert)) };
  });
  const remaining = existing.filter((entry) => !absorbedIds.has(entry.alert.alertId));
  const added = sent.map((alert) => ({ alert, claimedUntilMs }));
  return {
    pendingAlerts: Object.fromEntries([...remaining, ...added].map((entry) => [entry.alert.alertId, entry])),
    alerts: sent,
  };
}

/** Folds undelivered alerts (each perhaps a summary itself) into one summary. */
function summarise(alerts: readonly Alert[]): MissedAlerts {
  let summary: MissedAlerts = { alerts: 0, sinceMs: Number.MAX_SAFE_INTEGER, outages: 0, downMs: 0 };
  for (const alert of alerts) {
    // Only an UP ends an outage: REGIONAL never was one (it returns to UP silently), so it counts as an alert.
    const endedOutage = alert.event === 'UP' && (alert.recoveredFrom ?? 'DOWN') === 'DOWN';
    summary = {
      alerts: summary.alerts + 1 + (alert.missed?.alerts ?? 0),
      sinceMs: Math.min(summary.sinceMs, alert.missed?.sinceMs ?? alert.atMs, alert.atMs),
      outages: summary.outages + (endedOutage ? 1 : 0) + (alert.missed?.outages ?? 0),
      downMs:
        summary.downMs +
        (endedOutage ? Math.max(0, alert.atMs - alert.outageSinceMs) : 0) +
        (alert.missed?.downMs ?? 0),
    };
  }
  return summary;
}
