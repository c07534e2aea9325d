import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HistoryStore } from '../../functions/adapters/history-store.ts';
import { createJsonLogger } from '../../functions/adapters/logger.ts';
import type { ListedSite } from '../../functions/adapters/site-listing.ts';
import type { CheckRecord } from '../../functions/domain/history/check-record.ts';
import { DAY_MS, rawBatchKey, siteIncidentsKey } from '../../functions/domain/history/history-keys.ts';
import type { HistorySummary } from '../../functions/domain/history/summary.ts';
import { compactHistory } from '../../functions/services/history-compaction.ts';
import { startHistoryBucket } from '../support/history-bucket.ts';
import { aBatch, aRecord } from '../support/raw-history.ts';
import type { S3Emulator } from '../support/s3-emulator.ts';

const MINUTE = 60_000;
const DAY0 = Date.UTC(2026, 11, 4);
const YESTERDAY = DAY0 + DAY_MS;
const MIDNIGHT = YESTERDAY + DAY_MS;
const SITES = ['blog', 'shop', 'wiki'];
// shop public by its own setting, blog by its owner's; wiki's owner is public but wiki says no.
const PUBLIC_OWNERS = ['team-public'];
const LISTED: Readonly<Record<string, ListedSite>> = {
  blog: { siteId: 'blog', owner: 'team-public', name: 'Blog' },
  shop: { siteId: 'shop', owner: 'team-a', public: true, name: 'Shop' },
  wiki: { siteId: 'wiki', owner: 'team-public', public: false, name: 'Wiki' },
};
/** The sites as the compactor's handler lists them from the table. */
const sitesOf = (...siteIds: string[]) => ({
  sites: siteIds.map((siteId) => LISTED[siteId] ?? { siteId, owner: 'default', name: siteId }),
  publicOwners: PUBLIC_OWNERS,
});

// shop: down for exactly 36 minutes yesterday (10:00 → 10:36), confirmed by the 30 s re-check at 10:00:30.
const OUTAGE_START = YESTERDAY + 10 * 60 * MINUTE;
const OUTAGE_END = OUTAGE_START + 36 * MINUTE;
// blog: BLOCKED 14:00 → 15:00 yesterday; wiki: in a maintenance window 02:00 → 04:00 yesterday.
const BLOCKED_START = YESTERDAY + 14 * 60 * MINUTE;
const MAINTENANCE_START = YESTERDAY + 2 * 60 * MINUTE;

function recordAt(siteId: string, atMs: number): CheckRecord {
  const latencyMs = 80 + ((atMs / MINUTE) % 41);
  if (siteId === 'shop' && atMs >= OUTAGE_START && atMs < OUTAGE_END) {
    return aRecord({
      siteId,
      atMs,
      kind: 'down',
      reason: 'http-5xx',
      status: 503,
      latencyMs,
      shown: atMs === OUTAGE_START ? 'PENDING' : 'DOWN',
      outageSinceMs: OUTAGE_START,
      detail: 'HTTP 503 Service Unavailable',
    });
  }
  if (siteId === 'blog' && atMs >= BLOCKED_START && atMs < BLOCKED_START + 60 * MINUTE) {
    return aRecord({ siteId, atMs, kind: 'blocked', status: 403, latencyMs, shown: 'BLOCKED' });
  }
  if (siteId === 'wiki' && atMs >= MAINTENANCE_START && atMs < MAINTENANCE_START + 120 * MINUTE) {
    return aRecord({ siteId, atMs, latencyMs, inMaintenance: true });
  }
  return aRecord({ siteId, atMs, latencyMs });
}

