import { createHash } from 'node:crypto';
import type { SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import * as v from 'valibot';
import { type DeliveryMessage, DeliveryMessageSchema } from '../domain/channels/delivery-message.ts';
import {
  type BatchSend,
  type BatchSendOptions,
  batchSendOf,
  groupIntoBatches,
  sendBatchRetryingFailed,
} from './sqs-batch-send.ts';

/** SQS's largest message: a delivery that would not fit is refused here, by name, not by SQS. */
export const MAX_DELIVERY_MESSAGE_BYTES = 256 * 1024;

/** A delivery message that is not valid or too big: a bug in the dispatcher, never sent. */
export class InvalidDeliveryMessageError extends Error {
  override name = 'InvalidDeliveryMessageError';
  readonly code = 'INVALID_DELIVERY_MESSAGE';
}

export type DeliveryQueueOptions = BatchSendOptions;

/** The deduplication id of a delivery: FIFO queues take at most 128 characters, a delivery id may be longer. */
export const deduplicationIdOf = (deliveryId: string): string =>
  createHash('sha256').update(deliveryId).digest('hex');

/**
 * Sends delivery messages to the FIFO deliveries queue: message group = the channel (a channel's deliveries
 * arrive in order, and a channel that is failing holds back only its own), deduplication id = a hash of the
 * delivery id (a notification dispatched twice within SQS's 5-minute window is queued once).
 */
export class DeliveryQueue {
  readonly #send: BatchSend;

  constructor(sqs: SQSClient, queueUrl: string, options: DeliveryQueueOptions = {}) {
    this.#send = batchSendOf(sqs, queueUrl, options, 'delivery messages');
  }

  /**
   * Queues every message, in order. Resolves when SQS accepted all of them. @throws InvalidDeliveryMessageError
   * before sending anything when one is invalid or too big; QueueSendError when some are still refused after
   * the retries.
   */
  async send(messages: readonly DeliveryMessage[]): Promise<void> {
    const entries = messages.map(toEntry);
    const batches = groupIntoBatches(entries.map((entry) => entry.MessageBody ?? ''));
    let next = 0;
    // One batch after another: batches in parallel could queue a channel's later delivery before an earlier one.
    for (const batch of batches) {
      await sendBatchRetryingFailed(this.#send, entries.slice(next, next + batch.length));
      next += batch.length;
    }
  }
}

function toEntry(message: DeliveryMessage): Omit<SendMessageBatchRequestEntry, 'Id'> {
  const parsed = v.safeParse(DeliveryMessageSchema, message);
  if (!parsed.success) {
    const problems = parsed.issues.map((issue) => `${v.getDotPath(issue) ?? '(message)'}: ${issue.message}`);
    throw new InvalidDeliveryMessageError(
      `delivery ${String(message.deliveryId)} is not a valid delivery message: ${problems.slice(0, 5).join('; ')}`,
    );
  }
  const body = JSON.stringify(parsed.output);
  const bytes = Buffer.byteLength(body);
  if (bytes > MAX_DELIVERY_MESSAGE_BYTES) {
    throw new InvalidDeliveryMessageError(
      `delivery ${message.deliveryId} is ${bytes} bytes, SQS takes at most ${MAX_DELIVERY_MESSAGE_BYTES}`,
    );
  }
  return {
    MessageBody: body,
    MessageGroupId: message.channelId,
    MessageDeduplicationId: deduplicationIdOf(message.deliveryId),
  };
}
