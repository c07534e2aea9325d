import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { AWS_HTTP_TIMEOUTS, CallDeadline } from './adapters/call-deadline.ts';
import { createHistoryS3Client, HistoryStore } from './adapters/history-store.ts';
import { createJsonLogger } from './adapters/logger.ts';
import { SiteListing } from './adapters/site-listing.ts';
import { readCompactorConfig } from './config.ts';
import { type CompactionReport, compactHistory } from './services/history-compaction.ts';

/** EventBridge's scheduled event (hourly at minute 20), or the local runtime's call with throughMs. */
export interface CompactorEvent {
  readonly time?: string;
  /** Also compact the current hour up to here (epoch ms); the local runtime passes its clock every minute. */
  readonly throughMs?: number;
}

const config = readCompactorConfig(process.env);
// A GET or PUT of a history object answers in well under a second; 10 s bounds a hung one, and calls stop 2 s
// before the Lambda timeout so the run fails with the call's error (and the next run does the work again).
const deadline = new CallDeadline({ maxCallMs: 10_000, marginMs: 2_000 });
const deps = {
  sites: new SiteListing(new DynamoDBClient({ requestHandler: AWS_HTTP_TIMEOUTS }), config.tableName, {
    deadline,
  }),
  store: new HistoryStore(createHistoryS3Client(config.history), config.history.bucket, { deadline }),
  log: createJsonLogger(),
};

/** Compacts the raw history of the sites that exist, summarising the public ones apart (services/history-compaction.ts). */
export const handler = async (
  event: CompactorEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<CompactionReport> => {
  const nowMs = Date.now();
  if (context) deadline.startInvocation(nowMs + context.getRemainingTimeInMillis());
  if (event.throughMs !== undefined && !Number.isSafeInteger(event.throughMs)) {
    throw new TypeError(`throughMs must be epoch milliseconds, got ${JSON.stringify(event.throughMs)}`);
  }
  const sites = await deps.sites.listSites();
  return compactHistory(deps, {
    nowMs,
    sites,
    publicOwners: config.publicOwners,
    ...(event.throughMs === undefined ? {} : { throughMs: event.throughMs }),
  });
};
