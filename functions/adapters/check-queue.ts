import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  type BatchSend,
  type BatchSendOptions,
  batchSendOf,
  groupIntoBatches,
  sendBatchRetryingFailed,
} from './sqs-batch-send.ts';

export type CheckQueueOptions = BatchSendOptions;

/** Sends check messages to SQS in batches, retrying the entries SQS reports in `Failed[]`. */
export class CheckQueue {
  readonly #send: BatchSend;

  constructor(sqs: SQSClient, queueUrl: string, options: CheckQueueOptions = {}) {
    this.#send = batchSendOf(sqs, queueUrl, options, 'check messages');
  }

  /**
   * Sends every body (each a message), `delaySeconds` later. Resolves when SQS accepted all of them.
   * @throws QueueSendError when some entries still fail after the retries, naming how many and why.
   */
  async send(bodies: readonly string[], delaySeconds = 0): Promise<void> {
    await Promise.all(
      groupIntoBatches(bodies).map((batch) =>
        sendBatchRetryingFailed(
          this.#send,
          batch.map((body) => ({
            MessageBody: body,
            ...(delaySeconds > 0 ? { DelaySeconds: delaySeconds } : {}),
          })),
        ),
      ),
    );
  }
}
