import type { Probe, ProbeTarget } from '../../functions/adapters/http-probe.ts';
import { createJsonLogger, type Logger } from '../../functions/adapters/logger.ts';
import type { CheckResult } from '../../functions/domain/check-result.ts';
import type { SiteTruth } from '../fleet/plan.ts';

/** Every check result the checker got, by site: the probe is real, this only listens in. */
export class ResultRecorder {
  readonly #indexByUrl: Map<string, number>;
  readonly first: (CheckResult | undefined)[];
  readonly checksBySite: Uint32Array;
  #recorded = 0;
  #lastAtMs = 0;
  #lastStartAtMs = 0;
  #waiters: { count: number; resolve: () => void }[] = [];

  constructor(urls: readonly string[]) {
    this.#indexByUrl = new Map(urls.map((url, index) => [url, index]));
    this.first = new Array(urls.length);
    this.checksBySite = new Uint32Array(urls.length);
  }

  /** Sites with at least one result. */
  get recorded(): number {
    return this.#recorded;
  }

  /** performance.now() of the latest first result. */
  get lastAtMs(): number {
    return this.#lastAtMs;
  }

  /** performance.now() when the last check began: how long the checker took to get every check going. */
  get lastStartAtMs(): number {
    return this.#lastStartAtMs;
  }

  /** Wraps a probe: same results, recorded on the way out. */
  wrap(probe: Pick<Probe, 'check'>): Pick<Probe, 'check'> {
    return {
      check: async (target: ProbeTarget, signal?: AbortSignal) => {
        this.#lastStartAtMs = performance.now();
        const result = await probe.check(target, signal);
        this.#record(target.url, result);
        return result;
      },
    };
  }

  /** Resolves once `count` sites have a result. */
  waitFor(count: number): Promise<void> {
    if (this.#recorded >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  #record(url: string, result: CheckResult): void {
    const index = this.#indexByUrl.get(url);
    if (index === undefined) return;
    this.checksBySite[index] = (this.checksBySite[index] ?? 0) + 1;
    if (this.first[index] !== undefined) return;
    this.first[index] = result;
    this.#recorded++;
    this.#lastAtMs = performance.now();
    this.#waiters = this.#waiters.filter((waiter) => {
      if (this.#recorded < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  }
}

/** How well the DOWN verdicts match the truth. A fault is no verdict: a down site that faulted is missed. */
export interface VerdictScore {
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  readonly precision: number;
  readonly recall: number;
  readonly faults: number;
  readonly unchecked: number;
  /** DOWN verdicts whose reason differs from the expected one (e.g. `reset` for a refused site). */
  readonly wrongReasons: number;
  /** A few mismatches, for humans. */
  readonly examples: readonly string[];
}

export function scoreVerdicts(
  truth: readonly SiteTruth[],
  results: readonly (CheckResult | undefined)[],
): VerdictScore {
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  let faults = 0;
  let unchecked = 0;
  let wrongReasons = 0;
  const examples: string[] = [];
  const note = (site: SiteTruth, result: CheckResult | undefined) => {
    if (examples.length < 5) examples.push(`${site.behaviour} site-${site.index}: ${JSON.stringify(result)}`);
  };
  for (const site of truth) {
    const result = results[site.index];
    if (result === undefined) unchecked++;
    else if (result.kind === 'fault') faults++;
    const isJudgedDown = result?.kind === 'down';
    if (isJudgedDown && site.expected === 'down') {
      truePositives++;
      if (result.reason !== site.expectedReason) {
        wrongReasons++;
        note(site, result);
      }
    } else if (isJudgedDown) {
      falsePositives++;
      note(site, result);
    } else if (site.expected === 'down') {
      falseNegatives++;
      note(site, result);
    }
  }
  const ratio = (part: number, whole: number) => (whole === 0 ? 1 : part / whole);
  return {
    truePositives,
    falsePositives,
    falseNegatives,
    precision: ratio(truePositives, truePositives + falsePositives),
    recall: ratio(truePositives, truePositives + falseNegatives),
    faults,
    unchecked,
    wrongReasons,
    examples,
  };
}

/** A JSON logger that counts what it would send to CloudWatch Logs instead of printing it. */
export function createCountingLogger(): {
  log: Logger;
  bytes(): number;
  lines(): number;
  /** Bytes of the Embedded Metric Format lines (one per invocation), apart from the event lines. */
  metricBytes(): number;
} {
  let bytes = 0;
  let lines = 0;
  let metricBytes = 0;
  const log = createJsonLogger((line) => {
    // One CloudWatch event per line; the newline is part of what Lambda ships.
    const size = Buffer.byteLength(line) + 1;
    bytes += size;
    lines++;
    if (line.startsWith('{"_aws"')) metricBytes += size;
  });
  return { log, bytes: () => bytes, lines: () => lines, metricBytes: () => metricBytes };
}
