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

/** What a queue adapter (checks, deliveries) lets its caller set about its sends. */
export interface BatchSendOptions {
  /** Attempts for the entries SQS reports in `Failed[]`. @default 5 attempts, 100 ms base delay */
  readonly retry?: RetryPolicy;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Bounds each call by the invocation's time left. @default a CallDeadline with only its call limit */
  readonly deadline?: CallDeadline;
}

export class QueueSendError extends Error {
  override name = 'QueueSendError';
}

export interface BatchSend {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly retry: RetryPolicy;
  readonly sleep: (ms: number) => Promise<void>;
  readonly deadline: CallDeadline;
  /** What the messages are, for the error ("check messages", "delivery messages"). */
  readonly what: string;
}

/** The sends of one queue, with the options' defaults filled in. */
export const batchSendOf = (
  sqs: SQSClient,
  queueUrl: string,
  options: BatchSendOptions,
  what: string,
): BatchSend => ({
  sqs,
  queueUrl,
  retry: options.retry ?? DEFAULT_RETRY,
  sleep: options.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
  deadline: options.deadline ?? new CallDeadline(),
  what,
});

/**
 * One SendMessageBatch of at most 10 entries (their Ids are set here), retrying the entries SQS reports in
 * `Failed[]` with jittered exponential backoff. A sender fault is not retried (it would fail again). Resolves when
 * SQS accepted every entry. @throws QueueSendError naming how many were refused and why.
 */
export async function sendBatchRetryingFailed(
  send: BatchSend,
  batch: readonly Omit<SendMessageBatchRequestEntry, 'Id'>[],
): Promise<void> {
  let entries: SendMessageBatchRequestEntry[] = batch.map((entry, index) => ({
    ...entry,
    Id: String(index),
  }));
  for (let attempt = 1; ; attempt++) {
    const { Failed = [] } = await send.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: send.queueUrl, Entries: entries }),
      { abortSignal: send.deadline.signal() },
    );
    if (Failed.length === 0) return;
    const senderFaults = Failed.filter((failure) => failure.SenderFault);
    if (senderFaults.length > 0 || attempt >= send.retry.attempts) {
      const first = senderFaults[0] ?? Failed[0];
      throw new QueueSendError(
        `${Failed.length} of ${entries.length} ${send.what} not accepted after ${attempt} attempt(s): ${first?.Code} ${first?.Message ?? ''}`.trim(),
      );
    }
    const failedIds = new Set(Failed.map((failure) => failure.Id));
    entries = entries.filter((entry) => failedIds.has(entry.Id));
    // Exponential backoff with full jitter: throttled senders should not retry in lockstep.
    await send.sleep(Math.random() * send.retry.baseDelayMs * 2 ** (attempt - 1));
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