/** Every object in the bucket, inflated where it is gzip, by key. */
async function snapshot(emulator: S3Emulator, store: HistoryStore): Promise<Map<string, unknown>> {
  const objects = new Map<string, unknown>();
  for (const key of await store.listKeys('history/')) {
    if (key.startsWith('history/raw/')) continue;
    const { Body } = await emulator.client.send(new GetObjectCommand({ Bucket: 'history', Key: key }));
    const json = JSON.parse(
      gunzipSync(
        await (Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      ).toString(),
    );
    if (key === 'history/summary.json.gz' || key === 'history/summary-public.json.gz')
      delete json.generatedAtMs;
    objects.set(key, json);
  }
  return objects;
}

async function readPublicSummary(store: HistoryStore): Promise<HistorySummary | undefined> {
  const read = await store.getPublicSummaryIfChanged(undefined);
  if (read === 'unchanged') throw new Error('an unconditional read cannot be unchanged');
  return read?.summary;
}

describe('compactHistory against fauxqs S3: two days of three sites checked every minute', () => {
  let emulator: S3Emulator;
  let store: HistoryStore;
  const lines: string[] = [];
  const log = createJsonLogger((line) => lines.push(line));

  beforeAll(async () => {
    ({ emulator, store } = await startHistoryBucket());
    const writes: Promise<string>[] = [];
    for (let atMs = DAY0; atMs < MIDNIGHT + 200 * MINUTE; atMs += MINUTE) {
      // The checks of 23:59 are written after midnight: the compactor reads the next hour's first minutes too.
      const delayMs = atMs === MIDNIGHT - MINUTE ? 70_000 : 2_000;
      writes.push(
        store.putRawBatch(
          aBatch(
            SITES.map((siteId) => recordAt(siteId, atMs)),
            delayMs,
          ),
        ),
      );
      if (writes.length >= 32) await Promise.all(writes.splice(0));
    }
    // The confirming re-check, 30 s after the first failure, in its own invocation.
    const recheck = aRecord({
      siteId: 'shop',
      atMs: OUTAGE_START + 30_000,
      checkId: 'shop:recheck',
      kind: 'down',
      reason: 'http-5xx',
      status: 503,
      shown: 'DOWN',
      outageSinceMs: OUTAGE_START,
      detail: 'HTTP 503 Service Unavailable',
    });
    writes.push(store.putRawBatch(aBatch([recheck], 1_000)));
    // A task that came back: the same check recorded again by a later invocation counts once.
    writes.push(store.putRawBatch(aBatch([recordAt('blog', YESTERDAY + 12 * 60 * MINUTE)], 40_000)));
    await Promise.all(writes);
    // One corrupt batch: skipped and logged, the others compacted.
    await emulator.client.send(
      new PutObjectCommand({
        Bucket: 'history',
        Key: rawBatchKey(YESTERDAY + 5 * MINUTE + 7, 'broken'),
        Body: 'not gzip',
      }),
    );
  }, 120_000);
  afterAll(() => emulator.stop());

  it('compacts through midnight: 97.50 % for the 24 h of the site down 36 minutes, blocked and maintenance apart', async () => {
    // Act
    const report = await compactHistory(
      { store, log },
      { nowMs: MIDNIGHT + 20 * MINUTE, ...sitesOf(...SITES) },
    );

    // Assess
    expect(report).toMatchObject({ hoursCompacted: 48, partialHours: 0, corruptObjects: 1, sites: 3 });
    expect(report.compactedUntilMs).toBe(MIDNIGHT);
    expect(report.records).toBe(2 * 1440 * 3 + 1);
    expect(lines.some((line) => line.includes('raw history batch skipped') && line.includes('broken'))).toBe(
      true,
    );
    const summary = await store.getSummary();
    const bySite = new Map(summary?.sites.map((site) => [site.siteId, site]));
    const shop = bySite.get('shop');
    expect(shop?.windows['24h']).toEqual({
      upMs: 1404 * MINUTE,
      downMs: 36 * MINUTE,
      blockedMs: 0,
      faultMs: 0,
      maintenanceMs: 0,
    });
    const { upMs, downMs } = shop?.windows['24h'] ?? { upMs: 0, downMs: 1 };
    expect(Math.floor((upMs / (upMs + downMs)) * 10_000) / 100).toBe(97.5);
    expect(shop?.windows['7d']).toMatchObject({ upMs: (2 * 1440 - 36) * MINUTE, downMs: 36 * MINUTE });
    expect(bySite.get('blog')?.windows['24h']).toEqual({
      upMs: 1380 * MINUTE,
      downMs: 0,
      blockedMs: 60 * MINUTE,
      faultMs: 0,
      maintenanceMs: 0,
    });
    expect(bySite.get('wiki')?.windows['24h']).toEqual({
      upMs: 1320 * MINUTE,
      downMs: 0,
      blockedMs: 0,
      faultMs: 0,
      maintenanceMs: 120 * MINUTE,
    });
    expect(shop?.incidents).toEqual([
      {
        siteId: 'shop',
        startMs: OUTAGE_START,
        confirmedMs: OUTAGE_START + 30_000,
        endMs: OUTAGE_END,
        reason: 'http-5xx',
        detail: 'HTTP 503 Service Unavailable',
        status: 503,
      },
    ]);
    expect(shop?.days.map((day) => [day.dayStartMs, day.incidents, day.checks])).toEqual([
      [DAY0, 0, 1440],
      [YESTERDAY, 1, 1441],
    ]);
    expect(bySite.get('blog')?.days.map((day) => day.checks)).toEqual([1440, 1440]);
    expect(shop?.hours).toHaveLength(48);
    expect(shop?.hours.find((hour) => hour.hourStartMs === OUTAGE_START)).toMatchObject({
      checks: 61,
      failures: 37,
    });
    expect((await store.getSiteIncidents('shop'))?.incidents).toEqual(shop?.incidents);
    const day = await store.getRollup('day', YESTERDAY);
    expect(day?.endMs).toBe(MIDNIGHT);
    // The public summary: the same figures, of exactly the sites public now (shop by its setting, blog by its owner).
    expect(report.publicSites).toBe(2);
    expect(await readPublicSummary(store)).toEqual({
      ...summary,
      sites: summary?.sites.filter((site) => site.siteId === 'blog' || site.siteId === 'shop'),
    });
    expect(day?.sites.find((site) => site.siteId === 'shop')?.totals.downMs).toBe(36 * MINUTE);
  }, 120_000);

  it('changes nothing when run again, and drops a deleted site with its incidents', async () => {
    // Prepare
    const before = await snapshot(emulator, store);

    // Act
    const again = await compactHistory(
      { store, log },
      { nowMs: MIDNIGHT + 40 * MINUTE, ...sitesOf(...SITES) },
    );
    const after = await snapshot(emulator, store);

    // Assess
    expect(again).toMatchObject({ hoursCompacted: 0, objectsRead: 0 });
    expect(after).toEqual(before);

    // Act
    const withoutShop = await compactHistory(
      { store, log },
      { nowMs: MIDNIGHT + 50 * MINUTE, ...sitesOf('blog', 'wiki') },
    );

    // Assess
    expect(withoutShop).toMatchObject({ deletedIncidentFiles: 1, sites: 2 });
    expect((await store.getSummary())?.sites.map((site) => site.siteId)).toEqual(['blog', 'wiki']);
    expect((await store.getCompactorState())?.sites.map((site) => site.siteId)).toEqual(['blog', 'wiki']);
    expect(await store.listKeys(siteIncidentsKey('shop'))).toEqual([]);
    expect((await readPublicSummary(store))?.sites.map((site) => site.siteId)).toEqual(['blog']);
  }, 60_000);

  it('writes an empty public summary once no site is public, so a site made private leaves it within the hour', async () => {
    // Act
    const report = await compactHistory(
      { store, log },
      {
        nowMs: MIDNIGHT + 52 * MINUTE,
        sites: [{ ...LISTED.blog, public: false } as ListedSite, LISTED.wiki as ListedSite],
        publicOwners: PUBLIC_OWNERS,
      },
    );

    // Assess
    expect(report).toMatchObject({ sites: 2, publicSites: 0 });
    const publicSummary = await readPublicSummary(store);
    expect(publicSummary).toMatchObject({ v: 1, compactedUntilMs: MIDNIGHT, sites: [] });
    expect((await store.getSummary())?.sites.map((site) => site.siteId)).toEqual(['blog', 'wiki']);
  }, 60_000);

  it('compacts the current hour early up to throughMs, and a later run recomputes it whole', async () => {
    // Act
    const throughMs = MIDNIGHT + 54 * MINUTE + 30_000;
    const early = await compactHistory({ store, log }, { nowMs: throughMs, throughMs, ...sitesOf('blog') });

    // Assess
    expect(early).toMatchObject({ hoursCompacted: 0, partialHours: 1, compactedUntilMs: throughMs });
    const blog = (await store.getSummary())?.sites[0];
    expect(blog?.hours.at(-1)).toMatchObject({ hourStartMs: MIDNIGHT, checks: 55 });
    expect(blog?.days.at(-1)).toMatchObject({ dayStartMs: MIDNIGHT, totals: { upMs: 54.5 * MINUTE } });
    expect(blog?.windows['24h'].upMs).toBe((23 * 60 - 60 + 54.5) * MINUTE);
    expect((await store.getCompactorState())?.compactedUntilMs).toBe(MIDNIGHT);

    // Act
    const whole = await compactHistory({ store, log }, { nowMs: MIDNIGHT + 80 * MINUTE, ...sitesOf('blog') });

    // Assess
    expect(whole).toMatchObject({
      hoursCompacted: 1,
      partialHours: 0,
      compactedUntilMs: MIDNIGHT + 60 * MINUTE,
    });
    const hour = await store.getRollup('hour', MIDNIGHT);
    expect(hour?.endMs).toBe(MIDNIGHT + 60 * MINUTE);
    expect(hour?.sites.find((site) => site.siteId === 'blog')).toMatchObject({
      checks: 60,
      totals: { upMs: 60 * MINUTE },
    });
  }, 60_000);

  it('rewrites the day from its earlier hours, or from the day file when it ends where the new hours begin', async () => {
    // Prepare: hour 00 is compacted (previous test); 01:00-01:30 is compacted early, so the day file ends at 01:30.
    await compactHistory(
      { store, log },
      { nowMs: MIDNIGHT + 90 * MINUTE, throughMs: MIDNIGHT + 90 * MINUTE, ...sitesOf('blog') },
    );
    const reads = vi.spyOn(store, 'getRollup');

    // Act: hour 01 whole (the day file ends later than 01:00: the hours are read back), then hour 02.
    await compactHistory({ store, log }, { nowMs: MIDNIGHT + 140 * MINUTE, ...sitesOf('blog') });
    const afterHour1 = reads.mock.calls.splice(0);
    await compactHistory({ store, log }, { nowMs: MIDNIGHT + 200 * MINUTE, ...sitesOf('blog') });
    const afterHour2 = reads.mock.calls.splice(0);

    // Assess
    expect(afterHour1).toEqual([
      ['day', MIDNIGHT],
      ['hour', MIDNIGHT],
    ]);
    expect(afterHour2).toEqual([['day', MIDNIGHT]]);
    const day = await store.getRollup('day', MIDNIGHT);
    expect(day).toMatchObject({ startMs: MIDNIGHT, endMs: MIDNIGHT + 180 * MINUTE });
    expect(day?.sites.find((site) => site.siteId === 'blog')).toMatchObject({
      checks: 180,
      totals: { upMs: 180 * MINUTE },
    });
    reads.mockRestore();
  }, 60_000);
});
