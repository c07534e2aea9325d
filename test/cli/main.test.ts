import { execFile } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_INFO_FILE, type BuildInfo, CLI_ENTRY_FILE } from '../../cli/bin/build-freshness.js';
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

  it('runs the build while it matches its sources, and the TypeScript sources once one changes', async () => {
    // Prepare: a build directory whose "bundle" says where it came from, built from one source file.
    const root = await mkdtemp(join(tmpdir(), 'squirrel-bin-'));
    const buildDir = join(root, 'dist');
    await mkdir(buildDir);
    const source = join(root, 'main.ts');
    await writeFile(source, 'export {};\n');
    await writeFile(join(buildDir, CLI_ENTRY_FILE), "console.log('the build ran');\n");
    const { size, mtimeMs } = await stat(source);
    const info: BuildInfo = { version: 1, inputs: [{ path: '../main.ts', size, mtimeMs }] };
    await writeFile(join(buildDir, BUILD_INFO_FILE), JSON.stringify(info));
    const env = { SQUIRREL_CLI_DIST: buildDir, SQUIRREL_DATA_DIR: emptyDataDir };

    try {
      // Act
      const fresh = await runSquirrel(['--help'], env);
      await appendFile(source, '// edited\n');
      const stale = await runSquirrel(['--help'], env);

      // Assess: the stale build is not run; the real sources are, and say nothing extra off a terminal.
      expect(fresh).toEqual({ code: 0, stdout: 'the build ran\n', stderr: '' });
      expect(stale).toMatchObject({ code: 0, stderr: '' });
      expect(stale.stdout).toMatch(/^Usage: squirrel \[options\] \[command\]/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
