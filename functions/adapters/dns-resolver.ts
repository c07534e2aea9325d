import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';

/** One address of a host, as net.connect's `lookup` hands it over. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Why a name did not resolve, in the words of DNS. */
export type ResolutionFailure =
  /** The nameservers did not answer in time (a nameserver gone quiet). */
  | 'timeout'
  /** The name does not exist (NXDOMAIN). */
  | 'nxdomain'
  /** The name exists but has no A or AAAA record. */
  | 'nodata'
  /** A nameserver failed to answer for it (SERVFAIL), or refused to (REFUSED). */
  | 'servfail'
  | 'refused'
  /** Our own resolver could not be asked (no nameserver reachable, out of memory): the checker's problem. */
  | 'resolver';

export type Resolution =
  | { readonly kind: 'resolved'; readonly addresses: readonly ResolvedAddress[] }
  | { readonly kind: 'failed'; readonly failure: ResolutionFailure; readonly detail: string };

/** Resolves host names for checks; never throws. */
export interface HostResolver {
  /**
   * The host's IPv4 and IPv6 addresses (IPv4 first), within `limitMs` and before `signal` aborts, whichever
   * is first. An IP literal resolves to itself; `localhost` to the loopback addresses, as the hosts file says.
   */
  resolve(hostname: string, limitMs: number, signal?: AbortSignal): Promise<Resolution>;
  /** Cancels the queries still running (a silent nameserver's), so a finished process can exit at once. */
  close(): void;
}

export interface HostResolverOptions {
  /** Nameservers as `ip` or `ip:port` (tests and the local runtime). Default: the system's (resolv.conf). */
  readonly servers?: readonly string[];
  /** First retry after this long (c-ares doubles it on each try): a UDP packet lost in a burst costs this. */
  readonly retryAfterMs?: number;
  /** Longest an answer is reused, whatever its TTL. */
  readonly maxCacheMs?: number;
  readonly nowMs?: () => number;
}

/** The default nameserver retry: short enough that one dropped packet costs little of a site's deadline. */
export const DEFAULT_DNS_RETRY_AFTER_MS = 500;
// Many sites share a host (one provider, one CDN): one lookup serves them for the length of an invocation.
const DEFAULT_MAX_CACHE_MS = 30_000;
// Answers kept at most: bounds memory whatever the number of distinct hosts.
const MAX_CACHED_NAMES = 10_000;
// RFC 8305 (Happy Eyeballs v2): once one family has answered, wait this long for the other before going on.
const RESOLUTION_DELAY_MS = 50;
// c-ares gives up on its own after 500 + 1,000 + 2,000 ms (it doubles the wait each try), within the probe's
// DNS limit, so no query outlives the check that asked by long.
const TRIES = 3;

// RFC 6761: localhost and its subdomains are loopback, and never asked of a nameserver.
const LOOPBACK: readonly ResolvedAddress[] = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
];

interface CacheEntry {
  readonly expiresAtMs: number;
  readonly answer: Promise<Resolution>;
}

/** The order in which one family's failure explains the whole lookup best: what the name is, first. */
const FAILURE_RANK: readonly ResolutionFailure[] = [
  'nxdomain',
  'servfail',
  'refused',
  'timeout',
  'nodata',
  'resolver',
];

/**
 * A resolver on c-ares (dns.promises.Resolver): lookups run on the event loop, not on libuv's 4-thread pool
 * where dns.lookup's getaddrinfo runs, so a few silent nameservers cannot hold up every other check's lookup.
 * A and AAAA are asked in parallel; answers are cached per name for their TTL (at most `maxCacheMs`), and
 * concurrent lookups of one name share one query.
 */
export function createHostResolver(options: HostResolverOptions = {}): HostResolver {
  const resolver = new dns.Resolver({
    timeout: options.retryAfterMs ?? DEFAULT_DNS_RETRY_AFTER_MS,
    tries: TRIES,
  });
  if (options.servers !== undefined && options.servers.length > 0) resolver.setServers([...options.servers]);
  const nowMs = options.nowMs ?? Date.now;
  const maxCacheMs = options.maxCacheMs ?? DEFAULT_MAX_CACHE_MS;
  const cache = new Map<string, CacheEntry>();

  const lookUp = (name: string): Promise<Resolution> => {
    const cached = cache.get(name);
    if (cached !== undefined && cached.expiresAtMs > nowMs()) return cached.answer;
    const answer = queryBothFamilies(resolver, name).then((outcome) => {
      const entry = cache.get(name);
      if (entry?.answer !== answer) return outcome.resolution;
      // A failure is not kept: the next check asks again. An answer lives for its TTL, within bounds.
      if (outcome.resolution.kind === 'failed' || outcome.ttlMs <= 0) cache.delete(name);
      else cache.set(name, { answer, expiresAtMs: nowMs() + Math.min(outcome.ttlMs, maxCacheMs) });
      return outcome.resolution;
    });
    if (cache.size >= MAX_CACHED_NAMES) cache.delete(cache.keys().next().value as string);
    // While the query runs, later lookups of the name join it.
    cache.set(name, { answer, expiresAtMs: Number.POSITIVE_INFINITY });
    return answer;
  };

  return {
    async resolve(hostname, limitMs, signal) {
      const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
      const family = isIP(host);
      if (family !== 0) return { kind: 'resolved', addresses: [{ address: host, family: family as 4 | 6 }] };
      const name = host.toLowerCase().replace(/\.$/, '');
      if (name === 'localhost' || name.endsWith('.localhost'))
        return { kind: 'resolved', addresses: LOOPBACK };
      return withinLimit(lookUp(name), name, limitMs, signal);
    },
    close: () => {
      resolver.cancel();
      cache.clear();
    },
  };
}

