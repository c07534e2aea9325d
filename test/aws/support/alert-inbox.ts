import { type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import * as v from 'valibot';

// What SNS puts in an SQS message when raw delivery is off: the envelope with the attributes in it.
const NotificationSchema = v.object({
  Type: v.literal('Notification'),
  Subject: v.optional(v.string()),
  Message: v.string(),
  MessageAttributes: v.record(v.string(), v.object({ Type: v.string(), Value: v.string() })),
});

/** One alert as an SQS subscriber of the alerts topic receives it. */
export interface ReceivedAlert {
  readonly event: string;
  readonly siteId: string;
  readonly owner: string;
  readonly subject: string;
  readonly message: string;
  readonly receivedMs: number;
}

// Long polling keeps the loop cheap; short enough that a test waiting on it notices its deadline.
const RECEIVE_WAIT_SECONDS = 1;

/** An SQS queue subscribed to the alerts topic (every alert, no filter): what a subscriber receives. */
export class AlertInbox {
  readonly received: ReceivedAlert[] = [];
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;

  private constructor(sqs: SQSClient, queueUrl: string) {
    this.#sqs = sqs;
    this.#queueUrl = queueUrl;
  }

  static async subscribe(
    sqs: SQSClient,
    sns: SNSClient,
    topicArn: string,
    name: string,
  ): Promise<AlertInbox> {
    const { QueueUrl: queueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    if (queueUrl === undefined) throw new Error(`CreateQueue ${name} returned no URL`);
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const queueArn = Attributes?.QueueArn ?? '';
    // What AWS needs for SNS to deliver (moto does not check it): the topic may send to this queue.
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: queueUrl,
        Attributes: {
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'sns.amazonaws.com' },
                Action: 'sqs:SendMessage',
                Resource: queueArn,
                Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
              },
            ],
          }),
        },
      }),
    );
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn }));
    return new AlertInbox(sqs, queueUrl);
  }

  /** Receives until an alert matching `isWanted` has arrived; every alert received is kept in `received`. */
  async waitFor(isWanted: (alert: ReceivedAlert) => boolean, timeoutMs: number): Promise<ReceivedAlert> {
    const deadlineMs = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(isWanted);
      if (found !== undefined) return found;
      if (Date.now() > deadlineMs) {
        throw new Error(
          `no such alert within ${timeoutMs} ms; received: ${JSON.stringify(this.received.map((a) => a.event))}`,
        );
      }
      await this.receiveOnce();
    }
  }

  /** One long poll; returns how many alerts arrived. */
  async receiveOnce(): Promise<number> {
    const { Messages = [] } = await this.#sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: RECEIVE_WAIT_SECONDS,
      }),
    );
    for (const message of Messages) {
      const notification = v.parse(NotificationSchema, JSON.parse(message.Body ?? ''));
      const attribute = (name: string) => notification.MessageAttributes[name]?.Value ?? '';
      this.received.push({
        event: attribute('event'),
        siteId: attribute('siteId'),
        owner: attribute('owner'),
        subject: notification.Subject ?? '',
        message: notification.Message,
        receivedMs: Date.now(),
      });
    }
    if (Messages.length > 0) {
      await this.#sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#queueUrl,
          Entries: Messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
    }
    return Messages.length;
  }
}
