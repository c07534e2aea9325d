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
  /**
   * When a query is asked again (from its own socket) while the first is still waiting: a UDP packet lost in a
   * burst costs the first of these. Default ASK_AGAIN_AFTER_MS.
   */
  readonly askAgainAfterMs?: readonly number[];
  /** Longest an answer is reused, whatever its TTL. */
  readonly maxCacheMs?: number;
  readonly nowMs?: () => number;
}

/**
 * A query is asked again, from another socket, after 1 s and 2.5 s if no answer came: a packet lost in a burst
 * costs 1 s, and an answer that takes longer (a cold recursive lookup) still counts when it comes. c-ares's own
 * retries send from a new socket and drop an answer to the old one: a nameserver answering in 1.2 s then needed
 * 2.7 s, and one answering in 2.5 s never got through.
 */
export const ASK_AGAIN_AFTER_MS: readonly number[] = [1_000, 2_500];
// Each channel waits this long for its one try: longer than any DNS limit the probe gives (4 s), so an answer is
// never dropped for lateness while someone still waits for it.
const CHANNEL_TIMEOUT_MS = 5_000;
// Many sites share a host (one provider, one CDN): one lookup serves them for the length of an invocation.
const DEFAULT_MAX_CACHE_MS = 30_000;
// Answers kept at most: bounds memory whatever the number of distinct hosts.
const MAX_CACHED_NAMES = 10_000;
// RFC 8305 (Happy Eyeballs v2): once one family has answered, wait this long for the other before going on.
const RESOLUTION_DELAY_MS = 50;

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
 * A and AAAA are asked in parallel, each asked again from another channel (socket) while unanswered
 * (ASK_AGAIN_AFTER_MS); the first answer counts. Answers are cached per name for their TTL (at most
 * `maxCacheMs`), and concurrent lookups of one name share one query.
 */
export function createHostResolver(options: HostResolverOptions = {}): HostResolver {
  const askAgainAfterMs = options.askAgainAfterMs ?? ASK_AGAIN_AFTER_MS;
  // One channel per ask, each with one try and its own socket: a late answer to an earlier ask still counts.
  const channels = [0, ...askAgainAfterMs].map(() => {
    const channel = new dns.Resolver({ timeout: CHANNEL_TIMEOUT_MS, tries: 1 });
    if (options.servers !== undefined && options.servers.length > 0) channel.setServers([...options.servers]);
    return channel;
  });
  const resolver: Querier = (name, family) => askUntilAnswered(channels, askAgainAfterMs, name, family);
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
      for (const channel of channels) channel.cancel();
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
async function queryBothFamilies(resolver: Querier, name: string): Promise<Outcome> {
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

/** Asks for one family's records; answers with them or a failure (never throws). */
type Querier = (name: string, family: 4 | 6) => Promise<FamilyAnswer>;

const queryFamily = (resolver: Querier, name: string, family: 4 | 6): Promise<FamilyAnswer> =>
  resolver(name, family);

/**
 * Asks `channels[0]` at once and each next channel after its delay while nothing has answered; the first answer
 * that says something (records, or NXDOMAIN, NODATA, SERVFAIL, REFUSED) wins. Timeouts and failures of our own
 * wait for the other asks; when all have ended, the most telling failure is the answer.
 */
function askUntilAnswered(
  channels: readonly dns.Resolver[],
  askAgainAfterMs: readonly number[],
  name: string,
  family: 4 | 6,
): Promise<FamilyAnswer> {
  return new Promise((resolve) => {
    const failures: FamilyAnswer[] = [];
    const timers: ReturnType<typeof setTimeout>[] = [];
    let isDone = false;
    let started = 0;
    const finish = (answer: FamilyAnswer) => {
      if (isDone) return;
      isDone = true;
      for (const timer of timers) clearTimeout(timer);
      resolve(answer);
    };
    const ask = (channel: dns.Resolver) => {
      started++;
      void askOnce(channel, name, family).then((answer) => {
        // Only silence is worth waiting out: any answer, or a nameserver that cannot be asked, is telling.
        const isTelling = answer.kind === 'resolved' || answer.failure !== 'timeout';
        if (isTelling) return finish(answer);
        failures.push(answer);
        // Every ask has ended without a telling answer: the most telling failure explains it.
        if (failures.length === channels.length || (started === failures.length && timers.length === 0)) {
          finish(mostTelling(failures));
        }
      });
    };
    const [first, ...others] = channels;
    if (first !== undefined) ask(first);
    others.forEach((channel, index) => {
      const timer = setTimeout(() => {
        timers.splice(timers.indexOf(timer), 1);
        if (!isDone) ask(channel);
      }, askAgainAfterMs[index] ?? 0);
      timers.push(timer);
    });
  });
}

const mostTelling = (failures: readonly FamilyAnswer[]): FamilyAnswer =>
  [...failures].sort(
    (a, b) =>
      FAILURE_RANK.indexOf(a.kind === 'failed' ? a.failure : 'resolver') -
      FAILURE_RANK.indexOf(b.kind === 'failed' ? b.failure : 'resolver'),
  )[0] ?? { kind: 'failed', failure: 'resolver', code: 'unknown' };

async function askOnce(resolver: dns.Resolver, name: string, family: 4 | 6): Promise<FamilyAnswer> {
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