interface Outcome {
  readonly resolution: Resolution;
  readonly ttlMs: number;
}

type FamilyAnswer =
  | { readonly kind: 'resolved'; readonly addresses: readonly ResolvedAddress[]; readonly ttlMs: number }
  | { readonly kind: 'failed'; readonly failure: ResolutionFailure; readonly code: string };

/**
 * A and AAAA at once. Once A has addresses, AAAA gets RESOLUTION_DELAY_MS more (RFC 8305); A is always waited
 * for, since the checker connects over IPv4 first (Lambda functions outside a dual-stack VPC have no IPv6).
 * An answer that lacks A because A failed for now (timed out, SERVFAIL) is used but not kept.
 */
async function queryBothFamilies(resolver: dns.Resolver, name: string): Promise<Outcome> {
  const v6 = queryFamily(resolver, name, 6);
  const v4 = await queryFamily(resolver, name, 4);
  const both =
    v4.kind === 'resolved'
      ? await Promise.race([Promise.all([v4, v6]), delay(RESOLUTION_DELAY_MS).then(() => undefined)])
      : await Promise.all([v4, v6]);
  const answers = both ?? [v4];
  const resolved = answers.filter((answer) => answer.kind === 'resolved');
  if (resolved.length > 0) {
    const addresses = resolved.flatMap((answer) => answer.addresses).sort((a, b) => a.family - b.family);
    const isV4Settled = v4.kind === 'resolved' || v4.failure === 'nodata' || v4.failure === 'nxdomain';
    const ttlMs = isV4Settled ? Math.min(...resolved.map((answer) => answer.ttlMs)) : 0;
    return { resolution: { kind: 'resolved', addresses }, ttlMs };
  }
  const failures = answers.filter((answer) => answer.kind === 'failed');
  const worst = [...failures].sort(
    (a, b) => FAILURE_RANK.indexOf(a.failure) - FAILURE_RANK.indexOf(b.failure),
  )[0];
  const failure = worst?.failure ?? 'resolver';
  return {
    resolution: { kind: 'failed', failure, detail: describeFailure(failure, name, worst?.code) },
    ttlMs: 0,
  };
}

async function queryFamily(resolver: dns.Resolver, name: string, family: 4 | 6): Promise<FamilyAnswer> {
  try {
    const records =
      family === 4
        ? await resolver.resolve4(name, { ttl: true })
        : await resolver.resolve6(name, { ttl: true });
    if (records.length === 0) return { kind: 'failed', failure: 'nodata', code: 'ENODATA' };
    return {
      kind: 'resolved',
      addresses: records.map((record) => ({ address: record.address, family })),
      // A TTL of 0 still serves the checks waiting on this very query.
      ttlMs: Math.min(...records.map((record) => record.ttl)) * 1_000,
    };
  } catch (error) {
    const code = String((error as NodeJS.ErrnoException).code ?? 'unknown');
    return { kind: 'failed', failure: failureOf(code), code };
  }
}

/** c-ares error codes (dns.NOTFOUND, …) in the words of DNS. */
function failureOf(code: string): ResolutionFailure {
  switch (code) {
    case dns.NOTFOUND:
      return 'nxdomain';
    case dns.NODATA:
      return 'nodata';
    case dns.SERVFAIL:
      return 'servfail';
    case dns.REFUSED:
      return 'refused';
    case dns.TIMEOUT:
      return 'timeout';
    case dns.BADNAME:
      // Not a name DNS can carry (a label over 63 characters): no visitor can reach it either.
      return 'nxdomain';
    default:
      // ECONNREFUSED (no nameserver listening), ENOMEM, EBADRESP…: nothing the site's DNS did.
      return code === dns.BADRESP || code === dns.FORMERR ? 'servfail' : 'resolver';
  }
}

function describeFailure(failure: ResolutionFailure, name: string, code = 'unknown'): string {
  switch (failure) {
    case 'nxdomain':
      return `${name} does not exist (NXDOMAIN)`;
    case 'nodata':
      return `${name} has no A or AAAA record`;
    case 'servfail':
      return `the nameservers failed to answer for ${name} (SERVFAIL)`;
    case 'refused':
      return `the nameservers refused to answer for ${name} (REFUSED)`;
    case 'timeout':
      return `no DNS answer for ${name} from its nameservers (timed out)`;
    case 'resolver':
      return `the checker's DNS resolver could not be asked about ${name} (${code})`;
  }
}

/** The lookup, or a timeout failure once the limit or the caller's signal ends the wait (the query goes on). */
function withinLimit(
  answer: Promise<Resolution>,
  name: string,
  limitMs: number,
  signal: AbortSignal | undefined,
): Promise<Resolution> {
  const timedOut: Resolution = {
    kind: 'failed',
    failure: 'timeout',
    detail: `no DNS answer for ${name} within ${Math.max(0, Math.round(limitMs))} ms (its nameservers are silent or slow)`,
  };
  if (signal?.aborted || limitMs <= 0) return Promise.resolve(timedOut);
  return new Promise((resolve) => {
    const finish = (resolution: Resolution) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(resolution);
    };
    const onAbort = () => finish(timedOut);
    const timer = setTimeout(onAbort, limitMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    answer.then(finish, () =>
      finish({ kind: 'failed', failure: 'resolver', detail: `DNS lookup of ${name} failed` }),
    );
  });
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
