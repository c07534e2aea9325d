// `npm run build:cli` (and the root `prepare` script, so `npm ci` / `npm install` run it): bundles the squirrel
// CLI into cli/dist/ so cli/bin/squirrel.js starts it on plain node instead of loading tsx at every call.
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { BUILD_INFO_FILE, type BuildInfo, type BuildInput, CLI_ENTRY_FILE } from './bin/build-freshness.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_CLI_DIST = fileURLToPath(new URL('./dist/', import.meta.url));

// Bundled CommonJS dependencies (commander, the AWS SDK) still call require(); an ESM bundle has to provide it.
const ESM_REQUIRE_BANNER =
  "import { createRequire as topLevelCreateRequire } from 'node:module'; const require = topLevelCreateRequire(import.meta.url);";

// npm rewrites this file whenever it changes node_modules, so a dependency installed after the build (whose
// code the bundle inlines) makes the build stale too. Plain `npm install` and `npm ci` rebuild via `prepare`.
const INSTALLED_PACKAGES_FILE = 'node_modules/.package-lock.json';
// How the bundle is made is an input too: a change here must not leave the old bundle running.
const THIS_BUILD_FILE = 'cli/build.ts';

export interface CliBuild {
  readonly outDir: string;
  /** Bytes of every file written (the entry and its chunks). */
  readonly bytes: number;
  readonly inputs: number;
}

/**
 * Bundles cli/main.ts with every dependency (one file per lazily imported command, so `--help` never parses
 * the AWS SDK) and writes build-info.json: each source file's size and mtime, which the bin compares before
 * trusting the bundle. Built beside `outDir` and swapped in whole: a call running meanwhile finds the old
 * build, or none (and runs the sources), never a mix, and no chunk of an older build stays behind.
 */
export async function buildCli(outDir = DEFAULT_CLI_DIST): Promise<CliBuild> {
  const target = resolve(outDir);
  // A sibling, so paths from the chunks to the sources (keepSourceLocations) are the same once renamed.
  const staging = `${target}.building-${process.pid}`;
  const retired = `${target}.old-${process.pid}`;
  const startedAtMs = Date.now();
  await rm(staging, { recursive: true, force: true });
  try {
    const result = await build({
      absWorkingDir: REPO_ROOT,
      entryPoints: { [CLI_ENTRY_FILE.replace(/\.mjs$/, '')]: 'cli/main.ts' },
      outdir: staging,
      bundle: true,
      // The commands' `import()`s become chunks loaded when the command runs, as they are in the sources.
      splitting: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      // .mjs: ESM wherever the bundle sits, whatever package.json (if any) is above it.
      outExtension: { '.js': '.mjs' },
      mainFields: ['module', 'main'],
      banner: { js: ESM_REQUIRE_BANNER },
      // Not minified: with code splitting, esbuild 0.28's minifier (whitespace + syntax, or full) produced a
      // probe whose deadlines fired at once (the failure catalogue's `squirrel check` test: timeouts after
      // 11 ms); unminified it is right. It also keeps stacks of unexpected errors readable.
      legalComments: 'none',
      metafile: true,
      write: true,
      plugins: [keepSourceLocations(staging)],
      logLevel: 'warning',
    });

    const sources = Object.keys(result.metafile.inputs).filter(
      (path) => !path.split(/[\\/]/).includes('node_modules'),
    );
    const inputs = await Promise.all(
      [...sources, INSTALLED_PACKAGES_FILE, THIS_BUILD_FILE].map((path) =>
        describeInput(resolve(REPO_ROOT, path), staging, startedAtMs),
      ),
    );
    const info: BuildInfo = { version: 1, inputs: inputs.filter((input) => input !== undefined) };
    await writeFile(resolve(staging, BUILD_INFO_FILE), `${JSON.stringify(info, null, 1)}\n`);
    const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);

    await rename(target, retired).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rename(staging, target);
    await rm(retired, { recursive: true, force: true });
    return { outDir: target, bytes, inputs: info.inputs.length };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** An input as build-info.json records it; one changed while the build ran is recorded as never fresh. */
async function describeInput(
  path: string,
  outDir: string,
  startedAtMs: number,
): Promise<BuildInput | undefined> {
  const stats = await stat(path).catch(() => undefined);
  if (stats === undefined) return undefined;
  const changedDuringBuild = stats.mtimeMs >= startedAtMs;
  return {
    path: relative(outDir, path).split(sep).join('/'),
    size: stats.size,
    mtimeMs: changedDuringBuild ? -1 : stats.mtimeMs,
  };
}

/**
 * `import.meta.url` in our sources means the source file (cli/target.ts finds the repo's .squirrel/ from
 * it); in a bundle it would mean the chunk in cli/dist/. Rewrite it to the source file's URL, relative to
 * wherever the chunk is loaded from, so the bundle finds the same files the sources do.
 */
export function keepSourceLocations(outDir: string): Plugin {
  return {
    name: 'keep-source-locations',
    setup(builder) {
      builder.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.split(sep).includes('node_modules')) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return { contents: source, loader: 'ts' };
        // The rewrite is textual: inside a string literal it would corrupt the string (and the build), so say so.
        if (importMetaUrlInString(source)) {
          throw new Error(
            `${args.path}: import.meta.url inside a string literal; keepSourceLocations cannot rewrite it`,
          );
        }
        const fromChunk = relative(outDir, args.path).split(sep).join('/');
        return {
          contents: source.replaceAll(
            'import.meta.url',
            `new URL(${JSON.stringify(fromChunk)}, import.meta.url).href`,
          ),
          loader: 'ts',
        };
      });
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const built = await buildCli(process.argv[2] === undefined ? DEFAULT_CLI_DIST : resolve(process.argv[2]));
  console.log(
    `built the squirrel CLI: ${relative(process.cwd(), built.outDir) || '.'} (${(built.bytes / 1024).toFixed(0)} KiB, from ${built.inputs} source files)`,
  );
}

/** Whether an `import.meta.url` stands inside a quoted string on its line (an odd count of some quote before it). */
export function importMetaUrlInString(source: string): boolean {
  return source.split('\n').some((line) => {
    const at = line.indexOf('import.meta.url');
    if (at < 0) return false;
    const before = line.slice(0, at).replace(/\\./g, '');
    return ["'", '"', '`'].some((quote) => before.split(quote).length % 2 === 0);
  });
}
