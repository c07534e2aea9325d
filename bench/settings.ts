/**
 * The knobs the benchmark turns, named as in the stack: CHECKS_PER_MESSAGE, CHECK_CONCURRENCY and
 * SCAN_SEGMENTS are environment variables of the Lambdas; batch size and max concurrency belong to the
 * SQS event source; memory to the checker function.
 */
export interface Settings {
  /** CHECKS_PER_MESSAGE: checks packed in one SQS message (also capped at 63 KiB). */
  readonly checksPerMessage: number;
  /** SqsEventSource batchSize: messages per checker invocation. */
  readonly batchSize: number;
  /** SqsEventSource maxBatchingWindow, ms: wait this long for a full batch once messages arrive. */
  readonly batchingWindowMs: number;
  /** CHECK_CONCURRENCY: checks in flight at once in one invocation. */
  readonly checkConcurrency: number;
  /** SqsEventSource maxConcurrency: checker invocations at once (the pipeline's pollers). */
  readonly maxConcurrency: number;
  /** SCAN_SEGMENTS: parallel Scan segments of the fan-out. */
  readonly scanSegments: number;
  /** Checker Lambda memory; only the cost model uses it. */
  readonly checkerMemoryMiB: number;
  /** Fan-out Lambda memory; only the cost model uses it. */
  readonly fanOutMemoryMiB: number;
  /** NODE_OPTIONS=--enable-source-maps on the Lambdas: every error stack then goes through the source map. */
  readonly sourceMaps: boolean;
}

/**
 * The settings before tuning: the "before". CHECK_CONCURRENCY now counts start slots (a check holds one for
 * ≤ 500 ms), not checks in flight, so 256 here no longer reproduces the old checker exactly.
 */
export const BASELINE: Settings = {
  checksPerMessage: 50,
  batchSize: 10,
  batchingWindowMs: 0,
  checkConcurrency: 256,
  maxConcurrency: 10,
  scanSegments: 4,
  checkerMemoryMiB: 512,
  fanOutMemoryMiB: 512,
  sourceMaps: true,
};

/** What the benchmark recommends: see bench/README.md for why each value. */
export const TUNED: Settings = {
  checksPerMessage: 80,
  batchSize: 10,
  batchingWindowMs: 0,
  checkConcurrency: 30,
  maxConcurrency: 24,
  scanSegments: 4,
  checkerMemoryMiB: 512,
  fanOutMemoryMiB: 512,
  sourceMaps: false,
};

export const PRESETS = { baseline: BASELINE, tuned: TUNED } as const;
export type PresetName = keyof typeof PRESETS;

/** Lambda gives a function one vCPU at 1,769 MB, and CPU in proportion to memory below that. */
export const LAMBDA_MB_PER_VCPU = 1_769;

/** Lambda gives every function at most this many open descriptors; each check in flight holds one. */
export const LAMBDA_MAX_OPEN_FILES = 1024;
/** The checker Lambda's timeout (infra/uptime-squirrel-stack.ts CHECKER_TIMEOUT). */
export const CHECKER_TIMEOUT_MS = 60_000;

/**
 * SCAN_SEGMENTS for a table of `sites`: one segment per ~10,000 items, 1 to 16. The fan-out packs each scan
 * page on its own, so a small table spread over many segments makes part-full messages (more invocations).
 */
export const recommendedScanSegments = (sites: number): number =>
  Math.min(16, Math.max(1, Math.ceil(sites / 10_000)));
