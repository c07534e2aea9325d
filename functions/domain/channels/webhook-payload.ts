import * as v from 'valibot';
import { ALERT_EVENTS, type Alert, AlertSchema } from '../alert.ts';
import { MAX_TEXT_CHARS, truncateText, wholeNumber } from '../schema-parts.ts';
import { LocationAnswerSchema } from '../verification.ts';
import { CHANNEL_KINDS } from './channel.ts';
import { CHANNEL_FAILED_EVENT, type Notification, notificationIdOf, TEST_EVENT } from './notification.ts';
import { summaryOf } from './notification-text.ts';

/**
 * The `schema` of every webhook body. A change that removes or renames a field gets a new version; fields may be
 * added within v1, so receivers must ignore what they do not know.
 */
export const WEBHOOK_SCHEMA = 'uptime-squirrel.webhook.v1';

// Receivers may store the name: cut like every other free text. URLs keep far more (they are identifiers).
const URL_MAX_CHARS = 2_048;
/**
 * A group's members past this many bytes of JSON are counted in `omittedAlerts` instead of listed. The
 * notification attribute (48 KiB) already bounds a group; this holds whatever the input.
 */
export const WEBHOOK_GROUP_MAX_BYTES = 128 * 1024;

const isoTime = v.pipe(v.string(), v.isoTimestamp());

const WebhookSiteSchema = v.object({
  id: v.string(),
  name: v.pipe(v.string(), v.maxLength(MAX_TEXT_CHARS)),
  url: v.pipe(v.string(), v.maxLength(URL_MAX_CHARS)),
  owner: v.string(),
});

/** One site alert: everything the email says, as data. Times both ISO 8601 (UTC) and epoch milliseconds. */
const WebhookAlertSchema = v.object({
  /** Unique per transition: deduplicate on it. */
  alertId: v.string(),
  event: v.picklist(ALERT_EVENTS),
  site: WebhookSiteSchema,
  reason: AlertSchema.entries.reason,
  detail: v.string(),
  /** The HTTP status of the check that decided, when there was an answer. */
  status: v.optional(v.number()),
  latencyMs: wholeNumber,
  /** One sentence for people: "Shop is DOWN: http-5xx". */
  summary: v.string(),
  /** When the transition was committed. */
  at: isoTime,
  atMs: wholeNumber,
  /** The first failed check of the outage (DOWN, REMINDER, UP), or when the current condition began. */
  outageSince: isoTime,
  outageSinceMs: wholeNumber,
  /** UP after DOWN: how long the site was down. */
  downtimeMs: v.optional(wholeNumber),
  recoveredFrom: AlertSchema.entries.recoveredFrom,
  maxResponseMs: v.optional(wholeNumber),
  tlsValidTo: v.optional(isoTime),
  tlsValidToMs: v.optional(v.number()),
  afterMaintenanceSince: v.optional(isoTime),
  afterMaintenanceSinceMs: v.optional(wholeNumber),
  /**
   * DOWN and REGIONAL decided by asking other locations (multi-region verification): each location's answer,
   * home first. `outcome` is `up` ({status, latencyMs}), `down` ({reason, detail, status?, latencyMs}) or
   * `no-answer` ({detail}: it counted neither way). Absent when no verifier regions are configured.
   */
  locations: v.optional(v.array(LocationAnswerSchema)),
  /** Alerts that could not be delivered for a while and were folded into this one. */
  missed: v.optional(
    v.object({
      alerts: wholeNumber,
      since: isoTime,
      sinceMs: wholeNumber,
      outages: wholeNumber,
      downMs: wholeNumber,
    }),
  ),
});
export type WebhookAlert = v.InferOutput<typeof WebhookAlertSchema>;

/** Present in every body. */
const envelope = {
  schema: v.literal(WEBHOOK_SCHEMA),
  /** Same on every retry of this notification to this channel (also in X-Squirrel-Delivery). */
  deliveryId: v.string(),
  /** Same for this notification on every channel and retry: the key to deduplicate on. */
  notificationId: v.string(),
  /** When this attempt was signed (retries carry a later time; X-Squirrel-Timestamp is the same instant). */
  sentAt: isoTime,
  sentAtMs: wholeNumber,
};

