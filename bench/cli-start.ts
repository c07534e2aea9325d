// `npm run bench:cli`: how long `squirrel` takes to start, compiled (cli/dist) against the TypeScript sources
// through tsx (what every call cost before the bundle, and what a stale build still costs). See bench/README.md.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { buildCli } from '../cli/build.ts';
import { describeMachine } from './lib/machine.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SQUIRREL_BIN = fileURLToPath(new URL('../cli/bin/squirrel.js', import.meta.url));
const RESULTS_DIR = new URL('./results/', import.meta.url);
const BUILD_DIR = fileURLToPath(new URL('./results/.build/cli/', import.meta.url));
// Each child reports its own CPU time (every thread, user + system) on fd 3 as it exits.
const REPORT_CPU = `data:text/javascript,${encodeURIComponent(
  "import{writeSync}from'node:fs';process.on('exit',()=>{const u=process.resourceUsage();try{writeSync(3,String(u.userCPUTime+u.systemCPUTime))}catch{}})",
)}`;
// A run that hangs still ends, and says so.
const RUN_LIMIT_MS = 30_000;

type VariantName = 'compiled' | 'tsx' | 'baseline';
type CaseName = 'node' | 'help' | 'check' | 'status' | 'npx-help';

interface Variant {
  readonly bin: string;
  readonly env: NodeJS.ProcessEnv;
}

interface CaseSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly code: number;
}

interface Run {
  readonly wallMs: number;
  readonly cpuMs: number;
  /** check only: from spawn to the request reaching the local server. */
  readonly toRequestMs?: number;
}

interface Spread {
  readonly median: number;
  readonly p10: number;
  readonly p90: number;
  readonly min: number;
  readonly max: number;
}

interface CaseResult {
  readonly variant: VariantName;
  readonly case: CaseName;
  readonly wallMs: Spread;
  readonly cpuMs: Spread;
  readonly toRequestMs?: Spread;
}

const positive = (raw: string): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new InvalidArgumentError(`expected a whole number ≥ 1, got "${raw}"`);
  return value;
};

const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

