import * as v from 'valibot';
import { DOWN_REASONS, FAULT_REASONS, StatusCodeSchema } from './check-result.ts';
import { boundedText, wholeNumber } from './schema-parts.ts';
import { LocationAnswerSchema, MAX_VERIFIER_REGIONS } from './verification.ts';

/**
 * DOWN and UP page; the others tell: slow, blocked, still down, certificate expiring, UNCHECKED: the
 * monitor can no longer check the site (its name turned private, or its checks keep failing on our side), and
 * REGIONAL: home's checks fail but most other locations reach the site (issue 15).
 */
export const ALERT_EVENTS = [
  'DOWN',
  'UP',
  'DEGRADED',
  'BLOCKED',
  'REMINDER',
  'TLS_EXPIRY',
  'UNCHECKED',
  'REGIONAL',
] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

/**
 * Alerts that could not be delivered and were folded into a newer one (SNS down for a while): the owner gets
 * the latest truth with a summary, not one message per flap.
 */
export const MissedAlertsSchema = v.object({
  /** Undelivered alerts this one replaces. */
  alerts: wholeNumber,
  /** When the oldest of them was committed. */
  sinceMs: wholeNumber,
  /** Outages that began and ended among them. */
  outages: wholeNumber,
  /** Their total downtime. */
  downMs: wholeNumber,
});
export type MissedAlerts = Readonly<v.InferOutput<typeof MissedAlertsSchema>>;

/** A committed transition to tell people about. Self-contained: formatting needs nothing else. */
export const AlertSchema = v.object({
  /** Unique per transition (`siteId:version`): the outbox clears exactly this alert. */
  alertId: v.string(),
  event: v.picklist(ALERT_EVENTS),
  siteId: v.string(),
  siteName: v.string(),
  url: v.string(),
  owner: v.string(),
  /** When the transition was committed. */
  atMs: wholeNumber,
  /** First failed check of the outage. */
  outageSinceMs: wholeNumber,
  /**
   * DOWN: why. UP: the reason of the outage that ended. UNCHECKED: why checks stopped. Others: the closest
   * reason (see detail).
   */
  reason: v.picklist([...DOWN_REASONS, ...FAULT_REASONS]),
  detail: boundedText,
  status: v.optional(StatusCodeSchema),
  latencyMs: wholeNumber,
  /** UP: what it recovered from (DOWN by default; DEGRADED or BLOCKED otherwise). */
  recoveredFrom: v.optional(v.picklist(['DOWN', 'DEGRADED', 'BLOCKED'])),
  /** DEGRADED: the limit that was exceeded. */
  maxResponseMs: v.optional(wholeNumber),
  /** TLS_EXPIRY: when the leaf certificate expires. */
  tlsValidToMs: v.optional(v.number()),
  /** Sent when a maintenance window ended with the site in another status than when it began. */
  afterMaintenanceSinceMs: v.optional(wholeNumber),
  missed: v.optional(MissedAlertsSchema),
  /**
   * DOWN and REGIONAL decided by a verification (issue 15): each location's answer, home first. Absent without
   * verifiers (today's alerts exactly).
   */
  locations: v.optional(v.pipe(v.array(LocationAnswerSchema), v.maxLength(1 + MAX_VERIFIER_REGIONS))),
});
export type Alert = Readonly<v.InferOutput<typeof AlertSchema>>;
