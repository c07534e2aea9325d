import * as v from 'valibot';
import { AlertSchema } from '../alert.ts';
import { boundedText, wholeNumber } from '../schema-parts.ts';
import { CHANNEL_ID_PATTERN, CHANNEL_KINDS } from './channel.ts';

/**
 * The SNS message attribute that carries a Notification (JSON) next to the email and SMS texts: the channel
 * dispatcher's subscription reads it; email and SMS subscribers never see attributes.
 */
export const NOTIFICATION_ATTRIBUTE = 'notification';
/**
 * The attribute's budget: SNS caps a whole message at 256 KiB and a group's default + email texts take up to
 * 192 KiB (alert-group.ts). A group that does not fit keeps its first members and counts the rest.
 */
export const NOTIFICATION_ATTRIBUTE_MAX_BYTES = 48 * 1024;

/** `event` attribute values of the two notices that are not site alerts. */
export const CHANNEL_FAILED_EVENT = 'CHANNEL_FAILED';
export const TEST_EVENT = 'TEST';

const AlertGroupSchema = v.object({
  owner: v.string(),
  key: v.variant('kind', [
    // The alerts' own reason field: a group's key is typed from it (alert-group.ts GroupKey).
    v.object({ kind: v.literal('reason'), reason: AlertSchema.entries.reason }),
    v.object({ kind: v.literal('host'), host: v.string() }),
  ]),
  alerts: v.pipe(v.array(AlertSchema), v.minLength(1)),
  /** Members left out to fit the attribute budget (their own outboxes were cleared: they are counted, not lost). */
  omittedAlerts: wholeNumber,
});

/** A channel answered a permanent failure: told once to its owner's other channels (and email/SMS). */
const ChannelFailedSchema = v.object({
  owner: v.string(),
  channelId: v.pipe(v.string(), v.regex(CHANNEL_ID_PATTERN)),
  kind: v.picklist(CHANNEL_KINDS),
  /** The failed channel's masked label. */
  label: boundedText,
  atMs: wholeNumber,
  /** HTTP status it answered; absent for a refused address or a connection that never answered. */
  status: v.optional(wholeNumber),
  detail: boundedText,
  /** The alert that could not be delivered to it. */
  alertId: v.string(),
});

/** Everything a channel can be sent: a site alert, a grouped DOWN alert, or one of the two notices. */
export const NotificationSchema = v.variant('type', [
  v.object({ type: v.literal('alert'), alert: AlertSchema }),
  v.object({ type: v.literal('alert-group'), group: AlertGroupSchema }),
  v.object({ type: v.literal('channel-failed'), notice: ChannelFailedSchema }),
  v.object({
    type: v.literal('test'),
    owner: v.string(),
    atMs: wholeNumber,
    /** Unique per `squirrel notify-test` run. */
    testId: v.pipe(v.string(), v.maxLength(64)),
  }),
]);
export type Notification = Readonly<v.InferOutput<typeof NotificationSchema>>;
export type NotificationGroup = Extract<Notification, { type: 'alert-group' }>['group'];
export type ChannelFailedNotice = Extract<Notification, { type: 'channel-failed' }>['notice'];

/** The owner whose channels receive it (a group never spans owners). */
export function ownerOfNotification(notification: Notification): string {
  switch (notification.type) {
    case 'alert':
      return notification.alert.owner;
    case 'alert-group':
      return notification.group.owner;
    case 'channel-failed':
      return notification.notice.owner;
    case 'test':
      return notification.owner;
  }
}

/**
 * Unique per notification and stable across retries and duplicate deliveries: receivers deduplicate on it
 * (webhook `alertId`, FIFO deduplication with the channel id). A group is named by its first member's alert.
 */
export function notificationIdOf(notification: Notification): string {
  switch (notification.type) {
    case 'alert':
      return notification.alert.alertId;
    case 'alert-group':
      return `group:${notification.group.alerts[0]?.alertId ?? ''}`;
    case 'channel-failed':
      return `channel-failed:${notification.notice.channelId}:${notification.notice.atMs}`;
    case 'test':
      return `test:${notification.testId}`;
  }
}
