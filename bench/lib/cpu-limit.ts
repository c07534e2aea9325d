import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A CFS quota for some processes: they get `share` of one core, however idle the machine is. */
export interface CpuLimit {
  readonly share: number;
  /** Moves a running process (all its threads) under the quota. */
  add(pid: number): void;
  /** Removes the cgroup; its processes must have exited. */
  remove(): void;
}

const PERIOD_US = 100_000;
const V1_ROOT = '/sys/fs/cgroup/cpu';
const V2_ROOT = '/sys/fs/cgroup';

/**
 * A cgroup with a CPU quota, as Lambda gives a function CPU in proportion to its memory (a share of a core
 * below 1,769 MB). Needs a writable cgroup file system (root in a container or VM): cgroup v1's cpu
 * controller or v2 with cpu enabled. Returns the reason instead when neither can be used.
 */
export function createCpuLimit(name: string, share: number): CpuLimit | string {
  if (!(share > 0 && share <= 1)) throw new RangeError(`CPU share must be in (0, 1], got ${share}`);
  const quotaUs = Math.round(PERIOD_US * share);
  try {
    if (existsSync(join(V1_ROOT, 'cpu.cfs_quota_us'))) {
      const dir = join(V1_ROOT, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
      writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
      return limitIn(dir, share);
    }
    const controllers = join(V2_ROOT, 'cgroup.controllers');
    if (existsSync(controllers) && readFileSync(controllers, 'utf8').split(/\s+/).includes('cpu')) {
      writeFileSync(join(V2_ROOT, 'cgroup.subtree_control'), '+cpu');
      const dir = join(V2_ROOT, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'cpu.max'), `${quotaUs} ${PERIOD_US}`);
      return limitIn(dir, share);
    }
    return 'no cgroup CPU controller on this machine';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return `cannot set a CPU quota here (${code}): needs a writable cgroup file system with the cpu controller (root)`;
  }
}

function limitIn(dir: string, share: number): CpuLimit {
  return {
    share,
    add: (pid) => writeFileSync(join(dir, 'cgroup.procs'), String(pid)),
    remove: () => {
      try {
        rmdirSync(dir);
      } catch {
        // Still busy (a process that has not exited yet): the empty group is harmless and reused next run.
      }
    },
  };
}
