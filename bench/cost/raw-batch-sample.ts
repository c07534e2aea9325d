import { gzipSync } from 'node:zlib';
import * as v from 'valibot';
import { type CheckRecord, RawBatchSchema } from '../../functions/domain/history/check-record.ts';

/**
 * A raw batch as one checker invocation writes it (functions/domain/history/check-record.ts), built from a
 * deterministic fleet so its gzip size is a measurement the cost model can repeat: `records` checks of the same
 * minute on distinct sites, mostly up with spread response times, a few down, slow or in maintenance.
 */
export function sampleRawBatch(records: number, writtenAtMs = Date.UTC(2026, 11, 6, 12, 0, 30)): unknown {
  // A small linear congruential generator: the same sample on every run and machine.
  let seed = 0x5eed;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const minute = Math.floor(writtenAtMs / 60_000);
  const words = [
    'api',
    'shop',
    'blog',
    'status',
    'auth',
    'cdn',
    'docs',
    'app',
    'mail',
    'admin',
    'www',
    'edge',
  ];
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const built: CheckRecord[] = Array.from({ length: records }, (_, index) => {
    const roll = random();
    const siteId = `${pick(words)}-${pick(words)}-${(index * 7919) % 10_000}`;
    const atMs = writtenAtMs - Math.floor(random() * 25_000);
    // Response times as the bench measures them over HTTPS: ~80-600 ms, a long tail.
    const latencyMs = Math.round(80 + 120 * random() + (random() < 0.1 ? 1_500 * random() : 0));
    const base = { siteId, checkId: `m${minute}`, atMs, latencyMs, intervalMinutes: 1 };
    if (roll < 0.01) {
      return {
        ...base,
        kind: 'down',
        reason: 'http-5xx',
        status: 503,
        shown: 'PENDING',
        outageSinceMs: atMs,
        detail: 'The server answered 503 Service Unavailable (expected 200-399).',
      };
    }
    if (roll < 0.015) return { ...base, kind: 'up', status: 200, shown: 'DEGRADED', slow: true };
    if (roll < 0.02) return { ...base, kind: 'up', status: 200, shown: 'UP', inMaintenance: true };
    return { ...base, kind: 'up', status: random() < 0.9 ? 200 : 301, shown: 'UP' };
  });
  // Through the contract's schema: a field the schema does not know would fail here, not be priced.
  return v.parse(RawBatchSchema, { v: 1, writtenAtMs, records: built });
}

/** Bytes one record takes in a gzip-compressed raw batch of `records` records (JSON, as the checker writes it). */
export function measureGzipBytesPerRecord(records = 500): {
  readonly records: number;
  readonly jsonBytes: number;
  readonly gzipBytes: number;
  readonly gzipBytesPerRecord: number;
} {
  const json = JSON.stringify(sampleRawBatch(records));
  const gzipBytes = gzipSync(json).length;
  return { records, jsonBytes: Buffer.byteLength(json), gzipBytes, gzipBytesPerRecord: gzipBytes / records };
}
