import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { truncateText } from '../domain/schema-parts.ts';
import { CallDeadline } from './call-deadline.ts';

/** The message attribute that says why a delivery was parked on the dead-letter queue. */
export const PARKED_REASON_ATTRIBUTE = 'parkedReason';
/** SQS's longest visibility timeout (12 hours): no backoff comes near it, but a bug must not fail the call. */
export const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;
// Enough for the reason and the last failure's detail; far under SQS's 256 KiB message limit.
const MAX_REASON_CHARS = 1_000;

/** A delivery to park, as it was received from the deliveries queue (FIFO). */
export interface ParkedDelivery {
  /** The message body as received: redriving it later delivers it as it was. */
  readonly body: string;
  /** The channel id: parked deliveries of a channel stay in order. */
  readonly groupId: string;
  readonly deduplicationId: string;
}

export interface DeliveryRetryQueueOptions {
  /** Bounds each call by the invocation's time left. @default a CallDeadline with only its call limit */
  readonly deadline?: CallDeadline;
}

/**
 * What the deliverer does to a delivery that failed for now: hold it back on the deliveries queue for its
 * backoff (ChangeMessageVisibility), or park it on the dead-letter queue when its retry window is over.
 */
export class DeliveryRetryQueue {
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;
  readonly #deadLetterQueueUrl: string;
  readonly #deadline: CallDeadline;

  constructor(
    sqs: SQSClient,
    queueUrl: string,
    deadLetterQueueUrl: string,
    options: DeliveryRetryQueueOptions = {},
  ) {
    this.#sqs = sqs;
    this.#queueUrl = queueUrl;
    this.#deadLetterQueueUrl = deadLetterQueueUrl;
    this.#deadline = options.deadline ?? new CallDeadline();
  }

  /** Makes the received message visible again after `delayMs` (rounded up to whole seconds). */
  async postpone(receiptHandle: string, delayMs: number): Promise<void> {
    const seconds = Math.min(MAX_VISIBILITY_TIMEOUT_SECONDS, Math.max(0, Math.ceil(delayMs / 1_000)));
    await this.#sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.#queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: seconds,
      }),
      { abortSignal: this.#deadline.signal() },
    );
  }

  /** Sends the delivery to the dead-letter queue with why; resolves once SQS accepted it. */
  async park(delivery: ParkedDelivery, reason: string): Promise<void> {
    await this.#sqs.send(
      new SendMessageCommand({
        QueueUrl: this.#deadLetterQueueUrl,
        MessageBody: delivery.body,
        MessageGroupId: delivery.groupId,
        MessageDeduplicationId: delivery.deduplicationId,
        MessageAttributes: {
          [PARKED_REASON_ATTRIBUTE]: {
            DataType: 'String',
            StringValue: truncateText(reason, MAX_REASON_CHARS),
          },
        },
      }),
      { abortSignal: this.#deadline.signal() },
    );
  }
}
