import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HistoryStore } from '../../functions/adapters/history-store.ts';
import { createJsonLogger } from '../../functions/adapters/logger.ts';
import { COMPACTOR_STATE_KEY, HOUR_MS } from '../../functions/domain/history/history-keys.ts';
import { MAX_STATUS_SITES } from '../../functions/domain/history/status-document-builder.ts';
import {
  CompactorStateUnreadableError,
  compactHistory,
  publicSiteIds,
} from '../../functions/services/history-compaction.ts';
import { startHistoryBucket } from '../support/history-bucket.ts';
import { aBatch, aRecord } from '../support/raw-history.ts';
import type { S3Emulator } from '../support/s3-emulator.ts';

// The compactor when things go wrong around it: a check recorded twice across an hour boundary, a state that
// cannot be read.

const MINUTE = 60_000;
const H10 = Date.UTC(2026, 11, 5, 10);
const H11 = H10 + HOUR_MS;
const H12 = H11 + HOUR_MS;
const SITES = { sites: [{ siteId: 'shop', owner: 'default', name: 'Shop' }], publicOwners: [] };

describe('compactHistory: duplicates across an hour, an unreadable state', () => {
  let emulator: S3Emulator;
  let store: HistoryStore;
  const log = createJsonLogger(() => {});

  beforeEach(async () => {
    ({ emulator, store } = await startHistoryBucket());
    // shop checked every minute 10:00 → 11:59, each check in its own invocation.
    for (let atMs = H10; atMs < H12; atMs += MINUTE) {
      await store.putRawBatch(aBatch([aRecord({ siteId: 'shop', atMs, checkId: `m${atMs / MINUTE}` })]));
    }
  }, 60_000);
  afterEach(() => emulator.stop());

  it('counts once a check recorded at 10:59:58 and again, by a redelivered task, at 11:00:03 — across two runs', async () => {
    // Prepare: a re-check applied at 10:59:58, then again (a failure this time) by its redelivered task.
    const checkId = 'm-redelivered';
    await store.putRawBatch(aBatch([aRecord({ siteId: 'shop', atMs: H11 - 2_000, checkId })]));
    await store.putRawBatch(
      aBatch([
        aRecord({
          siteId: 'shop',
          atMs: H11 + 3_000,
          checkId,
          kind: 'down',
          reason: 'http-5xx',
          status: 503,
          shown: 'PENDING',
          outageSinceMs: H11 + 3_000,
        }),
      ]),
    );

    // Act: hour 10 in one run, hour 11 in the next (the state carries the ids of 10:35-10:59).
    await compactHistory({ store, log }, { nowMs: H11 + 20 * MINUTE, ...SITES });
    const second = await compactHistory({ store, log }, { nowMs: H12 + 20 * MINUTE, ...SITES });

    // Assess
    expect(second).toMatchObject({ hoursCompacted: 1, records: 60 });
    const ten = (await store.getRollup('hour', H10))?.sites[0];
    const eleven = (await store.getRollup('hour', H11))?.sites[0];
    expect(ten).toMatchObject({ checks: 61, failures: 0 });
    expect(eleven).toMatchObject({ checks: 60, failures: 0, totals: { upMs: 60 * MINUTE, downMs: 0 } });
    expect((await store.getSiteIncidents('shop'))?.incidents ?? []).toEqual([]);
    const state = await store.getCompactorState();
    // Bounded: the ids of the last 25 minutes of hour 11 only.
    expect(state?.sites[0]?.recentCheckIds).toHaveLength(25);
  }, 60_000);

  it('counts the copy after the hour when the one before it is older than the ids kept (25 minutes)', async () => {
    // Prepare: a check applied at 10:30:00 and recorded again at 11:00:03 is beyond the bound: counted twice.
    await store.putRawBatch(
      aBatch([aRecord({ siteId: 'shop', atMs: H10 + 30 * MINUTE + 1, checkId: 'late' })]),
    );
    await store.putRawBatch(aBatch([aRecord({ siteId: 'shop', atMs: H11 + 3_000, checkId: 'late' })]));

    // Act
    await compactHistory({ store, log }, { nowMs: H12 + 20 * MINUTE, ...SITES });

    // Assess
    expect((await store.getRollup('hour', H11))?.sites[0]).toMatchObject({ checks: 61 });
  }, 60_000);

  it('stops with a clear error, writing nothing, when its state cannot be read; a missing state starts afresh', async () => {
    // Prepare: a first run keeps a state; then the state object is damaged.
    await compactHistory({ store, log }, { nowMs: H11 + 20 * MINUTE, ...SITES });
    const summaryBefore = await store.getSummary();
    await emulator.client.send(
      new PutObjectCommand({ Bucket: 'history', Key: COMPACTOR_STATE_KEY, Body: 'not gzip' }),
    );

    // Act
    const failed = compactHistory({ store, log }, { nowMs: H12 + 20 * MINUTE, ...SITES });

    // Assess
    await expect(failed).rejects.toThrow(CompactorStateUnreadableError);
    await expect(failed).rejects.toThrow(
      /compactor-state\.json\.gz cannot be read .*delete it to start afresh/,
    );
    expect(await store.getRollup('hour', H11)).toBeUndefined();
    expect(await store.getSummary()).toEqual(summaryBefore);

    // Act: the operator deletes it, as the message says; the next run starts afresh like a first run.
    await emulator.client.send(new DeleteObjectCommand({ Bucket: 'history', Key: COMPACTOR_STATE_KEY }));
    const afresh = await compactHistory({ store, log }, { nowMs: H12 + 20 * MINUTE, ...SITES });

    // Assess
    expect(afresh).toMatchObject({ hoursCompacted: 48, compactedUntilMs: H12, records: 120 });
  }, 60_000);
});

describe('publicSiteIds: the sites of the public summary', () => {
  it("holds the public sites only, at most the public page's 250, the first by name then id as the page lists them", () => {
    // Prepare: 300 public sites named in reverse of their ids, a private one named first, one of the team's.
    const sites = Array.from({ length: 300 }, (_, i) => ({
      siteId: `site-${String(i).padStart(3, '0')}`,
      owner: 'default',
      public: true,
      name: `Site ${String(299 - i).padStart(3, '0')}`,
    }));
    sites.push({ siteId: 'aaa', owner: 'default', public: false, name: 'Aardvark' });
    const team = { siteId: 'zzz', owner: 'team-public', name: 'site 000' };

    // Act
    const ids = publicSiteIds([...sites, team], ['team-public']);

    // Assess
    expect(ids.size).toBe(MAX_STATUS_SITES.public);
    expect(ids.has('aaa')).toBe(false);
    // "Site 000" and "site 000" read the same: code-unit order puts "Site" first. Then "Site 001" … "Site 248".
    expect([...ids].slice(0, 3)).toEqual(['site-299', 'zzz', 'site-298']);
    expect(ids.has('site-051')).toBe(true);
    expect(ids.has('site-050')).toBe(false);
  });
});
