import type { TruthSummary } from '../fleet/plan.ts';
import type { FleetSweep } from '../phases/checker-sweep.ts';
import type { DeadHostSweepScore, DnsSweepScore } from './world-score.ts';

/** The targets of issue 10 (the DNS and dead-host phases), beside those of issue 5 that hold there too. */
export const WORLD_TARGETS = {
  /** Wall time of a sweep by name over the slowest site's deadline. */
  dnsWallToDeadline: 1.2,
  /** How late after its deadline a dead host's check may end. */
  deadHostLateMs: 100,
  wrongVerdicts: 0,
  requestsPerSite: 1.1,
  peakRssMiB: 150,
} as const;

/** One sweep of a world phase: the figures every phase's targets need, and the phase's own score. */
export interface WorldSweep<Score> {
  readonly wallMs: number;
  readonly lastStartMs: number;
  readonly score: Score;
  readonly requestsPerSite: number;
  readonly peakRssMiB: number;
  readonly cpuMsPerCheck: number;
  readonly eventLoopDelayP99Ms: number;
  readonly checks: number;
  readonly checkerFaults: number;
  /** Messages handed back to SQS: only when sending a retry failed. */
  readonly failedMessages: number;
  /** Tasks sent back to the queue alone (faults). */
  readonly tasksRetried: number;
  readonly descriptorsLeft: number;
}

/** 400 healthy sites by name through a loopback nameserver, 2 % of the names silent; and by address. */
export interface DnsPhaseReport {
  readonly sites: number;
  readonly silent: number;
  readonly nameserverDelayMs: number;
  readonly invocations: number;
  /** Every site has the same timeout: the slowest site's deadline. */
  readonly deadlineMs: number;
  readonly byName: { readonly cold: WorldSweep<DnsSweepScore>; readonly warm: WorldSweep<DnsSweepScore> };
  /** The same sites by IP address (silent names' sites included: they are healthy), warm. */
  readonly byAddress: WorldSweep<DnsSweepScore>;
  /** Queries the nameserver received per name in one sweep by name (A and AAAA, retries included). */
  readonly queriesPerName: { readonly healthy: number; readonly silent: number };
  readonly cpuMs: Record<string, number>;
}

/** 400 sites of the usual mix, 2 % of them on hosts that drop SYNs. */
export interface DeadHostPhaseReport {
  readonly sites: number;
  readonly dead: number;
  readonly invocations: number;
  readonly deadlineMs: number;
  readonly truth: TruthSummary;
  /** Why the phase did not run (the dead hosts could not be set up). */
  readonly skipped?: string;
  readonly cold?: WorldSweep<DeadHostSweepScore>;
  readonly warm?: WorldSweep<DeadHostSweepScore>;
  readonly cpuMs?: Record<string, number>;
}

/** A sweep's figures, with the phase's score. */
export function summarizeWorldSweep<Score>(m: FleetSweep, sites: number, score: Score): WorldSweep<Score> {
  const sum = (pick: (invocation: FleetSweep['invocations'][number]) => number) =>
    m.invocations.reduce((total, invocation) => total + pick(invocation), 0);
  const checks = sum((invocation) => invocation.checks);
  return {
    wallMs: m.wallMs,
    lastStartMs: m.lastStartMs,
    score,
    requestsPerSite: m.requests / sites,
    peakRssMiB: m.peakRssMiB,
    cpuMsPerCheck: (m.cpuUserMs + m.cpuSystemMs) / Math.max(1, checks),
    eventLoopDelayP99Ms: m.eventLoopDelayP99Ms,
    checks,
    checkerFaults: sum((invocation) => invocation.checkerFaults),
    failedMessages: sum((invocation) => invocation.failedMessages),
    tasksRetried: sum((invocation) => invocation.tasksRetried),
    descriptorsLeft: m.descriptorsLeft,
  };
}

