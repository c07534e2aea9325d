import type { CheckResult } from '../../functions/domain/check-result.ts';
import type { SiteTruth } from '../fleet/plan.ts';
import type { DeadHostWorld, DnsWorld } from '../fleet/world.ts';

/**
 * Sites whose verdict is not the truth's: no result, a fault, up for down (or down for up), or down for another
 * reason than the expected one. Stricter than precision and recall, which forgive a wrong reason.
 */
export function countWrongVerdicts(
  truth: readonly SiteTruth[],
  results: readonly (CheckResult | undefined)[],
): number {
  return truth.filter((site) => {
    const result = results[site.index];
    if (result === undefined || result.kind !== site.expected) return true;
    return result.kind === 'down' && result.reason !== site.expectedReason;
  }).length;
}

/** One sweep of the DNS phase against its targets. */
export interface DnsSweepScore {
  readonly wrongVerdicts: number;
  /** Sites with a healthy name and server not judged UP (target 0). */
  readonly healthyNotUp: number;
  readonly silent: number;
  /** Sites with a silent nameserver judged DOWN `dns` (target: all of them). */
  readonly silentDownDns: number;
  /** The longest a silent name's check took (0 when there are none). */
  readonly slowestSilentMs: number;
}

/** Scores a sweep of the DNS world; pass `silent: []` for the same sites checked by address. */
export function scoreDnsSweep(
  world: Pick<DnsWorld, 'truth' | 'silent'>,
  results: readonly (CheckResult | undefined)[],
): DnsSweepScore {
  const silent = world.silent.map((index) => results[index]);
  return {
    wrongVerdicts: countWrongVerdicts(world.truth, results),
    healthyNotUp: world.truth.filter((site) => site.expected === 'up' && results[site.index]?.kind !== 'up')
      .length,
    silent: silent.length,
    silentDownDns: silent.filter((result) => result?.kind === 'down' && result.reason === 'dns').length,
    slowestSilentMs: Math.max(0, ...silent.map((result) => result?.latencyMs ?? 0)),
  };
}

/** One sweep of the dead-host phase against its targets. */
export interface DeadHostSweepScore {
  readonly wrongVerdicts: number;
  readonly dead: number;
  /** Dead hosts judged DOWN `timeout` (target: all of them). */
  readonly deadDownTimeout: number;
  /** The longest a dead host's check took, and by how much that passed its deadline (target ≤ 100 ms). */
  readonly slowestDeadMs: number;
  readonly overDeadlineMs: number;
  /** Wrong verdicts among the other sites (target 0): a dead host must not affect its neighbours. */
  readonly othersWrong: number;
}

export function scoreDeadHostSweep(
  world: DeadHostWorld,
  results: readonly (CheckResult | undefined)[],
  timeoutMs: number,
): DeadHostSweepScore {
  const isDead = new Set(world.dead);
  const dead = world.dead.map((index) => results[index]);
  const slowestDeadMs = Math.max(0, ...dead.map((result) => result?.latencyMs ?? 0));
  return {
    wrongVerdicts: countWrongVerdicts(world.truth, results),
    dead: dead.length,
    deadDownTimeout: dead.filter((result) => result?.kind === 'down' && result.reason === 'timeout').length,
    slowestDeadMs,
    overDeadlineMs: slowestDeadMs - timeoutMs,
    othersWrong: countWrongVerdicts(
      world.truth.filter((site) => !isDead.has(site.index)),
      results,
    ),
  };
}
