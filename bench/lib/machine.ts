import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

// /proc reports CPU time in clock ticks; Linux uses 100 per second.
const MS_PER_TICK = 10;

/** CPU time (user + system) a process has used so far, in ms; 0 once it is gone. */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return 0;
  }
}

/** Busy CPU time of the whole machine so far (all cores), in ms. */
export function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return (
    ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * MS_PER_TICK
  );
}

type Pids = number | undefined | readonly (number | undefined)[];

const cpuOfAll = (pids: Pids): number =>
  (Array.isArray(pids) ? pids : [pids]).reduce((sum: number, pid) => sum + processCpuMs(pid), 0);

/** How much CPU each process (or group of processes) of a phase used, and what the rest of the machine used. */
export class CpuSplit {
  readonly #pids: Record<string, Pids>;
  readonly #start: Record<string, number>;
  readonly #machineStart = machineBusyMs();
  readonly #wallStart = performance.now();

  constructor(pids: Record<string, Pids>) {
    this.#pids = { ...pids, bench: process.pid };
    this.#start = Object.fromEntries(Object.entries(this.#pids).map(([name, p]) => [name, cpuOfAll(p)]));
  }

  /** CPU ms per name since construction, plus `other` (everything else on the machine) and `wall`. */
  finish(): Record<string, number> {
    const used = Object.fromEntries(
      Object.entries(this.#pids).map(([name, p]) => [name, cpuOfAll(p) - (this.#start[name] ?? 0)]),
    );
    const ours = Object.values(used).reduce((sum, ms) => sum + ms, 0);
    return {
      ...used,
      other: Math.max(0, machineBusyMs() - this.#machineStart - ours),
      wall: performance.now() - this.#wallStart,
    };
  }
}

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly loadAverage1m: number;
  readonly openFilesLimit: number;
}

export function describeMachine(): MachineInfo {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    loadAverage1m: loadavg()[0] ?? 0,
    openFilesLimit: openFilesLimit(),
  };
}

/** The soft RLIMIT_NOFILE of this process (children inherit it unless lowered). */
export function openFilesLimit(): number {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
  if (!match?.[1]) return Number(execFileSync('bash', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  return match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1]);
}