/** The JSON body of every webhook delivery (`schema`: uptime-squirrel.webhook.v1), one variant per `type`. */
export const WebhookPayloadSchema = v.variant('type', [
  v.object({ ...envelope, type: v.literal('alert'), alert: WebhookAlertSchema }),
  v.object({
    ...envelope,
    type: v.literal('alert-group'),
    group: v.object({
      owner: v.string(),
      /** What the members share. */
      key: v.variant('kind', [
        v.object({ kind: v.literal('reason'), reason: AlertSchema.entries.reason }),
        v.object({ kind: v.literal('host'), host: v.string() }),
      ]),
      /** DOWN alerts confirmed together; each also ends with its own UP. */
      alerts: v.array(WebhookAlertSchema),
      /** Members left out to fit the message size (counted, not listed). */
      omittedAlerts: wholeNumber,
    }),
  }),
  v.object({
    ...envelope,
    type: v.literal('channel-failed'),
    notice: v.object({
      owner: v.string(),
      channelId: v.string(),
      kind: v.picklist(CHANNEL_KINDS),
      label: v.string(),
      at: isoTime,
      atMs: wholeNumber,
      status: v.optional(wholeNumber),
      detail: v.string(),
      alertId: v.string(),
    }),
  }),
  v.object({
    ...envelope,
    type: v.literal('test'),
    test: v.object({ testId: v.string(), owner: v.string(), at: isoTime, atMs: wholeNumber }),
  }),
]);
export type WebhookPayload = v.InferOutput<typeof WebhookPayloadSchema>;

/** The X-Squirrel-Event header: the alert's event, GROUP for grouped DOWN alerts, or the notice's name. */
export function webhookEventOf(notification: Notification): string {
  switch (notification.type) {
    case 'alert':
      return notification.alert.event;
    case 'alert-group':
      return 'GROUP';
    case 'channel-failed':
      return CHANNEL_FAILED_EVENT;
    case 'test':
      return TEST_EVENT;
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The webhook body of a notification, for one delivery attempt made at `nowMs`. */
export function buildWebhookPayload(
  notification: Notification,
  deliveryId: string,
  nowMs: number,
): WebhookPayload {
  const base = {
    schema: WEBHOOK_SCHEMA,
    deliveryId,
    notificationId: notificationIdOf(notification),
    sentAt: iso(nowMs),
    sentAtMs: nowMs,
  } as const;
  switch (notification.type) {
    case 'alert':
      return { ...base, type: 'alert', alert: webhookAlertOf(notification.alert) };
    case 'alert-group': {
      const { owner, key, alerts, omittedAlerts } = notification.group;
      const listed = listWithin(alerts.map(webhookAlertOf), WEBHOOK_GROUP_MAX_BYTES);
      return {
        ...base,
        type: 'alert-group',
        group: { owner, key, alerts: listed, omittedAlerts: omittedAlerts + alerts.length - listed.length },
      };
    }
    case 'channel-failed': {
      const { atMs, ...notice } = notification.notice;
      return { ...base, type: 'channel-failed', notice: { ...notice, at: iso(atMs), atMs } };
    }
    case 'test':
      return {
        ...base,
        type: 'test',
        test: {
          testId: notification.testId,
          owner: notification.owner,
          at: iso(notification.atMs),
          atMs: notification.atMs,
        },
      };
  }
}

/** The first members whose JSON fits in `maxBytes` together (at least one: a group is never empty). */
function listWithin(alerts: readonly WebhookAlert[], maxBytes: number): WebhookAlert[] {
  const listed: WebhookAlert[] = [];
  let bytes = 0;
  for (const alert of alerts) {
    bytes += Buffer.byteLength(JSON.stringify(alert)) + 1;
    if (bytes > maxBytes && listed.length > 0) break;
    listed.push(alert);
  }
  return listed;
}

function webhookAlertOf(alert: Alert): WebhookAlert {
  const isRecoveryFromDown = alert.event === 'UP' && (alert.recoveredFrom ?? 'DOWN') === 'DOWN';
  const optional = <T>(key: string, value: T | undefined) => (value === undefined ? {} : { [key]: value });
  return {
    alertId: alert.alertId,
    event: alert.event,
    site: {
      id: alert.siteId,
      name: truncateText(alert.siteName),
      url: truncateText(alert.url, URL_MAX_CHARS),
      owner: alert.owner,
    },
    reason: alert.reason,
    detail: alert.detail,
    ...optional('status', alert.status),
    latencyMs: alert.latencyMs,
    summary: summaryOf(alert),
    at: iso(alert.atMs),
    atMs: alert.atMs,
    outageSince: iso(alert.outageSinceMs),
    outageSinceMs: alert.outageSinceMs,
    ...optional('downtimeMs', isRecoveryFromDown ? alert.atMs - alert.outageSinceMs : undefined),
    ...optional('recoveredFrom', alert.recoveredFrom),
    ...optional('maxResponseMs', alert.maxResponseMs),
    ...optional('tlsValidTo', alert.tlsValidToMs === undefined ? undefined : iso(alert.tlsValidToMs)),
    ...optional('tlsValidToMs', alert.tlsValidToMs),
    ...optional(
      'afterMaintenanceSince',
      alert.afterMaintenanceSinceMs === undefined ? undefined : iso(alert.afterMaintenanceSinceMs),
    ),
    ...optional('afterMaintenanceSinceMs', alert.afterMaintenanceSinceMs),
    ...optional('locations', alert.locations),
    ...optional(
      'missed',
      alert.missed === undefined ? undefined : { ...alert.missed, since: iso(alert.missed.sinceMs) },
    ),
  };
}
