// The phases of issue 10: names through a nameserver (2 % silent), and hosts that drop SYNs (2 %).
import type { CheckResult } from '../../functions/domain/check-result.ts';
import { type DeadHosts, startDeadHosts } from '../../test/support/world/dead-host.ts';
import type { DnsBehaviour } from '../../test/support/world/dns-server.ts';
import { describeTruth, onlyMix, planFleet } from '../fleet/plan.ts';
import { startRemoteFleet, startRemoteNameserver } from '../fleet/remote.ts';
import { planDeadHostWorld, planDnsWorld, withHost } from '../fleet/world.ts';
import { CpuSplit } from '../lib/machine.ts';
import { type DeadHostPhaseReport, type DnsPhaseReport, summarizeWorldSweep } from '../lib/world-report.ts';
import { scoreDeadHostSweep, scoreDnsSweep } from '../lib/world-score.ts';
import type { Settings } from '../settings.ts';
import { startCheckerProcess, sweepFleet } from './checker-sweep.ts';

export interface WorldPhaseOptions {
  readonly sites: number;
  /** Seeds the fleet and which of its sites the world breaks. */
  readonly seed: number;
  readonly timeoutMs: number;
  readonly settings: Settings;
}

/** Issue 10: the loopback nameserver answers every name in this long, as a recursive resolver's cache miss might. */
export const NAMESERVER_DELAY_MS = 20;
// Answers expire before the next sweep, as they would a minute later (the probe keeps one ≤ 30 s): each sweep by
// name asks the nameserver again instead of measuring the probe's cache.
const ANSWER_TTL_SECONDS = 1;
// The dead hosts' holder exits by itself after this long, whatever happens to the bench.
const DEAD_HOSTS_LIFETIME_MS = 5 * 60_000;

/**
 * Healthy sites checked by name through the test world's loopback nameserver (DNS_SERVERS of the bundled checker),
 * 2 % of the names with a silent nameserver: cold and warm. Between them, the same sites by IP address in the same
 * checker process, for comparison.
 */
export async function runDnsPhase(options: WorldPhaseOptions): Promise<DnsPhaseReport> {
  const { sites, timeoutMs, settings } = options;
  const fleetOptions = { size: sites, seed: options.seed, timeoutMs, mix: onlyMix('healthy') };
  const fleetTruth = planFleet(fleetOptions);
  const world = planDnsWorld(fleetTruth, options.seed, timeoutMs);
  const isSilent = new Set(world.silent);
  const names = world.names.map((name, index): readonly [string, DnsBehaviour] => [
    name,
    isSilent.has(index)
      ? { kind: 'silent' }
      : { kind: 'answer', a: [fleetTruth[index]?.address ?? ''], ttlSeconds: ANSWER_TTL_SECONDS },
  ]);
  const nameserver = await startRemoteNameserver({ delayMs: NAMESERVER_DELAY_MS, names });
  const fleet = await startRemoteFleet(fleetOptions);
  const byName = {
    urls: fleet.urls.map((url, index) => withHost(url, world.names[index] ?? '')),
    timeoutMs,
    settings,
  };
  const byAddress = { urls: fleet.urls, timeoutMs, settings };
  const checker = await startCheckerProcess(byName, settings.sourceMaps, { DNS_SERVERS: nameserver.server });
  try {
    const split = new CpuSplit({ checker: checker.pids, fleet: fleet.pids, nameserver: nameserver.pid });
    const queriesBefore = await nameserver.queries(world.names);
    const coldSweep = await sweepFleet(fleet, checker.sweep);
    const queriesAfter = await nameserver.queries(world.names);
    const cold = summarizeWorldSweep(coldSweep, sites, scoreDnsSweep(world, results(coldSweep)));
    console.log(
      `  by name, cold: ${(cold.wallMs / 1000).toFixed(2)} s, ${cold.score.healthyNotUp} healthy not up`,
    );
    await checker.setup(byAddress);
    const addressSweep = await sweepFleet(fleet, checker.sweep);
    const addressed = summarizeWorldSweep(
      addressSweep,
      sites,
      scoreDnsSweep({ truth: fleetTruth, silent: [] }, results(addressSweep)),
    );
    console.log(`  by address: ${(addressed.wallMs / 1000).toFixed(2)} s`);
    await checker.setup(byName);
    const warmSweep = await sweepFleet(fleet, checker.sweep);
    const warm = summarizeWorldSweep(warmSweep, sites, scoreDnsSweep(world, results(warmSweep)));
    console.log(
      `  by name, warm: ${(warm.wallMs / 1000).toFixed(2)} s, ${warm.score.healthyNotUp} healthy not up`,
    );
    const asked = queriesAfter.map((count, index) => count - (queriesBefore[index] ?? 0));
    const mean = (indices: readonly number[]) =>
      indices.reduce((sum, index) => sum + (asked[index] ?? 0), 0) / Math.max(1, indices.length);
    return {
      sites,
      silent: world.silent.length,
      nameserverDelayMs: NAMESERVER_DELAY_MS,
      invocations: checker.invocations,
      deadlineMs: timeoutMs,
      byName: { cold, warm },
      byAddress: addressed,
      queriesPerName: {
        healthy: mean(fleetTruth.map((site) => site.index).filter((index) => !isSilent.has(index))),
        silent: mean(world.silent),
      },
      cpuMs: split.finish(),
    };
  } finally {
    await checker.stop();
    await fleet.stop();
    await nameserver.stop();
  }
}

