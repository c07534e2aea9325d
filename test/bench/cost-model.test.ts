import { describe, expect, it } from 'vitest';
import {
  chooseSizedInvocation,
  estimateMonthlyCost,
  fullGetShare,
  progressWritesPerSweep,
  sizedInvocationMs,
} from '../../bench/cost/model.ts';
import { MINUTES_PER_MONTH, PRICES } from '../../bench/cost/prices.ts';
import {
  type BenchReport,
  type CostDrivers,
  measuredRetriesPerCheck,
  type SizedInvocation,
} from '../../bench/lib/report.ts';

// Figures of the shape `npm run bench` measures; round numbers so the expectations can be worked by hand.
const drivers: CostDrivers = {
  checksPerMessage: 80,
  batchSize: 10,
  batchFill: 1,
  checksPerInvocation: 800,
  invocationMs: 5_300,
  cpuMsPerCheck: 0.5,
  httpsExtraCpuMsPerCheck: 2,
  checkerPeakRssMiB: 150,
  metricLogBytesPerInvocation: 400,
  eventLogBytesPerStateWrite: 150,
  fanOutMsPer1000Sites: 40,
  fanOutLogBytesPerSweep: 150,
  messageBytesPerCheck: 430,
  bytesSentPerCheck: 150,
  httpsExtraBytesSentPerCheck: 600,
  readUnitsPer1000Sites: 46.7,
  itemBytes: 380,
  writesPerNewFailure: 1,
  sendsPerNewFailure: 0.1,
  sized: [],
  taskRetriesPerCheck: 0,
  dnsQueriesPerCheck: 2,
  fullGetExtraCpuMsPerCheck: 0,
  fullGetPageBytes: 0,
};

const sized = (overrides: Partial<SizedInvocation>): SizedInvocation => ({
  memoryMiB: 512,
  checkConcurrency: 100,
  checks: 800,
  billedMs: 10_000,
  isCorrect: true,
  latencyAddedP99Ms: 400,
  ...overrides,
});

const estimate = (overrides: Partial<Parameters<typeof estimateMonthlyCost>[0]> = {}) =>
  estimateMonthlyCost({
    sites: 1_000,
    intervalMinutes: 1,
    siteTimeoutMs: 5_000,
    checkerMemoryMiB: 512,
    fanOutMemoryMiB: 512,
    scanSegments: 1,
    drivers,
    ...overrides,
  });

const line = (result: ReturnType<typeof estimateMonthlyCost>, service: string, item: string) =>
  result.lines.find((candidate) => candidate.service === service && candidate.item.startsWith(item));

