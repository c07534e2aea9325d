import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { CallDeadline } from './call-deadline.ts';

// SQS caps a batch at 10 entries; 256 KiB keeps the batch within every SQS (and emulator) payload limit.
const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024;

export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 100 };

export class QueueSendError extends Error {
  override name = 'QueueSendError';
}

export interface CheckQueueOptions {
  /** Attempts for the entries SQS reports in `Failed[]`. @default 5 attempts, 100 ms base delay */
  readonly retry?: RetryPolicy;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Bounds each call by the invocation's time left. @default a CallDeadline with only its call limit */
  readonly deadline?: CallDeadline;
}

/** Sends check messages to SQS in batches, retrying the entries SQS reports in `Failed[]`. */
export class CheckQueue {
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;
  readonly #retry: RetryPolicy;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #deadline: CallDeadline;

  constructor(sqs: SQSClient, queueUrl: string, options: CheckQueueOptions = {}) {
    this.#sqs = sqs;
    this.#queueUrl = queueUrl;
    this.#retry = options.retry ?? DEFAULT_RETRY;
    this.#sleep = options.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    this.#deadline = options.deadline ?? new CallDeadline();
  }

  /**
   * Sends every body (each a message), `delaySeconds` later. Resolves when SQS accepted all of them.
   * @throws QueueSendError when some entries still fail after the retries, naming how many and why.
   */
  async send(bodies: readonly string[], delaySeconds = 0): Promise<void> {
    await Promise.all(groupIntoBatches(bodies).map((batch) => this.#sendBatch(batch, delaySeconds)));
  }

  async #sendBatch(bodies: readonly string[], delaySeconds: number): Promise<void> {
    let entries: SendMessageBatchRequestEntry[] = bodies.map((body, index) => ({
      Id: String(index),
      MessageBody: body,
      ...(delaySeconds > 0 ? { DelaySeconds: delaySeconds } : {}),
    }));
    for (let attempt = 1; ; attempt++) {
      const { Failed = [] } = await this.#sqs.send(
        new SendMessageBatchCommand({ QueueUrl: this.#queueUrl, Entries: entries }),
        { abortSignal: this.#deadline.signal() },
      );
      if (Failed.length === 0) return;
      const senderFaults = Failed.filter((failure) => failure.SenderFault);
      if (senderFaults.length > 0 || attempt >= this.#retry.attempts) {
        const first = Failed[0];
        throw new QueueSendError(
          `${Failed.length} of ${entries.length} check messages not accepted after ${attempt} attempt(s): ${first?.Code} ${first?.Message ?? ''}`.trim(),
        );
      }
      const failedIds = new Set(Failed.map((failure) => failure.Id));
      entries = entries.filter((entry) => failedIds.has(entry.Id));
      // Exponential backoff with full jitter: throttled senders should not retry in lockstep.
      await this.#sleep(Math.random() * this.#retry.baseDelayMs * 2 ** (attempt - 1));
    }
  }
}

/** Groups bodies into SendMessageBatch-sized groups by count and total bytes. */
export function groupIntoBatches(bodies: readonly string[]): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let currentBytes = 0;
  for (const body of bodies) {
    const bytes = Buffer.byteLength(body);
    if (
      current.length === MAX_BATCH_ENTRIES ||
      (current.length > 0 && currentBytes + bytes > MAX_BATCH_BYTES)
    ) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(body);
    currentBytes += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
