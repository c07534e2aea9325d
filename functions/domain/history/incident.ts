import * as v from 'valibot';
import { DOWN_REASONS, StatusCodeSchema } from '../check-result.ts';
import { boundedText, wholeNumber } from '../schema-parts.ts';

/**
 * One outage as people remember it: from its first failed check (startMs) through the check that confirmed it
 * DOWN (confirmedMs) to the check that confirmed it back (endMs; absent while it lasts). Only confirmed outages
 * (the site's shown status went DOWN) are incidents; a failed check that never confirmed is downtime, not an
 * incident. Identified by (siteId, startMs).
 */
export const IncidentSchema = v.object({
  siteId: v.pipe(v.string(), v.maxLength(63)),
  startMs: wholeNumber,
  confirmedMs: wholeNumber,
  endMs: v.optional(wholeNumber),
  /**
   * false: endMs is not a recovery but the last moment the history saw the outage (its site's checks stopped,
   * e.g. it was paused while DOWN, or nothing live says it goes on). Absent: endMs is the check that confirmed
   * it back.
   */
  endKnown: v.optional(v.literal(false)),
  reason: v.picklist(DOWN_REASONS),
  detail: boundedText,
  status: v.optional(StatusCodeSchema),
  /** The outage began or ended inside a maintenance window (alerts were held). */
  inMaintenance: v.optional(v.literal(true)),
});
export type Incident = Readonly<v.InferOutput<typeof IncidentSchema>>;

/** Incidents of one site, newest first; a site that flaps for years keeps the newest MAX_INCIDENTS_PER_SITE. */
export const MAX_INCIDENTS_PER_SITE = 5_000;

export const SiteIncidentsFileSchema = v.object({
  v: v.literal(1),
  siteId: v.pipe(v.string(), v.maxLength(63)),
  incidents: v.pipe(v.array(IncidentSchema), v.maxLength(MAX_INCIDENTS_PER_SITE)),
  /** Older incidents dropped to stay within the bound (counted, so the file says it is incomplete). */
  dropped: v.optional(wholeNumber),
});
export type SiteIncidentsFile = Readonly<v.InferOutput<typeof SiteIncidentsFileSchema>>;

export const durationOf = (incident: Incident, nowMs: number): number =>
  (incident.endMs ?? nowMs) - incident.startMs;
