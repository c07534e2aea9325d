import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { AlertPublisher } from './adapters/alert-publisher.ts';
import { CheckQueue } from './adapters/check-queue.ts';
import { createProbe } from './adapters/http-probe.ts';
import { createJsonLogger } from './adapters/logger.ts';
import { SiteStore } from './adapters/site-store.ts';
import { readCheckerConfig } from './config.ts';
import { processCheckBatch } from './services/check-batch.ts';

const config = readCheckerConfig(process.env);
const deps = {
  store: new SiteStore(new DynamoDBClient({}), config.tableName),
  probe: createProbe({ allowPrivateTargets: config.allowPrivateTargets, dnsServers: config.dnsServers }),
  publisher: new AlertPublisher(new SNSClient({}), config.topicArn),
  queue: new CheckQueue(
    // Send to the configured endpoint (AWS_ENDPOINT_URL_SQS locally), not to whatever host the queue URL names.
    new SQSClient({ useQueueUrlAsEndpoint: false }),
    config.queueUrl,
  ),
  log: createJsonLogger(),
  nowMs: Date.now,
};

/** SQS event source → run the checks; only the messages that must come back are reported as failures. */
export async function handler(
  event: SQSEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<SQSBatchResponse> {
  const report = await processCheckBatch(event.Records, deps, {
    deadlineMs: Date.now() + context.getRemainingTimeInMillis(),
    concurrency: config.checkConcurrency,
  });
  return { batchItemFailures: report.failedMessageIds.map((itemIdentifier) => ({ itemIdentifier })) };
}
