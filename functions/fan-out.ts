import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { ScheduledEvent } from 'aws-lambda';
import { CheckQueue } from './adapters/check-queue.ts';
import { createJsonLogger } from './adapters/logger.ts';
import { SiteStore } from './adapters/site-store.ts';
import { readFanOutConfig } from './config.ts';
import { runSweep, type SweepReport } from './services/sweep.ts';

const config = readFanOutConfig(process.env);
const deps = {
  store: new SiteStore(new DynamoDBClient({}), config.tableName),
  queue: new CheckQueue(
    // Send to the configured endpoint (AWS_ENDPOINT_URL_SQS locally), not to whatever host the queue URL names.
    new SQSClient({ useQueueUrlAsEndpoint: false }),
    config.queueUrl,
  ),
  log: createJsonLogger(),
};
// Longer than a sweep normally takes, shorter than the Lambda timeout: a crashed sweep's retry can take over.
const SWEEP_LEASE_MS = 45_000;

/** EventBridge schedule → one sweep of the minute the event was scheduled for. */
export const handler = (event: Pick<ScheduledEvent, 'time'>): Promise<SweepReport> =>
  runSweep(Date.parse(event.time), Date.now(), deps, {
    scanSegments: config.scanSegments,
    checksPerMessage: config.checksPerMessage,
    leaseMs: SWEEP_LEASE_MS,
  });
