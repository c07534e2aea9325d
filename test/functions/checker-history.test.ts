import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { handler as CheckerHandler } from '../../functions/checker.ts';
import { packCheckMessages } from '../../functions/domain/check-message.ts';
import { INITIAL_STATE, type SiteState } from '../../functions/domain/site-state.ts';
import { aSite } from '../support/fixtures.ts';
import { startTestSite, type TestSite } from '../support/http-sites.ts';

// The checker handler with HISTORY_BUCKET set: the history is written last and best effort, so S3 refusing every
// write changes nothing in what the handler answers or alerts; the lost batch is counted on the metrics line.

const context = { getRemainingTimeInMillis: () => 30_000 };
const PENDING: SiteState = {
  ...INITIAL_STATE,
  status: 'PENDING',
  version: 3,
  consecutiveFailures: 1,
  outage: { sinceMs: Date.now() - 30_000, reason: 'http-5xx', detail: 'HTTP 503' },
  lastCheckId: 'r2',
};

const record = (messageId: string, body: string): SQSRecord =>
  ({ messageId, body, receiptHandle: `rh-${messageId}`, attributes: {}, messageAttributes: {} }) as SQSRecord;

describe('checker handler with history on', () => {
  let broken: TestSite;
  let handler: typeof CheckerHandler;
  let dynamo: AwsClientStub<DynamoDBDocumentClient>;
  let sns: AwsClientStub<SNSClient>;
  let sqs: AwsClientStub<SQSClient>;
  let s3: AwsClientStub<S3Client>;

  beforeAll(async () => {
    broken = await startTestSite(503);
    dynamo = mockClient(DynamoDBDocumentClient);
    sns = mockClient(SNSClient);
    sqs = mockClient(SQSClient);
    s3 = mockClient(S3Client);
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      TABLE_NAME: 'sites',
      QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/checks',
      TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alerts',
      HISTORY_BUCKET: 'squirrel-history',
      ALLOW_PRIVATE_TARGETS: 'true',
    });
    ({ handler } = await import('../../functions/checker.ts'));
  });
  afterEach(() => {
    dynamo.reset();
    sns.reset();
    sqs.reset();
    s3.reset();
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    dynamo.restore();
    sns.restore();
    sqs.restore();
    s3.restore();
    delete process.env.HISTORY_BUCKET;
    await broken.close();
  });

  it('answers and alerts as always when S3 refuses the history batch, and counts the batch lost', async () => {
    // Prepare: the confirming check of a PENDING site; S3 is down
    dynamo.on(UpdateCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'x' });
    s3.on(PutObjectCommand).rejects(
      Object.assign(new Error('We encountered an internal error'), { name: 'InternalError' }),
    );
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const [body] = packCheckMessages(
      [{ checkId: 'm29000000', site: aSite({ siteId: 'broken', url: broken.url }), state: PENDING }],
      { maxTasks: 10 },
    );

    // Act
    const response = await handler({ Records: [record('down', body ?? '')] }, context);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    const logged = lines.map((line) => JSON.parse(line));
    expect(logged.find((line) => line.message?.startsWith('history batch not written'))).toMatchObject({
      level: 'ERROR',
      records: 1,
      sites: 1,
    });
    expect(logged.find((line) => '_aws' in line)).toMatchObject({ HistoryRecords: 0, HistoryBatchesLost: 1 });
  });
});
