import * as v from 'valibot';
import { AlertSchema } from './alert.ts';
import { DOWN_REASONS, FAULT_REASONS, StatusCodeSchema } from './check-result.ts';
import { boundedText, wholeNumber } from './schema-parts.ts';
import { withoutUndefined } from './values.ts';
import { VerificationSchema } from './verification.ts';

/**
 * UNKNOWN: never checked. PENDING: failing, not yet confirmed. RECOVERING: succeeding after DOWN, not yet
 * confirmed. DEGRADED: up, but slower than the site's maxResponseMs. BLOCKED: the site answers but refuses
 * the monitor (401/403/429, a bot challenge). REGIONAL: home's checks failed, but most of the locations that
 * answered the verification reached the site (issue 15): told once, never pages. Confirmed changes between UP,
 * DOWN, DEGRADED, BLOCKED and REGIONAL alert.
 */
export const SITE_STATUSES = [
  'UNKNOWN',
  'UP',
  'PENDING',
  'DOWN',
  'RECOVERING',
  'DEGRADED',
  'BLOCKED',
  'REGIONAL',
] as const;
const CONFIRMED_STATUSES = ['UP', 'DOWN', 'DEGRADED', 'BLOCKED', 'REGIONAL'] as const;

/** An alert waiting for SNS, and until when its publisher holds it (see ALERT_CLAIM_MS). */
const OutboxEntrySchema = v.object({ alert: AlertSchema, claimedUntilMs: wholeNumber });

/** The current outage, from its first failed check (what alerts call "down since") until UP. */
const OutageSchema = v.object({
  sinceMs: wholeNumber,
  reason: v.picklist(DOWN_REASONS),
  detail: boundedText,
  status: v.optional(StatusCodeSchema),
});

/**
 * The monitor cannot judge the site: its name resolves only to blocked addresses, or its checks keep ending
 * in checker faults. UNCHECKED (shown beside the last known status, which it does not change) once the fault
 * is certain: a blocked address at once, a checker fault once UNCHECKED_AFTER_FAULTS scheduled checks in a row
 * ended in it after all their attempts (a passing incident of our own is no news for the owner).
 */
const CheckFaultSchema = v.object({
  sinceMs: wholeNumber,
  reason: v.picklist(FAULT_REASONS),
  detail: boundedText,
  /** Checks in a row that ended in this fault (counted up to UNCHECKED_AFTER_FAULTS). */
  faults: v.optional(wholeNumber, 1),
  /** The owner was told (not yet when it began inside a maintenance window). */
  isAnnounced: v.optional(v.boolean(), false),
});

/** Checks in a row ending in a checker fault (each after all its attempts) before a site is UNCHECKED. */
export const UNCHECKED_AFTER_FAULTS = 3;

/**
 * The mutable half of a site item. `version` increments on every write (optimistic concurrency). The one
 * definition of the state: types, the stored field list and the parser are all derived from it.
 */
export const SiteStateSchema = v.object({
  status: v.optional(v.picklist(SITE_STATUSES), 'UNKNOWN'),
  version: v.optional(wholeNumber, 0),
  consecutiveFailures: v.optional(wholeNumber, 0),
  consecutiveSuccesses: v.optional(wholeNumber, 0),
  /** Consecutive checks slower than maxResponseMs (toward DEGRADED). */
  consecutiveSlow: v.optional(wholeNumber),
  /** Consecutive blocked answers (toward BLOCKED). */
  consecutiveBlocked: v.optional(wholeNumber),
  /** When the last "still down" reminder went out. */
  lastReminderAtMs: v.optional(wholeNumber),
  /** A maintenance window the site is in: alerts wait, and leaving it alerts only if the status changed. */
  maintenanceMark: v.optional(
    v.object({ sinceMs: wholeNumber, statusAtStart: v.picklist(CONFIRMED_STATUSES) }),
  ),
  /** The certificates seen lately, newest first (at most MAX_WATCHED_CERTIFICATES), and their warnings sent. */
  tls: v.optional(
    v.array(
      v.object({
        fingerprint: v.string(),
        validToMs: v.number(),
        warnedDays: v.array(v.pipe(v.number(), v.integer())),
      }),
    ),
  ),
  /**
   * When the last confirmed change happened (a DOWN site's: the confirming check, which reminders count from);
   * PENDING and RECOVERING do not move it. What people are shown is statusSinceOf.
   */
  statusSinceMs: v.optional(wholeNumber),
  outage: v.optional(OutageSchema),
  /**
   * The verification that made the site REGIONAL or DOWN (issue 15): where it failed and where it did not. Kept
   * while REGIONAL or DOWN (updated only when a location's outcome changes), cleared when the site is UP again.
   */
  verification: v.optional(VerificationSchema),
  /** Set while the monitor cannot judge the site; cleared by the next verdict. */
  checkFault: v.optional(CheckFaultSchema),
  /** Id of the last check applied; a redelivered check with the same id is ignored. */
  lastCheckId: v.optional(v.string()),
  /**
   * Who committed the last write: a random token of the processing that wrote it. After a lost answer, a checker
   * that finds its own check id re-reads this to tell its own write (whose alerts it holds) from a duplicate's.
   */
  commitToken: v.optional(v.pipe(v.string(), v.maxLength(64))),
  /** The last check that changed something (steady-state checks write nothing, so not "the last check"). */
  lastCheck: v.optional(
    v.object({
      atMs: wholeNumber,
      up: v.boolean(),
      status: v.optional(StatusCodeSchema),
      reason: v.optional(v.picklist(DOWN_REASONS)),
      detail: v.optional(boundedText),
      latencyMs: wholeNumber,
    }),
  ),
  /**
   * The last outage that ended, set by the transition that ended it (so readers show it before the compactor
   * has it in the history). Display only: not in check messages' snapshots.
   */
  lastIncident: v.optional(
    v.object({
      startMs: wholeNumber,
      confirmedMs: wholeNumber,
      endMs: wholeNumber,
      reason: v.picklist(DOWN_REASONS),
      detail: boundedText,
      status: v.optional(StatusCodeSchema),
    }),
  ),
  /** Outbox: alerts committed with their transitions and not yet accepted by SNS, by alertId. */
  pendingAlerts: v.optional(v.record(v.string(), OutboxEntrySchema)),
});

