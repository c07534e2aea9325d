import type { Alert } from '../alert.ts';
import { formatUtc } from '../duration.ts';
import { describeAnswer, locationLabel, quorumText } from '../location-text.ts';
import { truncateText } from '../schema-parts.ts';
import type { ChannelFailedNotice, Notification } from './notification.ts';
import { shortUrl, summaryOf } from './notification-text.ts';

/** PagerDuty Events API v2 limits: summary 1,024 characters, dedup_key 255. */
export const PAGERDUTY_LIMITS = { summary: 1_024, dedupKey: 255 } as const;

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

/** One Events API v2 event (the JSON body of one POST to /v2/enqueue). */
export type PagerDutyEvent =
  | {
      readonly routing_key: string;
      readonly event_action: 'trigger';
      readonly dedup_key: string;
      readonly payload: {
        readonly summary: string;
        readonly source: string;
        readonly severity: PagerDutySeverity;
        readonly timestamp: string;
        readonly component?: string;
        readonly group?: string;
        readonly class?: string;
        readonly custom_details: Readonly<Record<string, unknown>>;
      };
      readonly client: 'uptime-squirrel';
      readonly links?: readonly { readonly href: string; readonly text: string }[];
    }
  | { readonly routing_key: string; readonly event_action: 'resolve'; readonly dedup_key: string };

/** What PagerDuty gets for a notification: events in order, or nothing and why. */
export type PagerDutyPlan =
  | { readonly kind: 'events'; readonly events: readonly PagerDutyEvent[] }
  | { readonly kind: 'skip'; readonly why: string };

/**
 * One open incident per site at a time, hence one per outage: a DOWN opens it, any UP of the site resolves it, and
 * the next DOWN opens a new one (PagerDuty folds events into an *open* incident of the key only). Keyed by site
 * alone, not by the outage's first failed check, because an UP does not always carry the start of the outage the
 * page was opened for: one that ends a maintenance window counts from inside the window, one after BLOCKED from the
 * BLOCKED, and an UP folded into a later DOWN (SNS refused it for a while) is never sent. With a per-outage key each
 * of those would leave the page open for good. A REGIONAL resolves it too (most locations reach the site).
 */
export const siteIncidentDedupKey = (siteId: string): string => `site:${siteId}`;

/** One incident per broken channel, resolved by hand once the channel is fixed. */
export const channelFailedDedupKey = (channelId: string): string => `channel-failed:${channelId}`;

export const testDedupKey = (testId: string): string => `test:${testId}`;

/**
 * PagerDuty pages: DOWN triggers (critical); any UP resolves the site's open incident, and so does a REGIONAL
 * (most locations reach the site, so an outage paged before is over; it never triggers); a REMINDER re-triggers
 * the same key (PagerDuty folds it into the open incident's log, and reopens it if someone resolved it by hand
 * while the site is still down); a group triggers each DOWN member and resolves each REGIONAL one; a failing
 * channel triggers a warning; a test triggers and at once resolves its own incident. Everything else is not an
 * incident and is skipped.
 */
export function planPagerDutyEvents(notification: Notification, routingKey: string): PagerDutyPlan {
  switch (notification.type) {
    case 'alert':
      return planAlert(notification.alert, routingKey);
    case 'alert-group': {
      // Member by member, each planned alone (channel-dispatch.ts delivers a group to PagerDuty one member per
      // delivery). Groups hold DOWN or REGIONAL members (GROUPED_EVENTS): a DOWN triggers its site's key, a
      // REGIONAL resolves it and never pages.
      const events = notification.group.alerts.flatMap((alert) => {
        const plan = planAlert(alert, routingKey);
        return plan.kind === 'events' ? plan.events : [];
      });
      return events.length === 0
        ? { kind: 'skip', why: 'a group without DOWN or REGIONAL members is not an incident' }
        : { kind: 'events', events };
    }
    case 'channel-failed':
      return { kind: 'events', events: [channelFailedTrigger(notification.notice, routingKey)] };
    case 'test': {
      const dedupKey = testDedupKey(notification.testId);
      return {
        kind: 'events',
        events: [
          {
            routing_key: routingKey,
            event_action: 'trigger',
            dedup_key: dedupKey,
            payload: {
              summary: `uptime-squirrel test notification (owner ${notification.owner}); resolves itself`,
              source: 'uptime-squirrel',
              severity: 'info',
              timestamp: new Date(notification.atMs).toISOString(),
              custom_details: { testId: notification.testId, owner: notification.owner },
            },
            client: 'uptime-squirrel',
          },
          { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey },
        ],
      };
    }
  }
}

