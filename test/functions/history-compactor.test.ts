import { gunzipSync } from 'node:zlib';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { handler as CompactorHandler } from '../../functions/history-compactor.ts';

// As Lambda gives a fresh compactor invocation (5 min timeout).
const context = { getRemainingTimeInMillis: () => 300_000 };
const signalOf = (call: { readonly args: readonly unknown[] }): AbortSignal | undefined =>
  (call.args[1] as { abortSignal?: AbortSignal } | undefined)?.abortSignal;

describe('history compactor handler', () => {
  let handler: typeof CompactorHandler;
  let dynamo: AwsClientStub<DynamoDBDocumentClient>;
  let s3: AwsClientStub<S3Client>;

  beforeAll(async () => {
    dynamo = mockClient(DynamoDBDocumentClient);
    s3 = mockClient(S3Client);
    Object.assign(process.env, { AWS_REGION: 'us-east-1', TABLE_NAME: 'sites', HISTORY_BUCKET: 'history' });
    ({ handler } = await import('../../functions/history-compactor.ts'));
  });
  afterEach(() => {
    dynamo.reset();
    s3.reset();
  });
  afterAll(() => {
    dynamo.restore();
    s3.restore();
  });

  it('scans only the site ids, visibility and names, compacts the last 48 hours on its first run and writes the summaries and state last', async () => {
    // Prepare
    dynamo
      .on(ScanCommand)
      .resolvesOnce({
        Items: [
          { siteId: 'shop', owner: 'team-a', public: true, url: 'https://shop.example/' },
          { siteId: '#sweep-lease#1' },
        ],
        LastEvaluatedKey: { siteId: 'shop' },
      })
      .resolvesOnce({ Items: [{ siteId: 'blog', url: 'https://blog.example/', name: 'Blog' }] });
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'no such key', $metadata: {} }));
    s3.on(ListObjectsV2Command).resolves({});
    s3.on(PutObjectCommand).resolves({});

    // Act
    const report = await handler({ time: new Date().toISOString() }, context);

    // Assess
    const scans = dynamo.commandCalls(ScanCommand).map((call) => call.args[0].input);
    expect(scans[0]).toMatchObject({
      TableName: 'sites',
      ProjectionExpression: '#siteId, #owner, #public, #name, #url',
    });
    expect(scans[1]?.ExclusiveStartKey).toEqual({ siteId: 'shop' });
    expect(report).toMatchObject({
      hoursCompacted: 48,
      partialHours: 0,
      records: 0,
      sites: 0,
      publicSites: 0,
    });
    const keys = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key);
    expect(keys.filter((key) => key?.startsWith('history/hourly/'))).toHaveLength(48);
    expect(keys.slice(-3)).toEqual([
      'history/summary.json.gz',
      'history/summary-public.json.gz',
      'history/compactor-state.json.gz',
    ]);
    const state = s3.commandCalls(PutObjectCommand).at(-1)?.args[0].input.Body as Uint8Array;
    expect(JSON.parse(gunzipSync(state).toString())).toEqual({
      v: 1,
      compactedUntilMs: report.compactedUntilMs,
      sites: [],
    });
    expect(s3.calls().every((call) => signalOf(call) instanceof AbortSignal)).toBe(true);
  });

  it('refuses a throughMs that is not epoch milliseconds', async () => {
    // Act
    const run = handler({ throughMs: 'soon' as unknown as number }, context);

    // Assess
    await expect(run).rejects.toThrow('throughMs must be epoch milliseconds, got "soon"');
    expect(dynamo.calls()).toHaveLength(0);
  });
});
