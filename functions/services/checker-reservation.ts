import * as v from 'valibot';
import type { CustomResourceEvent, CustomResourceResult } from '../adapters/custom-resource.ts';
import type { FunctionConcurrency } from '../adapters/function-concurrency.ts';
import type { Logger } from '../adapters/logger.ts';
import {
  decideCheckerReservation,
  describeReservation,
  type ReservationDecision,
} from '../domain/checker-reservation.ts';

/** The custom resource's properties (infra/checker-reservation.ts sets them). */
export const ReservationPropertiesSchema = v.object({
  FunctionName: v.pipe(v.string(), v.nonEmpty()),
  // CloudFormation hands numbers over as strings.
  ReservedConcurrency: v.pipe(
    v.union([v.string(), v.number()]),
    v.transform(Number),
    v.integer(),
    v.minValue(1),
  ),
});

export interface CheckerReservationDeps {
  readonly concurrency: FunctionConcurrency;
  readonly log: Logger;
}

/** The attributes the stack reads: the stack output `CheckerReservedConcurrency` shows `Summary`. */
export interface ReservationAttributes extends Record<string, string> {
  /** The number reserved, or "none". */
  readonly ReservedConcurrency: string;
  /** The number or "none", then why: "none: account quota 10 leaves no room; Lambda keeps 10 unreserved". */
  readonly Summary: string;
}

/**
 * Create and Update decide the checker's reservation from the account's settings and apply it; a refusal by
 * Lambda leaves the checker without one, reported, and the deploy goes on. Delete leaves everything as it is: on
 * stack deletion the checker goes too, and on a switch to a pinned reservation CloudFormation has already set it.
 */
export async function handleReservationRequest(
  event: CustomResourceEvent,
  deps: CheckerReservationDeps,
): Promise<CustomResourceResult> {
  const physicalResourceId = event.PhysicalResourceId ?? `${event.LogicalResourceId}-${event.RequestId}`;
  if (event.RequestType === 'Delete') {
    deps.log.info('checker reservation: delete leaves the reservation as it is', { physicalResourceId });
    return { status: 'SUCCESS', physicalResourceId };
  }
  try {
    const properties = parseReservationProperties(event.ResourceProperties);
    const data = await applyReservation(properties.FunctionName, properties.ReservedConcurrency, deps);
    deps.log.info('checker reservation decided', { requestType: event.RequestType, ...data });
    return { status: 'SUCCESS', physicalResourceId, data };
  } catch (error) {
    const reason = `${(error as Error).name}: ${(error as Error).message}`;
    deps.log.error('checker reservation failed', { requestType: event.RequestType, reason });
    return {
      status: 'FAILED',
      physicalResourceId,
      reason: `${reason} (set "checkerReservation": "off" in squirrel.config.json to deploy without a reservation)`,
    };
  }
}

export class ReservationPropertiesError extends Error {
  override name = 'ReservationPropertiesError';
}

function parseReservationProperties(raw: unknown): v.InferOutput<typeof ReservationPropertiesSchema> {
  const result = v.safeParse(ReservationPropertiesSchema, raw);
  if (result.success) return result.output;
  const problems = result.issues.map((issue) => `${v.getDotPath(issue) ?? 'properties'}: ${issue.message}`);
  throw new ReservationPropertiesError(problems.join('; '));
}

async function applyReservation(
  functionName: string,
  wanted: number,
  deps: CheckerReservationDeps,
): Promise<ReservationAttributes> {
  const account = await deps.concurrency.readAccount(functionName);
  let decision: ReservationDecision = decideCheckerReservation(account, wanted);
  if (decision.kind === 'reserve') {
    const outcome = await deps.concurrency.reserve(functionName, decision.concurrency);
    if (outcome.kind === 'refused') {
      decision = { kind: 'none', reason: `Lambda refused ${wanted} (${outcome.message})` };
    }
  }
  // An earlier deploy's reservation goes when the account can no longer give it.
  if (decision.kind === 'none' && account.checkerReserved !== undefined) {
    await deps.concurrency.release(functionName);
  }
  return {
    ReservedConcurrency: decision.kind === 'reserve' ? String(decision.concurrency) : 'none',
    Summary: describeReservation(decision),
  };
}