describe('estimateMonthlyCost', () => {
  it('packs 1,000 due sites into 13 messages and 2 invocations of batch size 10', () => {
    // Act
    const result = estimate();

    // Assess
    expect(result.perSweep).toMatchObject({ dueSites: 1_000, messages: 13, checkerInvocations: 2 });
  });

  it('needs more invocations when pollers take part-full batches', () => {
    // Act
    const result = estimate({ drivers: { ...drivers, batchFill: 0.5 } });

    // Assess: 13 messages, 5 a batch.
    expect(result.perSweep.checkerInvocations).toBe(3);
  });

  it('makes part-full messages when many scan segments each pack their own page', () => {
    // Act
    const result = estimate({ scanSegments: 16 });

    // Assess: 16 pages of 62.5 due sites, one message each.
    expect(result.perSweep.messages).toBe(16);
  });

  it('checks only the sites due this minute, but scans every item every minute', () => {
    // Act
    const everyMinute = estimate();
    const everyFive = estimate({ intervalMinutes: 5 });

    // Assess
    expect(everyFive.perSweep.dueSites).toBe(200);
    expect(line(everyFive, 'DynamoDB', 'scan reads')?.quantity).toBe(
      line(everyMinute, 'DynamoDB', 'scan reads')?.quantity,
    );
    expect(line(everyMinute, 'DynamoDB', 'scan reads')?.quantity).toBeCloseTo(MINUTES_PER_MONTH * 46.7, 0);
  });

  it('prices the checker-reservation custom resource per deploy, not per check: about nothing', () => {
    // Act
    const small = estimate();
    const large = estimate({ sites: 100_000 });

    // Assess
    const reservation = line(small, 'Lambda', 'checker-reservation custom resource');
    expect(reservation).toMatchObject({ quantity: 10, unit: 'invocations' });
    expect(line(large, 'Lambda', 'checker-reservation custom resource')).toEqual(reservation);
    // 10 requests and 10 × 0.25 GB-s.
    expect(reservation?.listUsd).toBeCloseTo(10 * 0.2e-6 + 2.5 * 0.0000133334, 8);
  });

  it('charges the event source 5 pollers × 3 empty long polls a minute', () => {
    // Act
    const result = estimate();

    // Assess
    expect(line(result, 'SQS', 'idle long polls')?.quantity).toBe(MINUTES_PER_MONTH * 15);
  });

  it('adds the TLS handshake CPU of the HTTPS share to every invocation', () => {
    // Act
    const plain = estimate({ assumptions: { httpsShare: 0 } });
    const https = estimate({ assumptions: { httpsShare: 1 } });

    // Assess
    expect(https.perSweep.cpuMsPerCheck).toBe(2.5);
    expect(https.perSweep.checkerBilledMs).toBeGreaterThan(plain.perSweep.checkerBilledMs);
    expect(https.perSweep.enoughMemoryMiB).toBeGreaterThan(plain.perSweep.enoughMemoryMiB);
  });

  it('never bills more after the always-free tiers than at list price', () => {
    // Act
    const result = estimate();

    // Assess
    for (const costLine of result.lines)
      expect(costLine.billedUsd).toBeLessThanOrEqual(costLine.listUsd + 1e-9);
    expect(result.billedUsd).toBeLessThan(result.listUsd);
  });

  it('prices the alternatives per site: Route 53 HTTPS with string matching at $2.75, a canary run at $0.0012', () => {
    // Act
    const result = estimate();

    // Assess
    const byName = Object.fromEntries(
      result.alternatives.map((alternative) => [alternative.name, alternative.usd]),
    );
    expect(byName['Route 53 health checks, HTTPS + string match']).toBeCloseTo(2_750, 6);
    expect(byName['CloudWatch Synthetics canaries']).toBeCloseTo(
      1_000 * MINUTES_PER_MONTH * PRICES.synthetics.perCanaryRun,
      6,
    );
  });

  it('writes the sweep lease 3 times a minute: take and complete the minute, delete the one 10 minutes old', () => {
    // Act
    const result = estimate();

    // Assess
    expect(line(result, 'DynamoDB', 'writes: sweep lease')?.quantity).toBe(MINUTES_PER_MONTH * 3);
  });

  it('writes sweep progress once a minute for 1,000 due sites (two flushes of ≤ 800), never for 500', () => {
    // Act
    const thousand = estimate();
    const fiveHundred = estimate({ sites: 500 });

    // Assess
    expect(line(thousand, 'DynamoDB', 'writes: sweep progress')?.quantity).toBe(MINUTES_PER_MONTH);
    expect(line(fiveHundred, 'DynamoDB', 'writes: sweep progress')?.quantity).toBe(0);
  });

  it('prices one write unit per state change and outbox write of each incident', () => {
    // Act
    const result = estimate();

    // Assess: 1,000 sites × 1 incident × 5 writes
    expect(line(result, 'DynamoDB', 'writes: state changes')?.quantity).toBe(5_000);
  });

  it('prices a retried task as a re-check: 3 SQS requests and an invocation of the timeout', () => {
    // Act
    const none = estimate();
    const some = estimate({ drivers: { ...drivers, taskRetriesPerCheck: 0.001 } });

    // Assess: 1,000 checks a minute × 0.1 %
    const retries = MINUTES_PER_MONTH * 1_000 * 0.001;
    expect(line(none, 'SQS', 'task retries')?.quantity).toBe(0);
    expect(line(some, 'SQS', 'task retries')?.quantity).toBeCloseTo(retries * 3, 6);
    const extraGbSeconds =
      (line(some, 'Lambda', 'checker GB-s')?.quantity ?? 0) -
      (line(none, 'Lambda', 'checker GB-s')?.quantity ?? 0);
    expect(extraGbSeconds).toBeCloseTo(((retries * 5_100) / 1000) * 0.5, 3);
  });

  it('counts the checks DNS queries and bills them nothing', () => {
    // Act
    const result = estimate();

    // Assess: 2 queries for each scheduled check and each re-check
    const dns = line(result, 'Route 53', 'DNS queries');
    expect(dns?.quantity).toBe(2 * (MINUTES_PER_MONTH * 1_000 + 1_000));
    expect(dns?.listUsd).toBe(0);
  });

  it("prices a full GET every 10 minutes as the CPU of reading its page, at the memory's share of a core", () => {
    // Arrange: 4 ms more CPU per full GET; 512 MB gets 512/1769 of a core
    const withPages = { ...drivers, fullGetExtraCpuMsPerCheck: 4, fullGetPageBytes: 100 * 1024 };

    // Act
    const tenMinutes = estimate({ drivers: withPages });
    const off = estimate({ drivers: withPages, fullGetMinutes: 0 });

    // Assess: a tenth of 1,000 sites' checks each minute
    const fullGets = (MINUTES_PER_MONTH * 1_000) / 10;
    const gbSeconds = ((fullGets * 4 * (PRICES.lambda.mbPerVcpu / 512)) / 1000) * 0.5;
    expect(line(tenMinutes, 'Lambda', 'checker GB-s of full GETs')?.quantity).toBeCloseTo(gbSeconds, 3);
    expect(line(tenMinutes, 'Lambda', 'checker GB-s of full GETs')?.item).toContain(
      '100 KiB page adds 4.0 ms',
    );
    expect(line(off, 'Lambda', 'checker GB-s of full GETs')?.quantity).toBe(0);
    expect(tenMinutes.listUsd - off.listUsd).toBeCloseTo(gbSeconds * PRICES.lambda.perGbSecondArm, 6);
  });

  it('makes every check a full GET when the interval is as long as fullGetMinutes', () => {
    expect([fullGetShare(10, 1), fullGetShare(10, 3), fullGetShare(10, 10), fullGetShare(5, 15)]).toEqual([
      0.1, 0.25, 1, 1,
    ]);
    expect(fullGetShare(0, 1)).toBe(0);
  });

  it('grows with the sites, never shrinks', () => {
    // Act
    const totals = [1_000, 10_000, 100_000].map((sites) => estimate({ sites }).listUsd);

    // Assess
    expect(totals).toEqual([...totals].sort((a, b) => a - b));
  });
});

