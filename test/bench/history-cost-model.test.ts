import { gunzipSync, gzipSync } from 'node:zlib';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { estimateHistoryCost, type HistoryCostInput } from '../../bench/cost/history-model.ts';
import { MINUTES_PER_MONTH, PRICES } from '../../bench/cost/prices.ts';
import { measureGzipBytesPerRecord, sampleRawBatch } from '../../bench/cost/raw-batch-sample.ts';
import { RawBatchSchema } from '../../functions/domain/history/check-record.ts';
import { COMPACTOR_MEMORY_MIB } from '../../infra/compactor-size.ts';

// Round figures so the expectations can be worked by hand: 1,000 sites, 2 invocations a minute.
const input = (overrides: Partial<HistoryCostInput> = {}): HistoryCostInput => ({
  sites: 1_000,
  checkerInvocationsPerMonth: 2 * MINUTES_PER_MONTH,
  checksPerMonth: 1_000 * MINUTES_PER_MONTH,
  otherLambdaGbSeconds: 1_000_000,
  fanOutMemoryMiB: 512,
  gzipBytesPerRecord: 15,
  jsonBytesPerRecord: 145,
  publicPage: true,
  ...overrides,
});
const lineOf = (estimate: ReturnType<typeof estimateHistoryCost>, start: string) => {
  const found = estimate.lines.filter((line) => line.item.startsWith(start));
  expect(found).toHaveLength(1);
  return found[0] as (typeof found)[number];
};

describe('raw batch sample', () => {
  it('is a valid RawBatch of the contract, the same on every run', () => {
    // Act
    const batch = sampleRawBatch(500);

    // Assess
    expect(v.is(RawBatchSchema, batch)).toBe(true);
    expect(JSON.stringify(sampleRawBatch(500))).toBe(JSON.stringify(batch));
  });

  it('measures the bytes a record takes gzipped, from the batch itself', () => {
    // Act
    const measured = measureGzipBytesPerRecord(500);

    // Assess
    const json = JSON.stringify(sampleRawBatch(500));
    expect(measured.jsonBytes).toBe(Buffer.byteLength(json));
    expect(measured.gzipBytes).toBe(gzipSync(json).length);
    expect(JSON.parse(gunzipSync(gzipSync(json)).toString())).toEqual(JSON.parse(json));
    expect(measured.gzipBytesPerRecord).toBeCloseTo(measured.gzipBytes / 500, 10);
    // Compression matters to the price: far below the plain JSON.
    expect(measured.gzipBytesPerRecord).toBeLessThan(measured.jsonBytes / 500 / 4);
  });
});

describe('estimateHistoryCost', () => {
  it('prices one raw PUT per checker invocation', () => {
    // Act
    const line = lineOf(estimateHistoryCost(input()), 'raw batch PUTs');

    // Assess
    expect(line.quantity).toBe(2 * MINUTES_PER_MONTH);
    expect(line.listUsd).toBeCloseTo(((2 * MINUTES_PER_MONTH) / 1000) * PRICES.s3.perThousandPuts, 10);
  });

  it('keeps 35 days of raw records at the measured gzip size', () => {
    // Act
    const line = lineOf(estimateHistoryCost(input()), 'raw storage');

    // Assess: a month of checks × 15 B, times 35 of 30.4 days
    const monthGb = (1_000 * MINUTES_PER_MONTH * 15) / 1024 ** 3;
    expect(line.quantity).toBeCloseTo(monthGb * (35 / (730 / 24)), 10);
    expect(line.listUsd).toBeCloseTo(line.quantity * PRICES.s3.perGbMonth, 10);
  });

  it('prices a summary GET and a status.json PUT each minute only with a public page', () => {
    // Act
    const on = estimateHistoryCost(input());
    const off = estimateHistoryCost(input({ publicPage: false }));

    // Assess
    expect(lineOf(on, 'page publish').quantity).toBeGreaterThanOrEqual(2 * MINUTES_PER_MONTH);
    expect(lineOf(off, 'page publish').listUsd).toBe(0);
    expect(lineOf(off, 'fan-out publish time').listUsd).toBe(0);
    expect(off.listUsd).toBeLessThan(on.listUsd);
  });

  it('totals its lines, and adds no custom metric (the compactor logs its report; each metric is $0.30 a month)', () => {
    // Act
    const estimate = estimateHistoryCost(input());

    // Assess
    expect(estimate.listUsd).toBeCloseTo(
      estimate.lines.reduce((sum, line) => sum + line.listUsd, 0),
      10,
    );
    expect(estimate.lines.some((line) => /custom metric/i.test(line.item))).toBe(false);
  });

  it('puts a DynamoDB write per check at ~$27 a month in writes alone, the chosen store last and cheapest', () => {
    // Act
    const { alternatives, listUsd } = estimateHistoryCost(input());

    // Assess
    const perCheck = alternatives.find((a) => a.name.startsWith('DynamoDB: an item per check'));
    const writesUsd = ((1_000 * MINUTES_PER_MONTH) / 1e6) * PRICES.dynamodb.perMillionWriteUnits;
    expect(writesUsd).toBeCloseTo(27.375, 3);
    expect(perCheck?.usd).toBeGreaterThan(writesUsd);
    const chosen = alternatives.at(-1);
    expect(chosen?.name).toMatch(/\(chosen\)$/);
    expect(chosen?.usd).toBe(listUsd);
    for (const other of alternatives.slice(0, -1)) expect(other.usd).toBeGreaterThan(listUsd);
  });

  it('bills the compactor only beyond the Lambda free tier the rest of the monitor leaves', () => {
    // Act
    const withinFree = estimateHistoryCost(input({ otherLambdaGbSeconds: 0 }));
    const beyondFree = estimateHistoryCost(input({ otherLambdaGbSeconds: 1_000_000 }));

    // Assess
    expect(lineOf(withinFree, `compactor: ${COMPACTOR_MEMORY_MIB} MB`).billedUsd).toBe(0);
    const compactor = lineOf(beyondFree, `compactor: ${COMPACTOR_MEMORY_MIB} MB`);
    expect(compactor.billedUsd).toBeCloseTo(compactor.quantity * PRICES.lambda.perGbSecondArm, 10);
  });
});