/** A section of the bench table: its title and rows of [measure, this run, target, met]. */
export interface TableSection {
  readonly title: string;
  readonly rows: readonly (readonly [string, string, string, string])[];
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const verdict = (isMet: boolean) => (isMet ? 'yes' : 'NO');
const signedMs = (ms: number) => `${ms >= 0 ? '+' : '−'}${Math.abs(Math.round(ms))} ms`;

/** The rows every world phase shares: verdicts, requests, memory, messages returned. */
function commonRows<Score>(
  sweeps: readonly WorldSweep<Score>[],
  wrong: (score: Score) => number,
  label: string,
): TableSection['rows'] {
  const each = (pick: (sweep: WorldSweep<Score>) => number, format: (value: number) => string) =>
    sweeps.map((sweep) => format(pick(sweep))).join(' / ');
  const worst = (pick: (sweep: WorldSweep<Score>) => number) => Math.max(...sweeps.map(pick));
  return [
    [
      `Wrong verdicts, all sites (${label})`,
      each((sweep) => wrong(sweep.score), String),
      String(WORLD_TARGETS.wrongVerdicts),
      verdict(worst((sweep) => wrong(sweep.score)) <= WORLD_TARGETS.wrongVerdicts),
    ],
    [
      `HTTP requests per site (${label})`,
      each(
        (sweep) => sweep.requestsPerSite,
        (value) => value.toFixed(3),
      ),
      `≤ ${WORLD_TARGETS.requestsPerSite}`,
      verdict(worst((sweep) => sweep.requestsPerSite) <= WORLD_TARGETS.requestsPerSite),
    ],
    [
      `Peak RSS of the invocation process (${label})`,
      each(
        (sweep) => sweep.peakRssMiB,
        (value) => `${Math.round(value)} MB`,
      ),
      `≤ ${WORLD_TARGETS.peakRssMiB} MB`,
      verdict(worst((sweep) => sweep.peakRssMiB) <= WORLD_TARGETS.peakRssMiB),
    ],
  ];
}

const cpuSplit = (cpuMs: Record<string, number>, names: readonly string[]) =>
  `${[...names, 'other'].map((name) => seconds(cpuMs[name] ?? 0)).join(' / ')} over ${seconds(cpuMs.wall ?? 0)}`;

/** The DNS phase's section of the bench table. */
export function dnsSection(dns: DnsPhaseReport, startSlots: number): TableSection {
  const { cold, warm } = dns.byName;
  const byName = [cold, warm];
  const ratio = (sweep: WorldSweep<DnsSweepScore>) => sweep.wallMs / dns.deadlineMs;
  const wrong = (score: DnsSweepScore) => score.wrongVerdicts;
  return {
    title:
      `DNS: ${dns.sites} healthy sites by name (each its own name and address), a loopback nameserver answering in ` +
      `${dns.nameserverDelayMs} ms, ${dns.silent} names silent; timeout ${dns.deadlineMs / 1000} s, ` +
      `${dns.invocations} invocation(s), ${startSlots} start slots`,
    rows: [
      [
        'Healthy sites not UP, by name (cold / warm)',
        `${cold.score.healthyNotUp} / ${warm.score.healthyNotUp}`,
        '0',
        verdict(cold.score.healthyNotUp + warm.score.healthyNotUp === 0),
      ],
      [
        'Silent names DOWN `dns` (cold / warm); slowest of them',
        `${cold.score.silentDownDns}/${cold.score.silent} / ${warm.score.silentDownDns}/${warm.score.silent}; ` +
          `${seconds(Math.max(cold.score.slowestSilentMs, warm.score.slowestSilentMs))}`,
        `${dns.silent}/${dns.silent}`,
        verdict(byName.every((sweep) => sweep.score.silentDownDns === dns.silent)),
      ],
      [
        `Wall time by name (cold / warm) ÷ slowest site's deadline (${seconds(dns.deadlineMs)})`,
        `${seconds(cold.wallMs)} / ${seconds(warm.wallMs)} = ${ratio(cold).toFixed(3)} / ${ratio(warm).toFixed(3)}`,
        `≤ ${WORLD_TARGETS.dnsWallToDeadline}`,
        verdict(Math.max(ratio(cold), ratio(warm)) <= WORLD_TARGETS.dnsWallToDeadline),
      ],
      [
        'Same sites by IP address (warm): wall time; healthy not UP',
        `${seconds(dns.byAddress.wallMs)} (by name warm: ${seconds(warm.wallMs)}, ` +
          `${signedMs(warm.wallMs - dns.byAddress.wallMs)}); ${dns.byAddress.score.healthyNotUp}`,
        '',
        '',
      ],
      ...commonRows([cold, warm, dns.byAddress], wrong, 'by name cold / warm, by address'),
      [
        'DNS queries per name and sweep (healthy / silent); messages returned; tasks retried',
        `${dns.queriesPerName.healthy.toFixed(2)} / ${dns.queriesPerName.silent.toFixed(2)}; ` +
          `${cold.failedMessages + warm.failedMessages}; ${cold.tasksRetried + warm.tasksRetried}`,
        '',
        '',
      ],
      [
        'CPU split: checker / fleet / nameserver / rest',
        cpuSplit(dns.cpuMs, ['checker', 'fleet', 'nameserver']),
        '',
        '',
      ],
    ],
  };
}

/** The dead-host phase's section of the bench table. */
export function deadHostSection(dead: DeadHostPhaseReport, startSlots: number): TableSection {
  const title =
    `Dead hosts: ${dead.sites} sites (usual mix, ${dead.truth.down} truly down), ${dead.dead} of them dropping SYNs; ` +
    `timeout ${dead.deadlineMs / 1000} s, ${dead.invocations} invocation(s), ${startSlots} start slots`;
  const { cold, warm } = dead;
  if (dead.skipped || !cold || !warm) return { title, rows: [['Not measured', dead.skipped ?? '', '', '']] };
  const sweeps = [cold, warm];
  const wrong = (score: DeadHostSweepScore) => score.wrongVerdicts;
  return {
    title,
    rows: [
      [
        'Dead hosts DOWN `timeout` (cold / warm)',
        `${cold.score.deadDownTimeout}/${cold.score.dead} / ${warm.score.deadDownTimeout}/${warm.score.dead}`,
        `${dead.dead}/${dead.dead}`,
        verdict(sweeps.every((sweep) => sweep.score.deadDownTimeout === dead.dead)),
      ],
      [
        'Slowest dead host: verdict − deadline (cold / warm)',
        `${signedMs(cold.score.overDeadlineMs)} / ${signedMs(warm.score.overDeadlineMs)}`,
        `≤ +${WORLD_TARGETS.deadHostLateMs} ms`,
        verdict(
          Math.max(cold.score.overDeadlineMs, warm.score.overDeadlineMs) <= WORLD_TARGETS.deadHostLateMs,
        ),
      ],
      [
        'Other sites with a wrong verdict (cold / warm)',
        `${cold.score.othersWrong} / ${warm.score.othersWrong}`,
        '0',
        verdict(cold.score.othersWrong + warm.score.othersWrong === 0),
      ],
      [
        'Messages returned (failedMessageIds); tasks retried (cold / warm)',
        `${cold.failedMessages} / ${warm.failedMessages}; ${cold.tasksRetried} / ${warm.tasksRetried}`,
        '0; 0',
        verdict(sweeps.every((sweep) => sweep.failedMessages + sweep.tasksRetried === 0)),
      ],
      [
        `Wall time (cold / warm) ÷ slowest site's deadline (${seconds(dead.deadlineMs)})`,
        `${seconds(cold.wallMs)} / ${seconds(warm.wallMs)} = ${(cold.wallMs / dead.deadlineMs).toFixed(3)} / ` +
          `${(warm.wallMs / dead.deadlineMs).toFixed(3)}`,
        '',
        '',
      ],
      ...commonRows(sweeps, wrong, 'cold / warm'),
      ['CPU split: checker / fleet / rest', cpuSplit(dead.cpuMs ?? {}, ['checker', 'fleet']), '', ''],
    ],
  };
}
