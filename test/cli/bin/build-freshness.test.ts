import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BUILD_INFO_FILE,
  type BuildInfo,
  CLI_ENTRY_FILE,
  checkBuildFreshness,
} from '../../../cli/bin/build-freshness.js';

let root: string;
let buildDir: string;

/** A source file and a build-info.json recording it as it is now (or as `recorded` says). */
async function buildFrom(files: Record<string, string>, recorded: Partial<Record<string, number>> = {}) {
  const inputs = [];
  for (const [name, text] of Object.entries(files)) {
    await writeFile(join(root, name), text);
    const stats = await stat(join(root, name));
    inputs.push({ path: `../${name}`, size: stats.size, mtimeMs: recorded[name] ?? stats.mtimeMs });
  }
  const info: BuildInfo = { version: 1, inputs };
  await writeFile(join(buildDir, BUILD_INFO_FILE), JSON.stringify(info));
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'squirrel-freshness-'));
  buildDir = join(root, 'dist');
  await mkdir(buildDir);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('checkBuildFreshness', () => {
  it('trusts a build whose every input has the size and mtime it was built from', async () => {
    await buildFrom({ 'main.ts': 'run()', 'site.ts': 'export {}' });

    expect(checkBuildFreshness(buildDir)).toEqual({ fresh: true, entry: join(buildDir, CLI_ENTRY_FILE) });
  });

  it('says the CLI is not built when there is no build-info.json', () => {
    expect(checkBuildFreshness(buildDir)).toEqual({ fresh: false, reason: 'the CLI is not built' });
  });

  it('names the source edited since the build', async () => {
    await buildFrom({ 'main.ts': 'run()', 'site.ts': 'export {}' });

    await writeFile(join(root, 'site.ts'), 'export const limit = 2;');

    expect(checkBuildFreshness(buildDir)).toEqual({
      fresh: false,
      reason: '../site.ts changed since the CLI was built',
    });
  });

  it('is stale when a file of the same size is older or newer than the one built from (a checkout, a copy)', async () => {
    await buildFrom({ 'main.ts': 'run()' });
    const built = await stat(join(root, 'main.ts'));

    await writeFile(join(root, 'main.ts'), 'ran()');
    await utimes(join(root, 'main.ts'), built.atime, new Date(built.mtimeMs - 60_000));

    expect(checkBuildFreshness(buildDir)).toMatchObject({
      fresh: false,
      reason: expect.stringMatching(/main/),
    });
  });

  it('is stale when an input is gone', async () => {
    await buildFrom({ 'main.ts': 'run()', 'old.ts': 'export {}' });

    await rm(join(root, 'old.ts'));

    expect(checkBuildFreshness(buildDir)).toEqual({
      fresh: false,
      reason: '../old.ts is gone since the CLI was built',
    });
  });

  it('never trusts an input recorded as changed while the build ran', async () => {
    await buildFrom({ 'main.ts': 'run()' }, { 'main.ts': -1 });

    expect(checkBuildFreshness(buildDir)).toMatchObject({ fresh: false });
  });

  it('is stale when build-info.json is of another version', async () => {
    await writeFile(join(buildDir, BUILD_INFO_FILE), JSON.stringify({ version: 2, files: [] }));

    expect(checkBuildFreshness(buildDir)).toEqual({
      fresh: false,
      reason: 'build-info.json is not one this bin can read',
    });
  });
});
