import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Alert } from '../domain/alert.ts';
import { type AlertGroup, formatAlertGroup, GROUP_SITE_ID, groupEventOf } from '../domain/alert-group.ts';
import { type AlertMessage, formatAlert } from '../domain/alert-message.ts';
import { formatNotice, type Notice } from '../domain/channels/notice-message.ts';
import {
  CHANNEL_FAILED_EVENT,
  NOTIFICATION_ATTRIBUTE,
  NOTIFICATION_ATTRIBUTE_MAX_BYTES,
  type Notification,
  type NotificationGroup,
  TEST_EVENT,
} from '../domain/channels/notification.ts';
import { CallDeadline } from './call-deadline.ts';

/**
 * SNS's per-publish SMS type (https://docs.aws.amazon.com/sns/latest/dg/sms_sending-overview.html): an outage
 * alert is time-critical, so it goes as Transactional (routed for reliability) instead of the account's default,
 * which is Promotional (routed for cost) unless someone changed it. Set here, on the publish, rather than with
 * SetSMSAttributes, because the account default belongs to every app in the account.
 */
export const SMS_TYPE_ATTRIBUTE = {
  'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
} as const;

/** The `siteId` attribute of the notices: names no site (site ids are lowercase, no `*`), like `*group*`. */
export const CHANNEL_FAILED_SITE_ID = '*channel*';
export const TEST_SITE_ID = '*test*';

export interface AlertPublisherOptions {
  /** Bounds each call by the invocation's time left. @default a CallDeadline with only its call limit */
  readonly deadline?: CallDeadline;
}

/**
 * Publishes alerts to the SNS topic: one text per protocol, attributes for per-owner filter policies, and the
 * `notification` attribute (JSON Notification) that the channel dispatcher's subscription reads.
 */
export class AlertPublisher {
  readonly #sns: SNSClient;
  readonly #topicArn: string;
  readonly #deadline: CallDeadline;

  constructor(sns: SNSClient, topicArn: string, options: AlertPublisherOptions = {}) {
    this.#sns = sns;
    this.#topicArn = topicArn;
    this.#deadline = options.deadline ?? new CallDeadline();
  }

  /** Resolves once SNS accepted the alert; rejects (after the SDK's own retries) when it did not. */
  async publish(alert: Alert): Promise<void> {
    await this.#send(
      formatAlert(alert),
      { owner: alert.owner, siteId: alert.siteId, event: alert.event },
      { type: 'alert', alert },
    );
  }

  /**
   * Publishes several DOWN (or several REGIONAL) alerts of one owner as one message. `owner` is the members'
   * owner (a group never spans owners), so per-owner filter policies receive it exactly as they would each
   * member; `event` is the members' event (a policy on DOWN never receives a REGIONAL group); `siteId` is
   * `*group*`, which names no site, so a policy on one siteId does not receive groups.
   * Resolves once SNS accepted it; rejects when it did not (every member then stays in its own outbox).
   */
  async publishGroup(group: AlertGroup): Promise<void> {
    await this.#send(
      formatAlertGroup(group),
      { owner: group.owner, siteId: GROUP_SITE_ID, event: groupEventOf(group) },
      { type: 'alert-group', group: fitGroup(group) },
    );
  }

  /**
   * Publishes a notice that is not a site alert: a channel that failed for good (`siteId` `*channel*`, event
   * CHANNEL_FAILED), or a `squirrel notify-test` run (`*test*`, TEST), to the owner's email, SMS and channels.
   * Resolves once SNS accepted it.
   */
  async publishNotice(notice: Notice): Promise<void> {
    const isChannelFailed = notice.type === 'channel-failed';
    await this.#send(
      formatNotice(notice),
      {
        owner: isChannelFailed ? notice.notice.owner : notice.owner,
        siteId: isChannelFailed ? CHANNEL_FAILED_SITE_ID : TEST_SITE_ID,
        event: isChannelFailed ? CHANNEL_FAILED_EVENT : TEST_EVENT,
      },
      notice,
    );
  }

  async #send(
    message: AlertMessage,
    attributes: Readonly<Record<'owner' | 'siteId' | 'event', string>>,
    notification: Notification,
  ): Promise<void> {
    await this.#sns.send(
      new PublishCommand({
        TopicArn: this.#topicArn,
        Subject: message.subject,
        MessageStructure: 'json',
        Message: JSON.stringify({ default: message.default, email: message.email, sms: message.sms }),
        MessageAttributes: {
          ...Object.fromEntries(
            Object.entries(attributes).map(([name, value]) => [
              name,
              { DataType: 'String', StringValue: value },
            ]),
          ),
          [NOTIFICATION_ATTRIBUTE]: { DataType: 'String', StringValue: JSON.stringify(notification) },
          ...SMS_TYPE_ATTRIBUTE,
        },
      }),
      { abortSignal: this.#deadline.signal() },
    );
  }
}

/** What the `notification` attribute costs against SNS's message size: its name, data type and value, in bytes. */
export const notificationAttributeBytes = (value: string): number =>
  Buffer.byteLength(NOTIFICATION_ATTRIBUTE) + Buffer.byteLength('String') + Buffer.byteLength(value);

/**
 * A group as the notification carries it: its first members while the whole attribute stays within
 * NOTIFICATION_ATTRIBUTE_MAX_BYTES, the others counted in `omittedAlerts` (the email still lists them). At
 * least one member stays: a single alert is bounded far below the budget.
 */
export function fitGroup(group: AlertGroup): NotificationGroup {
  const sizeWith = (kept: number): number =>
    notificationAttributeBytes(
      JSON.stringify({
        type: 'alert-group',
        group: { ...group, alerts: group.alerts.slice(0, kept), omittedAlerts: group.alerts.length - kept },
      } satisfies Notification),
    );
  // The largest prefix that fits: sizes grow with the prefix, so a binary search finds it in log2(n) renders.
  let fits = 1;
  let tooBig = group.alerts.length + 1;
  while (tooBig - fits > 1) {
    const middle = Math.floor((fits + tooBig) / 2);
    if (sizeWith(middle) <= NOTIFICATION_ATTRIBUTE_MAX_BYTES) fits = middle;
    else tooBig = middle;
  }
  return { ...group, alerts: group.alerts.slice(0, fits), omittedAlerts: group.alerts.length - fits };
}
