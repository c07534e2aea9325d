import { LambdaClient } from '@aws-sdk/client-lambda';
import { parseCustomResourceEvent, sendCustomResourceResponse } from './adapters/custom-resource.ts';
import { FunctionConcurrency } from './adapters/function-concurrency.ts';
import { createJsonLogger } from './adapters/logger.ts';
import { handleReservationRequest } from './services/checker-reservation.ts';

const deps = { concurrency: new FunctionConcurrency(new LambdaClient({})), log: createJsonLogger() };

/** CloudFormation custom resource: decides and applies the checker's reserved concurrency at deploy time. */
export const handler = async (event: unknown): Promise<void> => {
  const request = parseCustomResourceEvent(event);
  await sendCustomResourceResponse(request, await handleReservationRequest(request, deps));
};
