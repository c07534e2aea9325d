import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuntimeJob, RuntimeOutcome } from './runtime-child.ts';

const CHILD_SCRIPT = fileURLToPath(new URL('./runtime-child.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
// The child exits by itself after 120 s; this is the parent's own limit on waiting for it.
const CHILD_TIMEOUT_MS = 130_000;

/** Children still running, so a test's afterAll can end them (by PID) if it gave up waiting. */
const running = new Set<ChildProcess>();

/**
 * Runs `job` in the local runtime in a child process that trusts `caFile` (NODE_EXTRA_CA_CERTS) and returns
 * what it saw. @throws when the child fails, times out or prints no outcome.
 */
export async function runInRuntime(
  job: RuntimeJob,
  caFile: string,
  workDir: string,
): Promise<RuntimeOutcome> {
  const jobFile = join(workDir, 'runtime-job.json');
  await writeFile(jobFile, JSON.stringify(job));
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD_SCRIPT, jobFile], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NODE_EXTRA_CA_CERTS: caFile,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const timer = setTimeout(() => stopChild(child), CHILD_TIMEOUT_MS);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  running.delete(child);
  const last = stdout.trim().split('\n').at(-1) ?? '';
  if (exitCode !== 0 || !last.startsWith('{')) {
    throw new Error(`the runtime child failed (exit ${exitCode}): ${stderr.slice(-2_000)}`);
  }
  return JSON.parse(last) as RuntimeOutcome;
}

/** Ends runtime children still running (by PID): for afterAll. */
export function stopRuntimeChildren(): void {
  for (const child of running) stopChild(child);
}

function stopChild(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
