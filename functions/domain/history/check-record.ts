import * as v from 'valibot';
import { DOWN_REASONS, FAULT_REASONS, StatusCodeSchema } from '../check-result.ts';
import { boundedText, wholeNumber } from '../schema-parts.ts';
import { SITE_STATUSES } from '../site-state.ts';

// The raw history: one record per check a checker applied, written as one object per checker invocation
// (history-keys.ts rawBatchKey). Raw objects are kept RAW_RETENTION_DAYS; the compactor turns them into hourly
// and daily rollups and incidents. The CONTRACT of issue 13: every writer and reader goes through these schemas.

export const RAW_BATCH_VERSION = 1;

/** How a check counts for history: the verdict as the site's policy reads it (treatBlockedAsDown applied). */
export const RECORD_KINDS = ['up', 'down', 'blocked', 'fault'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** What a person sees as the site's status after the check (shownStatusOf of the state after it). */
export const SHOWN_STATUSES = [...SITE_STATUSES, 'UNCHECKED'] as const;

/** Detail kept with a failed check in the raw history: enough to explain an incident, bounded per record. */
export const MAX_RECORD_DETAIL_CHARS = 200;

export const CheckRecordSchema = v.object({
  siteId: v.pipe(v.string(), v.maxLength(63)),
  /** The check's id (CheckTask.checkId): a check recorded twice (a task that came back) is counted once. */
  checkId: v.pipe(v.string(), v.maxLength(80)),
  /** When the check's result was applied (the checker's clock), epoch ms. */
  atMs: wholeNumber,
  kind: v.picklist(RECORD_KINDS),
  /** Down reason (kind down) or fault reason (kind fault). */
  reason: v.optional(v.picklist([...DOWN_REASONS, ...FAULT_REASONS])),
  status: v.optional(StatusCodeSchema),
  latencyMs: wholeNumber,
  /** Up but slower than the site's maxResponseMs (counts as up time; DEGRADED is a status, not downtime). */
  slow: v.optional(v.literal(true)),
  /** The site's status after this check, as shown to people. */
  shown: v.picklist(SHOWN_STATUSES),
  /** The check ran inside one of the site's maintenance windows: its time is excluded from uptime. */
  inMaintenance: v.optional(v.literal(true)),
  /** The site's interval when checked: bounds how long one record's verdict may stand for (gaps are unknown). */
  intervalMinutes: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1440)),
  /** While failing (PENDING, DOWN, RECOVERING): the outage's first failed check (state.outage.sinceMs). */
  outageSinceMs: v.optional(wholeNumber),
  /** Down and fault records: what happened, for incidents (cut to MAX_RECORD_DETAIL_CHARS). */
  detail: v.optional(
    v.pipe(
      boundedText,
      v.transform((text) =>
        text.length > MAX_RECORD_DETAIL_CHARS ? `${text.slice(0, MAX_RECORD_DETAIL_CHARS - 1)}…` : text,
      ),
    ),
  ),
});
export type CheckRecord = Readonly<v.InferOutput<typeof CheckRecordSchema>>;

/** One checker invocation's records. Written gzip-compressed JSON; at most one object per invocation. */
export const RawBatchSchema = v.object({
  v: v.literal(RAW_BATCH_VERSION),
  writtenAtMs: wholeNumber,
  records: v.pipe(v.array(CheckRecordSchema), v.maxLength(5_000)),
});
export type RawBatch = Readonly<v.InferOutput<typeof RawBatchSchema>>;
