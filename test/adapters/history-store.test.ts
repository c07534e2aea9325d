import { gunzipSync, gzipSync } from 'node:zlib';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CallDeadline } from '../../functions/adapters/call-deadline.ts';
import { HistoryStore, READ_LIMITS } from '../../functions/adapters/history-store.ts';
import type { SiteIncidentsFile } from '../../functions/domain/history/incident.ts';
import type { RollupFile } from '../../functions/domain/history/rollup.ts';
import type { StatusDocument } from '../../functions/domain/history/status-document.ts';
import type { HistorySummary } from '../../functions/domain/history/summary.ts';
import { aBatch, aRecord } from '../support/raw-history.ts';
import { type S3Emulator, startS3Emulator } from '../support/s3-emulator.ts';

const AT = Date.UTC(2026, 11, 6, 9, 15, 30, 250);
const aSummary = (compactedUntilMs: number): HistorySummary => ({
  v: 1,
  generatedAtMs: compactedUntilMs + 60_000,
  compactedUntilMs,
  sites: [],
});
// What the store reads: the SDK's stream mixin, reduced to the method the store calls.
const bodyOf = (bytes: Uint8Array) =>
  ({ transformToByteArray: async () => bytes, destroy: () => {} }) as never;

describe('HistoryStore with a mocked S3 client', () => {
  let s3: AwsClientStub<S3Client>;
  const store = new HistoryStore(new S3Client({ region: 'us-east-1' }), 'history', { uniqueId: () => 'abc' });
  beforeAll(() => {
    s3 = mockClient(S3Client);
  });
  afterEach(() => s3.reset());
  // The mock replaces every S3Client's send: the emulator tests below need the real one back.
  afterAll(() => s3.restore());

  it('writes a raw batch as gzip JSON under its time key, without Content-Encoding', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});
    const batch = aBatch([aRecord({ siteId: 'shop', atMs: AT })], 1_000);

    // Act
    const key = await store.putRawBatch(batch);

    // Assess
    expect(key).toBe('history/raw/2026/12/06/09/1531250-abc.json.gz');
    const input = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ Bucket: 'history', Key: key, ContentType: 'application/json' });
    expect(input?.ContentEncoding).toBeUndefined();
    expect(JSON.parse(gunzipSync(input?.Body as Uint8Array).toString())).toEqual(batch);
  });

  it('publishes status.json (max-age=30) and the page (text/html, max-age=300) uncompressed', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});
    const document: StatusDocument = {
      v: 1,
      audience: 'public',
      title: 'Status',
      generatedAtMs: AT,
      sites: [],
    };

    // Act
    await store.putPublicDocument(document);
    await store.putPublicPage('<!doctype html><title>Status</title>');

    // Assess
    const [json, html] = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(json).toMatchObject({
      Key: 'status/public/status.json',
      ContentType: 'application/json',
      CacheControl: 'max-age=30',
    });
    expect(JSON.parse(String(json?.Body))).toEqual(document);
    expect(html).toMatchObject({
      Key: 'status/public/index.html',
      ContentType: 'text/html; charset=utf-8',
      CacheControl: 'max-age=300',
    });
  });

  it('reads a missing object as undefined', async () => {
    // Prepare
    s3.on(GetObjectCommand).rejects(
      new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }),
    );

    // Act
    const summary = await store.getSummary();

    // Assess
    expect(summary).toBeUndefined();
  });

  it('refuses an object larger than its limit before reading its body', async () => {
    // Prepare
    s3.on(GetObjectCommand).resolves({
      ContentLength: READ_LIMITS.raw.storedBytes + 1,
      Body: bodyOf(new Uint8Array()),
    });

    // Act
    const read = store.getRawBatch('history/raw/2026/12/06/09/1531250-abc.json.gz');

    // Assess
    await expect(read).rejects.toThrow(
      `history object history/raw/2026/12/06/09/1531250-abc.json.gz: is ${READ_LIMITS.raw.storedBytes + 1} bytes, more than the ${READ_LIMITS.raw.storedBytes} allowed`,
    );
  });

  it.each([
    ['not gzip', new TextEncoder().encode('{"v":1}'), 'is not gzip data'],
    ['not JSON', gzipSync('{"v":'), 'is not JSON'],
    [
      'not a summary',
      gzipSync(JSON.stringify({ v: 1, generatedAtMs: -1 })),
      'does not match its schema at generatedAtMs',
    ],
  ])('refuses an object that is %s, with a clear error', async (_, bytes, message) => {
    // Prepare
    s3.on(GetObjectCommand).resolves({ ContentLength: bytes.byteLength, Body: bodyOf(bytes) });

    // Act
    const read = store.getSummary();

    // Assess
    await expect(read).rejects.toMatchObject({
      code: 'HISTORY_OBJECT_INVALID',
      message: expect.stringContaining(`history object history/summary.json.gz: ${message}`),
    });
  });

  it('refuses a gzip object that inflates past its limit', async () => {
    // Prepare: zeros compress ~1000:1.
    const bomb = gzipSync(Buffer.alloc(READ_LIMITS.raw.inflatedBytes + 1));
    s3.on(GetObjectCommand).resolves({ ContentLength: bomb.byteLength, Body: bodyOf(bomb) });

    // Act
    const read = store.getRawBatch('history/raw/2026/12/06/09/1531250-abc.json.gz');

    // Assess
    await expect(read).rejects.toThrow(
      `inflates to more than the ${READ_LIMITS.raw.inflatedBytes} bytes allowed`,
    );
  });

  it('lists every page of a prefix', async () => {
    // Prepare
    s3.on(ListObjectsV2Command)
      .resolvesOnce({
        Contents: [{ Key: 'history/raw/2026/12/06/09/a' }],
        IsTruncated: true,
        NextContinuationToken: 't1',
      })
      .resolvesOnce({ Contents: [{ Key: 'history/raw/2026/12/06/09/b' }], IsTruncated: false });

    // Act
    const keys = await store.listRawBatchKeys(Date.UTC(2026, 11, 6, 9));

    // Assess
    expect(keys).toEqual(['history/raw/2026/12/06/09/a', 'history/raw/2026/12/06/09/b']);
    const inputs = s3.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input);
    expect(inputs).toEqual([
      { Bucket: 'history', Prefix: 'history/raw/2026/12/06/09/', ContinuationToken: undefined },
      { Bucket: 'history', Prefix: 'history/raw/2026/12/06/09/', ContinuationToken: 't1' },
    ]);
  });

  it('answers "unchanged" when S3 says the summary still has the known ETag (304)', async () => {
    // Prepare
    s3.on(GetObjectCommand).rejects(
      new S3ServiceException({ name: 'NotModified', $fault: 'client', $metadata: { httpStatusCode: 304 } }),
    );

    // Act
    const read = await store.getSummaryIfChanged('"etag-1"');

    // Assess
    expect(read).toBe('unchanged');
    expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input.IfNoneMatch).toBe('"etag-1"');
  });
});

