import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSiteConfig, type SiteConfigInput } from '../../functions/domain/site.ts';
import type { SiteState } from '../../functions/domain/site-state.ts';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from '../../local/runtime.ts';

/** A temporary data directory; `remove()` deletes it with everything the runtime wrote. */
export async function makeDataDir(): Promise<{ readonly path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'squirrel-local-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A runtime for tests: any free ports, no example sites, sweeps only on `tick()` unless a schedule is given. */
export function startTestRuntime(
  dataDir: string,
  options: Partial<LocalRuntimeOptions> = {},
): Promise<LocalRuntime> {
  return startLocalRuntime({
    dataDir,
    seed: false,
    schedule: { kind: 'manual' },
    stopTimeoutMs: 5_000,
    ...options,
  });
}

/** Adds a site the way the CLI does, with a 1 s confirmation re-check so tests do not wait 30 s. */
export async function addSite(runtime: LocalRuntime, site: SiteConfigInput): Promise<void> {
  const outcome = await runtime.store.putSiteConfig(parseSiteConfig({ confirmDelaySeconds: 1, ...site }));
  if (outcome !== 'written') throw new Error(`site ${site.siteId} not added: ${outcome}`);
}

export async function stateOf(runtime: LocalRuntime, siteId: string): Promise<SiteState | undefined> {
  return (await runtime.store.getSite(siteId))?.state;
}

/** Polls `probe` until it returns a value other than undefined/false. @throws naming `what` on timeout. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs a sweep and waits until the checker completed `expectedChecks` more checks. */
export async function sweepAndSettle(runtime: LocalRuntime, expectedChecks: number): Promise<void> {
  const before = runtime.stats().checksCompleted;
  await runtime.tick();
  await waitFor(`${expectedChecks} check(s) after a sweep`, () => {
    return runtime.stats().checksCompleted >= before + expectedChecks;
  });
}
