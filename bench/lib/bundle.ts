import { mkdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Child } from './child.ts';

const OUT_DIR = fileURLToPath(new URL('../results/.build/', import.meta.url));

/**
 * Bundles an entry the way infra/monitor-function.ts bundles a Lambda (esbuild, ESM, minified, source
 * map), so the checker runs as it does on AWS: plain node on one file, no tsx loader in its memory.
 */
export async function bundleLikeLambda(entry: URL): Promise<string> {
  await mkdir(OUT_DIR, { recursive: true });
  const outfile = `${OUT_DIR}${basename(fileURLToPath(entry)).replace(/\.ts$/, '')}.mjs`;
  await build({
    entryPoints: [fileURLToPath(entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // Profiles need readable names; otherwise minify, as the Lambda bundle is.
    minify: !process.env.BENCH_CPU_PROFILE_DIR,
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire as topLevelCreateRequire } from 'node:module'; const require = topLevelCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  return outfile;
}

export interface BundledChildOptions {
  /** Set in the child so its entry knows to serve commands. */
  readonly env: Readonly<Record<string, string>>;
  /** As NODE_OPTIONS=--enable-source-maps on the Lambda (infra/monitor-function.ts). */
  readonly sourceMaps: boolean;
  readonly maxOpenFiles?: number;
}

/** Node flags of a bundled child: source maps as the Lambda has them, a CPU profile when asked for. */
export function lambdaExecArgv(sourceMaps: boolean): string[] {
  return [
    ...(sourceMaps ? ['--enable-source-maps'] : []),
    // BENCH_CPU_PROFILE_DIR=dir writes a .cpuprofile per bundled child (open it in Chrome DevTools).
    ...(process.env.BENCH_CPU_PROFILE_DIR
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE_DIR}`]
      : []),
  ];
}

/** Bundles `entry` and starts it as a child process on plain node, the way Lambda runs a function. */
export async function startBundledChild(entry: URL, options: BundledChildOptions): Promise<Child> {
  const bundle = await bundleLikeLambda(entry);
  return new Child(bundle, {
    env: options.env,
    execArgv: lambdaExecArgv(options.sourceMaps),
    ...(options.maxOpenFiles === undefined ? {} : { maxOpenFiles: options.maxOpenFiles }),
  });
}
