/**
 * Cold start of the bundled handlers with the AWS SDK bundled vs. left to the Lambda runtime:
 * `npx tsx bench/cold-start.ts [runs]` (NODE_BIN=/path/to/node for another Node version).
 *
 * Bundles each handler as infra/monitor-function.ts does (esbuild, ESM, minified, the banner), once with the SDK
 * inside and once with `@aws-sdk/*` external (as the stack did before) and with `@aws-sdk/*` + `@smithy/*`
 * external (the CDK default under the sdkV3ExcludeSmithyPackages flag). External packages resolve from this
 * repository's node_modules, which stands in for the runtime's copy. Each run is a fresh `node` process that
 * imports the handler module (the init phase: module evaluation, config, clients); runs are interleaved so
 * machine noise hits every variant alike.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = new URL('..', import.meta.url).pathname;
// Inside the repository, so external imports resolve to its node_modules as the runtime's would to its own.
const OUT = join(ROOT, 'bench/results/.build/cold-start');
const RUNS = Number(process.argv[2] ?? 20);
const NODE = process.env.NODE_BIN ?? process.execPath;
const BANNER =
  "import { createRequire as topLevelCreateRequire } from 'node:module'; const require = topLevelCreateRequire(import.meta.url);";

const HANDLERS = [
  // As deployed: the fan-out keeps source maps (and --enable-source-maps), the checker has none.
  { name: 'fan-out', entry: 'functions/fan-out.ts', sourceMaps: true },
  { name: 'checker', entry: 'functions/checker.ts', sourceMaps: false },
] as const;
const VARIANTS = [
  { name: 'SDK bundled', external: [] as string[] },
  { name: 'runtime @aws-sdk/*', external: ['@aws-sdk/*'] },
  { name: 'runtime @aws-sdk/* + @smithy/*', external: ['@aws-sdk/*', '@smithy/*'] },
] as const;
const ENV = {
  ...process.env,
  TABLE_NAME: 'sites',
  QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/checks',
  TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alerts',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

interface Bundle {
  readonly handler: (typeof HANDLERS)[number];
  readonly variant: (typeof VARIANTS)[number];
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly mapBytes: number;
  readonly importMs: number[];
  readonly processMs: number[];
}

async function bundle(handler: (typeof HANDLERS)[number], variant: (typeof VARIANTS)[number]) {
  const dir = join(OUT, `${handler.name}-${VARIANTS.indexOf(variant)}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'index.mjs');
  await build({
    entryPoints: [join(ROOT, handler.entry)],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    minify: true,
    sourcemap: handler.sourceMaps,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    banner: { js: BANNER },
    external: [...variant.external],
    logLevel: 'error',
  });
  const code = readFileSync(file);
  const mapBytes = handler.sourceMaps ? statSync(`${file}.map`).size : 0;
  return { file, bytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length, mapBytes };
}

/** One fresh process: the time its import of the handler took, and the whole process's wall time. */
function measure(target: Bundle): void {
  const script = `const t0 = performance.now(); await import(${JSON.stringify(pathToFileURL(target.file).href)}); process.stdout.write(String(performance.now() - t0));`;
  const flags = target.handler.sourceMaps ? ['--enable-source-maps'] : [];
  const started = process.hrtime.bigint();
  const out = execFileSync(NODE, [...flags, '--input-type=module', '-e', script], { env: ENV });
  target.processMs.push(Number(process.hrtime.bigint() - started) / 1e6);
  target.importMs.push(Number(out.toString()));
}

const quantile = (values: readonly number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const ms = (values: readonly number[]) =>
  `${quantile(values, 0.5).toFixed(0)} ms (p10 ${quantile(values, 0.1).toFixed(0)}, p90 ${quantile(values, 0.9).toFixed(0)})`;

const bundles: Bundle[] = [];
for (const handler of HANDLERS) {
  for (const variant of VARIANTS) {
    bundles.push({ handler, variant, ...(await bundle(handler, variant)), importMs: [], processMs: [] });
  }
}
const version = execFileSync(NODE, ['--version']).toString().trim();
for (let run = 0; run < RUNS; run++) {
  // Rotate the order every run: no variant always goes first (cold disk cache) or last.
  for (let i = 0; i < bundles.length; i++) measure(bundles[(i + run) % bundles.length] as Bundle);
}
console.log(`node ${version}, ${RUNS} fresh processes per bundle, interleaved`);
for (const b of bundles) {
  console.log(
    `${b.handler.name.padEnd(8)} ${b.variant.name.padEnd(31)} bundle ${kib(b.bytes).padStart(8)} (gzip ${kib(b.gzipBytes).padStart(7)}${b.mapBytes ? `, map ${kib(b.mapBytes)}` : ''})  import ${ms(b.importMs)}  process ${ms(b.processMs)}`,
  );
}
