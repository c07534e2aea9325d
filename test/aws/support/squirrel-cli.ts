import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { motoProcessEnvironment } from './aws-environment.ts';
import { REPO_ROOT } from './synth.ts';

// The bin npm links for the workspace, as `npx squirrel` runs it.
const SQUIRREL_BIN = join(REPO_ROOT, 'node_modules/.bin/squirrel');
const COMMAND_TIMEOUT_MS = 60_000;
// Commands with subcommands (`sites add`), for the summary's list of what ran.
const GROUPS = new Set(['sites', 'subscriptions']);

export interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `squirrel --stack NAME ...args` in a child process whose AWS is moto, the way a user's shell runs it. */
export class SquirrelCli {
  readonly #endpoint: string;
  readonly #stackName: string;
  readonly commandsRun: string[] = [];

  constructor(endpoint: string, stackName: string) {
    this.#endpoint = endpoint;
    this.#stackName = stackName;
  }

  run(...args: string[]): Promise<CliResult> {
    this.commandsRun.push(args.slice(0, GROUPS.has(args[0] ?? '') ? 2 : 1).join(' '));
    return new Promise((resolve, reject) => {
      execFile(
        SQUIRREL_BIN,
        ['--stack', this.#stackName, ...args],
        {
          cwd: REPO_ROOT,
          timeout: COMMAND_TIMEOUT_MS,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: process.env.HOME ?? '',
            ...motoProcessEnvironment(this.#endpoint),
          },
        },
        (error, stdout, stderr) => {
          if (error !== null && typeof error.code !== 'number') {
            reject(new Error(`squirrel ${args.join(' ')} did not finish: ${error.message}\n${stderr}`));
            return;
          }
          resolve({ exitCode: error === null ? 0 : Number(error.code), stdout, stderr });
        },
      );
    });
  }

  /** Runs and expects success; returns stdout. @throws Error with the command's output otherwise. */
  async ok(...args: string[]): Promise<string> {
    const result = await this.run(...args);
    if (result.exitCode !== 0) {
      throw new Error(
        `squirrel ${args.join(' ')} exited ${result.exitCode}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
      );
    }
    return result.stdout;
  }

  /** Runs a `--json` command and parses its one-object-per-line output. */
  async json(...args: string[]): Promise<Record<string, unknown>[]> {
    const stdout = await this.ok(...args, '--json');
    return stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}
