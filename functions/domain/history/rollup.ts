import * as v from 'valibot';
import { wholeNumber } from '../schema-parts.ts';
import { TimeTotalsSchema } from './time-totals.ts';

// Rollups: per site, per UTC hour and per UTC day, what its checks saw. Made by the compactor from raw records
// (CONTRACT of issue 13; the rules that fill them live with the compaction code).
//
// Time weighting: a site's records are taken in time order (a check id once); each record's verdict stands
// from its atMs until the site's next record, but never longer than MAX_COVER_INTERVALS × its interval (a gap
// beyond that is unknown time, counted nowhere). Coverage is cut at period boundaries: the part of a record's
// coverage past the hour counts in the next hour. A record inside maintenance covers maintenanceMs whatever
// its verdict; otherwise up → upMs, down → downMs, blocked → blockedMs, fault → faultMs; but a record of a REGIONAL
// site (issue 15: home fails, most locations reach it) covers upMs: it is not an outage, and never downtime.

/** How many of its intervals one record's verdict may stand for before the time counts as unknown. */
export const MAX_COVER_INTERVALS = 1.5;

/**
 * Response times of the period's up checks: exact percentiles for an hour (computed from its records); for a
 * day, from the merged histogram (relative error ≤ LATENCY_BUCKET_ERROR).
 */
export const LatencySchema = v.object({
  p50Ms: wholeNumber,
  p95Ms: wholeNumber,
  maxMs: wholeNumber,
  /** Sparse log-scale histogram [bucket, count] (buckets defined with the compaction code), mergeable across periods. */
  histogram: v.pipe(v.array(v.tuple([wholeNumber, wholeNumber])), v.maxLength(1_000)),
});
export type Latency = Readonly<v.InferOutput<typeof LatencySchema>>;

export const SiteRollupSchema = v.object({
  siteId: v.pipe(v.string(), v.maxLength(63)),
  /** Checks recorded in the period (each check id once). */
  checks: wholeNumber,
  /** Of them: down verdicts, blocked answers, faults, and checks inside maintenance. */
  failures: wholeNumber,
  blocked: wholeNumber,
  faults: wholeNumber,
  inMaintenance: wholeNumber,
  /**
   * Of them: checks while the site was REGIONAL (failing from its home region only; their time is up time).
   * Absent when none: a monitor without verifiers writes the rollups it always did.
   */
  regional: v.optional(wholeNumber),
  totals: TimeTotalsSchema,
  /** Absent when the period had no up check. */
  latency: v.optional(LatencySchema),
});
export type SiteRollup = Readonly<v.InferOutput<typeof SiteRollupSchema>>;

/** All sites' rollups of one period: one object per UTC hour, one per UTC day (history-keys.ts). */
export const RollupFileSchema = v.object({
  v: v.literal(1),
  period: v.picklist(['hour', 'day']),
  startMs: wholeNumber,
  /** Exclusive end; for an hour (or today) compacted early, where the compaction stopped (partial period). */
  endMs: wholeNumber,
  sites: v.array(SiteRollupSchema),
});
export type RollupFile = Readonly<v.InferOutput<typeof RollupFileSchema>>;
