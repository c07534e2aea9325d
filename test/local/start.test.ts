import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runChild } from '../support/run-child.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('npm start', () => {
  it('says to put the options after `--` when npm took them as its own (`npm start --every 10s`)', async () => {
    // Prepare: a shell's environment, not the one `npm test` gives this process
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_')));

    // Act
    const run = await runChild('npm', ['start', '--every', '10s', '--no-seed'], {
      cwd: REPO_ROOT,
      env: { ...env, npm_config_offline: 'true' },
      timeoutMs: 60_000,
    });

    // Assess: it stops before starting anything, naming both options and the form that works
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('npm took --every, --no-seed as its own setting');
    expect(run.stderr).toContain('npm start -- --every 10s');
    expect(run.stdout).not.toContain('starting the local runtime');
  }, 60_000);

  it('refuses a bad --verifier before starting anything, saying what is wrong', async () => {
    // Act: two locations on one address, through the script `npm start` runs
    const run = await runChild(
      process.execPath,
      [
        '--import',
        'tsx',
        'local/start.ts',
        '--verifier',
        'local-west=127.0.0.2',
        '--verifier',
        'local-east=127.0.0.2',
      ],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, SQUIRREL_DATA_DIR: '/nonexistent/never-created' },
        timeoutMs: 60_000,
      },
    );

    // Assess
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toContain(
      'local-west and local-east both connect from 127.0.0.2: each location needs its own address',
    );
    expect(run.stdout).not.toContain('starting the local runtime');
  }, 60_000);
});
