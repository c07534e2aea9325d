import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Alert } from '../domain/alert.ts';
import { formatAlert } from '../domain/alert-message.ts';

/** Publishes alerts to the SNS topic: one text per protocol, attributes for per-owner filter policies. */
export class AlertPublisher {
  readonly #sns: SNSClient;
  readonly #topicArn: string;

  constructor(sns: SNSClient, topicArn: string) {
    this.#sns = sns;
    this.#topicArn = topicArn;
  }

  /** Resolves once SNS accepted the alert; rejects (after the SDK's own retries) when it did not. */
  async publish(alert: Alert): Promise<void> {
    const message = formatAlert(alert);
    await this.#sns.send(
      new PublishCommand({
        TopicArn: this.#topicArn,
        Subject: message.subject,
        MessageStructure: 'json',
        Message: JSON.stringify({ default: message.default, email: message.email, sms: message.sms }),
        MessageAttributes: {
          owner: { DataType: 'String', StringValue: alert.owner },
          siteId: { DataType: 'String', StringValue: alert.siteId },
          event: { DataType: 'String', StringValue: alert.event },
        },
      }),
    );
  }
}
