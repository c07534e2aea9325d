import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { minuteOfEpoch } from '../../functions/domain/schedule.ts';
import type { handler as FanOutHandler } from '../../functions/fan-out.ts';

// The fan-out with a history bucket: after the sweep it publishes the public status page. Whatever S3 does, the
// sweep's sends come first and its report comes back (the publisher's own rules: test/services/status-publisher).

const MINUTE = minuteOfEpoch(Date.now());
const context = { getRemainingTimeInMillis: () => 50_000 };
const items = Array.from({ length: 6 }, (_, i) => ({
  siteId: `site-${i}`,
  url: `https://s${i}.example.com/`,
  intervalMinutes: 1,
  public: i % 2 === 0,
  status: 'UP',
  version: 1,
}));

describe('fan-out handler with a history bucket', () => {
  let handler: typeof FanOutHandler;
  let dynamo: AwsClientStub<DynamoDBDocumentClient>;
  let sqs: AwsClientStub<SQSClient>;
  let s3: AwsClientStub<S3Client>;
  const logged: Record<string, unknown>[] = [];

  beforeAll(async () => {
    dynamo = mockClient(DynamoDBDocumentClient);
    sqs = mockClient(SQSClient);
    s3 = mockClient(S3Client);
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) logged.push(JSON.parse(line));
      return true;
    });
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      TABLE_NAME: 'sites',
      QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/checks',
      SCAN_SEGMENTS: '1',
      CHECKS_PER_MESSAGE: '10',
      HISTORY_BUCKET: 'history-bucket',
      STATUS_PAGE_TITLE: 'Example status',
    });
    ({ handler } = await import('../../functions/fan-out.ts'));
  });
  afterEach(() => {
    dynamo.reset();
    sqs.reset();
    s3.reset();
    logged.length = 0;
  });
  afterAll(() => {
    dynamo.restore();
    sqs.restore();
    s3.restore();
    vi.restoreAllMocks();
  });

  it('returns the sweep report when S3 fails, after the sends, and logs why the page was not published', async () => {
    // Prepare
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(ScanCommand).resolves({ Items: items });
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    s3.onAnyCommand().rejects(new Error('AccessDenied'));

    // Act
    const report = await handler({ time: new Date(MINUTE * 60_000).toISOString() }, context);

    // Assess
    expect(report).toMatchObject({ outcome: 'swept', scanned: 6, due: 6 });
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
    // Only the public sites' summary is read, never the whole fleet's.
    expect(s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key)).toEqual([
      'history/summary-public.json.gz',
    ]);
    const messages = logged.map((line) => line.message);
    expect(messages).toContain('status page not published: the next full sweep tries again');
    expect(messages.indexOf('sweep complete')).toBeLessThan(
      messages.indexOf('status page not published: the next full sweep tries again'),
    );
    expect(
      logged.find((line) => line.message?.toString().startsWith('status page not published')),
    ).toMatchObject({
      level: 'WARN',
      kind: 'failed',
      sites: 3,
    });
  });

  it('publishes nothing after a duplicate event (that sweep saw no site)', async () => {
    // Prepare
    dynamo
      .on(UpdateCommand)
      .rejects(Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' }));

    // Act
    const report = await handler({ time: new Date((MINUTE + 1) * 60_000).toISOString() }, context);

    // Assess
    expect(report.outcome).toBe('duplicate');
    expect(s3.calls()).toHaveLength(0);
    expect(logged.some((line) => String(line.message).startsWith('status page'))).toBe(false);
  });
});
