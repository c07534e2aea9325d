import { describe, expect, it } from 'vitest';
import {
  addressOf,
  type Behaviour,
  idealBoundMs,
  onlyMix,
  planFleet,
  type SiteTruth,
} from '../../bench/fleet/plan.ts';

describe('planFleet', () => {
  it('plans the same fleet from the same seed, and another from another seed', () => {
    // Prepare
    const options = { size: 500, seed: 7, timeoutMs: 5_000 };

    // Act
    const first = planFleet(options);
    const again = planFleet(options);
    const other = planFleet({ ...options, seed: 8 });

    // Assess
    expect(again).toEqual(first);
    expect(other.map((site) => site.behaviour)).not.toEqual(first.map((site) => site.behaviour));
  });

  it('gives every site its own loopback address, never 127.0.0.1, never .0 or .255', () => {
    // Act
    const fleet = planFleet({ size: 2_000, seed: 1, timeoutMs: 5_000 });

    // Assess
    const addresses = fleet.map((site) => site.address);
    expect(new Set(addresses).size).toBe(2_000);
    expect(addresses.every((address) => /^127\.\d+\.\d+\.\d+$/.test(address))).toBe(true);
    expect(addresses).not.toContain('127.0.0.1');
    expect(addresses.some((address) => address.endsWith('.0') || address.endsWith('.255'))).toBe(false);
  });

  it.each([
    [0, '127.1.0.1'],
    [253, '127.1.0.254'],
    [254, '127.1.1.1'],
    [254 * 256, '127.2.0.1'],
  ])('places site %i at %s', (index, address) => {
    expect(addressOf(index)).toBe(address);
  });

  it('follows the mix: about 9 % of a large fleet is down, 2 % hangs', () => {
    // Act
    const fleet = planFleet({ size: 20_000, seed: 3, timeoutMs: 5_000 });

    // Assess
    const share = (predicate: (site: SiteTruth) => boolean) => fleet.filter(predicate).length / fleet.length;
    expect(share((site) => site.expected === 'down')).toBeCloseTo(0.09, 2);
    expect(share((site) => site.behaviour === 'hang')).toBeCloseTo(0.02, 2);
  });

  it.each<[Behaviour, 'up' | 'down', string | undefined, number]>([
    ['healthy', 'up', undefined, 1],
    ['slow-in-time', 'up', undefined, 2],
    ['head-405', 'up', undefined, 2],
    ['redirect', 'up', undefined, 2],
    ['http-5xx', 'down', 'http-5xx', 2],
    ['http-404', 'down', 'http-4xx', 2],
    ['redirect-loop', 'down', 'redirect-loop', 4],
    ['hang', 'down', 'timeout', 2],
    ['refused', 'down', 'refused', 0],
    ['reset', 'down', 'reset', 1],
  ])('knows the truth of a %s site: %s (%s), %i request(s)', (behaviour, expected, reason, requests) => {
    // Act
    const [site] = planFleet({ size: 1, seed: 1, timeoutMs: 5_000, mix: onlyMix(behaviour) });

    // Assess
    expect(site).toMatchObject({ behaviour, expected, expectedRequests: requests });
    expect(site?.expectedReason).toBe(reason);
  });

  it('keeps every up site within the timeout, slow and two-request sites included', () => {
    // Act
    const fleet = planFleet({ size: 5_000, seed: 11, timeoutMs: 1_000 });

    // Assess
    // Two requests one after the other (HEAD refused, a redirect) add up; a slow site's GET runs beside its HEAD.
    const up = fleet.filter((site) => site.expected === 'up');
    const totalMs = (site: (typeof up)[number]) =>
      site.behaviour === 'slow-in-time' ? site.latencyMs : site.latencyMs * site.expectedRequests;
    expect(Math.max(...up.map(totalMs))).toBeLessThanOrEqual(850);
  });
});

describe('idealBoundMs', () => {
  it('is the slowest site when concurrency is ample, the shared time when it is not', () => {
    // Prepare
    const fleet = planFleet({ size: 100, seed: 5, timeoutMs: 5_000, mix: onlyMix('hang') });

    // Act
    const ample = idealBoundMs(fleet, 100);
    const scarce = idealBoundMs(fleet, 10);

    // Assess
    expect(ample).toEqual({ slowestMs: 5_000, sharedMs: 5_000, boundMs: 5_000 });
    expect(scarce.boundMs).toBe(50_000);
  });

  it('counts a site only for its slot time when checks give their slot back early', () => {
    // Prepare: 100 hung sites, 10 slots of 500 ms
    const fleet = planFleet({ size: 100, seed: 5, timeoutMs: 5_000, mix: onlyMix('hang') });

    // Act
    const slotted = idealBoundMs(fleet, 10, 500);

    // Assess: all start within 100 × 500 ms / 10 = 5 s; each still takes its 5 s
    expect(slotted).toEqual({ slowestMs: 5_000, sharedMs: 5_000, boundMs: 5_000 });
  });
});
