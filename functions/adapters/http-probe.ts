import { isIP } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Client } from 'undici';
import { MONITOR_USER_AGENT } from '../domain/alert-message.ts';
import type { CheckResult } from '../domain/check-result.ts';
import { printableText } from '../domain/schema-parts.ts';
import type { StatusRanges } from '../domain/status-range.ts';
import { type AddressPolicy, addressPolicyFor } from './address-guard.ts';
import { createHostResolver, type HostResolver } from './dns-resolver.ts';
import {
  type Attempt,
  type AttemptEnvironment,
  type AttemptOutcome,
  type AttemptRequest,
  startAttempt,
} from './probe-attempt.ts';
import { type Deadline, startDeadline } from './probe-deadline.ts';
import type { Keyword } from './response-body.ts';

/** What to check: one site's URL, method, deadline and the statuses that count as up. */
export interface ProbeTarget {
  readonly url: string;
  /** Ignored when a keyword is set: a keyword needs the body, so the check uses GET. */
  readonly method: 'HEAD' | 'GET';
  readonly timeoutMs: number;
  readonly expectStatus: StatusRanges;
  /**
   * Sent on every hop, over our defaults (a site's own User-Agent wins). Authorization, Cookie and
   * Proxy-Authorization are not sent once a redirect leaves the site's origin, as curl and fetch do.
   */
  readonly headers?: Readonly<Record<string, string>>;
  /** Text that must be present (or absent) in the first KEYWORD_MAX_BYTES of the final response's body. */
  readonly keyword?: Keyword;
  /**
   * A full GET: the final response's whole body is read (up to FULL_BODY_MAX_BYTES), so a GET that fails, a body
   * cut short or one that stalls is seen. Otherwise HEAD (or GET without reading the body) unless a keyword is set.
   */
  readonly fullGet?: boolean;
}

/** How a probe connects; the defaults are the production settings. */
export interface ProbeOptions {
  /** Decides whether a resolved address may be connected to. Default: isPublicAddress, or allow-all when allowPrivateTargets. */
  readonly isAddressAllowed?: AddressPolicy;
  /** Allows every address (local runtime and tests only). Ignored when isAddressAllowed is given. */
  readonly allowPrivateTargets?: boolean;
  /** Redirects followed before giving up with `too-many-redirects`. Default 5. */
  readonly maxRedirects?: number;
  /** Sent as User-Agent so site owners can recognise the checks. Default MONITOR_USER_AGENT. */
  readonly userAgent?: string;
  /** Nameservers (`ip` or `ip:port`) for the default resolver. Default: the system's (resolv.conf). */
  readonly dnsServers?: readonly string[];
  /** How host names are resolved. Default: createHostResolver (c-ares, off libuv's thread pool). */
  readonly resolver?: HostResolver;
  /**
   * Trusted CA certificates (PEM). Replaces Node's bundled roots, as tls.connect's `ca` does: tests trust
   * their own CA with it. Certificates are always verified.
   */
  readonly ca?: readonly string[];
  /**
   * The local address checks connect from (local runtime and tests only: PROBE_SOURCE_ADDRESS), so each of several
   * "locations" on one machine has its own view of the network. Connections to addresses of its family bind to
   * it; a name without such addresses connects as usual. Default: the system chooses.
   */
  readonly sourceAddress?: string;
}

/** An HTTP checker; close it when the invocation is done. */
export interface Probe {
  /** Checks one target; never throws for anything the site or the network does. */
  check(target: ProbeTarget, signal?: AbortSignal): Promise<CheckResult>;
  /** Resolves once the connections of in-flight checks have closed. */
  close(): Promise<void>;
}

/** Redirects followed when ProbeOptions.maxRedirects is not given. */
export const DEFAULT_MAX_REDIRECTS = 5;
/** User-Agent sent when ProbeOptions.userAgent is not given: the one BLOCKED alerts ask owners to allow-list. */
export const DEFAULT_USER_AGENT = MONITOR_USER_AGENT;
/**
 * A HEAD still waiting for its answer at this share of the deadline gets a GET beside it: a server that never
 * answers HEAD (but GET) is not down, and by the deadline a GET would have no time left. Late enough that a
 * healthy site (answering within half its deadline) never costs a second request; early enough that a GET
 * answering in a normal time still fits.
 */
export const GET_BESIDE_HEAD_AT = 0.6;
// Not forwarded to another origin after a redirect (curl and the Fetch standard drop them too).
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** Thrown by createProbe for options that are out of range: a bug in the caller. */
export class ProbeOptionsError extends Error {
  override name = 'ProbeOptionsError';
}