/**
 * Sites of the usual mix, 2 % of them on hosts that drop SYNs (the test world's dead hosts): each must be DOWN
 * `timeout` at its deadline, alone, without a message or a task coming back. Cold, then warm.
 */
export async function runDeadHostPhase(options: WorldPhaseOptions): Promise<DeadHostPhaseReport> {
  const { sites, timeoutMs, settings } = options;
  const fleetOptions = { size: sites, seed: options.seed, timeoutMs };
  const world = planDeadHostWorld(planFleet(fleetOptions), options.seed, timeoutMs);
  const base = {
    sites,
    dead: world.dead.length,
    invocations: 0,
    deadlineMs: timeoutMs,
    truth: describeTruth(world.truth),
  };
  let deadHosts: DeadHosts;
  try {
    // Each on its dead site's own address (another port than the fleet's unused listener there).
    deadHosts = await startDeadHosts(
      world.dead.map((index) => world.truth[index]?.address ?? ''),
      { lifetimeMs: DEAD_HOSTS_LIFETIME_MS },
    );
  } catch (error) {
    return { ...base, skipped: `dead hosts not set up: ${error instanceof Error ? error.message : error}` };
  }
  const fleet = await startRemoteFleet(fleetOptions);
  const deadUrls = new Map(world.dead.map((index, at) => [index, deadHosts.hosts[at]?.url() ?? '']));
  const urls = fleet.urls.map((url, index) => deadUrls.get(index) ?? url);
  try {
    const checker = await startCheckerProcess({ urls, timeoutMs, settings }, settings.sourceMaps);
    try {
      const split = new CpuSplit({ checker: checker.pids, fleet: fleet.pids });
      const measure = async (label: string) => {
        const sweep = await sweepFleet(fleet, checker.sweep);
        const summary = summarizeWorldSweep(
          sweep,
          sites,
          scoreDeadHostSweep(world, results(sweep), timeoutMs),
        );
        console.log(
          `  ${label}: ${(summary.wallMs / 1000).toFixed(2)} s, ${summary.score.deadDownTimeout}/${summary.score.dead} ` +
            `dead DOWN timeout, slowest ${Math.round(summary.score.overDeadlineMs)} ms past its deadline`,
        );
        return summary;
      };
      const cold = await measure('cold');
      const warm = await measure('warm');
      return { ...base, invocations: checker.invocations, cold, warm, cpuMs: split.finish() };
    } finally {
      await checker.stop();
    }
  } finally {
    await fleet.stop();
    await deadHosts.close();
  }
}

const results = (sweep: { readonly results: readonly unknown[] }) =>
  sweep.results as readonly (CheckResult | undefined)[];