describe('HistoryStore against fauxqs S3', () => {
  let emulator: S3Emulator;
  let store: HistoryStore;

  beforeAll(async () => {
    emulator = await startS3Emulator();
    await emulator.createBucket('history');
    store = new HistoryStore(emulator.client, 'history');
  });
  afterAll(() => emulator.stop());

  it('round-trips raw batches, rollups, incidents, summary and state', async () => {
    // Prepare
    const batch = aBatch([aRecord({ siteId: 'shop', atMs: AT }), aRecord({ siteId: 'blog', atMs: AT })]);
    const rollup: RollupFile = {
      v: 1,
      period: 'hour',
      startMs: Date.UTC(2026, 11, 6, 9),
      endMs: Date.UTC(2026, 11, 6, 10),
      sites: [],
    };
    const incidents: SiteIncidentsFile = { v: 1, siteId: 'shop', incidents: [] };

    // Act
    const key = await store.putRawBatch(batch);
    await store.putRollup(rollup);
    await store.putSiteIncidents(incidents);
    await store.putSummary(aSummary(AT));
    await store.putCompactorState({ v: 1, compactedUntilMs: Date.UTC(2026, 11, 6, 9), sites: [] });

    // Assess
    expect(await store.listRawBatchKeys(Date.UTC(2026, 11, 6, 9))).toEqual([key]);
    expect(await store.getRawBatch(key)).toEqual(batch);
    expect(await store.getRollup('hour', rollup.startMs)).toEqual(rollup);
    expect(await store.getRollup('day', rollup.startMs)).toBeUndefined();
    expect(await store.getSiteIncidents('shop')).toEqual(incidents);
    expect(await store.listIncidentSiteIds()).toEqual(['shop']);
    expect(await store.getSummary()).toEqual(aSummary(AT));
    expect((await store.getCompactorState())?.compactedUntilMs).toBe(Date.UTC(2026, 11, 6, 9));

    // Act
    await store.deleteSiteIncidents('shop');
    await store.deleteSiteIncidents('shop');

    // Assess
    expect(await store.getSiteIncidents('shop')).toBeUndefined();
    expect(await store.listIncidentSiteIds()).toEqual([]);
  });

  it('reads the summary again only after it changed (ETag)', async () => {
    // Prepare
    await store.putSummary(aSummary(AT));
    const first = await store.getSummaryIfChanged(undefined);
    const eTag = first === 'unchanged' ? undefined : first?.eTag;

    // Act
    const same = await store.getSummaryIfChanged(eTag);
    await store.putSummary(aSummary(AT + 3_600_000));
    const changed = await store.getSummaryIfChanged(eTag);

    // Assess
    expect(eTag).toEqual(expect.any(String));
    expect(same).toBe('unchanged');
    expect(changed).toMatchObject({ summary: { compactedUntilMs: AT + 3_600_000 } });
  });

  it('keeps the public summary apart from the summary, and reads it again only after it changed (ETag)', async () => {
    // Prepare
    await store.putSummary(aSummary(AT));
    await store.putPublicSummary({ ...aSummary(AT + 60_000), sites: [] });
    const first = await store.getPublicSummaryIfChanged(undefined);
    const eTag = first === 'unchanged' ? undefined : first?.eTag;

    // Act
    const same = await store.getPublicSummaryIfChanged(eTag);
    await store.putPublicSummary(aSummary(AT + 3_600_000));
    const changed = await store.getPublicSummaryIfChanged(eTag);

    // Assess
    expect(first).toMatchObject({ summary: { compactedUntilMs: AT + 60_000, sites: [] } });
    expect(same).toBe('unchanged');
    expect(changed).toMatchObject({ summary: aSummary(AT + 3_600_000) });
    expect(await store.getSummary()).toEqual(aSummary(AT));
    expect(await store.listKeys('history/summary-public')).toEqual(['history/summary-public.json.gz']);
  });

  it('lists more than one page of keys', async () => {
    // Prepare: 1,001 incidents files (S3 pages 1,000 keys).
    const siteIds = Array.from({ length: 1_001 }, (_, i) => `site-${String(i).padStart(4, '0')}`);
    for (let i = 0; i < siteIds.length; i += 50) {
      await Promise.all(
        siteIds.slice(i, i + 50).map((siteId) => store.putSiteIncidents({ v: 1, siteId, incidents: [] })),
      );
    }

    // Act
    const listed = await store.listIncidentSiteIds();

    // Assess
    expect(listed).toEqual(siteIds);
  }, 60_000);

  it('stores the public page with its content type (its cache header: see the mocked test)', async () => {
    // Act
    await store.putPublicPage('<!doctype html>');

    // Assess
    const head = await emulator.client.send(
      new HeadObjectCommand({ Bucket: 'history', Key: 'status/public/index.html' }),
    );
    expect(head).toMatchObject({ ContentType: 'text/html; charset=utf-8' });
  });

  it('does not start a call once the invocation has no time left', async () => {
    // Prepare
    const deadline = new CallDeadline({ marginMs: 1_000 });
    deadline.startInvocation(Date.now() + 500);
    const late = new HistoryStore(emulator.client, 'history', { deadline });

    // Act
    const read = late.getSummary();

    // Assess
    await expect(read).rejects.toMatchObject({ name: 'AbortError' });
  });
});
