import { createSecureContext, type SecureContext } from 'node:tls';
import { Client, type Dispatcher } from 'undici';
import { MONITOR_USER_AGENT } from '../domain/alert-message.ts';
import type { CheckResult, TlsCertificate } from '../domain/check-result.ts';
import { describeAttempt, type HopVerdict, judgeResponse, withoutHash } from '../domain/judge-response.ts';
import { SITE_LIMITS } from '../domain/site.ts';
import type { StatusRanges } from '../domain/status-range.ts';
import {
  type AddressPolicy,
  addressPolicyFor,
  BlockedAddressError,
  guardAddresses,
} from './address-guard.ts';
import { createHostResolver, type HostResolver, type ResolvedAddress } from './dns-resolver.ts';
import { openConnection, type Phase } from './probe-connection.ts';
import { startDeadline } from './probe-deadline.ts';
import { classifyError } from './probe-errors.ts';
import { discardBody, judgeKeyword, type Keyword } from './response-body.ts';

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
 * The most of a site's deadline one DNS lookup may take: glibc gives up after 5 s, and a name that needs longer
 * is failing for visitors too. A silent nameserver makes the site DOWN `dns`, not `timeout`.
 */
export const DNS_TIMEOUT_MS = 4_000;

// undici's own timeouts fire up to ~1 s late; they only back up the precise deadline.
const BACKSTOP_MARGIN_MS = 1_000;
const BACKSTOP_TIMEOUT_MS = SITE_LIMITS.timeoutMs.max + BACKSTOP_MARGIN_MS;
// Not forwarded to another origin after a redirect (curl and the Fetch standard drop them too).
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** Thrown by createProbe for options that are out of range: a bug in the caller. */
export class ProbeOptionsError extends Error {
  override name = 'ProbeOptionsError';
}

/**
 * Creates an HTTP probe. One deadline per check covers every phase of every hop: DNS, connect, TLS, headers,
 * body. Connections are never reused (each request closes its socket), and every connection goes only to
 * addresses the address policy allows, judged on the addresses actually connected to.
 */
