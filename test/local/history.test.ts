import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HeadBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { RAW_PREFIX } from '../../functions/domain/history/history-keys.ts';
import type { LocalRuntime } from '../../local/runtime.ts';
import { addSite, makeDataDir, startTestRuntime, sweepAndSettle, waitFor } from '../helpers/local-runtime.ts';
import { startSwitchableSite } from '../helpers/switchable-site.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startRuntime(options: Parameters<typeof startTestRuntime>[1] = {}): Promise<LocalRuntime> {
  const dir = await makeDataDir();
  cleanups.push(dir.remove);
  const runtime = await startTestRuntime(dir.path, options);
  cleanups.push(() => runtime.stop());
  return runtime;
}

/** A client for the runtime's S3 as a user's tool would make one: path-style, on the printed endpoint. */
function s3Of(runtime: LocalRuntime): S3Client {
  const client = new S3Client({
    region: runtime.endpoints.region,
    endpoint: runtime.endpoints.s3Endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  cleanups.push(() => client.destroy());
  return client;
}

describe('local runtime: history', () => {
  it('creates the history bucket in the emulator and names it, with its endpoint, in runtime.json', async () => {
    // Act
    const runtime = await startRuntime();

    // Assess
    const file = JSON.parse(await readFile(join(runtime.dataDir, 'runtime.json'), 'utf8'));
    expect(file).toMatchObject({
      historyBucket: 'uptime-squirrel-history',
      s3Endpoint: runtime.endpoints.sqsEndpoint,
    });
    await expect(
      s3Of(runtime).send(new HeadBucketCommand({ Bucket: runtime.endpoints.historyBucket })),
    ).resolves.toBeDefined();
    // No page unless asked for: tests and tools do not hold a port for it.
    expect(runtime.statusPageUrl).toBeUndefined();
  });

  // Starts a runtime, runs three sweeps and a compaction: ~18 s on a quiet 2-core machine, more under load.
  it('records raw batches, compacts them into a summary, and serves the page and status.json', async () => {
    // Prepare
    const site = await startSwitchableSite(200);
    cleanups.push(site.close);
    const runtime = await startRuntime({ statusPagePort: 0 });
    await addSite(runtime, { siteId: 'shop', url: site.url, name: 'Shop' });

    // Act: a few sweeps, as the schedule would run them
    for (let sweep = 0; sweep < 3; sweep++) await sweepAndSettle(runtime, 1);

    // Assess: the checker wrote raw batches
    const raw = await waitFor('a raw batch in the bucket', async () => {
      const { Contents = [] } = await s3Of(runtime).send(
        new ListObjectsV2Command({ Bucket: runtime.endpoints.historyBucket, Prefix: RAW_PREFIX }),
      );
      return Contents.length > 0 ? Contents : undefined;
    });
    expect(raw[0]?.Key).toMatch(/^history\/raw\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/\d{7}-.+\.json\.gz$/);

    // Act: the compaction the runtime runs every minute
    await runtime.compactHistory();

    // Assess: a summary with the site, and the page serving it
    const summary = await runtime.history.getSummary();
    expect(summary?.sites.map((entry) => entry.siteId)).toEqual(['shop']);
    const url = runtime.statusPageUrl ?? '';
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const [page, document] = await Promise.all([fetch(url), fetch(new URL('status.json', url))]);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html|<!doctype/i);
    const body = (await document.json()) as { audience: string; sites: Array<Record<string, unknown>> };
    expect(body.audience).toBe('private');
    expect(body.sites).toEqual([
      expect.objectContaining({ id: 'shop', name: 'Shop', url: site.url, status: 'UP' }),
    ]);
    expect(runtime.stats().compactions).toEqual({ completed: 1, failed: 0 });
  }, 60_000);
});