function planAlert(alert: Alert, routingKey: string): PagerDutyPlan {
  switch (alert.event) {
    case 'DOWN':
    case 'REMINDER':
      return { kind: 'events', events: [triggerOf(alert, routingKey)] };
    // REGIONAL: never a trigger (no majority of the answering locations fails; a DOWN follows if one does), but a
    // resolve: most locations reach the site, so a page a DOWN opened earlier is over. Its UP is silent, so without
    // this DOWN → BLOCKED → REGIONAL → UP (or a window ending REGIONAL, or an undelivered UP folded into a
    // REGIONAL) would leave that page open for good. With no open incident the resolve does nothing.
    // UP: whatever it recovered from: resolving a key with no open incident does nothing, and a page opened before
    // a maintenance window or a BLOCKED spell must not stay open.
    case 'REGIONAL':
    case 'UP':
      return { kind: 'events', events: [siteResolveOf(alert, routingKey)] };
    default:
      return {
        kind: 'skip',
        why: `${alert.event} is not an outage; PagerDuty gets DOWN, REMINDER, UP and REGIONAL only`,
      };
  }
}

function siteResolveOf(alert: Alert, routingKey: string): PagerDutyEvent {
  return { routing_key: routingKey, event_action: 'resolve', dedup_key: siteIncidentDedupKey(alert.siteId) };
}

function triggerOf(alert: Alert, routingKey: string): PagerDutyEvent {
  const link = httpLinkOf(alert.url);
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: siteIncidentDedupKey(alert.siteId),
    payload: {
      summary: truncateText(
        `${summaryOf(alert)} (${alert.siteId}) - ${alert.detail}`.replace(/\s+/g, ' '),
        PAGERDUTY_LIMITS.summary,
      ),
      source: truncateText(hostOf(alert.url) ?? alert.siteId, 255),
      severity: 'critical',
      timestamp: new Date(alert.atMs).toISOString(),
      component: alert.siteId,
      group: alert.owner,
      class: alert.reason,
      custom_details: {
        site: truncateText(alert.siteName),
        url: shortUrl(alert.url),
        event: alert.event,
        reason: alert.reason,
        detail: alert.detail,
        ...(alert.status === undefined ? {} : { status: alert.status }),
        latencyMs: alert.latencyMs,
        downSince: formatUtc(alert.outageSinceMs),
        confirmed: formatUtc(alert.atMs),
        owner: alert.owner,
        alertId: alert.alertId,
        ...(alert.missed === undefined ? {} : { missedAlerts: alert.missed.alerts }),
        ...(alert.locations === undefined ? {} : locationDetailsOf(alert.locations)),
      },
    },
    client: 'uptime-squirrel',
    ...(link === undefined ? {} : { links: [{ href: link, text: 'Checked URL' }] }),
  };
}

/**
 * A verified DOWN's locations as PagerDuty shows custom details (a key/value table): who confirmed it, and one
 * readable entry per location, home first.
 */
function locationDetailsOf(locations: NonNullable<Alert['locations']>): Record<string, unknown> {
  return {
    confirmedBy: quorumText(locations),
    locations: Object.fromEntries(
      locations.map((answer, index) => [locationLabel(answer, index), describeAnswer(answer)]),
    ),
  };
}

function channelFailedTrigger(notice: ChannelFailedNotice, routingKey: string): PagerDutyEvent {
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: channelFailedDedupKey(notice.channelId),
    payload: {
      summary: truncateText(
        `Alert channel ${notice.channelId} (${notice.kind}) fails: ${notice.detail}`.replace(/\s+/g, ' '),
        PAGERDUTY_LIMITS.summary,
      ),
      source: 'uptime-squirrel',
      severity: 'warning',
      timestamp: new Date(notice.atMs).toISOString(),
      component: notice.channelId,
      group: notice.owner,
      class: 'channel-failed',
      custom_details: {
        channel: notice.channelId,
        kind: notice.kind,
        label: notice.label,
        ...(notice.status === undefined ? {} : { status: notice.status }),
        detail: notice.detail,
        undeliveredAlertId: notice.alertId,
        fix: `squirrel unsubscribe ${notice.channelId}, then subscribe it again`,
      },
    },
    client: 'uptime-squirrel',
  };
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host || undefined;
  } catch {
    return undefined;
  }
}

// PagerDuty shows links as clickable: only a well-formed http(s) URL, never a `javascript:` one from a bad item.
function httpLinkOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && url.length <= 2_048
      ? url
      : undefined;
  } catch {
    return undefined;
  }
}
