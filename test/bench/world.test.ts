import { describe, expect, it } from 'vitest';
import { onlyMix, planFleet } from '../../bench/fleet/plan.ts';
import {
  faultCount,
  pickIndices,
  planDeadHostWorld,
  planDnsWorld,
  siteName,
  withHost,
} from '../../bench/fleet/world.ts';
import { DNS_TIMEOUT_MS } from '../../functions/adapters/probe-attempt.ts';

const TIMEOUT_MS = 5_000;
const healthy = (seed: number) =>
  planFleet({ size: 400, seed, timeoutMs: TIMEOUT_MS, mix: onlyMix('healthy') });
const usualMix = (seed: number) => planFleet({ size: 400, seed, timeoutMs: TIMEOUT_MS });

describe('pickIndices', () => {
  it('picks distinct indices within the fleet, ascending, the same for the same seed', () => {
    // Act
    const first = pickIndices(400, 8, 46);
    const again = pickIndices(400, 8, 46);

    // Assess
    expect(first).toEqual(again);
    expect(new Set(first).size).toBe(8);
    expect(first).toEqual([...first].sort((a, b) => a - b));
    expect(first.every((index) => Number.isInteger(index) && index >= 0 && index < 400)).toBe(true);
  });

  it('picks others for another seed', () => {
    // Act
    const picks = [46, 47, 48].map((seed) => pickIndices(400, 8, seed).join());

    // Assess
    expect(new Set(picks).size).toBe(3);
  });

  it('refuses to pick more than there are', () => {
    // Act
    const pickTooMany = () => pickIndices(4, 5, 1);

    // Assess
    expect(pickTooMany).toThrow('count must be a whole number from 0 to 4, got 5');
  });

  it('breaks 2 % of a phase: 8 of 400', () => {
    expect(faultCount(400)).toBe(8);
  });
});

describe('planDnsWorld', () => {
  it('silences the nameserver of 8 of 400 names, the same 8 for the same seed', () => {
    // Act
    const world = planDnsWorld(healthy(46), 46, TIMEOUT_MS);
    const again = planDnsWorld(healthy(46), 46, TIMEOUT_MS);
    const other = planDnsWorld(healthy(47), 47, TIMEOUT_MS);

    // Assess
    expect(world.silent).toHaveLength(8);
    expect(again).toEqual(world);
    expect(other.silent).not.toEqual(world.silent);
  });

  it('expects every silent name DOWN dns without a request, within the probe DNS limit, and every other site UP', () => {
    // Act
    const world = planDnsWorld(healthy(46), 46, TIMEOUT_MS);

    // Assess
    const silent = new Set(world.silent);
    for (const site of world.truth) {
      if (silent.has(site.index)) {
        expect(site).toMatchObject({
          behaviour: 'dns-silent',
          expected: 'down',
          expectedReason: 'dns',
          expectedRequests: 0,
          idealMs: Math.min(DNS_TIMEOUT_MS, TIMEOUT_MS),
        });
      } else expect(site).toMatchObject({ behaviour: 'healthy', expected: 'up', expectedRequests: 1 });
    }
  });

  it('gives every site its own name', () => {
    // Act
    const world = planDnsWorld(healthy(46), 46, TIMEOUT_MS);

    // Assess
    expect(new Set(world.names).size).toBe(400);
    expect(world.names[17]).toBe(siteName(17));
    expect(siteName(17)).toBe('site-17.dns.bench.test');
  });
});

describe('planDeadHostWorld', () => {
  it('puts 8 hosts that drop SYNs among 400 sites, the same 8 for the same seed', () => {
    // Act
    const world = planDeadHostWorld(usualMix(47), 47, TIMEOUT_MS);
    const again = planDeadHostWorld(usualMix(47), 47, TIMEOUT_MS);
    const other = planDeadHostWorld(usualMix(48), 48, TIMEOUT_MS);

    // Assess
    expect(world.dead).toHaveLength(8);
    expect(again).toEqual(world);
    expect(other.dead).not.toEqual(world.dead);
  });

  it('expects each dead host DOWN timeout without a request, on its own address, and leaves the others as planned', () => {
    // Prepare
    const fleet = usualMix(47);

    // Act
    const world = planDeadHostWorld(fleet, 47, TIMEOUT_MS);

    // Assess
    const dead = new Set(world.dead);
    world.truth.forEach((site, index) => {
      if (!dead.has(index)) {
        expect(site).toEqual(fleet[index]);
        return;
      }
      expect(site).toEqual({
        index,
        siteId: `site-${index}`,
        address: fleet[index]?.address,
        behaviour: 'drops-syn',
        latencyMs: 0,
        expected: 'down',
        expectedReason: 'timeout',
        expectedRequests: 0,
        idealMs: TIMEOUT_MS,
      });
    });
  });
});

describe('withHost', () => {
  it('swaps the host and keeps the scheme, port and path', () => {
    expect(withHost('http://127.1.0.5:40123/health?x=1', 'site-4.dns.bench.test')).toBe(
      'http://site-4.dns.bench.test:40123/health?x=1',
    );
  });
});
