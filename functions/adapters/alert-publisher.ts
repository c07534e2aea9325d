import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Alert } from '../domain/alert.ts';
import { type AlertGroup, formatAlertGroup, GROUP_SITE_ID } from '../domain/alert-group.ts';
import { type AlertMessage, formatAlert } from '../domain/alert-message.ts';
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

export interface AlertPublisherOptions {
  /** Bounds each call by the invocation's time left. @default a CallDeadline with only its call limit */
  readonly deadline?: CallDeadline;
}

/** Publishes alerts to the SNS topic: one text per protocol, attributes for per-owner filter policies. */
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
    await this.#send(formatAlert(alert), { owner: alert.owner, siteId: alert.siteId, event: alert.event });
  }

  /**
   * Publishes several DOWN alerts of one owner as one message. `owner` is the members' owner (a group never
   * spans owners), so per-owner filter policies receive it exactly as they would each member; `event` is
   * DOWN; `siteId` is `*group*`, which names no site, so a policy on one siteId does not receive groups.
   * Resolves once SNS accepted it; rejects when it did not (every member then stays in its own outbox).
   */
  async publishGroup(group: AlertGroup): Promise<void> {
    await this.#send(formatAlertGroup(group), { owner: group.owner, siteId: GROUP_SITE_ID, event: 'DOWN' });
  }

  async #send(
    message: AlertMessage,
    attributes: Readonly<Record<'owner' | 'siteId' | 'event', string>>,
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
          ...SMS_TYPE_ATTRIBUTE,
        },
      }),
      { abortSignal: this.#deadline.signal() },
    );
  }
}