/**
 * Creates an HTTP probe. One deadline per check covers every phase of every hop: DNS, connect, TLS, headers,
 * body. HEAD is the heartbeat (it costs the site almost nothing), but a HEAD failure is never the last word: a
 * GET is asked before the site is judged. Connections are never reused (each request closes its socket), and
 * every connection goes only to addresses the address policy allows, judged on the addresses actually
 * connected to.
 */
export function createProbe(options: ProbeOptions = {}): Probe {
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  if (!Number.isInteger(maxRedirects) || maxRedirects < 0 || maxRedirects > 20) {
    throw new ProbeOptionsError(`maxRedirects must be a whole number from 0 to 20, got ${maxRedirects}`);
  }
  if (options.sourceAddress !== undefined && isIP(options.sourceAddress) === 0) {
    throw new ProbeOptionsError(`sourceAddress must be an IP address, got "${options.sourceAddress}"`);
  }
  const resolver =
    options.resolver ?? createHostResolver(options.dnsServers ? { servers: options.dnsServers } : {});
  const defaultHeaders: Readonly<Record<string, string>> = {
    'user-agent': options.userAgent ?? DEFAULT_USER_AGENT,
    accept: '*/*',
  };
  // One context for every connection: tls.connect would otherwise build one per handshake. It holds settings
  // and trusted roots only, no session state: every check does a full handshake (a resumed session skips
  // certificate verification and reports the first handshake's certificate, so expiry would go unseen).
  const secureContext: SecureContext = createSecureContext(
    options.ca === undefined ? {} : { ca: [...options.ca] },
  );
  // One Client per request, not an Agent: an Agent builds a Pool per origin, and with thousands of distinct
  // hosts and no reuse that Pool is pure overhead.
  const inFlight = new Set<Client>();
  const environment: AttemptEnvironment = {
    resolver,
    isAddressAllowed: options.isAddressAllowed ?? addressPolicyFor(options.allowPrivateTargets === true),
    secureContext,
    maxRedirects,
    inFlight,
    ...(options.sourceAddress === undefined ? {} : { sourceAddress: options.sourceAddress }),
  };

  async function check(target: ProbeTarget, signal?: AbortSignal): Promise<CheckResult> {
    let url: URL;
    try {
      url = new URL(target.url);
    } catch {
      // Sites are validated before they get here: a bad URL is our bug, not the site being down.
      return {
        kind: 'fault',
        reason: 'checker-fault',
        detail: `invalid target URL "${target.url}"`,
        latencyMs: 0,
      };
    }
    const deadline = startDeadline(target.timeoutMs, signal);
    const isReadingBody = target.keyword !== undefined || target.fullGet === true;
    const request = (method: 'HEAD' | 'GET'): AttemptRequest => ({
      url,
      method,
      timeoutMs: target.timeoutMs,
      expectStatus: target.expectStatus,
      headers: buildRequestHeaders(defaultHeaders, target.headers, target.keyword !== undefined),
      ...(target.keyword === undefined ? {} : { keyword: target.keyword }),
      readsBody: target.fullGet === true,
    });
    // Each attempt times itself: a GET asked after (or beside) a HEAD reports the site's own answer time, not
    // the HEAD's wait before it (a server ignoring HEAD is not slow).
    const attempt = (method: 'HEAD' | 'GET') => {
      const startMs = performance.now();
      return startAttempt(environment, request(method), deadline, () =>
        Math.round(performance.now() - startMs),
      );
    };
    try {
      // A keyword or a full GET needs the body; a site set to GET is checked with GET.
      const result =
        isReadingBody || target.method === 'GET'
          ? (await attempt('GET').outcome).result
          : await headThenGet(attempt, target.timeoutMs * GET_BESIDE_HEAD_AT, deadline);
      // Details quote what servers sent (names, redirect targets, their errors): stored, queued and mailed.
      return result.kind === 'up' && result.detail === undefined
        ? result
        : { ...result, detail: printableText(result.detail ?? '') };
    } finally {
      deadline.dispose();
    }
  }

  return {
    check,
    close: async () => {
      resolver.close();
      await Promise.allSettled([...inFlight].map((client) => client.close()));
    },
  };
}

/**
 * HEAD first. A HEAD that fails where the method can matter (an answer that is not UP, a reset, a timeout while
 * waiting) is asked again with GET, and the GET's answer is the verdict, saying what each method saw. A HEAD
 * still waiting at `getAfterMs` gets its GET beside it, and the first UP wins. Failures before any request (DNS,
 * connecting, TLS) are the verdict as they are: a GET would take the same road.
 */
