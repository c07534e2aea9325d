import * as v from 'valibot';
import { completeSiteConfig, type SiteConfig, SiteConfigSchema } from './site.ts';

import { completeSiteState, type SiteState, SiteStateSchema } from './site-state.ts';

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
}

export interface CheckMessage {
  readonly v: typeof CHECK_MESSAGE_VERSION;
  readonly tasks: readonly CheckTask[];
}

const CheckMessageSchema = v.object({
  v: v.literal(CHECK_MESSAGE_VERSION, (issue) => `unknown message version ${JSON.stringify(issue.input)}`),
  tasks: v.pipe(
    v.array(
      v.object({
        checkId: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
        site: SiteConfigSchema,
        state: SiteStateSchema,
      }),
    ),
    v.minLength(1, 'a message must carry at least one task'),
  ),
});

export class CheckMessageError extends Error {
  override name = 'CheckMessageError';
}

/**
 * Validates a queue message body at the edge.
 * @throws CheckMessageError saying what is wrong; the caller reports the message as failed (it ends in the DLQ).
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
  const result = v.safeParse(CheckMessageSchema, json);
  if (!result.success) {
    const issue = result.issues[0];
    throw new CheckMessageError(
      `message is invalid at ${v.getDotPath(issue) ?? 'the root'}: ${issue.message}`,
    );
  }
  const tasks = result.output.tasks.map((task) => ({
    checkId: task.checkId,
    site: completeSiteConfig(task.site),
    state: completeSiteState(task.state),
  }));
  return { v: CHECK_MESSAGE_VERSION, tasks };
}

export interface PackLimits {
  readonly maxTasks: number;
  readonly maxBytes?: number;
}

/** Packs tasks into as few message bodies as the limits allow, in order. */
export function packCheckMessages(tasks: readonly CheckTask[], limits: PackLimits): string[] {
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
    const json = JSON.stringify(task);
    // Every task after the first in a body also costs its separating comma.
    const bytes = Buffer.byteLength(json) + 1;
    if (pending.length >= limits.maxTasks || (pending.length > 0 && pendingBytes + bytes > maxBytes)) flush();
    pendingBytes += pending.length === 0 ? bytes - 1 : bytes;
    pending.push(json);
  }
  flush();
  return bodies;
}
