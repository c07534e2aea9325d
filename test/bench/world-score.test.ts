import { describe, expect, it } from 'vitest';
import { onlyMix, planFleet, type SiteTruth } from '../../bench/fleet/plan.ts';
import { planDeadHostWorld, planDnsWorld } from '../../bench/fleet/world.ts';
import { type DeadHostPhaseReport, deadHostSection, type WorldSweep } from '../../bench/lib/world-report.ts';
import {
  countWrongVerdicts,
  type DeadHostSweepScore,
  scoreDeadHostSweep,
  scoreDnsSweep,
} from '../../bench/lib/world-score.ts';
import type { CheckResult } from '../../functions/domain/check-result.ts';

const TIMEOUT_MS = 5_000;

/** What a correct checker returns for each site, with `latencyMs` for the down ones. */
const truthful = (truth: readonly SiteTruth[], downLatencyMs = 10): CheckResult[] =>
  truth.map((site) =>
    site.expected === 'up'
      ? { kind: 'up', status: 200, latencyMs: 10 }
      : {
          kind: 'down',
          reason: site.expectedReason ?? 'timeout',
          detail: '',
          latencyMs: downLatencyMs,
        },
  );
const replaced = (results: readonly CheckResult[], index: number, result: CheckResult | undefined) =>
  results.map((value, at) => (at === index ? result : value));

describe('countWrongVerdicts', () => {
  const truth = planFleet({ size: 200, seed: 2, timeoutMs: TIMEOUT_MS });
  const firstDown = truth.findIndex((site) => site.expected === 'down');
  const firstUp = truth.findIndex((site) => site.expected === 'up');

  it.each<[string, number, CheckResult | undefined]>([
    ['a site without a result', firstUp, undefined],
    ['a fault', firstUp, { kind: 'fault', reason: 'checker-fault', detail: '', latencyMs: 1 }],
    ['an up site judged down', firstUp, { kind: 'down', reason: 'timeout', detail: '', latencyMs: 1 }],
    ['a down site judged up', firstDown, { kind: 'up', status: 200, latencyMs: 1 }],
    [
      'a down site judged down for another reason',
      firstDown,
      { kind: 'down', reason: 'dns', detail: '', latencyMs: 1 },
    ],
  ])('counts %s as wrong', (_name, index, result) => {
    // Act
    const wrong = countWrongVerdicts(truth, replaced(truthful(truth), index, result));

    // Assess
    expect(wrong).toBe(1);
  });

  it('counts nothing for a checker that agrees with the truth', () => {
    expect(countWrongVerdicts(truth, truthful(truth))).toBe(0);
  });
});

describe('scoreDnsSweep', () => {
  const fleet = planFleet({ size: 400, seed: 46, timeoutMs: TIMEOUT_MS, mix: onlyMix('healthy') });
  const world = planDnsWorld(fleet, 46, TIMEOUT_MS);
  const silentIndex = world.silent[0] ?? 0;
  const healthyIndex = world.truth.findIndex((site) => site.expected === 'up');

  it('finds every silent name DOWN dns and every healthy site UP when the checker is right', () => {
    // Act
    const score = scoreDnsSweep(world, truthful(world.truth, 2_100));

    // Assess
    expect(score).toEqual({
      wrongVerdicts: 0,
      healthyNotUp: 0,
      silent: 8,
      silentDownDns: 8,
      slowestSilentMs: 2_100,
    });
  });

  it('does not count a silent name judged DOWN timeout as DOWN dns', () => {
    // Prepare
    const timedOut: CheckResult = { kind: 'down', reason: 'timeout', detail: '', latencyMs: 5_000 };

    // Act
    const score = scoreDnsSweep(world, replaced(truthful(world.truth), silentIndex, timedOut));

    // Assess
    expect(score).toMatchObject({
      silentDownDns: 7,
      wrongVerdicts: 1,
      healthyNotUp: 0,
      slowestSilentMs: 5_000,
    });
  });

  it('counts a healthy site that faulted as not UP', () => {
    // Prepare
    const fault: CheckResult = { kind: 'fault', reason: 'checker-fault', detail: 'EMFILE', latencyMs: 1 };

    // Act
    const score = scoreDnsSweep(world, replaced(truthful(world.truth), healthyIndex, fault));

    // Assess
    expect(score).toMatchObject({ healthyNotUp: 1, wrongVerdicts: 1, silentDownDns: 8 });
  });

  it('scores the same sites by address, where no name is silent', () => {
    // Act
    const score = scoreDnsSweep({ truth: fleet, silent: [] }, truthful(fleet));

    // Assess
    expect(score).toEqual({
      wrongVerdicts: 0,
      healthyNotUp: 0,
      silent: 0,
      silentDownDns: 0,
      slowestSilentMs: 0,
    });
  });
});

