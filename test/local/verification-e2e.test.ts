import { afterEach, describe, expect, it } from 'vitest';
import type { LocationAnswer } from '../../functions/domain/verification.ts';
import type { ReceivedAlert } from '../../local/alert-inbox.ts';
import { formatAlertBlock } from '../../local/alert-printer.ts';
import type { LocalRuntime, Notice } from '../../local/runtime.ts';
import { addSite, makeDataDir, startTestRuntime, stateOf, waitFor } from '../helpers/local-runtime.ts';
import { type SourceFilterServer, startSourceFilterServer } from '../support/world/source-filter-server.ts';

// End to end through `npm start`'s runtime with two verifier "regions" (issue 15): home (`local`) checks from
// 127.0.0.1, the verifier locations are their own processes checking from 127.0.0.2 and 127.0.0.3, invoked by the
// real checker through the Lambda Invoke API. The sites are loopback servers that reset connections from chosen
// source addresses: unreachable from home only, or from everywhere.
//
// Runs the real functions/verifier.ts and the checker's verification (the verifier-fn and verify-core branches of
// issue 15): without them the runtime does not start (the verifier module is missing) or never verifies.
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const HOME_ADDRESS = '127.0.0.1';
const VERIFIER_LOCATIONS = [
  { location: 'local-west', sourceAddress: '127.0.0.2' },
  { location: 'local-east', sourceAddress: '127.0.0.3' },
];
// A check fails within milliseconds on a reset; this bounds the rare slow one below the confirmation's pace.
const SITE_TIMEOUT_MS = 3_000;
const ALERT_WAIT_MS = 30_000;

async function site(): Promise<SourceFilterServer> {
  const started = await startSourceFilterServer({ mode: 'reset' });
  cleanups.push(started.close);
  return started;
}

async function runtimeIn(options: Parameters<typeof startTestRuntime>[1] = {}): Promise<LocalRuntime> {
  const dir = await makeDataDir();
  cleanups.push(dir.remove);
  const runtime = await startTestRuntime(dir.path, options);
  cleanups.push(() => runtime.stop());
  return runtime;
}

const alertsOf = (runtime: LocalRuntime, siteId: string): ReceivedAlert[] =>
  runtime.alerts.filter((alert) => alert.attributes.siteId === siteId);

/** The alert events of a site so far, in arrival order. */
const eventsOf = (runtime: LocalRuntime, siteId: string): string[] =>
  alertsOf(runtime, siteId).map((alert) => alert.attributes.event ?? '?');

const outcomes = (locations: readonly LocationAnswer[] | undefined) =>
  locations?.map(({ location, outcome }) => [location, outcome]);

async function addUpSites(runtime: LocalRuntime, sites: Record<string, SourceFilterServer>): Promise<void> {
  for (const [siteId, server] of Object.entries(sites)) {
    await addSite(runtime, { siteId, url: server.url, name: siteId, timeoutMs: SITE_TIMEOUT_MS });
  }
  await runtime.tick();
  await waitFor('every site UP', async () => {
    const states = await Promise.all(Object.keys(sites).map((siteId) => stateOf(runtime, siteId)));
    return states.every((state) => state?.status === 'UP');
  });
}

