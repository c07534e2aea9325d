import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild } from '../support/run-child.ts';
import { CATALOGUE_TIMEOUT_MS, type Verdict } from './cases.ts';

const SQUIRREL = fileURLToPath(new URL('../../cli/bin/squirrel.js', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Far above what the checks take (every URL at once, each within its 2 s deadline): only a hung CLI hits it.
const CLI_TIMEOUT_MS = 60_000;

/** One line of `squirrel check --json`. */
export interface CheckLine {
  readonly url: string;
  readonly up: boolean;
  readonly kind: 'up' | 'down' | 'blocked' | 'fault';
  /** UP, DEGRADED, BLOCKED, DOWN or NOT CHECKED: the alert policy's reading of the result. */
  readonly verdict?: string;
  readonly status: number | null;
  readonly reason: string | null;
  readonly detail: string | null;
  readonly latencyMs: number;
}

export interface CheckRun {
  readonly exitCode: number | null;
  /** By URL. */
  readonly lines: ReadonlyMap<string, CheckLine>;
  readonly stderr: string;
}

/**
 * Runs one `squirrel check --json --allow-private --file F` process for `sites` (a JSON array in the format of
 * `sites import`, each with its own settings), asking the world's nameserver and trusting its CA
 * (NODE_EXTRA_CA_CERTS: the CLI has no flag for a CA, and needs none in real use).
 */
export async function runSquirrelCheck(
  sites: readonly Readonly<Record<string, unknown>>[],
  world: { readonly dnsServer: string; readonly caFile: string; readonly workDir: string },
): Promise<CheckRun> {
  const file = join(world.workDir, 'check-sites.json');
  await writeFile(file, `${JSON.stringify(sites, null, 2)}\n`);
  const { exitCode, stdout, stderr } = await runChild(
    process.execPath,
    [
      SQUIRREL,
      'check',
      '--json',
      '--allow-private',
      '--dns-server',
      world.dnsServer,
      '--timeout-ms',
      String(CATALOGUE_TIMEOUT_MS),
      '--concurrency',
      String(Math.max(1, sites.length)),
      '--file',
      file,
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: world.caFile },
      timeoutMs: CLI_TIMEOUT_MS,
    },
  );
  const lines = new Map<string, CheckLine>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const parsed = JSON.parse(line) as CheckLine;
    lines.set(parsed.url, parsed);
  }
  return { exitCode, lines, stderr };
}

/** The verdict a `check --json` line gives. */
export function verdictOfLine(line: CheckLine): Verdict | undefined {
  if (line.verdict === 'DEGRADED') return { event: 'DEGRADED' };
  switch (line.kind) {
    case 'up':
      return { event: 'UP' };
    case 'blocked':
      return { event: 'BLOCKED' };
    case 'down':
      return line.reason === null ? undefined : ({ event: 'DOWN', reason: line.reason } as Verdict);
    case 'fault':
      return line.reason === null ? undefined : ({ event: 'UNCHECKED', reason: line.reason } as Verdict);
  }
}
