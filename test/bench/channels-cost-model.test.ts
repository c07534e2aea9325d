import { describe, expect, it } from 'vitest';
import {
  type ChannelsCostInput,
  DEFAULT_CHANNEL_ASSUMPTIONS,
  estimateChannelsCost,
} from '../../bench/cost/channels-model.ts';
import { ALWAYS_FREE, MINUTES_PER_MONTH, PRICES } from '../../bench/cost/prices.ts';
import { lineOf } from './support/cost-lines.ts';

// The free tiers used up, so list and billed prices can be worked by hand; or all of them left.
const EXHAUSTED = { lambdaGbSeconds: 1e9, lambdaRequests: 1e9, sqsRequests: 1e9, alarmMetrics: 100 };
const UNUSED = { lambdaGbSeconds: 0, lambdaRequests: 0, sqsRequests: 0, alarmMetrics: 0 };
const input = (overrides: Partial<ChannelsCostInput> = {}): ChannelsCostInput => ({
  alertsPerMonth: 1_000,
  shared: EXHAUSTED,
  ...overrides,
});

describe('estimateChannelsCost', () => {
  it('prices 1,000 alerts to 3 channels at about two cents, the KMS decrypts and the deliverer first', () => {
    // Act
    const estimate = estimateChannelsCost(input());

    // Assess
    expect(DEFAULT_CHANNEL_ASSUMPTIONS.channelsPerAlert).toBe(3);
    expect(estimate.usage.deliveries).toBe(3_000);
    expect(estimate.per1000AlertsUsd).toBeGreaterThan(0.01);
    expect(estimate.per1000AlertsUsd).toBeLessThan(0.05);
    const byCost = [...estimate.perAlertLines].sort((a, b) => b.listUsd - a.listUsd);
    expect(byCost.slice(0, 2).map((line) => line.service)).toEqual(['KMS', 'Lambda']);
  });

  it('reads one secret per attempt (retries included) unless the cache holds it, each a $0.03 / 10,000 KMS decrypt', () => {
    // Act
    const cold = estimateChannelsCost(input());
    const cached = estimateChannelsCost(input({ assumptions: { secretCacheHitShare: 0.5 } }));

    // Assess: 3,000 deliveries + 2 % failing × 2 retries = 3,120 attempts
    const kms = lineOf(cold.perAlertLines, 'KMS', 'Decrypt');
    expect(cold.usage.attempts).toBeCloseTo(3_120, 6);
    expect(kms.quantity).toBeCloseTo(3_120, 6);
    expect(kms.listUsd).toBeCloseTo((3_120 / 10_000) * PRICES.kms.perTenThousandRequests, 10);
    expect(lineOf(cold.perAlertLines, 'SSM', 'GetParameter').listUsd).toBe(0);
    expect(lineOf(cached.perAlertLines, 'KMS', 'Decrypt').quantity).toBeCloseTo(1_560, 6);
  });

  it('bills KMS only past its 20,000 free requests', () => {
    // Act
    const within = estimateChannelsCost(input());
    const beyond = estimateChannelsCost(input({ alertsPerMonth: 10_000 }));

    // Assess
    expect(lineOf(within.perAlertLines, 'KMS', 'Decrypt').billedUsd).toBe(0);
    const kms = lineOf(beyond.perAlertLines, 'KMS', 'Decrypt');
    expect(kms.billedUsd).toBeCloseTo(
      ((kms.quantity - ALWAYS_FREE.kmsRequests) / 10_000) * PRICES.kms.perTenThousandRequests,
      10,
    );
  });

  it('prices the FIFO queue at its own rate: a batch an alert, receive + delete a delivery, two requests a retry', () => {
    // Act
    const fifo = lineOf(estimateChannelsCost(input()).perAlertLines, 'SQS FIFO', 'channel-deliveries');

    // Assess: 1,000 batches + 3,000 × 2 + (60 failing deliveries × 2 retries) × 2
    expect(fifo.quantity).toBeCloseTo(1_000 + 6_000 + 240, 6);
    expect(fifo.listUsd).toBeCloseTo((fifo.quantity / 1e6) * PRICES.sqsFifo.perMillionRequests, 10);
  });

  it("grows the deliverer's time with the receiver's answer time, the assumption it rests on", () => {
    // Act
    const fast = estimateChannelsCost(input({ assumptions: { receiverAnswerMs: 100 } }));
    const slow = estimateChannelsCost(input({ assumptions: { receiverAnswerMs: 2_000 } }));

    // Assess: 3,000 deliveries × 1.9 s more × 0.25 GB
    const deliverer = (estimate: typeof fast) =>
      lineOf(estimate.perAlertLines, 'Lambda', 'deliverer').quantity;
    expect(deliverer(slow) - deliverer(fast)).toBeCloseTo(3_000 * 1.9 * 0.25, 6);
  });

  it('costs the same fixed amount with no alert at all: idle polls on both queues and three alarms', () => {
    // Act
    const idle = estimateChannelsCost(input({ alertsPerMonth: 0 }));

    // Assess
    const polls = MINUTES_PER_MONTH * 5 * 3;
    expect(lineOf(idle.fixedLines, 'SQS', 'idle long polls').quantity).toBe(polls);
    expect(lineOf(idle.fixedLines, 'SQS FIFO', 'idle long polls').listUsd).toBeCloseTo(
      (polls / 1e6) * PRICES.sqsFifo.perMillionRequests,
      10,
    );
    expect(lineOf(idle.fixedLines, 'CloudWatch', '3 alarms').listUsd).toBeCloseTo(0.3, 10);
    expect(idle.perAlertLines.every((line) => line.listUsd === 0)).toBe(true);
    expect(idle.listUsd).toBeCloseTo(idle.fixedUsd, 10);
    expect(idle.fixedUsd).toBeGreaterThan(0.8);
    expect(idle.fixedUsd).toBeLessThan(1);
  });

  it('bills only what is left after the free tiers the rest of the stack uses', () => {
    // Act
    const fresh = estimateChannelsCost(input({ shared: UNUSED }));
    const full = estimateChannelsCost(input({ shared: EXHAUSTED }));

    // Assess: on an unused account the polls, alarms and Lambda fit the free tiers; with them used up, list = billed
    expect(lineOf(fresh.fixedLines, 'CloudWatch', '3 alarms').billedUsd).toBe(0);
    expect(lineOf(fresh.fixedLines, 'SQS', 'idle long polls').billedUsd).toBe(0);
    expect(lineOf(fresh.perAlertLines, 'Lambda', 'deliverer').billedUsd).toBe(0);
    for (const line of full.fixedLines) expect(line.billedUsd).toBeCloseTo(line.listUsd, 10);
    expect(fresh.billedUsd).toBeLessThan(full.billedUsd);
  });

  it('refuses times the functions cannot take', () => {
    // Act + Assess
    expect(() => estimateChannelsCost(input({ assumptions: { failedAttemptMs: 61_000 } }))).toThrow(
      "failedAttemptMs must be within the deliverer's timeout, got 61000",
    );
  });
});
