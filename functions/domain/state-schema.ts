import * as v from 'valibot';
import type { OutboxEntry, SiteState } from './site-state.ts';
import { withoutUndefined } from './values.ts';

const DOWN_REASONS = [
  'timeout',
  'dns',
  'refused',
  'unreachable',
  'reset',
  'tls',
  'http-5xx',
  'http-4xx',
  'unexpected-status',
  'redirect-loop',
  'too-many-redirects',
  'protocol',
  'keyword',
] as const;
const CONFIRMED = ['UP', 'DOWN', 'DEGRADED', 'BLOCKED'] as const;

const wholeNumber = v.pipe(v.number(), v.integer(), v.minValue(0));
// Wider than HTTP's 100-599 on purpose: one odd value stored must never make the whole item unreadable.
const status = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(999));

const AlertSchema = v.object({
  alertId: v.string(),
  event: v.picklist(['DOWN', 'UP', 'DEGRADED', 'BLOCKED', 'REMINDER', 'TLS_EXPIRY']),
  siteId: v.string(),
  siteName: v.string(),
  url: v.string(),
  owner: v.string(),
  atMs: wholeNumber,
  outageSinceMs: wholeNumber,
  reason: v.picklist(DOWN_REASONS),
  detail: v.string(),
  status: v.optional(status),
  latencyMs: wholeNumber,
  recoveredFrom: v.optional(v.picklist(['DOWN', 'DEGRADED', 'BLOCKED'])),
  maxResponseMs: v.optional(wholeNumber),
  tlsValidToMs: v.optional(v.number()),
  afterMaintenanceSinceMs: v.optional(wholeNumber),
});

export const SiteStateSchema = v.object({
  status: v.optional(
    v.picklist(['UNKNOWN', 'UP', 'PENDING', 'DOWN', 'RECOVERING', 'DEGRADED', 'BLOCKED']),
    'UNKNOWN',
  ),
  version: v.optional(wholeNumber, 0),
  consecutiveFailures: v.optional(wholeNumber, 0),
  consecutiveSuccesses: v.optional(wholeNumber, 0),
  consecutiveSlow: v.optional(wholeNumber),
  consecutiveBlocked: v.optional(wholeNumber),
  lastReminderAtMs: v.optional(wholeNumber),
  maintenanceMark: v.optional(v.object({ sinceMs: wholeNumber, statusAtStart: v.picklist(CONFIRMED) })),
  tls: v.optional(
    v.array(
      v.object({
        fingerprint: v.string(),
        validToMs: v.number(),
        warnedDays: v.array(v.pipe(v.number(), v.integer())),
      }),
    ),
  ),
  statusSinceMs: v.optional(wholeNumber),
  outage: v.optional(
    v.object({
      sinceMs: wholeNumber,
      reason: v.picklist(DOWN_REASONS),
      detail: v.string(),
      status: v.optional(status),
    }),
  ),
  lastCheckId: v.optional(v.string()),
  lastCheck: v.optional(
    v.object({
      atMs: wholeNumber,
      up: v.boolean(),
      status: v.optional(status),
      reason: v.optional(v.picklist(DOWN_REASONS)),
      detail: v.optional(v.string()),
      latencyMs: wholeNumber,
    }),
  ),
  pendingAlerts: v.optional(
    v.record(v.string(), v.object({ alert: AlertSchema, claimedUntilMs: wholeNumber })),
  ),
});

export class SiteStateError extends Error {
  override name = 'SiteStateError';
}

/** Reads the state half of a site item (absent fields mean "never checked"). */
export function parseSiteState(raw: unknown): SiteState {
  const result = v.safeParse(SiteStateSchema, raw);
  if (!result.success) {
    const issue = result.issues[0];
    throw new SiteStateError(
      `site state is invalid at ${v.getDotPath(issue) ?? 'the root'}: ${issue.message}`,
    );
  }
  return completeSiteState(result.output);
}

/** Drops absent optional fields, so a state round-trips through JSON and DynamoDB unchanged. */
export const completeSiteState = (state: v.InferOutput<typeof SiteStateSchema>): SiteState =>
  withoutUndefined(state) as unknown as SiteState;

/** Pending alerts of a state, oldest first: the order people should read them in. */
export const pendingAlertsOf = (state: SiteState): OutboxEntry[] =>
  Object.values(state.pendingAlerts ?? {}).sort((a, b) => a.alert.atMs - b.alert.atMs);
