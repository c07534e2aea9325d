import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_INFO_FILE, type BuildInfo, CLI_ENTRY_FILE } from '../../cli/bin/build-freshness.js';
import { buildCli, importMetaUrlInString, keepSourceLocations } from '../../cli/build.ts';
import type { SquirrelRun } from './support/local-target.ts';

let workDir: string;
let buildDir: string;
let server: Server;
let url: string;

/** Runs the bundle itself on plain node (no bin, no tsx). */
const runBundle = (args: readonly string[], env: Record<string, string> = {}): Promise<SquirrelRun> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(buildDir, CLI_ENTRY_FILE), ...args],
      { env: { ...process.env, ...env }, timeout: 20_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'squirrel-build-'));
  buildDir = join(workDir, 'dist');
  server = createServer((_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  await buildCli(buildDir);
}, 60_000);

afterAll(async () => {
  server?.close();
  await rm(workDir, { recursive: true, force: true });
});

describe('buildCli', () => {
  it('writes a bundle that runs on plain node: help, and a command whose modules load when it runs', async () => {
    // Act
    const help = await runBundle(['--help']);
    const check = await runBundle(['check', '--allow-private', url]);
    const status = await runBundle(['status'], { SQUIRREL_DATA_DIR: join(workDir, 'no-runtime') });

    // Assess
    expect(help).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: squirrel \[options\]/) });
    expect(check).toMatchObject({ code: 0, stderr: '1 of 1 UP\n' });
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(/^error: no local runtime is running/);
  });

  it('records the sources it was built from, relative to the build, and no dependency file but npm’s record', async () => {
    const info = JSON.parse(await readFile(join(buildDir, BUILD_INFO_FILE), 'utf8')) as BuildInfo;
    const paths = info.inputs.map((input) => input.path);

    expect(paths).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/\/cli\/main\.ts$/),
        expect.stringMatching(/\/cli\/commands\/check\.ts$/),
        expect.stringMatching(/\/functions\/adapters\/http-probe\.ts$/),
        expect.stringMatching(/\/node_modules\/\.package-lock\.json$/),
        expect.stringMatching(/\/cli\/build\.ts$/),
      ]),
    );
    expect(
      paths.filter((path) => path.includes('/node_modules/') && !path.endsWith('.package-lock.json')),
    ).toEqual([]);
    expect(info.inputs.every((input) => input.mtimeMs > 0 && input.size > 0)).toBe(true);
  });
});

describe('buildCli, built again', () => {
  it('swaps the new build in whole: nothing of the older build stays, nothing half-built is left beside it', async () => {
    // Prepare: a chunk only an older build had
    await writeFile(join(buildDir, 'chunk-FROMBEFORE.mjs'), 'export {};\n');

    // Act
    await buildCli(buildDir);

    // Assess
    expect(await readdir(buildDir)).not.toContain('chunk-FROMBEFORE.mjs');
    expect(await readdir(workDir)).toEqual(expect.not.arrayContaining([expect.stringMatching(/^dist\./)]));
    expect((await runBundle(['--help'])).code).toBe(0);
  }, 60_000);
});

describe('keepSourceLocations', () => {
  it('keeps import.meta.url meaning the source file once bundled elsewhere', async () => {
    // Prepare: a source that finds a sibling directory from its own URL, as cli/target.ts finds .squirrel/.
    const sourceDir = join(workDir, 'fixture', 'src');
    const outDir = join(workDir, 'fixture', 'out', 'deeper');
    await mkdir(sourceDir, { recursive: true });
    await writeFile(
      join(sourceDir, 'where.ts'),
      "import { fileURLToPath } from 'node:url';\nconsole.log(fileURLToPath(new URL('../data/', import.meta.url)));\n",
    );

    // Act
    await build({
      entryPoints: [join(sourceDir, 'where.ts')],
      outfile: join(outDir, 'where.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      plugins: [keepSourceLocations(outDir)],
      logLevel: 'silent',
    });
    const printed = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [join(outDir, 'where.mjs')], (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      );
    });

    // Assess
    expect(printed.trim()).toBe(join(workDir, 'fixture', 'data/'));
  });
});

describe('importMetaUrlInString', () => {
  it.each([
    ["const root = fileURLToPath(new URL('../../', import.meta.url));", false],
    ['const here = import.meta.url;', false],
    ["const banner = 'const require = createRequire(import.meta.url);';", true],
    ['const banner = "x" + `createRequire(import.meta.url)`;', true],
    ["const quoted = 'it\\'s', url = import.meta.url;", false],
  ])('%s → %s', (line, inString) => {
    expect(importMetaUrlInString(`// a file\n${line}\n`)).toBe(inString);
  });
});
