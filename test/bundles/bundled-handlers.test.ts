import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime.ts';
import { addSite, makeDataDir, startTestRuntime, stateOf, waitFor } from '../helpers/local-runtime.ts';
import { type SwitchableSite, startSwitchableSite } from '../helpers/switchable-site.ts';
import { OutdirPool, synthStack } from '../infra/synth-stack.ts';

/**
 * The zips `cdk deploy` uploads, not the TypeScript sources: synthesized offline with esbuild as `npm run synth`
 * does, each bundle is loaded the way Lambda loads it (its own worker, the function's environment) and driven
 * against the embedded emulators. `npm run test:node24` runs this file on Node 24, the runtime Lambda runs.
 */

interface Bundles {
  readonly fanOut: URL;
  readonly checker: URL;
}

type LambdaResource = { Type: string; Properties: { Code?: { S3Key?: unknown }; Handler?: unknown } };

/** The bundle directory (`asset.<hash>`) and entry module of the function whose logical id starts with `prefix`. */
async function bundleOf(outdir: string, resources: Record<string, LambdaResource>, prefix: string) {
  const found = Object.entries(resources).filter(
    ([logicalId, resource]) => resource.Type === 'AWS::Lambda::Function' && logicalId.startsWith(prefix),
  );
  if (found.length !== 1) throw new Error(`expected one ${prefix} function, found ${found.length}`);
  const [, { Properties }] = found[0] as [string, LambdaResource];
  const key = Properties.Code?.S3Key;
  if (typeof key !== 'string' || !key.endsWith('.zip'))
    throw new Error(`${prefix}: no asset key, got ${key}`);
  const dir = join(outdir, `asset.${key.slice(0, -'.zip'.length)}`);
  // Handler "index.handler": the module is index.mjs (ESM) or index.js.
  const files = await readdir(dir);
  const entry = files.find((file) => /^index\.m?js$/.test(file));
  if (entry === undefined) throw new Error(`${prefix}: no index module in ${dir} (${files.join(', ')})`);
  expect(Properties.Handler).toBe('index.handler');
  return pathToFileURL(join(dir, entry));
}

/** Each step's bound: a check and its commit take well under a second on an idle machine. */
const WAIT_MS = 30_000;
const outdirs = new OutdirPool();
let bundles: Bundles;
const cleanups: Array<() => Promise<void>> = [];
let runtime: LocalRuntime;
let site: SwitchableSite;

beforeAll(async () => {
  const { assembly, stack } = synthStack(outdirs, { bundle: true });
  const outdir = assembly.directory;
  // No node_modules anywhere above the bundles (the outdir is a temporary directory): each carries its AWS SDK,
  // so a bundle that needs any package it does not carry fails to load here.
  const resources = assembly.getStackArtifact(stack.artifactId).template.Resources as Record<
    string,
    LambdaResource
  >;
  bundles = {
    fanOut: await bundleOf(outdir, resources, 'FanOutFunction'),
    checker: await bundleOf(outdir, resources, 'CheckerFunction'),
  };
  site = await startSwitchableSite(200);
  cleanups.push(site.close);
  const dataDir = await makeDataDir();
  cleanups.push(dataDir.remove);
  runtime = await startTestRuntime(dataDir.path, { handlerModules: bundles });
  cleanups.push(() => runtime.stop());
  // Bounded, with room for a loaded CI machine: synth bundles with esbuild, then two cold starts.
}, 240_000);

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  outdirs.removeAll();
});

describe(`the bundled handlers in cdk.out, on Node ${process.versions.node}`, () => {
  it('sweep, check a loopback site, write its state, and alert DOWN and UP through SNS', {
    timeout: 4 * WAIT_MS,
  }, async () => {
    // Prepare
    await addSite(runtime, { siteId: 'loopback', url: site.url, name: 'Loopback' });

    // Act: the fan-out bundle enqueues the check, the checker bundle judges the site and commits its state
    await runtime.tick();
    const up = await waitFor(
      'the site UP',
      async () => {
        const state = await stateOf(runtime, 'loopback');
        return state?.status === 'UP' ? state : undefined;
      },
      WAIT_MS,
    );

    // Assess
    expect(up.lastCheck).toMatchObject({ up: true, status: 200 });
    expect(site.requestCount()).toBeGreaterThanOrEqual(1);

    // Act: the site fails; the confirming re-check (1 s later) makes it DOWN, then it recovers
    site.answer(503);
    await runtime.tick();
    const down = await waitFor('a DOWN alert', () =>
      runtime.alerts.find((a) => a.attributes.event === 'DOWN'),
    );
    site.answer(200);
    await runtime.tick();
    const back = await waitFor(
      'an UP alert',
      () => runtime.alerts.find((a) => a.attributes.event === 'UP'),
      WAIT_MS,
    );

    // Assess
    expect(down.attributes).toMatchObject({ siteId: 'loopback' });
    expect(down.subject).toMatch(/^DOWN: Loopback\b.*http-5xx/);
    expect(back.subject).toMatch(/^UP: Loopback/);
    expect(runtime.stats()).toMatchObject({ handlerErrors: 0 });
  });
});
