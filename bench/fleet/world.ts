import { DNS_TIMEOUT_MS } from '../../functions/adapters/probe-attempt.ts';
import { createRandom, type SiteTruth } from './plan.ts';

/** Share of a phase's sites the test world breaks: 2 %, as many as the fleet has hung sites. */
export const WORLD_FAULT_SHARE = 0.02;

/** `count` distinct site indices out of `size`, chosen by `seed`: the same ones on every machine, ascending. */
export function pickIndices(size: number, count: number, seed: number): number[] {
  if (!Number.isInteger(count) || count < 0 || count > size) {
    throw new RangeError(`count must be a whole number from 0 to ${size}, got ${count}`);
  }
  const random = createRandom(seed);
  const indices = Array.from({ length: size }, (_, index) => index);
  // The first `count` places of a Fisher-Yates shuffle.
  for (let place = 0; place < count; place++) {
    const pick = place + Math.floor(random() * (size - place));
    [indices[place], indices[pick]] = [indices[pick] as number, indices[place] as number];
  }
  return indices.slice(0, count).sort((a, b) => a - b);
}

/** How many of `size` sites a phase breaks: 8 of 400. */
export const faultCount = (size: number, share = WORLD_FAULT_SHARE): number => Math.round(size * share);

/** The name site `index` is checked by in the DNS phase: its own name, under a reserved TLD (RFC 6761). */
export const siteName = (index: number): string => `site-${index}.dns.bench.test`;

/** `url` with its host replaced by `host` (scheme, port and path kept). */
export function withHost(url: string, host: string): string {
  const parsed = new URL(url);
  parsed.hostname = host;
  return parsed.toString();
}

export interface DnsWorld {
  /** The fleet's truth, except that sites with a silent nameserver must be DOWN `dns`. */
  readonly truth: readonly SiteTruth[];
  /** Indices of the sites whose name's nameserver never answers. */
  readonly silent: readonly number[];
  /** Each site's name, by index. */
  readonly names: readonly string[];
}

/**
 * The DNS phase's world over a fleet: every site by its own name, resolving to the site's own address, and
 * `faultCount` of them (chosen by `seed`) with a nameserver that never answers. A correct checker gives up on
 * those within the probe's DNS limit (DNS_TIMEOUT_MS) and never connects.
 */
export function planDnsWorld(fleet: readonly SiteTruth[], seed: number, timeoutMs: number): DnsWorld {
  const silent = pickIndices(fleet.length, faultCount(fleet.length), seed);
  const isSilent = new Set(silent);
  return {
    truth: fleet.map((site) =>
      isSilent.has(site.index)
        ? brokenSite(site, 'dns-silent', 'dns', Math.min(DNS_TIMEOUT_MS, timeoutMs))
        : site,
    ),
    silent,
    names: fleet.map((site) => siteName(site.index)),
  };
}

export interface DeadHostWorld {
  /** The fleet's truth, except that hosts dropping SYNs must be DOWN `timeout`. */
  readonly truth: readonly SiteTruth[];
  /** Indices of the sites whose host drops every SYN (served by startDeadHosts, not by the fleet). */
  readonly dead: readonly number[];
}

/** The dead-host phase's world: `faultCount` sites of the fleet (chosen by `seed`) never answer a SYN. */
export function planDeadHostWorld(
  fleet: readonly SiteTruth[],
  seed: number,
  timeoutMs: number,
): DeadHostWorld {
  const dead = pickIndices(fleet.length, faultCount(fleet.length), seed);
  const isDead = new Set(dead);
  return {
    truth: fleet.map((site) =>
      isDead.has(site.index) ? brokenSite(site, 'drops-syn', 'timeout', timeoutMs) : site,
    ),
    dead,
  };
}

/** A site the world broke: down for `reason`, no HTTP request ever reaches it, `idealMs` to find out. */
function brokenSite(
  site: SiteTruth,
  behaviour: 'dns-silent' | 'drops-syn',
  reason: 'dns' | 'timeout',
  idealMs: number,
): SiteTruth {
  return {
    index: site.index,
    siteId: site.siteId,
    address: site.address,
    behaviour,
    latencyMs: 0,
    expected: 'down',
    expectedReason: reason,
    expectedRequests: 0,
    idealMs,
  };
}
