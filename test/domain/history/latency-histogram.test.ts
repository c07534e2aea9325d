import { describe, expect, it } from 'vitest';
import {
  bucketOf,
  bucketValueMs,
  exactPercentile,
  histogramOf,
  histogramPercentile,
  LATENCY_BUCKET_ERROR,
  mergeHistograms,
} from '../../../functions/domain/history/latency-histogram.ts';

describe('exactPercentile (nearest rank)', () => {
  it.each([
    [[], 0.5, undefined],
    [[40], 0.95, 40],
    [[10, 20, 30, 40], 0.5, 20],
    [[10, 20, 30, 40], 0.95, 40],
    [Array.from({ length: 100 }, (_, i) => i + 1), 0.95, 95],
    [Array.from({ length: 100 }, (_, i) => i + 1), 0.5, 50],
    [Array.from({ length: 101 }, (_, i) => i + 1), 0.5, 51],
  ])('of %j at %d is %s', (values, q, expected) => {
    expect(exactPercentile(values, q)).toBe(expected);
  });
});

describe('the log histogram', () => {
  it('gives back every whole latency below 50 ms exactly and larger ones within 2 %', () => {
    for (let latencyMs = 0; latencyMs <= 120_000; latencyMs += latencyMs < 2_000 ? 1 : 97) {
      const back = bucketValueMs(bucketOf(latencyMs));
      if (latencyMs < 50) expect(back).toBe(latencyMs);
      else expect(Math.abs(back - latencyMs) / latencyMs).toBeLessThanOrEqual(2 * LATENCY_BUCKET_ERROR);
    }
  });

  it('keeps a 5-minute latency under the schema bound of 1,000 buckets', () => {
    expect(bucketOf(300_000)).toBeLessThan(1_000);
  });

  it('merges by adding counts per bucket', () => {
    const a = histogramOf([100, 100, 250]);
    const b = histogramOf([100, 4_000]);

    const merged = mergeHistograms([a, b]);

    expect(merged).toEqual(histogramOf([100, 100, 250, 100, 4_000]));
    expect(merged.reduce((sum, [, count]) => sum + count, 0)).toBe(5);
  });

  it('reads percentiles of merged hours within 2 % of the exact ones over the day', () => {
    const hours = Array.from({ length: 24 }, (_, hour) =>
      Array.from(
        { length: 60 },
        (_, minute) => 80 + ((hour * 7 + minute * 13) % 300) + (minute === 59 ? 2_500 : 0),
      ),
    );
    const all = hours.flat().sort((a, b) => a - b);
    const merged = mergeHistograms(hours.map(histogramOf));
    const maxMs = all.at(-1) ?? 0;

    for (const q of [0.5, 0.95, 0.99]) {
      const exact = exactPercentile(all, q) ?? 0;
      const estimate = histogramPercentile(merged, q, maxMs) ?? 0;
      expect(Math.abs(estimate - exact) / exact).toBeLessThanOrEqual(2 * LATENCY_BUCKET_ERROR);
    }
    expect(histogramPercentile(merged, 1, maxMs)).toBe(maxMs);
    expect(histogramPercentile([], 0.5, 0)).toBeUndefined();
  });
});
