import * as v from 'valibot';

/**
 * The request CloudFormation sends a Lambda-backed custom resource. Only the fields this stack uses; the
 * resource's properties arrive as strings (CloudFormation turns numbers into strings).
 */
export const CustomResourceEventSchema = v.object({
  RequestType: v.picklist(['Create', 'Update', 'Delete']),
  ResponseURL: v.pipe(v.string(), v.url()),
  StackId: v.string(),
  RequestId: v.string(),
  LogicalResourceId: v.string(),
  /** Absent on Create: the handler names the resource. */
  PhysicalResourceId: v.optional(v.string()),
  ResourceProperties: v.record(v.string(), v.unknown()),
});

export type CustomResourceEvent = v.InferOutput<typeof CustomResourceEventSchema>;

/** What the handler tells CloudFormation; `data` becomes the resource's Fn::GetAtt attributes. */
export interface CustomResourceResult {
  readonly status: 'SUCCESS' | 'FAILED';
  /** Shown in the stack events; required for FAILED. */
  readonly reason?: string;
  readonly physicalResourceId: string;
  readonly data?: Readonly<Record<string, string>>;
}

export class CustomResourceEventError extends Error {
  override name = 'CustomResourceEventError';
}

/** @throws CustomResourceEventError when the event is not a CloudFormation request (then there is no one to answer). */
export function parseCustomResourceEvent(raw: unknown): CustomResourceEvent {
  const result = v.safeParse(CustomResourceEventSchema, raw);
  if (result.success) return result.output;
  const problems = result.issues.map((issue) => `${v.getDotPath(issue) ?? 'event'}: ${issue.message}`);
  throw new CustomResourceEventError(`not a CloudFormation custom resource request: ${problems.join('; ')}`);
}

// CloudFormation rejects a response body over 4 KiB; the reason is the only part that can grow.
const MAX_REASON_CHARS = 1_000;
// The pre-signed S3 URL answers in well under a second; a hung PUT must not hold the invocation for minutes.
const RESPONSE_TIMEOUT_MS = 10_000;

/**
 * PUTs the result to the pre-signed URL CloudFormation gave. Rejects when S3 did not take it: the invocation then
 * fails and Lambda's asynchronous retry runs the (idempotent) request again.
 */
export async function sendCustomResourceResponse(
  event: CustomResourceEvent,
  result: CustomResourceResult,
  timeoutMs = RESPONSE_TIMEOUT_MS,
): Promise<void> {
  const body = JSON.stringify({
    Status: result.status,
    Reason: result.reason?.slice(0, MAX_REASON_CHARS) ?? result.status,
    PhysicalResourceId: result.physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: false,
    Data: result.data ?? {},
  });
  // The URL is signed without a content type: sending one would break the signature.
  const response = await fetch(event.ResponseURL, {
    method: 'PUT',
    body,
    headers: { 'content-type': '' },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) {
    throw new Error(`CloudFormation's response URL answered ${response.status}: ${await response.text()}`);
  }
}
