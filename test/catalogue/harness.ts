import type { ProbeTarget } from '../../functions/adapters/http-probe.ts';
import type { CheckResult } from '../../functions/domain/check-result.ts';
import { parseSiteConfig, type SiteConfig } from '../../functions/domain/site.ts';
import { probeTargetOf } from '../../functions/services/probe-target.ts';
import { CASES, CATALOGUE_TIMEOUT_MS, type FailureCase, type Verdict } from './cases.ts';
import type { CatalogueWorld } from './world.ts';

/** A case whose server is running. */
export interface StartedCase {
  readonly case: FailureCase;
  readonly url: string;
  /** Requests its server received, for cases that must show that nothing reached it. */
  readonly requests?: () => number;
  /** The site as the runtime stores it (and as probeTargetOf reads it). */
  readonly site: SiteConfig;
}

/** Starts every case's fixture in the world (one address per case), in catalogue order. */
export async function startCases(
  world: CatalogueWorld,
  cases: readonly FailureCase[] = CASES,
): Promise<StartedCase[]> {
  return Promise.all(
    cases.map(async (failure, index) => {
      const { url, requests } = await world.start(index, failure.id, failure.fixture);
      return {
        case: failure,
        url,
        site: siteOf(failure, url),
        ...(requests === undefined ? {} : { requests }),
      };
    }),
  );
}

/**
 * The site item a case needs: its settings over the catalogue's shared ones. One failed check is enough to alert
 * (failureThreshold 1, which DEGRADED and BLOCKED count too), each case has its own owner (so no alerts are
 * grouped), and the full GET happens on every check when the case needs it and never otherwise.
 */
export function siteOf(failure: FailureCase, url: string): SiteConfig {
  return parseSiteConfig({
    siteId: `cat-${failure.id}`,
    url,
    name: failure.id,
    owner: `owner-${failure.id}`,
    timeoutMs: CATALOGUE_TIMEOUT_MS,
    failureThreshold: 1,
    confirmDelaySeconds: 1,
    fullGetMinutes: failure.isFullGet === true ? 1 : 0,
    ...failure.settings,
  });
}

/** What the checker asks the probe for this case (the full GET when the case needs it). */
export const targetOf = (started: StartedCase): ProbeTarget =>
  probeTargetOf(started.site, started.case.isFullGet === true);

/** How the site's policy reads one check result: the verdict the runtime would act on. */
export function verdictOf(result: CheckResult, site: SiteConfig): Verdict {
  switch (result.kind) {
    case 'up':
      return site.maxResponseMs !== undefined && result.latencyMs > site.maxResponseMs
        ? { event: 'DEGRADED' }
        : { event: 'UP' };
    case 'down':
      return { event: 'DOWN', reason: result.reason };
    case 'blocked':
      return site.treatBlockedAsDown ? { event: 'DOWN', reason: 'http-4xx' } : { event: 'BLOCKED' };
    case 'fault':
      return { event: 'UNCHECKED', reason: result.reason };
  }
}

/**
 * Why `squirrel check --file` cannot put a case's question to the probe, or undefined when it can: every setting
 * is a file column; only the production address policy cannot be had together with the others' --allow-private.
 */
export function whyCheckCannotExpress(failure: FailureCase): string | undefined {
  if (failure.needsProductionPolicy === true) {
    return 'needs the production address policy; every other case needs --allow-private';
  }
  return undefined;
}

/** A case as a line of a `sites import` JSON file for `squirrel check`: its settings, and the full GET or not. */
export const checkLineOf = (failure: FailureCase, url: string): Readonly<Record<string, unknown>> => ({
  url,
  ...failure.settings,
  // A one-shot check is the full GET unless told otherwise: the heartbeat cases ask for the heartbeat.
  fullGetMinutes: failure.isFullGet === true ? 10 : 'off',
});

/** Why the local runtime cannot run a case, or undefined when it can. */
export function whyRuntimeCannotRun(failure: FailureCase): string | undefined {
  return failure.needsProductionPolicy === true
    ? 'the local runtime always allows private addresses; the checker core with the production policy is test/faults/world-faults.test.ts W4'
    : undefined;
}
