import type { SQSRecord } from 'aws-lambda';
import * as v from 'valibot';
import { DELIVERY_TIMEOUT_MS } from '../adapters/channel-http.ts';
import type { DeliveryRetryQueue } from '../adapters/delivery-retry-queue.ts';
import type { Logger } from '../adapters/logger.ts';
import { type DeliveryMessage, DeliveryMessageSchema } from '../domain/channels/delivery-message.ts';
import { type DeliveryAttempt, type DeliveryDeps, processDelivery } from './channel-delivery.ts';

/**
 * One invocation of the channel deliverer over a batch of the FIFO deliveries queue: each message group (a
 * channel) in order, groups side by side. A delivery to retry is held back on the queue for its backoff and
 * reported failed, with every later message of its group in the batch (made visible again: see releaseHeldBack), so a channel's alerts never
 * overtake each other; one past its retry window is parked on the dead-letter queue.
 */

export interface DeliveryBatchDeps extends DeliveryDeps {
  readonly queue: Pick<DeliveryRetryQueue, 'postpone' | 'park'>;
  /** For what is not a delivery attempt: malformed messages, failed calls, the batch's summary. */
  readonly logger: Logger;
}

export interface DeliveryBatchOptions {
  /** When the invocation must have returned (ms since epoch): no delivery is started that could outlast it. */
  readonly deadlineMs: number;
}

export interface DeliveryBatchReport {
  /** Messages SQS must deliver again (their batchItemFailures). */
  readonly failedMessageIds: readonly string[];
  readonly delivered: number;
  readonly skipped: number;
  readonly rejected: number;
  readonly dropped: number;
  readonly retried: number;
  readonly parked: number;
  readonly malformed: number;
  /** Later messages of a group held back behind a retry or a failure, or for lack of time. */
  readonly heldBack: number;
  /** The table, SNS or SQS failed: the message comes back after its visibility timeout. */
  readonly faults: number;
}

/** Time a delivery may take after it starts (its POSTs' deadline) plus the queue calls after it. */
export const DELIVERY_START_MARGIN_MS = DELIVERY_TIMEOUT_MS + 3_000;

type Count = Exclude<keyof DeliveryBatchReport, 'failedMessageIds'>;

/** Processes the batch; never throws (a message that cannot be handled is reported failed). */
export async function processDeliveryBatch(
  records: readonly SQSRecord[],
  deps: DeliveryBatchDeps,
  options: DeliveryBatchOptions,
): Promise<DeliveryBatchReport> {
  const failed: string[] = [];
  const counts: Record<Count, number> = {
    delivered: 0,
    skipped: 0,
    rejected: 0,
    dropped: 0,
    retried: 0,
    parked: 0,
    malformed: 0,
    heldBack: 0,
    faults: 0,
  };
  const fail = (record: SQSRecord, count: Count) => {
    failed.push(record.messageId);
    counts[count] += 1;
  };

  const processGroup = async (group: readonly SQSRecord[]) => {
    let isHeld = false;
    const heldBack: SQSRecord[] = [];
    for (const record of group) {
      if (isHeld || deps.nowMs() + DELIVERY_START_MARGIN_MS > options.deadlineMs) {
        fail(record, 'heldBack');
        heldBack.push(record);
        continue;
      }
      const message = parseRecord(record, deps.logger);
      if (message === undefined) {
        // It will never parse: it fails alone (redrive takes it to the DLQ) and holds nothing back.
        fail(record, 'malformed');
        continue;
      }
      const isDone = await processRecord(record, message, deps, fail, counts);
      if (!isDone) isHeld = true;
    }
    await releaseHeldBack(heldBack, deps);
  };

  await Promise.all([...groupsOf(records).values()].map(processGroup));
  const report: DeliveryBatchReport = { failedMessageIds: failed, ...counts };
  deps.logger.info('delivery batch', { records: records.length, ...counts });
  return report;
}

/**
 * Makes the messages held back behind a retry visible again at once. Left alone, they would stay in flight for the
 * queue's whole visibility timeout (2 x the deliverer's) and, since SQS hands out nothing more of a FIFO group
 * while any of its messages is in flight, keep the retried message from coming back after its 30 s backoff. The
 * group stays locked by the retried message while it waits, so the order holds. Best effort: a failure only
 * means the longer wait.
 */
