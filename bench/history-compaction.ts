/**
 * History pipeline measurements for the cost model: `npx tsx bench/history-compaction.ts [sites]`.
 *
 * 1. gzip bytes per record in a raw batch of 500 realistic records;
 * 2. compaction of 1 hour of 1-minute checks of `sites` sites (default 1,000: 60,000 records in ~120 raw objects of
 *    500 records, two checker invocations a minute), then of a 48-hour catch-up: time and peak RSS, each run in a
 *    fresh child process against fauxqs's S3 in this one (so the child's RSS is the compactor's alone);
 * 3. the summary's and the compactor state's size at steady state (365 days, 168 hours, 20 incidents a site).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { HistoryStore } from '../functions/adapters/history-store.ts';
import { createJsonLogger } from '../functions/adapters/logger.ts';
import type { CheckRecord, RawBatch } from '../functions/domain/history/check-record.ts';
import type { CompactorState } from '../functions/domain/history/compactor-state.ts';
import { DAY_MS, HOUR_MS } from '../functions/domain/history/history-keys.ts';
import { buildHistorySummary } from '../functions/domain/history/summary-builder.ts';
import { compactHistory } from '../functions/services/history-compaction.ts';
import { benchS3Client, startBenchS3 } from './lib/bench-s3.ts';
import { siteIdOf, steadyStateSites } from './lib/history-fleet.ts';

const MINUTE = 60_000;
const BUCKET = 'history';
// 22:00 UTC: the hour after the 48-hour catch-up is a day's last (23:00), which reads back the day's 23 earlier hours.
const START = Date.UTC(2026, 10, 1, 22);
// Steady state: 400 days after START, every cache full.
const STEADY_UNTIL_MS = START + 400 * DAY_MS;

/** A realistic record: mostly up with varied latency, a few down or slow. */
function recordOf(siteIndex: number, atMs: number): CheckRecord {
  const minute = atMs / MINUTE;
  const noise = (siteIndex * 7919 + minute * 104729) % 1000;
  const latencyMs = 60 + (noise % 400) + (noise > 990 ? 2_000 : 0);
  const base = {
    siteId: siteIdOf(siteIndex),
    checkId: `m${minute}`,
    atMs: atMs + (noise % 900),
    latencyMs,
    intervalMinutes: 1,
  };
  if (noise === 7) {
    return {
      ...base,
      kind: 'down',
      reason: 'timeout',
      shown: 'PENDING',
      outageSinceMs: atMs,
      detail: 'no response within 10 s',
    };
  }
  return { ...base, kind: 'up', status: 200, shown: 'UP', ...(latencyMs > 2_000 ? { slow: true } : {}) };
}

/** The batches one minute of checks makes: two checker invocations, each with half the sites. */
function batchesOfMinute(sites: number, minuteMs: number): RawBatch[] {
  const half = Math.ceil(sites / 2);
  return [0, 1].map((part) => ({
    v: 1,
    writtenAtMs: minuteMs + 3_000 + part * 500,
    records: Array.from({ length: Math.min(half, sites - part * half) }, (_, i) =>
      recordOf(part * half + i, minuteMs),
    ),
  }));
}

async function compactInChild(): Promise<void> {
  const [endpoint, nowMs, sites] = process.argv.slice(3).map((arg, i) => (i === 0 ? arg : Number(arg)));
  const rssBeforeMb = process.memoryUsage().rss / 1e6;
  const store = new HistoryStore(benchS3Client(String(endpoint)), BUCKET);
  // Every 100th site public: 10 among 1,000 in the public summary.
  const listed = Array.from({ length: Number(sites) }, (_, i) => ({
    siteId: siteIdOf(i),
    owner: 'default',
    public: i % 100 === 0,
    name: siteIdOf(i),
  }));
  const started = performance.now();
  const report = await compactHistory(
    { store, log: createJsonLogger(() => {}) },
    { nowMs: Number(nowMs), sites: listed, publicOwners: [] },
  );
  const elapsedMs = performance.now() - started;
  const peakRssMb = process.resourceUsage().maxRSS / 1e3;
  process.stdout.write(
    `${JSON.stringify({ elapsedMs: Math.round(elapsedMs), rssBeforeMb: Math.round(rssBeforeMb), peakRssMb: Math.round(peakRssMb), report })}\n`,
  );
}

