import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryStore } from '../../functions/adapters/history-store.ts';
import { createJsonLogger } from '../../functions/adapters/logger.ts';
import type { CheckRecord } from '../../functions/domain/history/check-record.ts';
import { HOUR_MS } from '../../functions/domain/history/history-keys.ts';
import { EMPTY_TOTALS } from '../../functions/domain/history/time-totals.ts';
import { compactHistory } from '../../functions/services/history-compaction.ts';
import { startHistoryBucket } from '../support/history-bucket.ts';
import { aBatch, aRecord } from '../support/raw-history.ts';
import type { S3Emulator } from '../support/s3-emulator.ts';

// Issue 15: a site failing from its home region only (REGIONAL) for two hours, across hour boundaries, then down
// from most locations (DOWN) for 20 minutes, then UP. REGIONAL is no outage: its time is up time and no incident;
// the DOWN after it is one, and downtime from its confirmation.

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 11, 5, 8);
const FIRST_FAILURE = T0 + 30 * MINUTE; // 08:30, PENDING
const REGIONAL_SINCE = FIRST_FAILURE + 30_000; // the confirming re-check, verified: REGIONAL
const DOWN_SINCE = T0 + 150 * MINUTE; // 10:30: most locations fail now
const UP_AGAIN = T0 + 170 * MINUTE; // 10:50
const SITES = { sites: [{ siteId: 'edge', owner: 'team-a', name: 'Edge' }], publicOwners: [] };

const failure = {
  kind: 'down',
  reason: 'timeout',
  status: undefined,
  detail: 'no answer in 10000 ms',
  latencyMs: 10_000,
} as const;

/** The record the checker writes at `atMs` (history-recorder.ts: only failing statuses carry the outage start). */
function recordAt(atMs: number): CheckRecord {
  const base = { siteId: 'edge', atMs };
  if (atMs < FIRST_FAILURE || atMs >= UP_AGAIN) return aRecord(base);
  if (atMs === FIRST_FAILURE) return aRecord({ ...base, ...failure, shown: 'PENDING', outageSinceMs: atMs });
  if (atMs < DOWN_SINCE) return aRecord({ ...base, ...failure, shown: 'REGIONAL' });
  // The contract's REGIONAL → DOWN: the DOWN alert's outage starts at home's first failure.
  return aRecord({ ...base, ...failure, shown: 'DOWN', outageSinceMs: FIRST_FAILURE });
}

describe('compactHistory against fauxqs S3: REGIONAL then DOWN', () => {
  let emulator: S3Emulator;
  let store: HistoryStore;
  const log = createJsonLogger(() => {});

  beforeAll(async () => {
    ({ emulator, store } = await startHistoryBucket());
    const minutes = Array.from({ length: 4 * 60 }, (_, index) => T0 + index * MINUTE);
    for (let index = 0; index < minutes.length; index += 30) {
      await store.putRawBatch(aBatch(minutes.slice(index, index + 30).map(recordAt)));
    }
    await store.putRawBatch(aBatch([recordAt(REGIONAL_SINCE)], 1_000));
  }, 60_000);
  afterAll(() => emulator.stop());

  it('counts the REGIONAL hours as up time, apart in the rollups, and the DOWN after them as one incident', async () => {
    // Act: everything through 12:00 is compacted
    await compactHistory({ store, log }, { nowMs: T0 + 4 * HOUR_MS + 30 * MINUTE, ...SITES });
    const summary = await store.getSummary();
    const hours = await Promise.all([0, 1, 2, 3].map((hour) => store.getRollup('hour', T0 + hour * HOUR_MS)));
    const incidents = await store.getSiteIncidents('edge');
    const state = await store.getCompactorState();

    // Assess: down is the PENDING half minute and the 20 DOWN minutes; the rest of the 4 hours is up.
    expect(summary?.sites[0]?.windows['24h']).toEqual({
      ...EMPTY_TOTALS,
      upMs: 4 * HOUR_MS - 20.5 * MINUTE,
      downMs: 20.5 * MINUTE,
    });
    expect(hours.map((file) => file?.sites[0]?.regional)).toEqual([30, 60, 30, undefined]);
    expect(hours.map((file) => file?.sites[0]?.totals.downMs)).toEqual([0.5 * MINUTE, 0, 20 * MINUTE, 0]);
    expect(incidents?.incidents).toEqual([
      {
        siteId: 'edge',
        startMs: FIRST_FAILURE,
        confirmedMs: DOWN_SINCE,
        endMs: UP_AGAIN,
        reason: 'timeout',
        detail: 'no answer in 10000 ms',
      },
    ]);
    // Bounded: REGIONAL adds nothing to the compactor's state beyond what any site keeps.
    expect(Object.keys(state?.sites[0] ?? {}).sort()).toEqual(
      ['carry', 'days', 'hours', 'incidentStartsMs', 'incidents', 'recentCheckIds', 'siteId'].sort(),
    );
  });
});
