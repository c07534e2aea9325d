// Runs the checker core once, in a process the parent started under a low `ulimit -n`, with the production
// adapters pointed at the local runtime's emulators. Prints one JSON line: the batch report and what the
// checker said about the checks it could not complete.
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { AlertPublisher } from '../../../functions/adapters/alert-publisher.ts';
import { CheckQueue } from '../../../functions/adapters/check-queue.ts';
import { createProbe } from '../../../functions/adapters/http-probe.ts';
import { createJsonLogger } from '../../../functions/adapters/logger.ts';
import { SiteStore } from '../../../functions/adapters/site-store.ts';
import {
  type BatchReport,
  processCheckBatch,
  type QueueRecord,
} from '../../../functions/services/check-batch.ts';

/** What the parent hands over (as a JSON file). */
export interface FdStarvedJob {
  readonly region: string;
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly tableName: string;
  readonly queueUrl: string;
  readonly topicArn: string;
  readonly concurrency: number;
  readonly records: readonly QueueRecord[];
}

/** What the child prints. */
export interface FdStarvedOutcome {
  /** "Max open files" soft limit the child ran under. */
  readonly openFilesLimit: number;
  readonly report: BatchReport;
  /** Why checks were not completed or not stored, with how often: `reason: detail without the URL`. */
  readonly problems: Readonly<Record<string, number>>;
}

const job = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as FdStarvedJob;
// Read now: once the checks have run, the descriptors may all be taken (SDK sockets kept alive).
const limits = readFileSync('/proc/self/limits', 'utf8');
const clientConfig = {
  region: job.region,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
};
const problems: Record<string, number> = {};
const log = createJsonLogger((line) => {
  const json = JSON.parse(line) as Record<string, unknown>;
  if (json.level !== 'WARN' && json.level !== 'ERROR') return;
  const what = String(json.detail ?? json.error ?? json.message).replace(/ on (HEAD|GET) .*$/, '');
  const key = `${String(json.reason ?? json.message)}: ${what}`;
  problems[key] = (problems[key] ?? 0) + 1;
});
const probe = createProbe({ allowPrivateTargets: true });
const report = await processCheckBatch(
  job.records,
  {
    store: new SiteStore(
      new DynamoDBClient({ ...clientConfig, endpoint: job.dynamodbEndpoint }),
      job.tableName,
    ),
    probe,
    publisher: new AlertPublisher(
      new SNSClient({ ...clientConfig, endpoint: job.sqsEndpoint }),
      job.topicArn,
    ),
    queue: new CheckQueue(
      new SQSClient({ ...clientConfig, endpoint: job.sqsEndpoint, useQueueUrlAsEndpoint: false }),
      job.queueUrl,
    ),
    log,
    nowMs: Date.now,
  },
  { deadlineMs: Date.now() + 60_000, concurrency: job.concurrency },
);
await probe.close();
const openFilesLimit = Number(/Max open files\s+(\d+)/.exec(limits)?.[1] ?? Number.NaN);
const outcome: FdStarvedOutcome = { openFilesLimit, report, problems };
process.stdout.write(`${JSON.stringify(outcome)}\n`);
// SDK clients keep sockets open: the job is done, do not wait for them.
process.exit(0);
