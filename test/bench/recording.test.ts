import { describe, expect, it } from 'vitest';
import { planFleet } from '../../bench/fleet/plan.ts';
import { scoreVerdicts } from '../../bench/lib/recording.ts';
import type { CheckResult } from '../../functions/domain/check-result.ts';

const up: CheckResult = { kind: 'up', status: 200, latencyMs: 10 };
const down = (reason: 'timeout' | 'refused'): CheckResult => ({
  kind: 'down',
  reason,
  detail: reason,
  latencyMs: 10,
});
const fault: CheckResult = { kind: 'fault', reason: 'checker-fault', detail: 'EMFILE', latencyMs: 1 };

describe('scoreVerdicts', () => {
  const truth = planFleet({ size: 300, seed: 2, timeoutMs: 5_000 });
  const truthful = truth.map((site) =>
    site.expected === 'up'
      ? up
      : ({ kind: 'down', reason: site.expectedReason, detail: '', latencyMs: 1 } as CheckResult),
  );
  const firstDown = truth.findIndex((site) => site.expected === 'down');
  const firstUp = truth.findIndex((site) => site.expected === 'up');

  it('scores a checker that agrees with the truth 1.000 / 1.000', () => {
    // Act
    const score = scoreVerdicts(truth, truthful);

    // Assess
    expect(score).toMatchObject({ precision: 1, recall: 1, falsePositives: 0, falseNegatives: 0, faults: 0 });
    expect(score.truePositives).toBe(truth.filter((site) => site.expected === 'down').length);
  });

  it.each([
    [
      'an up site judged down lowers precision',
      firstUp,
      down('timeout'),
      { falsePositives: 1, falseNegatives: 0 },
    ],
    ['a down site judged up lowers recall', firstDown, up, { falsePositives: 0, falseNegatives: 1 }],
    ['a fault on a down site is a miss, never a down', firstDown, fault, { falseNegatives: 1, faults: 1 }],
    ['a fault on an up site is no false alarm', firstUp, fault, { falsePositives: 0, faults: 1 }],
  ])('%s', (_name, index, result, expected) => {
    // Prepare
    const results = truthful.map((value, at) => (at === index ? result : value));

    // Act
    const score = scoreVerdicts(truth, results);

    // Assess
    expect(score).toMatchObject(expected);
  });

  it('counts a down verdict with the wrong reason apart, still as a true positive', () => {
    // Prepare
    const site = truth.find(
      (candidate) => candidate.expected === 'down' && candidate.expectedReason !== 'refused',
    );
    const results = truthful.map((value, at) => (at === site?.index ? down('refused') : value));

    // Act
    const score = scoreVerdicts(truth, results);

    // Assess
    expect(score).toMatchObject({ precision: 1, recall: 1, wrongReasons: 1 });
  });
});