function steadyStateSizes(sites: number): Record<string, number> {
  const untilMs = STEADY_UNTIL_MS;
  const siteStates = steadyStateSites(sites, untilMs);
  const state: CompactorState = { v: 1, compactedUntilMs: untilMs, sites: siteStates };
  const summary = buildHistorySummary({
    sites: siteStates,
    compactedUntilMs: untilMs,
    generatedAtMs: untilMs,
  });
  const summaryJson = JSON.stringify(summary);
  const stateJson = JSON.stringify(state);
  return {
    summaryBytes: Buffer.byteLength(summaryJson),
    summaryGzipBytes: gzipSync(summaryJson).byteLength,
    stateBytes: Buffer.byteLength(stateJson),
    stateGzipBytes: gzipSync(stateJson).byteLength,
  };
}

async function main(): Promise<void> {
  const sites = Number(process.argv[2] ?? 1_000);
  const batch = batchesOfMinute(1_000, START)[0] as RawBatch;
  const batchJson = JSON.stringify(batch);
  const gzipBytes = gzipSync(batchJson).byteLength;
  console.log(
    JSON.stringify({
      rawBatch: {
        records: batch.records.length,
        jsonBytes: batchJson.length,
        gzipBytes,
        gzipBytesPerRecord: +(gzipBytes / batch.records.length).toFixed(1),
      },
    }),
  );
  console.log(JSON.stringify({ steadyState: { sites, ...steadyStateSizes(sites) } }));

  const s3 = await startBenchS3(BUCKET);
  const { endpoint, client } = s3;
  const store = new HistoryStore(client, BUCKET);
  const writeHours = async (fromMs: number, hours: number) => {
    let pending: Promise<string>[] = [];
    for (let minuteMs = fromMs; minuteMs < fromMs + hours * HOUR_MS; minuteMs += MINUTE) {
      pending.push(...batchesOfMinute(sites, minuteMs).map((b) => store.putRawBatch(b)));
      if (pending.length >= 16) {
        await Promise.all(pending);
        pending = [];
      }
    }
    await Promise.all(pending);
  };
  // Asynchronous: the emulator in this process must keep answering while the child compacts.
  const runChild = async (nowMs: number) =>
    JSON.parse(
      (
        await promisify(execFile)(
          process.execPath,
          [
            '--import',
            'tsx',
            new URL(import.meta.url).pathname,
            '--compact',
            endpoint,
            String(nowMs),
            String(sites),
          ],
          {
            encoding: 'utf8',
            env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
            maxBuffer: 16 * 1024 * 1024,
          },
        )
      ).stdout.trim(),
    );

  try {
    // One hour, compacted from a state one hour behind (an ordinary hourly run).
    await store.putCompactorState({ v: 1, compactedUntilMs: START, sites: [] });
    await writeHours(START, 1);
    const first = await runChild(START + HOUR_MS + 20 * MINUTE);
    console.log(JSON.stringify({ oneHour: first }));
    // Then 48 more hours, compacted in one catch-up run.
    await writeHours(START + HOUR_MS, 48);
    const catchUp = await runChild(START + 49 * HOUR_MS + 20 * MINUTE);
    console.log(JSON.stringify({ catchUp48h: catchUp }));
    // And one more ordinary hour after it (23:00, the worst case: 23 earlier hours read back), caches full of 2 days.
    await writeHours(START + 49 * HOUR_MS, 1);
    const after = await runChild(START + 50 * HOUR_MS + 20 * MINUTE);
    console.log(JSON.stringify({ hourAfterCatchUp: after }));
    // Stored (gzip) sizes of what the compactor wrote, for the storage line of the cost model.
    const sizes: Record<string, number> = {};
    for (const prefix of [
      'history/hourly/',
      'history/daily/',
      'history/summary',
      'history/compactor-state',
    ]) {
      const { Contents = [] } = await client.send(
        new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }),
      );
      sizes[prefix] = Math.max(...Contents.map((object) => object.Size ?? 0));
    }
    console.log(JSON.stringify({ largestStoredBytes: sizes }));
  } finally {
    await s3.stop();
  }
}

if (process.argv[2] === '--compact') await compactInChild();
else await main();