function spreadOf(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    p10: quantile(sorted, 0.1),
    p90: quantile(sorted, 0.9),
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/** Runs one command to its end; rejects on a wrong exit code (a fast failure is no measurement). */
function runOnce(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  expectedCode: number,
): Promise<{ wallMs: number; cpuMs: number; startedAtNs: bigint }> {
  return new Promise((resolve, reject) => {
    const startedAtNs = process.hrtime.bigint();
    const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let cpu = '';
    child.stdout?.resume();
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdio[3]?.on('data', (chunk: Buffer) => {
      cpu += chunk.toString();
    });
    const limit = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.on('close', (code) => {
      clearTimeout(limit);
      const wallMs = Number(process.hrtime.bigint() - startedAtNs) / 1e6;
      if (code !== expectedCode) {
        reject(
          new Error(`${command} ${args.join(' ')} exited ${code}, expected ${expectedCode}:\n${stderr}`),
        );
        return;
      }
      resolve({ wallMs, cpuMs: Number(cpu) / 1000, startedAtNs });
    });
  });
}

async function main(): Promise<void> {
  const program = new Command('bench:cli')
    .description('Start-up time of the squirrel CLI, compiled and from the TypeScript sources')
    .option('--runs <n>', 'runs of each command and variant', positive, 20)
    .option('--no-npx', 'leave out `npx squirrel --help` (what npx itself adds)')
    .option(
      '--baseline <bin>',
      "also time another checkout's cli/bin/squirrel.js (e.g. the commit before a change), as `baseline`",
    );
  program.parse();
  const options = program.opts<{ runs: number; npx: boolean; baseline?: string }>();

  const machine = describeMachine();
  console.log(
    `bench:cli: ${options.runs} runs each; ${machine.cpus} CPUs (${machine.cpuModel}), node ${machine.node}, ` +
      `load ${machine.loadAverage1m.toFixed(2)}`,
  );
  await rm(BUILD_DIR, { recursive: true, force: true });
  const built = await buildCli(BUILD_DIR);
  const entryBytes = (await stat(join(BUILD_DIR, 'squirrel.mjs'))).size;
  const files = (await readdir(BUILD_DIR)).filter((name) => name.endsWith('.mjs')).length;
  console.log(
    `bundle: ${(built.bytes / 1024).toFixed(0)} KiB in ${files} files; the entry (all --help loads) ${(entryBytes / 1024).toFixed(0)} KiB`,
  );

  // The site `check` asks: answers at once, and notes when each request arrived.
  const arrivals: bigint[] = [];
  const server = createServer((request, response) => {
    arrivals.push(process.hrtime.bigint());
    request.resume();
    response.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const noRuntime = await mkdtemp(join(tmpdir(), 'squirrel-bench-none-'));

  const variants: Partial<Record<VariantName, Variant>> = {
    compiled: { bin: SQUIRREL_BIN, env: { SQUIRREL_CLI_DIST: BUILD_DIR } },
    // No build there: the bin runs the sources through tsx, as it did at every call before the bundle.
    tsx: { bin: SQUIRREL_BIN, env: { SQUIRREL_CLI_DIST: join(noRuntime, 'no-build') } },
    ...(options.baseline === undefined ? {} : { baseline: { bin: resolve(options.baseline), env: {} } }),
  };
  const casesOf = (variant: VariantName, bin: string): Partial<Record<CaseName, CaseSpec>> => ({
    // The floor: node starting and exiting with nothing to run (once a round, not per variant).
    ...(variant === 'compiled'
      ? { node: { command: process.execPath, args: ['--import', REPORT_CPU, '-e', ''], code: 0 } }
      : {}),
    help: { command: process.execPath, args: ['--import', REPORT_CPU, bin, '--help'], code: 0 },
    check: {
      command: process.execPath,
      args: ['--import', REPORT_CPU, bin, 'check', '--allow-private', url],
      code: 0,
    },
    status: { command: process.execPath, args: ['--import', REPORT_CPU, bin, 'status'], code: 1 },
    // npx's own start-up comes on top of the bin's (and no CPU report: npx is a process of its own). Only for
    // this repo's bin, which npx finds by name.
    ...(options.npx && bin === SQUIRREL_BIN
      ? { 'npx-help': { command: 'npx', args: ['--no-install', 'squirrel', '--help'], code: 0 } }
      : {}),
  });

  const runs = new Map<string, Run[]>();
  try {
    // Round-robin: every command and variant sees the same share of whatever else the machine is doing.
    for (let round = 0; round < options.runs; round += 1) {
      for (const [variant, { bin, env: variantEnv }] of Object.entries(variants) as [
        VariantName,
        Variant,
      ][]) {
        for (const [name, spec] of Object.entries(casesOf(variant, bin)) as [CaseName, CaseSpec][]) {
          const env = {
            ...process.env,
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            SQUIRREL_DATA_DIR: noRuntime,
            npm_config_offline: 'true',
            ...variantEnv,
          };
          const before = arrivals.length;
          const run = await runOnce(spec.command, spec.args, env, spec.code);
          const arrival = arrivals[before];
          const key = `${variant} ${name}`;
          runs.set(key, [
            ...(runs.get(key) ?? []),
            {
              wallMs: run.wallMs,
              cpuMs: run.cpuMs,
              ...(name === 'check' && arrival !== undefined
                ? { toRequestMs: Number(arrival - run.startedAtNs) / 1e6 }
                : {}),
            },
          ]);
        }
      }
      process.stdout.write(`\r  round ${round + 1}/${options.runs}`);
    }
  } finally {
    server.close();
    await rm(noRuntime, { recursive: true, force: true });
  }
  process.stdout.write('\n');

  const results: CaseResult[] = [...runs].map(([key, list]) => {
    const [variant, name] = key.split(' ') as [VariantName, CaseName];
    const toRequest = list.flatMap((run) => (run.toRequestMs === undefined ? [] : [run.toRequestMs]));
    return {
      variant,
      case: name,
      wallMs: spreadOf(list.map((run) => run.wallMs)),
      cpuMs: spreadOf(list.map((run) => run.cpuMs)),
      ...(toRequest.length > 0 ? { toRequestMs: spreadOf(toRequest) } : {}),
    };
  });
  printResults(results);

  const startedAt = new Date().toISOString();
  const report = {
    version: 1,
    startedAt,
    machine,
    runs: options.runs,
    bundleBytes: built.bytes,
    entryBytes,
    results,
  };
  await mkdir(RESULTS_DIR, { recursive: true });
  const stamp = startedAt.replace(/[:.]/g, '-');
  await writeFile(new URL(`cli-start-${stamp}.json`, RESULTS_DIR), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote bench/results/cli-start-${stamp}.json`);
}

const ms = (value: number) => `${Math.round(value)}`;
const spreadText = (s: Spread) => `${ms(s.median).padStart(5)} (${ms(s.p10)}–${ms(s.p90)}, max ${ms(s.max)})`;

function printResults(results: readonly CaseResult[]): void {
  console.log('\nms: median (p10–p90, max)');
  console.log(
    `${'command'.padEnd(10)} ${'variant'.padEnd(9)} ${'wall'.padEnd(26)} ${'CPU'.padEnd(26)} to request / vs tsx`,
  );
  for (const result of results) {
    const tsx = results.find((other) => other.variant === 'tsx' && other.case === result.case);
    const ratio =
      result.variant !== 'tsx' && tsx ? `×${(result.wallMs.median / tsx.wallMs.median).toFixed(2)} wall` : '';
    const cpu = result.case === 'npx-help' ? '(npx: not measured)' : spreadText(result.cpuMs);
    const toRequest = result.toRequestMs ? `${spreadText(result.toRequestMs)} ` : '';
    console.log(
      `${result.case.padEnd(10)} ${(result.case === 'node' ? '-' : result.variant).padEnd(9)} ${spreadText(result.wallMs).padEnd(26)} ${cpu.padEnd(26)} ${toRequest}${ratio}`,
    );
  }
}

await main();