export function createProbe(options: ProbeOptions = {}): Probe {
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  if (!Number.isInteger(maxRedirects) || maxRedirects < 0 || maxRedirects > 20) {
    throw new ProbeOptionsError(`maxRedirects must be a whole number from 0 to 20, got ${maxRedirects}`);
  }
  const isAddressAllowed = options.isAddressAllowed ?? addressPolicyFor(options.allowPrivateTargets === true);
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

  async function check(target: ProbeTarget, signal?: AbortSignal): Promise<CheckResult> {
    const startMs = performance.now();
    const elapsedMs = () => Math.round(performance.now() - startMs);
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
    const { keyword } = target;
    let method: 'HEAD' | 'GET' = keyword === undefined ? target.method : 'GET';
    let redirectCount = 0;
    const firstOrigin = url.origin;
    const headers = buildRequestHeaders(defaultHeaders, target.headers, keyword !== undefined);
    const visited = new Set([withoutHash(url)]);
    const progress: { phase: Phase; addresses: readonly ResolvedAddress[] } = {
      phase: 'resolving',
      addresses: [],
    };
    const describe = () => describeAttempt(method, url);
    const outOfTime = (): CheckResult => ({
      kind: 'fault',
      reason: 'checker-fault',
      detail: `checker ran out of time after ${elapsedMs()} ms during ${describe()}; site not judged`,
      latencyMs: elapsedMs(),
    });
    try {
      for (;;) {
        progress.phase = 'resolving';
        const resolution = await resolver.resolve(
          url.hostname,
          Math.min(DNS_TIMEOUT_MS, deadline.remainingMs()),
          deadline.signal,
        );
        if (deadline.abortedBy() === 'caller') return outOfTime();
        if (resolution.kind === 'failed') {
          const detail = `${resolution.detail} (${describe()})`;
          // Our own resolver failing says nothing about the site.
          if (resolution.failure === 'resolver') {
            return { kind: 'fault', reason: 'checker-fault', detail, latencyMs: elapsedMs() };
          }
          return { kind: 'down', reason: 'dns', detail, latencyMs: elapsedMs() };
        }
        const allowed = guardAddresses(
          url.hostname.replace(/^\[|\]$/g, ''),
          resolution.addresses,
          isAddressAllowed,
        );
        if (allowed instanceof BlockedAddressError) {
          return { ...classifyError(allowed, describe()), latencyMs: elapsedMs() };
        }
        progress.addresses = allowed;

        const hop = await requestOnce(
          url,
          allowed,
          method,
          url.origin === firstOrigin ? headers.sameOrigin : headers.crossOrigin,
        );
        // Time to the response headers, keyword checks included: comparable across methods and sites.
        const latencyMs = elapsedMs();
        const { response } = hop;
        const judgement = judgeResponse(
          { status: response.statusCode, headers: response.headers },
          {
            method,
            url,
            visited,
            redirectCount,
            maxRedirects,
            expectStatus: target.expectStatus,
            hasKeyword: keyword !== undefined,
          },
        );
        const tls = hop.certificate === undefined ? {} : { tls: hop.certificate };
        switch (judgement.kind) {
          case 'retry-with-get':
            discardBody(response.body, method);
            method = 'GET';
            continue;
          case 'redirect':
            discardBody(response.body, method);
            redirectCount += 1;
            visited.add(withoutHash(judgement.to));
            url = judgement.to;
            continue;
          case 'read-body': {
            progress.phase = 'body';
            const problem = await judgeKeyword(
              response.body,
              response.headers['content-encoding'],
              keyword as Keyword,
              describe(),
            );
            if (problem === undefined) return { kind: 'up', status: judgement.status, latencyMs, ...tls };
            return { kind: 'down', reason: 'keyword', status: judgement.status, detail: problem, latencyMs };
          }
          case 'verdict':
            discardBody(response.body, method);
            return withTiming(judgement.verdict, latencyMs, hop.certificate);
        }
      }
    } catch (error) {
      const latencyMs = elapsedMs();
      if (deadline.abortedBy() === 'caller') return outOfTime();
      if (deadline.abortedBy() === 'deadline') {
        const detail = `timed out after ${target.timeoutMs} ms ${describePhase(progress, url, describe())}`;
        return { kind: 'down', reason: 'timeout', detail, latencyMs };
      }
      return { ...classifyError(error, describe(), progress.phase), latencyMs };
    } finally {
      deadline.dispose();
    }

    /** One request on a new connection to `addresses`; rejects on a network error or the deadline. */
    async function requestOnce(
      hopUrl: URL,
      addresses: readonly ResolvedAddress[],
      hopMethod: 'HEAD' | 'GET',
      hopHeaders: Readonly<Record<string, string>>,
    ): Promise<{ readonly response: Dispatcher.ResponseData; readonly certificate?: TlsCertificate }> {
      const connection = openConnection(
        addresses,
        secureContext,
        (phase) => {
          progress.phase = phase;
        },
        deadline.remainingMs(),
      );
      const client = new Client(hopUrl.origin, { connect: connection.connect });
      inFlight.add(client);
      // undici only notices an abort once connected: a host that drops SYNs would hold the request until the
      // kernel gives up (~30 s). Ending the socket ends the attempt at the deadline, whatever its phase.
      const stopConnecting = () => connection.abort(deadline.signal.reason);
      deadline.signal.addEventListener('abort', stopConnecting, { once: true });
      try {
        const response = await Promise.race([
          client.request({
            path: `${hopUrl.pathname}${hopUrl.search}`,
            method: hopMethod,
            headers: hopHeaders,
            signal: deadline.signal,
            // No keep-alive: thousands of distinct hosts, so a pooled socket would only hold a descriptor.
            reset: true,
            headersTimeout: BACKSTOP_TIMEOUT_MS,
            bodyTimeout: BACKSTOP_TIMEOUT_MS,
          }),
          deadline.aborted,
        ]);
        // Answered: with `reset` undici destroys the socket itself; close() would only build an error.
        inFlight.delete(client);
        return connection.certificate === undefined
          ? { response }
          : { response, certificate: connection.certificate };
      } catch (error) {
        release(client);
        throw error;
      } finally {
        deadline.signal.removeEventListener('abort', stopConnecting);
      }
    }
  }

  // A failed request may have left its client connecting or holding a socket. destroy(), not close(): after
  // ERR_TLS_CERT_ALTNAME_INVALID undici 7 still counts the failed request as running, so close() never resolves.
  const release = (client: Client) => {
    client.destroy().then(
      () => inFlight.delete(client),
      () => inFlight.delete(client),
    );
  };

  return {
    check,
    close: async () => {
      resolver.close();
      await Promise.allSettled([...inFlight].map((client) => client.close()));
    },
  };
}

function withTiming(
  verdict: HopVerdict,
  latencyMs: number,
  certificate: TlsCertificate | undefined,
): CheckResult {
  const tls = certificate === undefined ? {} : { tls: certificate };
  switch (verdict.kind) {
    case 'up':
    case 'blocked':
      return { ...verdict, latencyMs, ...tls };
    case 'down':
      return { ...verdict, latencyMs };
  }
}

/** Where a check was when its deadline came, for the timeout's detail. */
function describePhase(
  { phase, addresses }: { readonly phase: Phase; readonly addresses: readonly ResolvedAddress[] },
  url: URL,
  attempt: string,
): string {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const shown = addresses
    .slice(0, 3)
    .map((entry) => entry.address)
    .filter((address) => address !== host);
  const at = shown.length === 0 ? host : `${host} (${shown.join(', ')})`;
  switch (phase) {
    case 'resolving':
      return `resolving ${host} for ${attempt}`;
    case 'connecting':
      return `connecting to ${at} for ${attempt}: the host never answered`;
    case 'tls':
      return `in the TLS handshake with ${at} for ${attempt}`;
    case 'waiting':
      return `waiting for ${attempt}`;
    case 'body':
      return `reading the body of ${attempt}`;
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