export type SiteState = Readonly<v.InferOutput<typeof SiteStateSchema>>;
export type SiteStatus = SiteState['status'];
/** The status a person would name: PENDING is still UP, RECOVERING still DOWN. */
export type ConfirmedStatus = (typeof CONFIRMED_STATUSES)[number];
export type OutboxEntry = Readonly<v.InferOutput<typeof OutboxEntrySchema>>;
export type Outage = Readonly<v.InferOutput<typeof OutageSchema>>;
export type CheckFault = Readonly<v.InferOutput<typeof CheckFaultSchema>>;
export type MaintenanceMark = NonNullable<SiteState['maintenanceMark']>;
export type TlsWatch = NonNullable<SiteState['tls']>[number];
export type LastCheck = NonNullable<SiteState['lastCheck']>;
export type LastIncident = NonNullable<SiteState['lastIncident']>;

/** The state's attributes on a site item, in schema order. */
export const STATE_FIELDS = Object.keys(SiteStateSchema.entries) as ReadonlyArray<keyof SiteState>;

export const INITIAL_STATE: SiteState = {
  status: 'UNKNOWN',
  version: 0,
  consecutiveFailures: 0,
  consecutiveSuccesses: 0,
};

/** Load-balanced sites can serve several certificates at once: each keeps its own warnings. */
export const MAX_WATCHED_CERTIFICATES = 4;

/** Long enough for SNS and the SDK's own retries; short enough that a stuck alert is retried within minutes. */
export const ALERT_CLAIM_MS = 60_000;

export const confirmedStatusOf = (status: SiteStatus): ConfirmedStatus => {
  switch (status) {
    case 'UNKNOWN':
    case 'UP':
    case 'PENDING':
      return 'UP';
    case 'DOWN':
    case 'RECOVERING':
      return 'DOWN';
    default:
      return status;
  }
};

/** What a person should read as the site's state: UNCHECKED while checks cannot judge it, its status otherwise. */
export type ShownStatus = SiteStatus | 'UNCHECKED';

export const shownStatusOf = (state: SiteState): ShownStatus =>
  state.checkFault !== undefined && isUnchecked(state.checkFault) ? 'UNCHECKED' : state.status;

/**
 * Since when the site has been in its status, as a person means it and as every alert and `squirrel status`
 * say it: a failing site (PENDING, DOWN, RECOVERING) since its outage's first failed check, not since the check
 * that confirmed it; any other status since the check that confirmed it.
 */
export const statusSinceOf = (state: Pick<SiteState, 'outage' | 'statusSinceMs'>): number | undefined =>
  state.outage?.sinceMs ?? state.statusSinceMs;

/** Whether a recorded fault makes the site UNCHECKED yet. */
export const isUnchecked = (fault: Pick<CheckFault, 'reason' | 'faults'>): boolean =>
  fault.reason === 'blocked-address' || fault.faults >= UNCHECKED_AFTER_FAULTS;

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
  withoutUndefined(state);
