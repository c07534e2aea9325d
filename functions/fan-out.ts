import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { AWS_HTTP_TIMEOUTS, CallDeadline } from './adapters/call-deadline.ts';
import { CheckQueue } from './adapters/check-queue.ts';
import { createHistoryS3Client, HistoryStore } from './adapters/history-store.ts';
import { createJsonLogger } from './adapters/logger.ts';
import { SiteStore } from './adapters/site-store.ts';
import { readFanOutConfig } from './config.ts';
import { MAX_PUBLISH_MS, StatusPublisher } from './services/status-publisher.ts';
import { runSweep, type SweepReport } from './services/sweep.ts';
import { STATUS_PAGE_HTML } from './status-page/page-shell.ts';

const config = readFanOutConfig(process.env);
// A scan page or a SendMessageBatch answers in well under a second: 10 s bounds a hung one (SDK retries
// included) while a healthy sweep of any size never meets it, since every call gets its own 10 s. 1 s before
// the 50 s timeout the calls stop, so the sweep fails with the call's error (and Lambda retries it) instead
// of being killed mid-send.
const deadline = new CallDeadline({ maxCallMs: 10_000, marginMs: 1_000 });
const log = createJsonLogger();
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
  log,
};
// The public page is published after the sweep, each S3 call within the publishing's own bound.
const historyDeadline = new CallDeadline({ maxCallMs: MAX_PUBLISH_MS, marginMs: 1_000 });
const publisher =
  config.history === undefined
    ? undefined
    : new StatusPublisher(
        {
          history: new HistoryStore(createHistoryS3Client(config.history), config.history.bucket, {
            deadline: historyDeadline,
          }),
          log,
          pageHtml: STATUS_PAGE_HTML,
        },
        config.statusPage,
      );
// Longer than a sweep normally takes, shorter than the Lambda timeout: a crashed sweep's retry can take over.
const SWEEP_LEASE_MS = 45_000;

/**
 * EventBridge schedule → one sweep of the minute the event was scheduled for; then, with a history bucket, the
 * public status page (after the sweep's sends, bounded, never failing the sweep).
 */
export const handler = async (
  event: Pick<ScheduledEvent, 'time'>,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<SweepReport> => {
  const invocationDeadlineMs = Date.now() + context.getRemainingTimeInMillis();
  deadline.startInvocation(invocationDeadlineMs);
  historyDeadline.startInvocation(invocationDeadlineMs);
  const collector = publisher?.collector();
  const report = await runSweep(
    Date.parse(event.time),
    Date.now(),
    collector === undefined ? deps : { ...deps, observePage: collector.observePage },
    {
      scanSegments: config.scanSegments,
      checksPerMessage: config.checksPerMessage,
      leaseMs: SWEEP_LEASE_MS,
    },
  );
  if (publisher !== undefined && collector !== undefined) {
    await publisher.publishAfter(report, collector, {
      nowMs: Date.now,
      timeLeftMs: context.getRemainingTimeInMillis(),
    });
  }
  return report;
};