async function releaseHeldBack(records: readonly SQSRecord[], deps: DeliveryBatchDeps): Promise<void> {
  for (const record of records) {
    try {
      await deps.queue.postpone(record.receiptHandle, 0);
    } catch (error) {
      deps.logger.warn('held-back delivery not released', {
        messageId: record.messageId,
        error: describe(error),
      });
    }
  }
}

/** Processes one parsed message; false when it must come back (and hold back the rest of its group). */
async function processRecord(
  record: SQSRecord,
  message: DeliveryMessage,
  deps: DeliveryBatchDeps,
  fail: (record: SQSRecord, count: Count) => void,
  counts: Record<Count, number>,
): Promise<boolean> {
  const where = { messageId: record.messageId, deliveryId: message.deliveryId, channelId: message.channelId };
  try {
    const processed = await processDelivery(message, deps, attemptOf(record, deps.nowMs()));
    switch (processed.action) {
      case 'done':
        counts[processed.outcome] += 1;
        return true;
      case 'retry':
        fail(record, 'retried');
        try {
          await deps.queue.postpone(record.receiptHandle, processed.delayMs);
        } catch (error) {
          // It still comes back, after the queue's visibility timeout instead of its backoff.
          deps.logger.warn('delivery retry not scheduled', { ...where, error: describe(error) });
        }
        return false;
      case 'park': {
        const attributes = record.attributes as SQSRecord['attributes'] & { MessageDeduplicationId?: string };
        await deps.queue.park(
          {
            body: record.body,
            groupId: attributes.MessageGroupId ?? message.channelId,
            deduplicationId: attributes.MessageDeduplicationId ?? record.messageId,
          },
          `${processed.reason}: ${processed.detail}`,
        );
        counts.parked += 1;
        return true;
      }
    }
  } catch (error) {
    deps.logger.error('delivery failed', { ...where, error: describe(error) });
    fail(record, 'faults');
    return false;
  }
}

/** Records by message group, each group in the order received (SQS hands a group's messages over in order). */
function groupsOf(records: readonly SQSRecord[]): Map<string, SQSRecord[]> {
  const groups = new Map<string, SQSRecord[]>();
  for (const record of records) {
    // A standard queue (or a record without a group) is a group of its own.
    const groupId = record.attributes.MessageGroupId ?? `message:${record.messageId}`;
    const group = groups.get(groupId);
    if (group === undefined) groups.set(groupId, [record]);
    else group.push(record);
  }
  return groups;
}

function parseRecord(record: SQSRecord, logger: Logger): DeliveryMessage | undefined {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    logger.warn('malformed delivery message', { messageId: record.messageId, problem: 'not JSON' });
    return undefined;
  }
  const parsed = v.safeParse(DeliveryMessageSchema, json);
  if (parsed.success) return parsed.output;
  // Where it is wrong, not what it holds.
  const problem = parsed.issues
    .slice(0, 3)
    .map((issue) => `${v.getDotPath(issue) ?? '(root)'}: ${issue.expected ?? issue.kind}`)
    .join('; ');
  logger.warn('malformed delivery message', { messageId: record.messageId, problem });
  return undefined;
}

/** The attempt as SQS counts it: ApproximateReceiveCount, from ApproximateFirstReceiveTimestamp. */
function attemptOf(record: SQSRecord, nowMs: number): DeliveryAttempt {
  const receiveCount = Number(record.attributes.ApproximateReceiveCount);
  const firstReceivedMs = Number(record.attributes.ApproximateFirstReceiveTimestamp);
  return {
    number: Number.isInteger(receiveCount) && receiveCount >= 1 ? receiveCount : 1,
    firstReceivedMs: Number.isFinite(firstReceivedMs) && firstReceivedMs > 0 ? firstReceivedMs : nowMs,
  };
}

// The error's name and code only: a message could quote what a call carried.
const describe = (error: unknown): string => {
  if (!(error instanceof Error)) return 'unknown error';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${error.name} (${code})` : error.name;
};
