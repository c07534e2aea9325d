import type { CheckRecord, RawBatch } from '../../functions/domain/history/check-record.ts';

/** A record of an up check every minute unless the test says otherwise. */
export const aRecord = (
  overrides: Partial<CheckRecord> & Pick<CheckRecord, 'siteId' | 'atMs'>,
): CheckRecord => ({
  checkId: `${overrides.siteId}:${overrides.atMs}`,
  kind: 'up',
  status: 200,
  latencyMs: 120,
  shown: 'UP',
  intervalMinutes: 1,
  ...overrides,
});

/** One checker invocation's batch, written `delayMs` after its first record. */
export const aBatch = (records: readonly CheckRecord[], delayMs = 2_000): RawBatch => ({
  v: 1,
  writtenAtMs: Math.min(...records.map((record) => record.atMs)) + delayMs,
  records: [...records],
});
