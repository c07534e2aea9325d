import type { SQSClient } from '@aws-sdk/client-sqs';
import { CallDeadline } from './call-deadline.ts';
import {
  type BatchSend,
  DEFAULT_RETRY,
  groupIntoBatches,
  type RetryPolicy,
  sendBatchRetryingFailed,
  sleepMs,
} from './sqs-batch-send.ts';

export interface CheckQueueOptions {
  /** Attempts for the entries SQS reports in `Failed[]`. @default 5 attempts, 100 ms base delay */
  readonly retry?: RetryPolicy;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Bounds each call by the invocation's time left. @default a CallDeadline with only its call limit */
  readonly deadline?: CallDeadline;
}

/** Sends check messages to SQS in batches, retrying the entries SQS reports in `Failed[]`. */
export class CheckQueue {
  readonly #send: BatchSend;

  constructor(sqs: SQSClient, queueUrl: string, options: CheckQueueOptions = {}) {
    this.#send = {
      sqs,
      queueUrl,
      retry: options.retry ?? DEFAULT_RETRY,
      sleep: options.sleep ?? sleepMs,
      deadline: options.deadline ?? new CallDeadline(),
      what: 'check messages',
    };
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
