import { LambdaClient } from '@aws-sdk/client-lambda';
import { AWS_HTTP_TIMEOUTS } from './adapters/call-deadline.ts';
import { parseCustomResourceEvent, sendCustomResourceResponse } from './adapters/custom-resource.ts';
import { FunctionConcurrency } from './adapters/function-concurrency.ts';
import { createJsonLogger } from './adapters/logger.ts';
import { handleReservationRequest } from './services/checker-reservation.ts';

// Bounded calls: a Lambda API call that hangs fails within the function's minute, so CloudFormation still gets
// its answer (FAILED, with the reason) instead of waiting out the custom resource's timeout.
const deps = {
  concurrency: new FunctionConcurrency(
    new LambdaClient({ requestHandler: AWS_HTTP_TIMEOUTS, maxAttempts: 3 }),
  ),
  log: createJsonLogger(),
};

/** CloudFormation custom resource: decides and applies the checker's reserved concurrency at deploy time. */
export const handler = async (event: unknown): Promise<void> => {
  const request = parseCustomResourceEvent(event);
  await sendCustomResourceResponse(request, await handleReservationRequest(request, deps));
};
