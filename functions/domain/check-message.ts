import * as v from 'valibot';
import { type CheckResult, CheckResultSchema } from './check-result.ts';
import { completeSiteConfig, type SiteConfig, SiteConfigSchema } from './site.ts';
import { completeSiteState, type SiteState, SiteStateSchema } from './site-state.ts';
import { withoutUndefined } from './values.ts';
import { type Verification, VerificationSchema } from './verification.ts';

export const CHECK_MESSAGE_VERSION = 1;
// SQS bills every 64 KiB of a message as one request: pack up to just under that.
export const DEFAULT_MAX_MESSAGE_BYTES = 63 * 1024;
// Anything larger was not written by our fan-out.
export const MAX_ACCEPTED_MESSAGE_BYTES = 256 * 1024;

/**
 * One check to run. The fan-out already read the item, so it ships the state snapshot along: a check whose
 * outcome changes nothing then costs no DynamoDB read or write. A stale snapshot fails the version check.
 */
export interface CheckTask {
  /** `m<minute>` for scheduled checks, `r<version>` for confirmation re-checks: duplicates are recognised. */
  readonly checkId: string;
  readonly site: SiteConfig;
  readonly state: SiteState;
  /** 1 for a first try; a task the checker could not complete comes back alone with the next number. */
  readonly attempt?: number;
  /** A task that comes back after its check was done: what is left is storing or sending, not probing. */
  readonly carried?: CarriedCheck;
  /** This check is the site's periodic full GET: the whole body is read (see SiteConfig.fullGetMinutes). */
  readonly fullGet?: boolean;
}

/**
 * What a task that comes back after its probe carries, so that its retry finishes the same check instead of
 * starting another: the verdict, the token its commit was written with (a commit whose answer was lost is then
 * recognised as its own), and the alerts SNS already accepted (they are cleared, never sent again).
 */
export interface CarriedCheck {
  readonly result: CheckResult;
  readonly commitToken: string;
  readonly sentAlertIds: readonly string[];
  /** The verification this check already made (issue 15): a retry decides with it instead of asking again. */
  readonly verification?: Verification;
}

/** Left out of a check message's snapshot (and so never removed by a commit decided from one). */
export const SNAPSHOT_OMITTED_FIELDS: readonly (keyof SiteState)[] = [
  'lastCheck',
  'commitToken',
  'lastIncident',
];

/**
 * The state a check message carries: what the checker decides from. The display history (lastCheck) and the
 * last writer's token stay on the item: messages stay small (SQS bills per 64 KiB) and the snapshot bounded.
 */
export function snapshotOf(state: SiteState): SiteState {
  const { lastCheck: _display, commitToken: _writer, lastIncident: _history, ...snapshot } = state;
  return snapshot;
}

/** A task that did not validate: kept as it came, to be sent on to the DLQ on its own. */
export interface InvalidTask {
  readonly raw: unknown;
  readonly problem: string;
}

export interface CheckMessage {
  readonly tasks: readonly CheckTask[];
  /** Tasks of this message that did not validate; the others are not affected by them. */
  readonly invalid: readonly InvalidTask[];
}

/** More tries than this and a task is given up on (the checker records why). */
export const MAX_TASK_ATTEMPTS = 3;

const EnvelopeSchema = v.object({
  v: v.literal(CHECK_MESSAGE_VERSION, (issue) => `unknown message version ${JSON.stringify(issue.input)}`),
  tasks: v.pipe(v.array(v.unknown()), v.minLength(1, 'a message must carry at least one task')),
});

const TaskSchema = v.object({
  checkId: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  site: SiteConfigSchema,
  state: SiteStateSchema,
  attempt: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_TASK_ATTEMPTS))),
  fullGet: v.optional(v.boolean()),
  carried: v.optional(
    v.object({
      result: CheckResultSchema,
      commitToken: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
      sentAlertIds: v.pipe(v.array(v.pipe(v.string(), v.maxLength(200))), v.maxLength(10)),
      verification: v.optional(VerificationSchema),
    }),
  ),
});

export class CheckMessageError extends Error {
  override name = 'CheckMessageError';
}

/**
 * Validates a queue message body at the edge: the envelope as a whole, each task on its own, so one bad task
 * never costs the others their check.
 * @throws CheckMessageError saying what is wrong with the envelope; the caller reports the message as failed
 * (it ends in the DLQ).
 */
export function parseCheckMessage(body: string): CheckMessage {
  const bytes = Buffer.byteLength(body);
  if (bytes > MAX_ACCEPTED_MESSAGE_BYTES) {
    throw new CheckMessageError(`message is ${bytes} bytes, over the ${MAX_ACCEPTED_MESSAGE_BYTES} accepted`);
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new CheckMessageError(`message is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const envelope = v.safeParse(EnvelopeSchema, json);
  if (!envelope.success)
    throw new CheckMessageError(`message is invalid ${describeIssue(envelope.issues[0])}`);
  const tasks: CheckTask[] = [];
  const invalid: InvalidTask[] = [];
  envelope.output.tasks.forEach((raw, index) => {
    const task = v.safeParse(TaskSchema, raw);
    if (!task.success) {
      invalid.push({ raw, problem: `task ${index} is invalid ${describeIssue(task.issues[0])}` });
      return;
    }
    const { checkId, site, state, attempt, carried, fullGet } = task.output;
    tasks.push({
      checkId,
      site: completeSiteConfig(site),
      state: completeSiteState(state),
      ...(attempt === undefined ? {} : { attempt }),
      ...(fullGet === true ? { fullGet } : {}),
      ...(carried === undefined ? {} : { carried: { ...carried, result: withoutUndefined(carried.result) } }),
    });
  });
  return { tasks, invalid };
}

const describeIssue = (issue: v.BaseIssue<unknown>): string =>
  `at ${v.getDotPath(issue) ?? 'the root'}: ${issue.message}`;

export interface PackLimits {
  readonly maxTasks: number;
  readonly maxBytes?: number;
}

/** Packs tasks (or invalid tasks on their way to the DLQ) into as few message bodies as the limits allow, in order. */
/**
 * JSON whose every character SQS accepts. JSON.stringify escapes control characters and lone surrogates but not
 * U+FFFE and U+FFFF, which SQS refuses (InvalidMessageContents): one site named with one would fail the whole
 * sweep's SendMessageBatch. Escaped, they read back the same.
 */
function sqsSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\uFFFE\uFFFF]/g, (char) => `\\u${char.charCodeAt(0).toString(16)}`);
}

export function packCheckMessages(
  tasks: readonly (CheckTask | InvalidTask['raw'])[],
  limits: PackLimits,
): string[] {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const envelopeBytes = Buffer.byteLength(`{"v":${CHECK_MESSAGE_VERSION},"tasks":[]}`);
  const bodies: string[] = [];
  let pending: string[] = [];
  let pendingBytes = envelopeBytes;
  const flush = () => {
    if (pending.length > 0) bodies.push(`{"v":${CHECK_MESSAGE_VERSION},"tasks":[${pending.join(',')}]}`);
    pending = [];
    pendingBytes = envelopeBytes;
  };
  for (const task of tasks) {
    const json = sqsSafeJson(task);
    // Every task after the first in a body also costs its separating comma.
    const bytes = Buffer.byteLength(json) + 1;
    if (pending.length >= limits.maxTasks || (pending.length > 0 && pendingBytes + bytes > maxBytes)) flush();
    pendingBytes += pending.length === 0 ? bytes - 1 : bytes;
    pending.push(json);
  }
  flush();
  return bodies;
}
