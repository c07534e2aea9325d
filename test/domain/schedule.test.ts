import { describe, expect, it } from 'vitest';
import { hashSiteId, isDue, isFullGetDue, minuteOfEpoch } from '../../functions/domain/schedule.ts';
import { randomSiteIds, T0 } from './fixtures.ts';

const SIMULATED_MINUTES = 120;
const START_MINUTE = minuteOfEpoch(T0) + 7;
const SITE_IDS = randomSiteIds(3_000, 20261125);
const INTERVALS = Array.from({ length: 60 }, (_, i) => i + 1);

describe('minuteOfEpoch', () => {
  it.each([
    { timeMs: 0, minute: 0 },
    { timeMs: 59_999, minute: 0 },
    { timeMs: 60_000, minute: 1 },
    { timeMs: 60_001, minute: 1 },
    { timeMs: T0, minute: T0 / 60_000 },
    { timeMs: T0 + 59_999, minute: T0 / 60_000 },
  ])('$timeMs ms is minute $minute', ({ timeMs, minute }) => {
    // Prepare
    // Act
    const actual = minuteOfEpoch(timeMs);

    // Assess
    expect(actual).toBe(minute);
  });
});

describe('hashSiteId', () => {
  // Published FNV-1a 32-bit test vectors: the hash must not change, or every site's slot moves.
  it.each([
    { siteId: '', hash: 0x811c9dc5 },
    { siteId: 'a', hash: 0xe40c292c },
    { siteId: 'foobar', hash: 0xbf9cf968 },
  ])('hashes "$siteId" to the FNV-1a value $hash', ({ siteId, hash }) => {
    // Prepare
    // Act
    const actual = hashSiteId(siteId);

    // Assess
    expect(actual).toBe(hash);
  });

  it('returns an unsigned 32-bit integer for every id', () => {
    // Prepare
    // Act
    const hashes = SITE_IDS.map(hashSiteId);

    // Assess
    for (const hash of hashes) {
      expect(Number.isInteger(hash) && hash >= 0 && hash <= 0xffff_ffff).toBe(true);
    }
  });
});

describe('isDue', () => {
  it.each(INTERVALS)(
    'interval %i: over 2 simulated hours every site is due exactly once in every window of its interval',
    (intervalMinutes) => {
      // Prepare
      const minutes = Array.from({ length: SIMULATED_MINUTES }, (_, i) => START_MINUTE + i);
      const badSites: string[] = [];

      // Act
      for (const siteId of SITE_IDS) {
        const due = minutes.map((minute) => (isDue(siteId, intervalMinutes, minute) ? 1 : 0));
        // Every run of intervalMinutes consecutive minutes holds exactly one due minute.
        for (let first = 0; first + intervalMinutes <= due.length; first++) {
          let count = 0;
          for (let i = first; i < first + intervalMinutes; i++) count += due[i] ?? 0;
          if (count !== 1) {
            badSites.push(`${siteId}: ${count} due in minutes ${first}..${first + intervalMinutes - 1}`);
            break;
          }
        }
      }

      // Assess
      expect(badSites).toEqual([]);
    },
  );

  it.each([1, 2, 5, 7, 15, 60])('interval %i: due minutes are exactly N minutes apart', (intervalMinutes) => {
    // Prepare
    const siteIds = SITE_IDS.slice(0, 500);

    // Act
    const gaps = new Set<number>();
    for (const siteId of siteIds) {
      let previous: number | undefined;
      for (let minute = START_MINUTE; minute < START_MINUTE + SIMULATED_MINUTES; minute++) {
        if (!isDue(siteId, intervalMinutes, minute)) continue;
        if (previous !== undefined) gaps.add(minute - previous);
        previous = minute;
      }
    }

    // Assess
    expect([...gaps]).toEqual([intervalMinutes]);
  });

  it.each([
    { ids: 'random', siteIds: randomSiteIds(10_000, 7) },
    {
      ids: 'sequential ("site-0" … "site-9999")',
      siteIds: Array.from({ length: 10_000 }, (_, i) => `site-${i}`),
    },
  ])('interval 5: 10,000 $ids ids spread over the 5 minutes within ±15% of the mean', ({ siteIds }) => {
    // Prepare
    const intervalMinutes = 5;
    const mean = siteIds.length / intervalMinutes;

    // Act
    const perMinute = Array.from(
      { length: intervalMinutes },
      (_, i) => siteIds.filter((siteId) => isDue(siteId, intervalMinutes, START_MINUTE + i)).length,
    );

    // Assess
    expect(perMinute.reduce((sum, count) => sum + count, 0)).toBe(siteIds.length);
    for (const count of perMinute) {
      expect(Math.abs(count - mean) / mean).toBeLessThanOrEqual(0.15);
    }
  });

  it('interval 1: every site is due every minute', () => {
    // Prepare
    const siteIds = SITE_IDS.slice(0, 100);

    // Act
    const due = siteIds.every((siteId) =>
      Array.from({ length: 10 }, (_, i) => START_MINUTE + i).every((minute) => isDue(siteId, 1, minute)),
    );

    // Assess
    expect(due).toBe(true);
  });

  it('is stable: the same site, interval and minute always give the same answer', () => {
    // Prepare
    const minute = START_MINUTE + 3;

    // Act
    const first = SITE_IDS.map((siteId) => isDue(siteId, 15, minute));
    const second = SITE_IDS.map((siteId) => isDue(siteId, 15, minute));

    // Assess
    expect(second).toEqual(first);
    expect(first.filter(Boolean).length).toBeGreaterThan(0);
  });
});

describe('isFullGetDue', () => {
  it('makes one check in ten a full GET for a site checked every minute (fullGetMinutes 10), spread over sites', () => {
    // Prepare
    const ids = randomSiteIds(1_000, 7);

    // Act: an hour of minutes
    const perSite = ids.map((id) =>
      Array.from({ length: 60 }, (_, m) => isFullGetDue(id, 1, 10, 29_000_000 + m)),
    );
    const perMinute = Array.from({ length: 60 }, (_, m) => perSite.filter((minutes) => minutes[m]).length);

    // Assess
    expect(perSite.every((minutes) => minutes.filter(Boolean).length === 6)).toBe(true);
    expect(Math.max(...perMinute)).toBeLessThan(150);
    expect(Math.min(...perMinute)).toBeGreaterThan(50);
  });

  it('makes every check a full GET when the interval is at least fullGetMinutes, and none when it is 0', () => {
    // Act
    const every15 = Array.from({ length: 10 }, (_, k) => isFullGetDue('shop', 15, 10, k * 15));
    const off = Array.from({ length: 100 }, (_, m) => isFullGetDue('shop', 1, 0, m));

    // Assess
    expect(every15.every(Boolean)).toBe(true);
    expect(off.some(Boolean)).toBe(false);
  });
});
