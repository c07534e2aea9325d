import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { type ChildRun, runChild } from '../support/run-child.ts';
import { CATALOGUE_TIMEOUT_MS } from './cases.ts';
import type { StartedCase } from './harness.ts';
import type { CatalogueWorld } from './world.ts';

// What two everyday tools make of the catalogue's servers: `curl -I` and a plain Python `requests.head` loop.
// Their answers are published beside uptime-squirrel's (README, comparison.json); nothing asserts on them.

export const CURL = '/usr/bin/curl';
const PYTHON = 'python3';
const REQUESTS_SCRIPT = fileURLToPath(new URL('./requests_head.py', import.meta.url));
const TIMEOUT_SECONDS = CATALOGUE_TIMEOUT_MS / 1_000;
// A tool run that outlives every case's own timeout by this much is stuck: it is ended (by PID).
const TOOL_GRACE_MS = 60_000;
const CURL_CONCURRENCY = 16;

/** One tool's answer for one case, or why the tool was not run on it. */
export type ToolResult =
  | { readonly exitCode: number; readonly httpCode: string; readonly error?: string }
  | { readonly result: string }
  | { readonly notRun: string };

export interface Comparison {
  readonly tools: { readonly curl: string; readonly requests: string };
  readonly commands: { readonly curl: string; readonly requests: string };
  readonly cases: Readonly<Record<string, { readonly curl: ToolResult; readonly requests: ToolResult }>>;
}

export const CURL_COMMAND = `curl -I -s -S -o /dev/null -w '%{http_code}' --max-time ${TIMEOUT_SECONDS} --noproxy '*' --cacert CA [--resolve NAME:PORT:ADDRESS] URL`;
export const REQUESTS_COMMAND = `requests.head(url, timeout=${TIMEOUT_SECONDS}, verify=CA)`;

/** Runs both tools on every started case; a tool that is missing is reported as not run, with why. */
export async function compareTools(
  started: readonly StartedCase[],
  world: CatalogueWorld,
): Promise<Comparison> {
  const [curlVersion, requestsVersion] = await Promise.all([versionOfCurl(), versionOfRequests()]);
  const curl = curlVersion.ok ? await runCurl(started, world) : undefined;
  const requests = requestsVersion.ok ? await runRequests(started, world) : undefined;
  const cases: Record<string, { curl: ToolResult; requests: ToolResult }> = {};
  for (const { case: failure } of started) {
    cases[failure.id] = {
      curl: curl?.get(failure.id) ?? { notRun: curlVersion.text },
      requests: requests?.get(failure.id) ?? { notRun: requestsVersion.text },
    };
  }
  return {
    tools: { curl: curlVersion.text, requests: requestsVersion.text },
    commands: { curl: CURL_COMMAND, requests: REQUESTS_COMMAND },
    cases,
  };
}

async function runCurl(
  started: readonly StartedCase[],
  world: CatalogueWorld,
): Promise<Map<string, ToolResult>> {
  const limit = pLimit(CURL_CONCURRENCY);
  const results = new Map<string, ToolResult>();
  await Promise.all(
    started.map(({ case: failure, url }) =>
      limit(async () => {
        const resolve = resolveArgument(url, world);
        if (resolve === null) {
          results.set(failure.id, {
            notRun:
              'curl (no c-ares here) cannot ask the test nameserver, and the name has no address to pin',
          });
          return;
        }
        const args = [
          '-I',
          '-s',
          '-S',
          '-o',
          '/dev/null',
          '-w',
          '%{http_code}',
          '--max-time',
          String(TIMEOUT_SECONDS),
          '--noproxy',
          '*',
          '--cacert',
          world.caFile,
          ...(resolve === undefined ? [] : ['--resolve', resolve]),
          url,
        ];
        const run = await runTool(CURL, args);
        const error = normalizeCurlError(run.stderr);
        results.set(failure.id, {
          exitCode: run.exitCode ?? -1,
          httpCode: run.stdout.trim(),
          ...(error === '' ? {} : { error }),
        });
      }),
    ),
  );
  return results;
}

/** curl's message without its advice and without what changes from run to run (ports, milliseconds). */
const normalizeCurlError = (stderr: string): string =>
  (stderr.trim().split('\n')[0] ?? '')
    .replace(/^curl: /, '')
    .replace(/port \d+/g, 'port PORT')
    .replace(/after \d+ (ms|milliseconds)/g, 'after N $1');

/**
 * `--resolve NAME:PORT:ADDRESS` pinning a name to what the test nameserver answers; undefined for an IP literal;
 * null when the nameserver gives the name no address (curl would ask the system's resolver instead).
 */
function resolveArgument(url: string, world: CatalogueWorld): string | undefined | null {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (/^[\d.]+$/.test(host) || host.includes(':')) return undefined;
  const address = world.addressOf(host);
  if (address === undefined) return null;
  const port = parsed.port === '' ? (parsed.protocol === 'https:' ? '443' : '80') : parsed.port;
  return `${host}:${port}:${address.includes(':') ? `[${address}]` : address}`;
}

async function runRequests(
  started: readonly StartedCase[],
  world: CatalogueWorld,
): Promise<Map<string, ToolResult> | undefined> {
  const job = {
    dnsServer: world.dns.server,
    ca: world.caFile,
    timeoutSeconds: TIMEOUT_SECONDS,
    urls: started.map(({ case: failure, url }) => ({ id: failure.id, url })),
  };
  const run = await runTool(PYTHON, [REQUESTS_SCRIPT], JSON.stringify(job));
  if (run.exitCode !== 0) throw new Error(`${REQUESTS_SCRIPT} failed (exit ${run.exitCode}): ${run.stderr}`);
  const answers = JSON.parse(run.stdout) as Record<string, string>;
  return new Map(Object.entries(answers).map(([id, result]) => [id, { result }]));
}

async function versionOfCurl(): Promise<{ readonly ok: boolean; readonly text: string }> {
  const run = await runTool(CURL, ['--version']).catch(() => undefined);
  if (run?.exitCode !== 0) return { ok: false, text: `not run: ${CURL} not found` };
  return { ok: true, text: run.stdout.split('\n')[0]?.split(' (')[0] ?? 'curl' };
}

async function versionOfRequests(): Promise<{ readonly ok: boolean; readonly text: string }> {
  const script =
    'import platform, requests; print(f"requests {requests.__version__}, Python {platform.python_version()}")';
  const run = await runTool(PYTHON, ['-c', script]).catch(() => undefined);
  if (run?.exitCode !== 0) return { ok: false, text: `not run: ${PYTHON} with requests not found` };
  return { ok: true, text: run.stdout.trim() };
}

/** Runs a tool to its end (ended by PID if it outlives the grace period); rejects if it cannot start. */
function runTool(command: string, args: readonly string[], input?: string): Promise<ChildRun> {
  return runChild(command, args, { timeoutMs: TOOL_GRACE_MS, ...(input === undefined ? {} : { input }) });
}