describe('npm start -- --verifier local-west=127.0.0.2 --verifier local-east=127.0.0.3', () => {
  it('a site unreachable from home only never pages (one REGIONAL); one down everywhere pages once naming the three locations, then comes back UP once', {
    timeout: 150_000,
  }, async () => {
    // Prepare: two healthy sites, two verifier locations
    const shop = await site();
    const blog = await site();
    const runtime = await runtimeIn({ verifierLocations: VERIFIER_LOCATIONS });
    const notices: Notice[] = [];
    runtime.on('notice', (notice) => notices.push(notice));
    expect(runtime.verifierLocations.map(({ location }) => location)).toEqual(['local-west', 'local-east']);
    await addUpSites(runtime, { shop, blog });

    // Act (a): the shop resets connections from home's address only; a sweep, then the confirmation re-check
    shop.unreachableFrom([HOME_ADDRESS]);
    await runtime.tick();
    const regional = await waitFor('the REGIONAL alert', () => alertsOf(runtime, 'shop')[0], ALERT_WAIT_MS);

    // Assess (a): informational REGIONAL naming where it failed; the state is REGIONAL with the verification
    expect(regional.attributes.event).toBe('REGIONAL');
    expect(outcomes(regional.locations)).toEqual([
      ['local', 'down'],
      ['local-west', 'up'],
      ['local-east', 'up'],
    ]);
    // What the person watching `npm start` reads: one line under the title, not paging
    const printedRegional = formatAlertBlock(regional, 100, false);
    expect(printedRegional).toMatch(
      /where: down from local \([a-z0-9-]+\); up from local-west, local-east\n/,
    );
    expect(printedRegional).toContain('(informational: does not page)');
    const shopState = await stateOf(runtime, 'shop');
    expect(shopState?.status).toBe('REGIONAL');
    expect(outcomes(shopState?.verification?.locations)).toEqual(outcomes(regional.locations));
    // The verifiers really reached the shop, each from its own address
    const servedFrom = new Set(shop.connections().flatMap(({ from, served }) => (served ? [from] : [])));
    expect(servedFrom).toEqual(new Set(['127.0.0.1', '127.0.0.2', '127.0.0.3']));

    // Act (b): the blog resets every connection; the shop still fails from home (verified again, told nothing)
    blog.unreachableFrom('everyone');
    await runtime.tick();
    const down = await waitFor('the DOWN alert', () => alertsOf(runtime, 'blog')[0], ALERT_WAIT_MS);

    // Assess (b): one DOWN naming the three locations, all failed
    expect(down.attributes.event).toBe('DOWN');
    expect(outcomes(down.locations)).toEqual([
      ['local', 'down'],
      ['local-west', 'down'],
      ['local-east', 'down'],
    ]);
    expect(down.text).toContain('blog');
    expect(formatAlertBlock(down, 100, false)).toMatch(
      /where: down from local \([^)]+\), local-west \([^)]+\), local-east \([^)]+\)\n/,
    );
    const blogState = await stateOf(runtime, 'blog');
    expect(blogState?.status).toBe('DOWN');
    expect(outcomes(blogState?.verification?.locations)).toEqual(outcomes(down.locations));
    expect((await stateOf(runtime, 'shop'))?.status).toBe('REGIONAL');

    // Act (c): both sites answer everyone again
    blog.unreachableFrom([]);
    shop.unreachableFrom([]);
    await runtime.tick();
    await waitFor('the blog UP alert', () => eventsOf(runtime, 'blog').includes('UP'), ALERT_WAIT_MS);
    await waitFor('the shop UP', async () => (await stateOf(runtime, 'shop'))?.status === 'UP');

    // Assess (c): the blog paged once and recovered once; the shop never paged and came back silently (its UP
    // check ran in the same checker invocation as the blog's, whose UP alert has arrived)
    expect(eventsOf(runtime, 'blog')).toEqual(['DOWN', 'UP']);
    expect(eventsOf(runtime, 'shop')).toEqual(['REGIONAL']);
    expect((await stateOf(runtime, 'shop'))?.verification).toBeUndefined();
    expect(notices.filter((notice) => notice.message.includes('did not answer'))).toEqual([]);
  });

  it('without verifier locations, a site down everywhere is DOWN exactly as before (no locations, no verification)', {
    timeout: 90_000,
  }, async () => {
    // Prepare
    const blog = await site();
    const runtime = await runtimeIn();
    expect(runtime.verifierLocations).toEqual([]);
    await addUpSites(runtime, { blog });

    // Act
    blog.unreachableFrom('everyone');
    await runtime.tick();
    const down = await waitFor('the DOWN alert', () => alertsOf(runtime, 'blog')[0], ALERT_WAIT_MS);

    // Assess
    expect(down.attributes.event).toBe('DOWN');
    expect(down).not.toHaveProperty('locations');
    const state = await stateOf(runtime, 'blog');
    expect(state?.status).toBe('DOWN');
    expect(state).not.toHaveProperty('verification');
  });
});
