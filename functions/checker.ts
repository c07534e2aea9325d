import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { AlertPublisher } from './adapters/alert-publisher.ts';
import { AWS_HTTP_TIMEOUTS, CallDeadline } from './adapters/call-deadline.ts';
import { CheckQueue } from './adapters/check-queue.ts';
import { createHistoryS3Client, HistoryStore } from './adapters/history-store.ts';
import { createProbe } from './adapters/http-probe.ts';
import { createJsonLogger } from './adapters/logger.ts';
import { SiteStore } from './adapters/site-store.ts';
import { VerifierClient } from './adapters/verifier-client.ts';
import { probeOptionsOf, readCheckerConfig } from './config.ts';
import { processCheckBatch } from './services/check-batch.ts';
import { HISTORY_ATTEMPT_MS, HISTORY_RESPONSE_MARGIN_MS } from './services/history-recorder.ts';

const config = readCheckerConfig(process.env);
// A GetItem, UpdateItem, Publish or SendMessageBatch answers in tens of ms: 10 s bounds a hung one (SDK
// retries included), so only its site's task comes back. The batch keeps 3 s after its probes for these
// calls; stopping them 1 s before the Lambda timeout leaves the handler time to return its batchItemFailures,
// so a hung call fails one message instead of timing out all 10.
// One per module: Lambda runs one invocation at a time per environment. (Where the local runtime overlaps
// invocations in one worker, a later start only lengthens an earlier one's budget, never past 10 s a call.)
const deadline = new CallDeadline({ maxCallMs: 10_000, marginMs: 1_000 });
// The history PUT is aborted when the batch stops waiting for it (see writeHistory): a hung one is not left running.
const historyDeadline = new CallDeadline({
  maxCallMs: HISTORY_ATTEMPT_MS,
  marginMs: HISTORY_RESPONSE_MARGIN_MS,
});
const log = createJsonLogger();
const deps = {
  store: new SiteStore(new DynamoDBClient({ requestHandler: AWS_HTTP_TIMEOUTS }), config.tableName, {
    deadline,
  }),
  probe: createProbe(probeOptionsOf(config)),
  publisher: new AlertPublisher(new SNSClient({ requestHandler: AWS_HTTP_TIMEOUTS }), config.topicArn, {
    deadline,
  }),
  queue: new CheckQueue(
    // Send to the configured endpoint (AWS_ENDPOINT_URL_SQS locally), not to whatever host the queue URL names.
    new SQSClient({ useQueueUrlAsEndpoint: false, requestHandler: AWS_HTTP_TIMEOUTS }),
    config.queueUrl,
    { deadline },
  ),
  log,
  nowMs: Date.now,
  // Without HISTORY_BUCKET nothing is recorded. Path-style only for the local S3 emulator.
  ...(config.history === undefined
    ? {}
    : {
        history: new HistoryStore(createHistoryS3Client(config.history), config.history.bucket, {
          deadline: historyDeadline,
        }),
      }),
  // Without VERIFIER_REGIONS nobody is asked: a DOWN is confirmed by home alone, as before issue 15.
  ...(config.verification === undefined
    ? {}
    : { verifiers: new VerifierClient({ ...config.verification, log }) }),
};

/** SQS event source → run the checks; only the messages that must come back are reported as failures. */
export async function handler(
  event: SQSEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<SQSBatchResponse> {
  const deadlineMs = Date.now() + context.getRemainingTimeInMillis();
  deadline.startInvocation(deadlineMs);
  historyDeadline.startInvocation(deadlineMs);
  const report = await processCheckBatch(event.Records, deps, {
    deadlineMs,
    concurrency: config.checkConcurrency,
  });
  return { batchItemFailures: report.failedMessageIds.map((itemIdentifier) => ({ itemIdentifier })) };
}