describe('scoreDeadHostSweep', () => {
  const world = planDeadHostWorld(planFleet({ size: 400, seed: 47, timeoutMs: TIMEOUT_MS }), 47, TIMEOUT_MS);
  const deadIndex = world.dead[0] ?? 0;
  const neighbour = world.truth.findIndex((site) => site.expected === 'up');

  it('reports how far past its deadline the slowest dead host was judged', () => {
    // Act
    const score = scoreDeadHostSweep(world, truthful(world.truth, 5_012), TIMEOUT_MS);

    // Assess
    expect(score).toEqual({
      wrongVerdicts: 0,
      dead: 8,
      deadDownTimeout: 8,
      slowestDeadMs: 5_012,
      overDeadlineMs: 12,
      othersWrong: 0,
    });
  });

  it('counts a neighbour a dead host dragged down apart from the dead hosts', () => {
    // Prepare
    const dragged: CheckResult = { kind: 'down', reason: 'timeout', detail: '', latencyMs: 5_000 };

    // Act
    const score = scoreDeadHostSweep(world, replaced(truthful(world.truth), neighbour, dragged), TIMEOUT_MS);

    // Assess
    expect(score).toMatchObject({ othersWrong: 1, deadDownTimeout: 8, wrongVerdicts: 1 });
  });

  it('does not count a dead host judged refused as DOWN timeout', () => {
    // Prepare
    const refused: CheckResult = { kind: 'down', reason: 'refused', detail: '', latencyMs: 3 };

    // Act
    const score = scoreDeadHostSweep(world, replaced(truthful(world.truth), deadIndex, refused), TIMEOUT_MS);

    // Assess
    expect(score).toMatchObject({ deadDownTimeout: 7, othersWrong: 0, wrongVerdicts: 1 });
  });
});

describe('deadHostSection', () => {
  const score: DeadHostSweepScore = {
    wrongVerdicts: 0,
    dead: 8,
    deadDownTimeout: 8,
    slowestDeadMs: 5_010,
    overDeadlineMs: 10,
    othersWrong: 0,
  };
  const sweep: WorldSweep<DeadHostSweepScore> = {
    wallMs: 6_000,
    lastStartMs: 1_000,
    score,
    requestsPerSite: 1.02,
    peakRssMiB: 110,
    cpuMsPerCheck: 1,
    eventLoopDelayP99Ms: 10,
    checks: 400,
    checkerFaults: 0,
    failedMessages: 0,
    tasksRetried: 0,
    descriptorsLeft: 0,
  };
  const report: DeadHostPhaseReport = {
    sites: 400,
    dead: 8,
    invocations: 1,
    deadlineMs: TIMEOUT_MS,
    truth: { behaviours: {}, down: 44 },
    cold: sweep,
    warm: sweep,
    cpuMs: {},
  };
  const met = (section: ReturnType<typeof deadHostSection>, measure: string) =>
    section.rows.find((row) => row[0].startsWith(measure))?.[3];

  it('meets every target of a checker that keeps dead hosts to themselves', () => {
    // Act
    const section = deadHostSection(report, 30);

    // Assess
    expect(section.rows.map((row) => row[3]).filter((cell) => cell !== '')).not.toContain('NO');
  });

  it('misses the target when a message or a task came back', () => {
    // Act
    const section = deadHostSection({ ...report, warm: { ...sweep, tasksRetried: 1 } }, 30);

    // Assess
    expect(met(section, 'Messages returned')).toBe('NO');
  });

  it('misses the target when a dead host was judged more than 100 ms past its deadline', () => {
    // Act
    const section = deadHostSection(
      { ...report, cold: { ...sweep, score: { ...score, overDeadlineMs: 101 } } },
      30,
    );

    // Assess
    expect(met(section, 'Slowest dead host')).toBe('NO');
  });

  it('says why when the dead hosts could not be set up', () => {
    // Act
    const section = deadHostSection(
      { ...report, cold: undefined, warm: undefined, skipped: 'no loopback' },
      30,
    );

    // Assess
    expect(section.rows).toEqual([['Not measured', 'no loopback', '', '']]);
  });
});
