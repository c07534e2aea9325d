import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEHAVIOURS, planFleet, type SiteTruth } from '../../bench/fleet/plan.ts';
import { type RunningFleet, startFleet } from '../../bench/fleet/server.ts';
import { createProbe, type Probe } from '../../functions/adapters/http-probe.ts';
import type { CheckResult } from '../../functions/domain/check-result.ts';

// The truth scales with it: slow sites answer at 50-80 % of it, so 400 ms of slack even on a busy machine.
const TIMEOUT_MS = 2_000;

describe('simulated fleet', () => {
  let fleet: RunningFleet;
  let truth: SiteTruth[];
  let probe: Probe;
  const results = new Map<number, CheckResult>();

  beforeAll(async () => {
    // Two sites of each behaviour, in the fleet's own address range (127.1.x.y, no connection shared).
    const all = planFleet({ size: 4_000, seed: 9, timeoutMs: TIMEOUT_MS });
    truth = BEHAVIOURS.flatMap((behaviour) => all.filter((site) => site.behaviour === behaviour).slice(0, 2));
    fleet = await startFleet(truth, all.length);
    probe = createProbe({ allowPrivateTargets: true });
    await Promise.all(
      truth.map(async (site) => {
        const url = fleet.urls[site.index] ?? '';
        const target = {
          url,
          method: 'HEAD' as const,
          timeoutMs: TIMEOUT_MS,
          expectStatus: [[200, 399]] as const,
        };
        results.set(site.index, await probe.check(target));
      }),
    );
  });
  afterAll(async () => {
    await probe.close();
    await fleet.stop();
  });

  it.each(BEHAVIOURS)('makes the real probe reach the planned verdict for %s sites', (behaviour) => {
    // Prepare
    const sites = truth.filter((site) => site.behaviour === behaviour);

    // Assess
    expect(sites).toHaveLength(2);
    for (const site of sites) {
      const result = results.get(site.index);
      expect(result?.kind).toBe(site.expected);
      if (result?.kind === 'down') expect(result.reason).toBe(site.expectedReason);
    }
  });

  it('counts exactly the requests the truth expects, per site', () => {
    // Act
    const counts = fleet.counts();

    // Assess
    for (const site of truth)
      expect([site.behaviour, counts[site.index]]).toEqual([site.behaviour, site.expectedRequests]);
  });
});
