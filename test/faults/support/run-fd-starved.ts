import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild } from '../../support/run-child.ts';
import type { FdStarvedJob, FdStarvedOutcome } from './fd-starved-checker.ts';

const CHILD_SCRIPT = fileURLToPath(new URL('./fd-starved-checker.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD_TIMEOUT_MS = 30_000;

/**
 * Runs the checker core on `job` in a child process limited to `openFiles` file descriptors (`ulimit -n`).
 * `workDir` receives the job file. @throws when the child fails, times out or prints no outcome.
 */
export async function runCheckerUnderFdLimit(
  job: FdStarvedJob,
  openFiles: number,
  workDir: string,
): Promise<FdStarvedOutcome> {
  const jobFile = join(workDir, 'fd-starved-job.json');
  await writeFile(jobFile, JSON.stringify(job));
  const { exitCode, stdout, stderr } = await runChild(
    '/bin/sh',
    [
      '-c',
      `ulimit -n ${openFiles} && exec "$0" --import tsx "$1" "$2"`,
      process.execPath,
      CHILD_SCRIPT,
      jobFile,
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      timeoutMs: CHILD_TIMEOUT_MS,
    },
  );
  const last = stdout.trim().split('\n').at(-1) ?? '';
  if (exitCode !== 0 || !last.startsWith('{')) {
    throw new Error(
      `checker under ulimit -n ${openFiles} failed (exit ${exitCode}): ${stderr.slice(-2_000)}`,
    );
  }
  return JSON.parse(last) as FdStarvedOutcome;
}
