import * as v from 'valibot';
import type { Probe } from '../adapters/http-probe.ts';
import { type Deadline, startDeadline } from '../adapters/probe-deadline.ts';
import type { CheckResult } from '../domain/check-result.ts';
import { completeSiteConfig } from '../domain/site.ts';
import { VerifyRequestSchema, type VerifyResponse } from '../domain/verify-request.ts';
import { probeTargetOf } from './probe-target.ts';

/**
 * The verifier (issue 15): checks every site of one request now, from this location, exactly as the home check
 * did (the same probe, the same target built by probeTargetOf, the same SSRF guard), and says what it saw. It
 * judges nothing: the checker decides by majority. A site it cannot finish in the invocation's time is a
 * `fault` (never `down`: running out of time here says nothing about the site), which the checker counts as no
 * answer from this location.
 */

export interface VerifyBatchDeps {
  readonly probe: Pick<Probe, 'check'>;
  /** This verifier's location: every answer is from here. */
  readonly location: string;
  readonly nowMs: () => number;
}

export interface VerifyBatchOptions {
  /** Absolute time by which the invocation must have returned (the Lambda deadline). */
  readonly deadlineMs: number;
  /** Kept back from the deadline to build and return the reply. @default VERIFY_RESPONSE_RESERVE_MS */
  readonly reserveMs?: number;
}

/** A reply of 50 results is a few KB: building and returning it takes milliseconds, the rest is margin. */
export const VERIFY_RESPONSE_RESERVE_MS = 500;

/** The request is not one a checker sends: a bug or a version mismatch. The invoke fails (a FunctionError). */
export class VerifyRequestError extends Error {
  override name = 'VerifyRequestError';
  readonly code = 'INVALID_VERIFY_REQUEST';
}

/**
 * Checks every target of `payload` concurrently, each bounded by its site's timeout (the probe's own deadline,
 * its GET beside or after a HEAD included) and all by the invocation's time left. Answers in target order.
 * @throws VerifyRequestError when the payload is not a valid VerifyRequest.
 */
export async function verifyBatch(
  payload: unknown,
  deps: VerifyBatchDeps,
  options: VerifyBatchOptions,
): Promise<VerifyResponse> {
  const request = parseVerifyRequest(payload);
  const startedMs = deps.nowMs();
  const availableMs = options.deadlineMs - (options.reserveMs ?? VERIFY_RESPONSE_RESERVE_MS) - startedMs;
  // One deadline for the whole request: every target starts now, so they all run out of time together.
  const outOfTime = startDeadline(Math.max(0, availableMs), undefined);
  try {
    const answers = await Promise.all(
      request.targets.map(async ({ id, site, fullGet }) => ({
        id,
        result:
          availableMs <= 0
            ? outOfTimeResult(0, 'before the check could start')
            : await checkWithin(
                deps.probe,
                probeTargetOf(completeSiteConfig(site), fullGet === true),
                outOfTime,
                () => Math.max(0, deps.nowMs() - startedMs),
              ),
      })),
    );
    return { location: deps.location, answers };
  } finally {
    outOfTime.dispose();
  }
}

type ParsedRequest = v.InferOutput<typeof VerifyRequestSchema>;

/** Validates a verifier's payload. @throws VerifyRequestError naming what is wrong (never a header's value). */
export function parseVerifyRequest(payload: unknown): ParsedRequest {
  const parsed = v.safeParse(VerifyRequestSchema, payload);
  if (!parsed.success) {
    const problems = parsed.issues.slice(0, 3).map(describeIssue);
    throw new VerifyRequestError(`verify request is invalid: ${problems.join('; ')}`);
  }
  const ids = parsed.output.targets.map((target) => target.id);
  const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
  if (repeated !== undefined) {
    throw new VerifyRequestError(`verify request is invalid: target id "${repeated}" appears twice`);
  }
  return parsed.output;
}

// A site's headers are often credentials: an issue there names the place, never the value.
function describeIssue(issue: v.BaseIssue<unknown>): string {
  const path = v.getDotPath(issue) ?? 'the root';
  return /\.headers(\.|$)/.test(path) ? `${path}: invalid (value not shown)` : `${path}: ${issue.message}`;
}

/**
 * The probe's result, or an out-of-time fault when the invocation's time ran out first. The probe watches the
 * signal itself (it then reports its own fault); the race only makes sure the reply is never held past it.
 */
async function checkWithin(
  probe: Pick<Probe, 'check'>,
  target: ReturnType<typeof probeTargetOf>,
  outOfTime: Deadline,
  elapsedMs: () => number,
): Promise<CheckResult> {
  try {
    const result = await Promise.race([probe.check(target, outOfTime.signal), outOfTime.aborted]);
    // A check that had not finished when time ran out did not judge the site, whatever it returned.
    return outOfTime.signal.aborted ? outOfTimeResult(elapsedMs(), 'during the check') : result;
  } catch (error) {
    if (outOfTime.signal.aborted) return outOfTimeResult(elapsedMs(), 'during the check');
    throw error;
  }
}

const outOfTimeResult = (latencyMs: number, when: string): CheckResult => ({
  kind: 'fault',
  reason: 'checker-fault',
  detail: `verifier out of time ${when} (after ${latencyMs} ms); site not judged from here`,
  latencyMs,
});
