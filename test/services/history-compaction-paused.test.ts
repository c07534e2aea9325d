import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryStore } from '../../functions/adapters/history-store.ts';
import { createJsonLogger } from '../../functions/adapters/logger.ts';
import type { CheckRecord } from '../../functions/domain/history/check-record.ts';
import { HOUR_MS } from '../../functions/domain/history/history-keys.ts';
import { compactHistory } from '../../functions/services/history-compaction.ts';
import { startHistoryBucket } from '../support/history-bucket.ts';
import { aBatch, aRecord } from '../support/raw-history.ts';
import type { S3Emulator } from '../support/s3-emulator.ts';

// A site paused while DOWN writes no more records: its outage must not stay open (and read as ongoing) for the
// whole pause, nor be closed by the first UP after it is resumed, with the pause counted as downtime.

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 11, 5, 8);
// shop, checked every minute: fails from 08:10, confirmed 08:11, paused after its check of 08:59 (still DOWN: its
// coverage reaches into the next hour, which has no record),
// resumed at 11:00 and UP at once.
const OUTAGE_START = T0 + 10 * MINUTE;
const LAST_DOWN = T0 + 59 * MINUTE;
const RESUMED = T0 + 3 * HOUR_MS;
const SITES = { sites: [{ siteId: 'shop', owner: 'team-a', name: 'Shop' }], publicOwners: [] };

function recordAt(atMs: number): CheckRecord {
  if (atMs < OUTAGE_START) return aRecord({ siteId: 'shop', atMs });
  return aRecord({
    siteId: 'shop',
    atMs,
    kind: 'down',
    reason: 'http-5xx',
    status: 503,
    shown: atMs === OUTAGE_START ? 'PENDING' : 'DOWN',
    outageSinceMs: OUTAGE_START,
    detail: 'HTTP 503',
  });
}

describe('compactHistory against fauxqs S3: a site paused while DOWN', () => {
  let emulator: S3Emulator;
  let store: HistoryStore;
  const log = createJsonLogger(() => {});

  const writeMinutes = async (fromMs: number, untilMs: number, make: (atMs: number) => CheckRecord) => {
    for (let atMs = fromMs; atMs < untilMs; atMs += MINUTE) await store.putRawBatch(aBatch([make(atMs)]));
  };

  beforeAll(async () => {
    ({ emulator, store } = await startHistoryBucket());
    await writeMinutes(T0, LAST_DOWN + MINUTE, recordAt);
  }, 60_000);
  afterAll(() => emulator.stop());

  it('ends the outage where its last record stopped covering it, the same on a re-run, and not at the first UP after the pause', async () => {
    // Prepare: what the history saw last is the check of 08:59, which covers 1.5 intervals (to 09:00:30).
    const expected = {
      siteId: 'shop',
      startMs: OUTAGE_START,
      confirmedMs: OUTAGE_START + MINUTE,
      endMs: LAST_DOWN + 1.5 * MINUTE,
      endKnown: false,
      reason: 'http-5xx',
      detail: 'HTTP 503',
      status: 503,
    };

    // Act: compacted while paused, through 10:00
    await compactHistory({ store, log }, { nowMs: T0 + 2 * HOUR_MS + 30 * MINUTE, ...SITES });
    const paused = await store.getSiteIncidents('shop');
    const pausedState = await store.getCompactorState();

    // Assess
    expect(paused?.incidents).toEqual([expected]);
    expect((await store.getSummary())?.sites[0]?.incidents).toEqual([expected]);
    expect(pausedState?.sites[0]?.open).toBeUndefined();

    // Act: the same hours again (the state forgotten, as after a failed run): the same objects.
    await store.putCompactorState({ v: 1, compactedUntilMs: T0, sites: [] });
    await compactHistory({ store, log }, { nowMs: T0 + 2 * HOUR_MS + 30 * MINUTE, ...SITES });

    // Assess
    expect(await store.getSiteIncidents('shop')).toEqual(paused);
    expect(await store.getCompactorState()).toEqual(pausedState);

    // Act: resumed at 11:00, UP at once; compacted through 12:00
    await writeMinutes(RESUMED, RESUMED + 30 * MINUTE, (atMs) => aRecord({ siteId: 'shop', atMs }));
    await compactHistory({ store, log }, { nowMs: T0 + 4 * HOUR_MS + 30 * MINUTE, ...SITES });

    // Assess: the UP closed nothing; the pause is unknown time, not downtime.
    expect((await store.getSiteIncidents('shop'))?.incidents).toEqual([expected]);
    const summary = await store.getSummary();
    expect(summary?.sites[0]?.incidents).toEqual([expected]);
    expect(summary?.sites[0]?.windows['24h'].downMs).toBe(LAST_DOWN + 1.5 * MINUTE - OUTAGE_START);
  }, 60_000);
});
