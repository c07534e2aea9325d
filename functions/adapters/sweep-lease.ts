import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { RESERVED_KEY_PREFIX } from './site-item.ts';

// The sweep lease items on the sites table: their keys, the conditional writes on them, and what the fan-out
// reads back. SiteStore sends the writes.

/** A scan position (a LastEvaluatedKey), as the document client returns it. */
export type ScanKey = Readonly<Record<string, unknown>>;

/** How far one segment of a scan got: not started, through the page that ended at `after`, or to its end. */
export type SegmentProgress = 'start' | 'done' | { readonly after: ScanKey };

/** A sweep lease item the scan passed: one minute's (`#sweep#<minute>`), or the single one of earlier versions. */
export type SweepLeaseItem =
  | { readonly kind: 'minute'; readonly minute: number }
  | { readonly kind: 'legacy' };

/** The item of one minute's sweep lease: who holds it, until when, and how far its scan got. */
export const sweepLeaseKey = (minute: number): string => `${RESERVED_KEY_PREFIX}sweep#${minute}`;
const MINUTE_LEASE_KEY = new RegExp(`^${RESERVED_KEY_PREFIX}sweep#(\\d+)$`);
/** The single lease item of earlier versions (its `minute` was the last minute swept): deleted when seen. */
export const LEGACY_SWEEP_LEASE_KEY = `${RESERVED_KEY_PREFIX}sweep`;

/** A minute's sweep lease this invocation holds. */
export interface SweepLease {
  readonly minute: number;
  /** When the lease expires; also the holder's token: progress and completion are written only while it holds. */
  readonly leaseUntilMs: number;
  /** What a crashed run of the same minute recorded as sent, per segment; empty when nobody swept it before. */
  readonly progress: readonly SegmentProgress[];
}

/** What a refused acquire lost to. */
export interface SweepHolder {
  readonly completed: boolean;
  readonly leaseUntilMs: number;
}

/** The outcome of asking for a minute's sweep lease. */
export type SweepClaim =
  | { readonly kind: 'acquired'; readonly lease: SweepLease }
  /** `holder` is what the lease item held, when DynamoDB returned it (the emulator does not). */
  | { readonly kind: 'held'; readonly holder: SweepHolder | undefined };

type LeaseUpdate = Omit<UpdateCommandInput, 'TableName'>;

/**
 * Takes `minute`'s lease if nobody has, or if its holder neither completed nor kept it in time. An update, not
 * a put: a crashed holder's progress stays on the item, for this retry and the next.
 */
export const acquireUpdate = (minute: number, nowMs: number, leaseUntilMs: number): LeaseUpdate => ({
  Key: { siteId: sweepLeaseKey(minute) },
  UpdateExpression: 'SET #minute = :minute, #completed = :false, #leaseUntilMs = :until',
  ConditionExpression: 'attribute_not_exists(#siteId) OR (#completed = :false AND #leaseUntilMs < :now)',
  ExpressionAttributeNames: {
    '#siteId': 'siteId',
    '#minute': 'minute',
    '#completed': 'completed',
    '#leaseUntilMs': 'leaseUntilMs',
  },
  ExpressionAttributeValues: { ':minute': minute, ':false': false, ':until': leaseUntilMs, ':now': nowMs },
  ReturnValues: 'ALL_NEW',
  // What a refusal lost to, without a second read (the emulator ignores it).
  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
});

/** Records the holder's progress, while the lease is still its own (its leaseUntilMs is the holder's token). */
export const progressUpdate = (lease: SweepLease, progress: readonly SegmentProgress[]): LeaseUpdate => ({
  Key: { siteId: sweepLeaseKey(lease.minute) },
  UpdateExpression: 'SET #progress = :progress',
  ConditionExpression: '#leaseUntilMs = :until AND #completed = :false',
  ExpressionAttributeNames: {
    '#progress': 'progress',
    '#leaseUntilMs': 'leaseUntilMs',
    '#completed': 'completed',
  },
  ExpressionAttributeValues: { ':progress': progress, ':until': lease.leaseUntilMs, ':false': false },
});

/** Marks the minute swept, while the lease is still the holder's; the progress is no longer needed. */
export const completionUpdate = (lease: SweepLease): LeaseUpdate => ({
  Key: { siteId: sweepLeaseKey(lease.minute) },
  UpdateExpression: 'SET #completed = :true REMOVE #progress',
  ConditionExpression: '#leaseUntilMs = :until',
  ExpressionAttributeNames: {
    '#completed': 'completed',
    '#progress': 'progress',
    '#leaseUntilMs': 'leaseUntilMs',
  },
  ExpressionAttributeValues: { ':true': true, ':until': lease.leaseUntilMs },
});

/** The lease a reserved key names, if it names one. */
export function toLeaseItem(key: string): SweepLeaseItem | undefined {
  if (key === LEGACY_SWEEP_LEASE_KEY) return { kind: 'legacy' };
  const digits = MINUTE_LEASE_KEY.exec(key)?.[1];
  return digits === undefined ? undefined : { kind: 'minute', minute: Number(digits) };
}

/** A lease item's progress; anything unreadable counts as none (the retry then sweeps the whole minute). */
export function toProgress(raw: unknown): SegmentProgress[] {
  if (!Array.isArray(raw)) return [];
  const progress: SegmentProgress[] = [];
  for (const entry of raw as unknown[]) {
    if (entry === 'start' || entry === 'done') progress.push(entry);
    else if (isRecord(entry) && isRecord(entry.after)) progress.push({ after: entry.after });
    else return [];
  }
  return progress;
}

/** What a refused acquire lost to: the item DynamoDB returned with the ConditionalCheckFailedException. */
export function toHolder(raw: Record<string, unknown> | undefined): SweepHolder | undefined {
  if (!raw) return undefined;
  try {
    const item = unmarshall(raw as Record<string, AttributeValue>);
    return { completed: item.completed === true, leaseUntilMs: Number(item.leaseUntilMs) };
  } catch {
    return undefined;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
