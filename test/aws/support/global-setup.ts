import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { checkRequirements, describeMissingRequirements } from './requirements.ts';
import { SUMMARY_PREFIX } from './summary.ts';
import { type Assembly, synthesizeTierStack } from './synth.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The stack synthesized once for every file of the tier. */
    assembly: Assembly;
    /** A directory the tier's files may write in; removed at the end. */
    workDir: string;
  }
}

/** What to install, said once: a stack trace into vitest would only hide it. */
class MissingRequirementsError extends Error {
  override name = 'MissingRequirementsError';
  constructor(message: string) {
    super(message);
    this.stack = `${this.name}: ${message}`;
  }
}

/**
 * Runs once before the tier: fails at once, saying what to install, when moto or cfn-lint is missing; then
 * synthesizes the stack the files share. The teardown prints each file's summary and removes the work dir.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const workDir = mkdtempSync(join(tmpdir(), 'squirrel-aws-tier-'));
  const startedMs = Date.now();
  // The check starts a Python (seconds on a busy machine): it runs beside the synth, which it cancels when
  // something is missing.
  const cancelSynth = new AbortController();
  const [{ missing, versions }, synthesized] = await Promise.all([
    checkRequirements().then((report) => {
      if (report.missing.length > 0) cancelSynth.abort();
      return report;
    }),
    synthesizeTierStack(workDir, cancelSynth.signal).then(
      (assembly) => ({ assembly }),
      (error: unknown) => ({ error }),
    ),
  ]);
  if (missing.length > 0 || 'error' in synthesized) rmSync(workDir, { recursive: true, force: true });
  if (missing.length > 0) throw new MissingRequirementsError(describeMissingRequirements(missing));
  if ('error' in synthesized) throw synthesized.error;
  const { assembly } = synthesized;
  const synthSeconds = ((Date.now() - startedMs) / 1000).toFixed(1);
  project.provide('assembly', assembly);
  project.provide('workDir', workDir);

  return () => {
    const summaries = readdirSync(workDir)
      .filter((name) => name.startsWith(SUMMARY_PREFIX))
      .sort()
      .map((name) => readFileSync(join(workDir, name), 'utf8').trimEnd());
    console.log(
      [
        '',
        'AWS tier summary',
        `  tools: ${versions}`,
        `  cdk synth: ${synthSeconds} s (stack ${assembly.stackName})`,
        ...summaries,
      ].join('\n'),
    );
    rmSync(workDir, { recursive: true, force: true });
  };
}