describe('chooseSizedInvocation', () => {
  const runs = [
    sized({ memoryMiB: 1024, checkConcurrency: 800, billedMs: 5_400, isCorrect: false }),
    sized({ memoryMiB: 512, checkConcurrency: 100, billedMs: 10_000 }),
    sized({ memoryMiB: 256, checkConcurrency: 50, billedMs: 19_000, latencyAddedP99Ms: 600 }),
    sized({ memoryMiB: 1024, checkConcurrency: 200, billedMs: 7_000 }),
  ];

  it('prices the deployed size when it judged every site right', () => {
    // Act
    const chosen = chooseSizedInvocation(runs, { memoryMiB: 1024, checkConcurrency: 200 });

    // Assess
    expect(chosen).toMatchObject({ memoryMiB: 1024, checkConcurrency: 200 });
  });

  it('never picks a size that judged a site wrong, nor one that made response times more than 0.5 s late', () => {
    // Act
    const wrong = chooseSizedInvocation(runs, { memoryMiB: 1024, checkConcurrency: 800 });
    const late = chooseSizedInvocation(runs, { memoryMiB: 256 });

    // Assess
    expect(wrong).toBeUndefined();
    expect(late).toBeUndefined();
  });

  it('picks the cheapest per check among the right ones when no size is asked for', () => {
    // Act: 512 MB × 10 s = 5,120 MB-s, 1024 MB × 7 s = 7,168 MB-s for the same 800 checks
    const chosen = chooseSizedInvocation(runs, {});

    // Assess
    expect(chosen).toMatchObject({ memoryMiB: 512, checkConcurrency: 100 });
  });
});

describe('sizedInvocationMs', () => {
  it('keeps the wait for the slowest site and scales the rest with the checks', () => {
    // Act
    const full = sizedInvocationMs(sized({ billedMs: 10_000 }), 800, 5_000);
    const quarter = sizedInvocationMs(sized({ billedMs: 10_000 }), 200, 5_000);

    // Assess
    expect(full).toBe(10_000);
    expect(quarter).toBe(6_250);
  });

  it('bills the measured invocation instead of the one-core estimate', () => {
    // Act: 1,000 sites in 2 invocations of 500 checks: 5 s + 5 s × 500/800 = 8,125 ms each, at 512 MB
    const result = estimate({ sized: sized({ billedMs: 10_000 }) });

    // Assess
    expect(result.perSweep.checkerBilledMs).toBe(8_125);
    const checker = line(result, 'Lambda', 'checker GB-s');
    const rechecks = 1_000 * (5_000 + 100);
    expect(checker?.quantity).toBeCloseTo(((MINUTES_PER_MONTH * 2 * 8_125 + rechecks) / 1000) * 0.5, 3);
  });
});

describe('progressWritesPerSweep', () => {
  it.each([
    [500, 1, 0],
    [1_000, 1, 1],
    [1_600, 1, 1],
    [1_600, 2, 2],
    [100_000, 37, 37],
    [100_000, 200, 125],
  ])('writes progress %i due checks over %i scan pages: %i time(s)', (due, pages, writes) => {
    expect(progressWritesPerSweep(due, pages, 80)).toBe(writes);
  });
});

describe('measuredRetriesPerCheck', () => {
  const invocation = (checks: number, tasksRetried?: number) => ({ checks, tasksRetried });

  it('divides the retried tasks of every checker sweep by their checks', () => {
    // Prepare: 2 retries in 2,000 checks of the sweep, none in 1,000 of the pipeline
    const report = {
      checkerSweep: {
        cold: { invocations: [invocation(800, 2), invocation(200, 0)] },
        warm: { invocations: [invocation(1_000, 0)] },
      },
      pipeline: { invocations: [invocation(1_000, 0)] },
    } as unknown as BenchReport;

    // Act
    const rate = measuredRetriesPerCheck(report);

    // Assess
    expect(rate).toBeCloseTo(2 / 3_000, 9);
  });

  it('reads a report from before retries were counted as none', () => {
    // Prepare
    const report = {
      checkerSweep: { cold: { invocations: [invocation(800)] }, warm: { invocations: [invocation(800)] } },
    } as unknown as BenchReport;

    // Act
    const rate = measuredRetriesPerCheck(report);

    // Assess
    expect(rate).toBe(0);
  });
});
