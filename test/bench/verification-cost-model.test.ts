import { describe, expect, it } from 'vitest';
import { ALWAYS_FREE, PRICES } from '../../bench/cost/prices.ts';
import { estimateVerificationCost, type VerificationCostInput } from '../../bench/cost/verification-model.ts';
import { VERIFIER_MEMORY_MIB } from '../../infra/verifier-stack.ts';
import { lineOf } from './support/cost-lines.ts';

// 1,000 sites every minute: 43,800,000 checks a month. The free tiers used up, so list and billed can be worked by hand.
const EXHAUSTED = { lambdaGbSeconds: 1e9, lambdaRequests: 1e9, alarmMetrics: 100, customMetrics: 100 };
const input = (overrides: Partial<VerificationCostInput> = {}): VerificationCostInput => ({
  checksPerMonth: 43_800_000,
  regions: 2,
  siteTimeoutMs: 5_000,
  shared: EXHAUSTED,
  ...overrides,
});

describe('estimateVerificationCost', () => {
  it('asks every region once per confirmation: 1 % failing in 2-check outages is 219,000 verifications, 438,000 invokes', () => {
    // Act
    const estimate = estimateVerificationCost(input(), 'confirmations');

    // Assess
    expect(estimate.verificationsPerMonth).toBeCloseTo(219_000, 6);
    expect(estimate.invokesPerMonth).toBeCloseTo(438_000, 6);
    const invokes = lineOf(estimate.lines, 'Lambda', 'verifier invokes');
    expect(invokes.listUsd).toBeCloseTo((438_000 / 1e6) * PRICES.lambda.perMillionRequests, 10);
  });

  it('bills the verifier for the site timeout when the site is down everywhere, and far less when it is up there (REGIONAL)', () => {
    // Act
    const down = estimateVerificationCost(input(), 'confirmations');
    const regional = estimateVerificationCost(input(), 'regional');

    // Assess: the REGIONAL case verifies twice as often (every failing check) yet costs less per invoke
    expect(regional.invokesPerMonth).toBeCloseTo(2 * down.invokesPerMonth, 6);
    expect(down.verifierBilledMs).toBeGreaterThanOrEqual(5_000);
    expect(regional.verifierBilledMs).toBeLessThan(1_000);
    const duration = lineOf(down.lines, 'Lambda', 'verifier duration');
    expect(duration.quantity).toBeCloseTo(
      down.invokesPerMonth * (down.verifierBilledMs / 1000) * (VERIFIER_MEMORY_MIB / 1024),
      3,
    );
    expect(regional.listUsd).toBeLessThan(down.listUsd);
  });

  it('starts nearly every invoke cold when verifications are rare, and few when they come every few seconds', () => {
    // Act
    const rare = estimateVerificationCost(input({ checksPerMonth: 100_000 }), 'confirmations');
    const busy = estimateVerificationCost(input(), 'regional');

    // Assess
    expect(rare.coldStartShare).toBe(1);
    expect(busy.coldStartShare).toBeLessThan(0.05);
  });

  it('prices the payload between regions and the fixed alarms: 2 a region and 1 at home, $0.10 each', () => {
    // Act
    const estimate = estimateVerificationCost(input({ regions: 3 }), 'confirmations');

    // Assess
    const transfer = lineOf(estimate.lines, 'Data transfer', 'between regions');
    expect(transfer.quantity).toBeCloseTo((estimate.invokesPerMonth * 1_600) / 1024 ** 3, 9);
    expect(transfer.listUsd).toBeCloseTo(transfer.quantity * PRICES.interRegion.perGbOut, 12);
    const alarms = lineOf(estimate.fixedLines, 'CloudWatch', '7 alarms');
    expect(alarms.listUsd).toBeCloseTo(0.7, 10);
  });

  it('bills alarms and the custom metric only past the free ones the monitor leaves', () => {
    // Act
    const estimate = estimateVerificationCost(
      input({ shared: { ...EXHAUSTED, alarmMetrics: ALWAYS_FREE.alarms - 2, customMetrics: 2 } }),
      'confirmations',
    );

    // Assess: 5 alarms, 2 of them free
    expect(lineOf(estimate.fixedLines, 'CloudWatch', '5 alarms').billedUsd).toBeCloseTo(0.3, 10);
    expect(lineOf(estimate.fixedLines, 'CloudWatch', 'VerifierNoAnswer').billedUsd).toBe(0);
  });

  it('refuses a region count that is not a whole number ≥ 1', () => {
    expect(() => estimateVerificationCost(input({ regions: 0 }), 'regional')).toThrow(/regions must be/);
  });
});