async function headThenGet(
  attempt: (method: 'HEAD' | 'GET') => Attempt,
  getAfterMs: number,
  deadline: Deadline,
): Promise<CheckResult> {
  const head = attempt('HEAD');
  let get: Attempt | undefined;
  let onGetUp: (outcome: AttemptOutcome) => void = () => {};
  const getUp = new Promise<AttemptOutcome>((resolve) => {
    onGetUp = resolve;
  });
  const startGet = (): Attempt => {
    if (get === undefined) {
      get = attempt('GET');
      void get.outcome.then((outcome) => {
        if (outcome.result.kind === 'up') onGetUp(outcome);
      });
    }
    return get;
  };
  const beside = setTimeout(() => {
    if (head.phase() === 'waiting') startGet();
  }, getAfterMs);
  try {
    const first = await Promise.race([
      head.outcome.then((outcome) => ({ method: 'HEAD' as const, outcome })),
      getUp.then((outcome) => ({ method: 'GET' as const, outcome })),
    ]);
    if (first.method === 'GET') {
      head.abort();
      return withDetail(
        first.outcome.result,
        `HEAD had not answered after ${Math.round(getAfterMs)} ms, ${summaryOf('GET', first.outcome.result)}`,
      );
    }
    const headOutcome = first.outcome;
    // A GET not yet asked when the deadline has come could only time out at once (and blame whatever phase it
    // was in): what HEAD saw is the verdict.
    if (!isWorthAGet(headOutcome) || (get === undefined && deadline.remainingMs() <= 0)) {
      get?.abort();
      return headOutcome.result;
    }
    const getOutcome = await startGet().outcome;
    return combine(headOutcome.result, getOutcome.result);
  } finally {
    clearTimeout(beside);
  }
}

/** Whether the method could explain a HEAD failure: the server took part, and failed or refused. */
function isWorthAGet({ result, phase, isAnswered, isAboutTheClient }: AttemptOutcome): boolean {
  if (result.kind === 'up' || result.kind === 'fault') return false;
  // A challenge, a rate limit or a bot refusal is about us, not the method: asking again would only be refused
  // again (and a site asking us to slow down deserves it). A plain 401/403 may be a server refusing HEAD.
  if (isAboutTheClient) return false;
  if (isAnswered) return true;
  return phase === 'waiting' || phase === 'body';
}

/**
 * The verdict after HEAD failed and GET was asked: GET's, saying what HEAD saw; but the server's own answer to
 * HEAD when the GET got none (a GET that timed out or broke cannot show that the method matters, and "HTTP 404"
 * tells the owner more than our timeout).
 */
function combine(head: CheckResult, get: CheckResult): CheckResult {
  const headSaw = summaryOf('HEAD', head);
  if (get.kind === 'up') return withDetail(get, `${headSaw}, ${summaryOf('GET', get)}`);
  // The GET could not be completed on our side: what HEAD saw is what we know.
  if (get.kind === 'fault') return head;
  if (
    get.status === undefined &&
    (head.kind === 'down' || head.kind === 'blocked') &&
    head.status !== undefined
  ) {
    return withDetail(head, `${head.detail} (${summaryOf('GET', get)})`);
  }
  return withDetail(get, `${get.detail} (${headSaw})`);
}

const withDetail = (result: CheckResult, detail: string): CheckResult => ({ ...result, detail });

/** "HEAD 503", "HEAD timed out", "GET 200 in 80 ms". */
function summaryOf(method: 'HEAD' | 'GET', result: CheckResult): string {
  switch (result.kind) {
    case 'up':
      return `${method} ${result.status} in ${result.latencyMs} ms`;
    case 'blocked':
      return `${method} ${result.status} (refused)`;
    case 'fault':
      return `${method} not completed`;
    case 'down':
      if (result.status !== undefined) return `${method} ${result.status}`;
      return result.reason === 'timeout' ? `${method} timed out` : `${method} failed (${result.reason})`;
  }
}

interface RequestHeaders {
  readonly sameOrigin: Readonly<Record<string, string>>;
  /** For hops on another origin than the site's URL: without credentials. */
  readonly crossOrigin: Readonly<Record<string, string>>;
}

/**
 * Merges a site's headers over ours by lower-cased name, so a site's `User-Agent` replaces ours instead of
 * being sent beside it. A keyword check asks for an uncompressed body unless the site says otherwise.
 */
function buildRequestHeaders(
  defaults: Readonly<Record<string, string>>,
  siteHeaders: Readonly<Record<string, string>> | undefined,
  isReadingBody: boolean,
): RequestHeaders {
  if (siteHeaders === undefined && !isReadingBody) return { sameOrigin: defaults, crossOrigin: defaults };
  const sameOrigin: Record<string, string> = { ...defaults };
  if (isReadingBody) sameOrigin['accept-encoding'] = 'identity';
  for (const [name, value] of Object.entries(siteHeaders ?? {})) sameOrigin[name.toLowerCase()] = value;
  const crossOrigin = Object.fromEntries(
    Object.entries(sameOrigin).filter(([name]) => !CREDENTIAL_HEADERS.has(name)),
  );
  return { sameOrigin, crossOrigin };
}
