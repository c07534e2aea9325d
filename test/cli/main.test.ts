import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSquirrel } from './support/local-target.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
let emptyDataDir: string;

beforeAll(async () => {
  emptyDataDir = await mkdtemp(join(tmpdir(), 'squirrel-none-'));
});

afterAll(async () => {
  await rm(emptyDataDir, { recursive: true, force: true });
});

describe('squirrel', () => {
  it('runs as `npx squirrel` from the repo without reaching for the registry', async () => {
    // Prepare: an unreachable registry and offline mode make any registry lookup fail loudly.
    const env = { ...process.env, npm_config_offline: 'true', npm_config_registry: 'http://127.0.0.1:9/' };

    // Act
    const result = await new Promise<{ code: number; stdout: string }>((done) => {
      execFile('npx', ['--no-install', 'squirrel', '--help'], { cwd: REPO_ROOT, env }, (error, stdout) => {
        done({ code: error ? Number(error.code ?? 1) : 0, stdout });
      });
    });

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: squirrel \[options\] \[command\]/);
    for (const command of ['sites', 'status', 'check', 'subscribe', 'unsubscribe', 'subscriptions']) {
      expect(result.stdout).toContain(`  ${command}`);
    }
  });

  it('says to run npm start or pass --stack when no runtime is running (exit 1)', async () => {
    // Act
    const result = await runSquirrel(['sites', 'list'], { SQUIRREL_DATA_DIR: emptyDataDir });

    // Assess
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(
      `error: no local runtime is running (no ${join(emptyDataDir, 'runtime.json')}): start one with \`npm start\` in the repo, or pass --stack NAME for a deployed stack\n`,
    );
  });

  it.each([
    [['launch'], "error: unknown command 'launch'"],
    [['sites', 'add'], "error: missing required argument 'url'"],
    [['status', '--colour'], "error: unknown option '--colour'"],
  ])('exits 2 on a command line it cannot parse: %j', async (args, message) => {
    const result = await runSquirrel(args, { SQUIRREL_DATA_DIR: emptyDataDir });

    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(message);
  });
});
