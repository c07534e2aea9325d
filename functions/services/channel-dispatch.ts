import type { SQSRecord } from 'aws-lambda';
import type { ChannelStore } from '../adapters/channel-store.ts';
import type { DeliveryQueue } from '../adapters/delivery-queue.ts';
import type { Logger } from '../adapters/logger.ts';
import { readNotificationRecord } from '../adapters/notification-envelope.ts';
import type { Channel } from '../domain/channels/channel.ts';
import { type DeliveryMessage, deliveryIdOf } from '../domain/channels/delivery-message.ts';
import { type Notification, notificationIdOf, ownerOfNotification } from '../domain/channels/notification.ts';

export interface DispatchDeps {
  readonly store: Pick<ChannelStore, 'listForOwner'>;
  readonly queue: Pick<DeliveryQueue, 'send'>;
  readonly log: Logger;
  readonly nowMs: () => number;
}

export interface DispatchReport {
  /** Records to come back (then, after five receives, to the dispatch DLQ): each failed alone. */
  readonly failedMessageIds: readonly string[];
}

/**
 * One delivery per channel that receives the notification: the owner's channels and those of every owner,
 * except the channel a channel-failed notice is about (it would only fail again). A PagerDuty channel gets a
 * grouped DOWN as one delivery per member (each its own alert): PagerDuty takes one event per request, so a group
 * of 150 sites as one delivery would be 150 POSTs that a rate limit or the invocation's time could cut part-way,
 * and its retry would start again at the first member. Per member, each is retried on its own, in order.
 */
export function planDeliveries(
  notification: Notification,
  channels: readonly Channel[],
  nowMs: number,
): DeliveryMessage[] {
  const failedChannelId = notification.type === 'channel-failed' ? notification.notice.channelId : undefined;
  const deliveryOf = (channel: Channel, one: Notification): DeliveryMessage => ({
    version: 1,
    deliveryId: deliveryIdOf(notificationIdOf(one), channel.channelId),
    owner: channel.owner,
    channelId: channel.channelId,
    kind: channel.kind,
    notification: one,
    dispatchedAtMs: nowMs,
  });
  return channels
    .filter((channel) => channel.channelId !== failedChannelId)
    .flatMap((channel) =>
      channel.kind === 'pagerduty' && notification.type === 'alert-group'
        ? notification.group.alerts.map((alert) => deliveryOf(channel, { type: 'alert', alert }))
        : [deliveryOf(channel, notification)],
    );
}

/**
 * Reads each record's notification and queues one delivery per channel. A record fails alone: one whose
 * notification is invalid, or whose channels could not be listed or deliveries queued; a record that is not a
 * notification (an alarm on the topic) is logged and done.
 */
export async function dispatchRecords(
  records: readonly SQSRecord[],
  deps: DispatchDeps,
): Promise<DispatchReport> {
  const outcomes = await Promise.all(
    records.map(async (record) => {
      try {
        await dispatchRecord(record, deps);
        return undefined;
      } catch (error) {
        deps.log.error('dispatch failed', {
          messageId: record.messageId,
          error: (error as Error).name,
          detail: (error as Error).message,
        });
        return record.messageId;
      }
    }),
  );
  return { failedMessageIds: outcomes.filter((id) => id !== undefined) };
}

async function dispatchRecord(record: SQSRecord, deps: DispatchDeps): Promise<void> {
  const contents = readNotificationRecord(record);
  if (contents.kind === 'not-ours') {
    deps.log.info('not a notification', { messageId: record.messageId, why: contents.why });
    return;
  }
  const { notification } = contents;
  if (notification.type === 'test') {
    // `squirrel notify-test` delivers its test to each channel itself and reports each outcome; the copy it
    // publishes is for the email and SMS subscribers only. Delivering it here too would test channels twice.
    deps.log.info('test notice left to notify-test', {
      messageId: record.messageId,
      owner: notification.owner,
    });
    return;
  }
  const channels = await deps.store.listForOwner(ownerOfNotification(notification));
  const deliveries = planDeliveries(notification, channels, deps.nowMs());
  if (deliveries.length > 0) await deps.queue.send(deliveries);
  deps.log.info('dispatched', {
    messageId: record.messageId,
    notificationId: notificationIdOf(notification),
    type: notification.type,
    owner: ownerOfNotification(notification),
    deliveries: deliveries.length,
    channelIds: deliveries.map((delivery) => delivery.channelId),
  });
}
