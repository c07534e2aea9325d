import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { AWS_HTTP_TIMEOUTS, CallDeadline } from './adapters/call-deadline.ts';
import { CheckQueue } from './adapters/check-queue.ts';
import { createJsonLogger } from './adapters/logger.ts';
import { SiteStore } from './adapters/site-store.ts';
import { readFanOutConfig } from './config.ts';
import { runSweep, type SweepReport } from './services/sweep.ts';

const config = readFanOutConfig(process.env);
// A scan page or a SendMessageBatch answers in well under a second: 10 s bounds a hung one (SDK retries
// included) while a healthy sweep of any size never meets it, since every call gets its own 10 s. 1 s before
// the 50 s timeout the calls stop, so the sweep fails with the call's error (and Lambda retries it) instead
// of being killed mid-send.
const deadline = new CallDeadline({ maxCallMs: 10_000, marginMs: 1_000 });
const deps = {
  store: new SiteStore(new DynamoDBClient({ requestHandler: AWS_HTTP_TIMEOUTS }), config.tableName, {
    deadline,
  }),
  queue: new CheckQueue(
    // Send to the configured endpoint (AWS_ENDPOINT_URL_SQS locally), not to whatever host the queue URL names.
    new SQSClient({ useQueueUrlAsEndpoint: false, requestHandler: AWS_HTTP_TIMEOUTS }),
    config.queueUrl,
    { deadline },
  ),
  log: createJsonLogger(),
};
// Longer than a sweep normally takes, shorter than the Lambda timeout: a crashed sweep's retry can take over.
const SWEEP_LEASE_MS = 45_000;

/** EventBridge schedule → one sweep of the minute the event was scheduled for. */
export const handler = (
  event: Pick<ScheduledEvent, 'time'>,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<SweepReport> => {
  deadline.startInvocation(Date.now() + context.getRemainingTimeInMillis());
  return runSweep(Date.parse(event.time), Date.now(), deps, {
    scanSegments: config.scanSegments,
    checksPerMessage: config.checksPerMessage,
    leaseMs: SWEEP_LEASE_MS,
  });
};
