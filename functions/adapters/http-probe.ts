import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { type IncomingHttpHeaders, STATUS_CODES } from 'node:http';
import { isIP, type LookupFunction } from 'node:net';
import { pipeline, type Readable } from 'node:stream';
import { createSecureContext, TLSSocket } from 'node:tls';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { buildConnector, Client, type Dispatcher } from 'undici';
import { isPublicAddress } from '../domain/address-policy.ts';
import { MONITOR_USER_AGENT } from '../domain/alert-message.ts';
import type { CheckResult, DownReason, FaultReason, TlsCertificate } from '../domain/check-result.ts';
import { SITE_LIMITS } from '../domain/site.ts';
import { isStatusExpected, type StatusRanges } from '../domain/status-range.ts';

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
  readonly keyword?: { readonly text: string; readonly mode: 'present' | 'absent' };
}

/** How a probe connects; the defaults are the production settings. */
export interface ProbeOptions {
  /** Decides whether a resolved address may be connected to. Default: isPublicAddress, or allow-all when allowPrivateTargets. */
  readonly isAddressAllowed?: (ip: string) => boolean;
  /** Allows every address (local runtime and tests only). Ignored when isAddressAllowed is given. */
  readonly allowPrivateTargets?: boolean;
  /** Redirects followed before giving up with `too-many-redirects`. Default 5. */
  readonly maxRedirects?: number;
  /** Sent as User-Agent so site owners can recognise the checks. Default MONITOR_USER_AGENT. */
  readonly userAgent?: string;
  /** Injectable resolver for tests; default dns.lookup. */
  readonly lookup?: typeof dnsLookup;
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

type FailureKind =
  | { readonly kind: 'down'; readonly reason: DownReason }
  | { readonly kind: 'fault'; readonly reason: FaultReason };

/** A failed check's outcome before its latency is known: what `classifyError` decides. */
export type ErrorVerdict = FailureKind & { readonly detail: string };

/** Redirects followed when ProbeOptions.maxRedirects is not given. */
export const DEFAULT_MAX_REDIRECTS = 5;
/** User-Agent sent when ProbeOptions.userAgent is not given: the one BLOCKED alerts ask owners to allow-list. */
export const DEFAULT_USER_AGENT = MONITOR_USER_AGENT;
/** Body bytes searched for a keyword: a page's top, and a bound no huge or endless body can get past. */
export const KEYWORD_MAX_BYTES = 256 * 1024;
/** `code` of BlockedAddressError; classifyError turns it into a `blocked-address` fault. */
export const BLOCKED_ADDRESS_CODE = 'ESQUIRREL_BLOCKED_ADDRESS';

// undici's own timeouts fire up to ~1 s late; they only back up the precise AbortSignal deadline.
const BACKSTOP_MARGIN_MS = 1_000;
// The connector is shared by all sites, so its timeout must not cut short the longest allowed check.
const CONNECT_TIMEOUT_MS = SITE_LIMITS.timeoutMs.max + BACKSTOP_MARGIN_MS;
const MAX_DETAIL_URL_LENGTH = 100;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// A server that refuses HEAD answers one of these; it is not down, so ask again with GET.
const HEAD_REFUSED_STATUSES = new Set([405, 501]);
// The site answered but refuses us (auth, WAF, rate limit): BLOCKED, not an outage, unless expected.
const BLOCKED_STATUSES = new Set([401, 403, 429]);
// Not forwarded to another origin after a redirect (curl and the Fetch standard drop them too).
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

interface ChallengeMarker {
  readonly header: string;
  readonly values: readonly string[];
  readonly vendor: string;
}

/**
 * Headers bot-management products document on their challenge responses: the page is theirs, not the site's,
 * whatever its status. Not `server: cloudflare` with `cf-ray`: Cloudflare adds both to every proxied
 * response, so a real origin 503 would pass for a challenge.
 */
export const CHALLENGE_MARKERS: readonly ChallengeMarker[] = [
  // developers.cloudflare.com/cloudflare-challenges/challenge-types/challenge-pages/detect-response
  { header: 'cf-mitigated', values: ['challenge'], vendor: 'Cloudflare challenge' },
  // docs.aws.amazon.com/waf/latest/developerguide/waf-captcha-and-challenge-actions.html: 202 and 405.
  { header: 'x-amzn-waf-action', values: ['challenge', 'captcha'], vendor: 'AWS WAF' },
  // Vercel Security Checkpoint (403 or 429): described by monitoring vendors, not in Vercel's own docs.
  { header: 'x-vercel-mitigated', values: ['challenge'], vendor: 'Vercel checkpoint' },
];

/** Fails a connection (via the resolver or the literal-host check) when no address of a host is allowed. */
export class BlockedAddressError extends Error {
  override name = 'BlockedAddressError';
  readonly code = BLOCKED_ADDRESS_CODE;
  readonly host: string;
  readonly addresses: readonly string[];

  constructor(host: string, addresses: readonly string[]) {
    const shown = addresses.length === 0 ? 'no address' : addresses.join(', ');
    const where = addresses.length === 1 && addresses[0] === host ? host : `${host} at ${shown}`;
    super(`blocked connection to ${where}: not an allowed (public) address`);
    this.host = host;
    this.addresses = addresses;
  }
}

/** Thrown by createProbe for options that are out of range: a bug in the caller. */
export class ProbeOptionsError extends Error {
  override name = 'ProbeOptionsError';
}

/**
 * Creates an HTTP probe. Connections are never reused (each request closes its socket), and every
 * connection, redirect hops included, goes through the address guard.
 */
export function createProbe(options: ProbeOptions = {}): Probe {
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  if (!Number.isInteger(maxRedirects) || maxRedirects < 0 || maxRedirects > 20) {
    throw new ProbeOptionsError(`maxRedirects must be a whole number from 0 to 20, got ${maxRedirects}`);
  }
  const isAddressAllowed =
    options.isAddressAllowed ?? (options.allowPrivateTargets === true ? () => true : isPublicAddress);
  const defaultHeaders: Readonly<Record<string, string>> = {
    'user-agent': options.userAgent ?? DEFAULT_USER_AGENT,
    accept: '*/*',
  };
  const connect = buildConnector({
    lookup: createGuardedLookup(options.lookup ?? dnsLookup, isAddressAllowed),
    timeout: CONNECT_TIMEOUT_MS,
    rejectUnauthorized: true,
    // One context for every connection: tls.connect would otherwise build one per handshake. It holds
    // settings and trusted roots only, no session state (sessions are off below).
    secureContext: createSecureContext(options.ca === undefined ? {} : { ca: [...options.ca] }),
    // Every check does a full handshake: a resumed session skips certificate verification and reports the
    // certificate of the session's first handshake, so an expired or renewed certificate would go unseen.
    maxCachedSessions: 0,
    // The socket lives for one request: TCP keep-alive probes would only cost a syscall.
    keepAlive: false,
  });
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
    let method = keyword === undefined ? target.method : 'GET';
    let redirectCount = 0;
    const firstOrigin = url.origin;
    const headers = buildRequestHeaders(defaultHeaders, target.headers, keyword !== undefined);
    const visited = new Set([withoutHash(url)]);
    const describe = () => `${method} ${displayUrl(url)}`;
    let waitingFor = 'waiting for';
    try {
      for (;;) {
        const blocked = findBlockedLiteral(url, isAddressAllowed);
        if (blocked) return { ...classifyError(blocked, describe()), latencyMs: elapsedMs() };

        const hop: { certificate?: TlsCertificate } = {};
        const client = new Client(url.origin, {
          connect: url.protocol === 'https:' ? captureCertificate(connect, hop) : connect,
        });
        inFlight.add(client);
        let response: Dispatcher.ResponseData;
        try {
          response = await client.request({
            path: `${url.pathname}${url.search}`,
            method,
            headers: url.origin === firstOrigin ? headers.sameOrigin : headers.crossOrigin,
            signal: deadline.signal,
            // No keep-alive: thousands of distinct hosts, so a pooled socket would only hold a descriptor.
            reset: true,
            headersTimeout: target.timeoutMs + BACKSTOP_MARGIN_MS,
            bodyTimeout: target.timeoutMs + BACKSTOP_MARGIN_MS,
          });
          // Answered: with `reset` undici destroys the socket itself; close() would only build an error.
          inFlight.delete(client);
        } catch (error) {
          release(client);
          throw error;
        }
        // Time to the response headers, keyword checks included: comparable across methods and sites.
        const latencyMs = elapsedMs();
        const status = response.statusCode;
        const tls = hop.certificate === undefined ? {} : { tls: hop.certificate };
        if (status < 100 || status > 599) {
          discardBody(response.body, method);
          // Not an HTTP status at all: stored state and alerts only ever carry real ones.
          const detail = `invalid HTTP status ${status} from ${describe()}`;
          return { kind: 'down', reason: 'protocol', detail, latencyMs };
        }

        const challenge = findChallenge(response.headers);
        if (challenge !== undefined) {
          discardBody(response.body, method);
          const detail = `${describeStatus(status)} from ${describe()}: ${challenge}`;
          return { kind: 'blocked', status, detail, latencyMs, ...tls };
        }

        // Once only: after the retry the method stays GET, also for later hops.
        if (method === 'HEAD' && HEAD_REFUSED_STATUSES.has(status)) {
          discardBody(response.body, method);
          method = 'GET';
          continue;
        }

        const location = firstHeader(response.headers.location);
        if (REDIRECT_STATUSES.has(status) && location !== undefined) {
          discardBody(response.body, method);
          const next = parseRedirect(location, url);
          if (next === undefined) {
            const shown = JSON.stringify(truncate(location));
            const detail = `HTTP ${status} redirect to unsupported location ${shown} from ${describe()}`;
            return { kind: 'down', reason: 'protocol', status, detail, latencyMs };
          }
          if (visited.has(withoutHash(next))) {
            const detail = `redirect loop: ${describe()} redirects to ${displayUrl(next)}, already visited`;
            return { kind: 'down', reason: 'redirect-loop', status, detail, latencyMs };
          }
          if (redirectCount >= maxRedirects) {
            const detail = `more than ${maxRedirects} redirects; stopped at ${describe()}`;
            return { kind: 'down', reason: 'too-many-redirects', status, detail, latencyMs };
          }
          redirectCount += 1;
          visited.add(withoutHash(next));
          url = next;
          continue;
        }

        if (isStatusExpected(status, target.expectStatus)) {
          if (keyword === undefined) {
            discardBody(response.body, method);
            return { kind: 'up', status, latencyMs, ...tls };
          }
          waitingFor = 'reading the body of';
          const problem = await judgeKeyword(response, keyword, describe());
          if (problem === undefined) return { kind: 'up', status, latencyMs, ...tls };
          return { kind: 'down', reason: 'keyword', status, detail: problem, latencyMs };
        }
        discardBody(response.body, method);
        const detail = `${describeStatus(status)} from ${describe()}`;
        if (BLOCKED_STATUSES.has(status)) return { kind: 'blocked', status, detail, latencyMs, ...tls };
        return { kind: 'down', reason: reasonForStatus(status), status, detail, latencyMs };
      }
    } catch (error) {
      const latencyMs = elapsedMs();
      if (deadline.abortedBy() === 'caller') {
        const detail = `checker ran out of time after ${latencyMs} ms during ${describe()}; site not judged`;
        return { kind: 'fault', reason: 'checker-fault', detail, latencyMs };
      }
      if (deadline.abortedBy() === 'deadline') {
        const detail = `timed out after ${target.timeoutMs} ms ${waitingFor} ${describe()}`;
        return { kind: 'down', reason: 'timeout', detail, latencyMs };
      }
      return { ...classifyError(error, describe()), latencyMs };
    } finally {
      deadline.dispose();
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
      await Promise.allSettled([...inFlight].map((client) => client.close()));
    },
  };
}

interface Deadline {
  readonly signal: AbortSignal;
  /** Which came first, once aborted: the check's own timeout or the caller's signal. */
  abortedBy(): 'deadline' | 'caller' | undefined;
  dispose(): void;
}

/** One signal for the whole check (all hops and the GET retry), aborted by the deadline or the caller. */
function startDeadline(timeoutMs: number, callerSignal: AbortSignal | undefined): Deadline {
  const controller = new AbortController();
  let firstAbort: 'deadline' | 'caller' | undefined;
  // A plain timer is as precise as AbortSignal.timeout (undici's own timers fire up to ~1 s late) and cheaper:
  // AbortSignal.timeout keeps a weak reference and a finalizer per signal.
  const timer = setTimeout(() => {
    firstAbort ??= 'deadline';
    controller.abort(new DOMException(`deadline of ${timeoutMs} ms reached`, 'TimeoutError'));
  }, timeoutMs);
  const onCallerAbort = () => {
    firstAbort ??= 'caller';
    controller.abort(callerSignal?.reason);
  };
  callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  if (callerSignal?.aborted) onCallerAbort();
  return {
    signal: controller.signal,
    abortedBy: () => firstAbort,
    // The caller's signal outlives thousands of checks: drop our listener so they do not pile up.
    dispose: () => {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    },
  };
}

const RESOURCE_CODES = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM', 'EADDRNOTAVAIL']);
const TIMEOUT_CODES = new Set([
  'TimeoutError',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NODATA', 'EAI_NONAME', 'EAI_FAIL', 'ENODATA']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const UNREACHABLE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN']);
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'HOSTNAME_MISMATCH',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'EPROTO',
]);
const TLS_CODE_PREFIXES = ['CERT_', 'ERR_TLS_', 'ERR_SSL_', 'UNABLE_TO_'];
const PROTOCOL_CODES = new Set([
  'HTTPParserError',
  'UND_ERR_INFO',
  'UND_ERR_HEADERS_OVERFLOW',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_RES_EXCEEDED_MAX_SIZE',
  // A compressed body that does not decompress (keyword checks).
  'Z_DATA_ERROR',
  'Z_BUF_ERROR',
  'Z_NEED_DICT',
]);
// Brotli decoder errors are named after the decoder's own codes: ERR__ERROR_FORMAT_PADDING_1, …
const BROTLI_CODE_PREFIX = 'ERR__ERROR_';
// Stable names that stand in for a code: DOMException codes are numbers, and undici 7 leaves
// HTTPParserError.code undefined (it looks the llhttp error number up in a name-to-number map).
const NAMES_USED_AS_CODES = new Set(['TimeoutError', 'HTTPParserError']);

interface ErrorRule {
  readonly matches: (code: string) => boolean;
  readonly verdict: FailureKind;
  readonly summary: string;
  /** Whether the error message adds something a human needs (TLS and parser errors). */
  readonly showsMessage?: boolean;
}

// First matching rule wins, whatever the order of codes in the chain: checker trouble beats everything.
const ERROR_RULES: readonly ErrorRule[] = [
  {
    matches: (code) => RESOURCE_CODES.has(code),
    verdict: { kind: 'fault', reason: 'checker-fault' },
    summary: 'checker out of resources',
  },
  {
    matches: (code) => TIMEOUT_CODES.has(code),
    verdict: { kind: 'down', reason: 'timeout' },
    summary: 'timed out',
  },
  {
    matches: (code) => DNS_CODES.has(code),
    verdict: { kind: 'down', reason: 'dns' },
    summary: 'DNS lookup failed',
  },
  {
    matches: (code) => code === 'ECONNREFUSED',
    verdict: { kind: 'down', reason: 'refused' },
    summary: 'connection refused',
  },
  {
    // The site's host or network cannot be reached (a vanished server, an IPv6-only host): retrying the check
    // changes nothing, and the owner needs to know.
    matches: (code) => UNREACHABLE_CODES.has(code),
    verdict: { kind: 'down', reason: 'unreachable' },
    summary: 'host unreachable',
  },
  {
    matches: (code) => TLS_CODES.has(code) || TLS_CODE_PREFIXES.some((prefix) => code.startsWith(prefix)),
    verdict: { kind: 'down', reason: 'tls' },
    summary: 'TLS failed',
    showsMessage: true,
  },
  {
    matches: (code) => RESET_CODES.has(code),
    verdict: { kind: 'down', reason: 'reset' },
    summary: 'connection reset',
  },
  {
    matches: (code) =>
      PROTOCOL_CODES.has(code) || code.startsWith('HPE_') || code.startsWith(BROTLI_CODE_PREFIX),
    verdict: { kind: 'down', reason: 'protocol' },
    summary: 'bad HTTP response',
    showsMessage: true,
  },
];

/**
 * Classifies a failed request by the `code` of the error or anything in its `cause`/`errors` chain, never
 * by message or class. Checker-side trouble (out of descriptors or memory, blocked address, anything
 * unknown) is a `fault`, never the site being down. `attempt` ("GET https://…") goes into the detail.
 */
export function classifyError(error: unknown, attempt = 'the request'): ErrorVerdict {
  const codes = collectCodes(error);
  if (codes.includes(BLOCKED_ADDRESS_CODE)) {
    return { kind: 'fault', reason: 'blocked-address', detail: `${messageOf(error)} (${attempt})` };
  }
  for (const rule of ERROR_RULES) {
    const code = codes.find(rule.matches);
    if (code === undefined) continue;
    const summary = rule.showsMessage ? `${rule.summary}: ${messageOf(error)}` : rule.summary;
    return { ...rule.verdict, detail: `${summary} (${code}) on ${attempt}` };
  }
  const detail = `check failed: ${messageOf(error)} (${codes[0] ?? 'no code'}) on ${attempt}`;
  return { kind: 'fault', reason: 'checker-fault', detail };
}

/** Every string `code` in an error, its `cause` chain and AggregateError `errors`, outermost first. */
function collectCodes(error: unknown): string[] {
  const codes: string[] = [];
  const queue: unknown[] = [error];
  const seen = new Set<unknown>();
  while (queue.length > 0 && seen.size < 20) {
    const current = queue.shift();
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    seen.add(current);
    const { code, name, cause, errors } = current as Record<string, unknown>;
    if (typeof code === 'string') codes.push(code);
    else if (typeof name === 'string' && NAMES_USED_AS_CODES.has(name)) codes.push(name);
    queue.push(cause);
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return codes;
}

const messageOf = (error: unknown): string => {
  const message =
    typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : error;
  return truncate(typeof message === 'string' && message !== '' ? message : String(error));
};

const describeStatus = (status: number): string =>
  `HTTP ${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ''}`;

const reasonForStatus = (status: number): DownReason => {
  if (status >= 500 && status <= 599) return 'http-5xx';
  if (status >= 400 && status <= 499) return 'http-4xx';
  return 'unexpected-status';
};

/**
 * Wraps a resolver so a connection only goes to allowed addresses: resolves every address, keeps the
 * allowed ones and fails with BlockedAddressError when none is left. Runs at connect time, so a DNS
 * answer that changes between checks (rebinding) is still judged.
 */
function createGuardedLookup(
  resolve: typeof dnsLookup,
  isAddressAllowed: (ip: string) => boolean,
): LookupFunction {
  return (hostname, options, callback) => {
    resolve(
      hostname,
      { ...options, all: true },
      (error: NodeJS.ErrnoException | null, found: LookupAddress[]) => {
        if (error) {
          callback(error, '');
          return;
        }
        const allowed = found.filter((entry) => isAddressAllowed(entry.address));
        const first = allowed[0];
        if (first === undefined) {
          callback(
            new BlockedAddressError(
              hostname,
              found.map((entry) => entry.address),
            ),
            '',
          );
          return;
        }
        if (options.all === true) callback(null, allowed);
        else callback(null, first.address, first.family);
      },
    );
  };
}

/** Node skips `lookup` for IP-literal hosts, so those are judged here before connecting. */
function findBlockedLiteral(
  url: URL,
  isAddressAllowed: (ip: string) => boolean,
): BlockedAddressError | undefined {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(host) === 0 || isAddressAllowed(host)) return undefined;
  return new BlockedAddressError(host, [host]);
}

/** Resolves a Location header against the current URL; undefined unless it is an http(s) URL. */
function parseRedirect(location: string, base: URL): URL | undefined {
  try {
    const next = new URL(location, base);
    return next.protocol === 'http:' || next.protocol === 'https:' ? next : undefined;
  } catch {
    return undefined;
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

/**
 * Wraps the connector so the leaf certificate of the TLS socket this request actually uses is recorded
 * before undici gets the socket: the check's own handshake, no second connection.
 */
function captureCertificate(
  connect: buildConnector.connector,
  hop: { certificate?: TlsCertificate },
): buildConnector.connector {
  return (options, callback) => {
    connect(options, (...args) => {
      const [error, socket] = args;
      if (error === null && socket instanceof TLSSocket) hop.certificate = readCertificate(socket);
      callback(...args);
    });
  };
}

function readCertificate(socket: TLSSocket): TlsCertificate | undefined {
  // `{}` when the peer sent none; valid_to looks like "Nov 30 09:53:22 2026 GMT".
  const peer = socket.getPeerCertificate();
  const validToMs = Date.parse(peer.valid_to);
  if (typeof peer.fingerprint256 !== 'string' || Number.isNaN(validToMs)) return undefined;
  return { validToMs, fingerprint: peer.fingerprint256 };
}

/** Names the product and header when a response is a bot challenge, e.g. `AWS WAF (x-amzn-waf-action: captcha)`. */
export function findChallenge(headers: IncomingHttpHeaders): string | undefined {
  for (const marker of CHALLENGE_MARKERS) {
    const value = firstHeader(headers[marker.header])?.trim().toLowerCase();
    if (value !== undefined && marker.values.includes(value)) {
      return `${marker.vendor} (${marker.header}: ${value})`;
    }
  }
  return undefined;
}

/** Reads the final response's body for the keyword; the problem in words, or undefined when it passes. */
async function judgeKeyword(
  response: Dispatcher.ResponseData,
  keyword: NonNullable<ProbeTarget['keyword']>,
  attempt: string,
): Promise<string | undefined> {
  const shown = JSON.stringify(truncate(keyword.text));
  const encoding = firstHeader(response.headers['content-encoding']);
  const source = openDecodedBody(response.body, encoding);
  if (source === undefined) {
    discardBody(response.body, 'GET');
    return `keyword ${shown} not searched: unsupported content-encoding ${JSON.stringify(encoding)} from ${attempt}`;
  }
  const scan = await scanForKeyword(source, keyword.text);
  if (keyword.mode === 'absent')
    return scan.isFound ? `keyword ${shown} found in the body of ${attempt}` : undefined;
  if (scan.isFound) return undefined;
  return scan.isTruncated
    ? `keyword ${shown} not found in the first ${KEYWORD_MAX_BYTES} bytes of ${attempt}`
    : `keyword ${shown} not found in the body (${scan.bytesRead} bytes) of ${attempt}`;
}

/** The body as the site meant it: decompressed for the codings we can undo, undefined for others. */
function openDecodedBody(body: Readable, contentEncoding: string | undefined): Readable | undefined {
  body.on('error', () => {});
  const coding = (contentEncoding ?? '').trim().toLowerCase();
  // pipeline destroys the body when the decompressor is destroyed, and reports errors once, to the reader.
  const through = (decompressor: Readable & NodeJS.WritableStream) => pipeline(body, decompressor, () => {});
  switch (coding) {
    case '':
    case 'identity':
      return body;
    case 'gzip':
    case 'x-gzip':
      return through(createGunzip());
    case 'deflate':
      return through(createInflate());
    case 'br':
      return through(createBrotliDecompress());
    default:
      return undefined;
  }
}

interface KeywordScan {
  readonly isFound: boolean;
  readonly bytesRead: number;
  /** The limit was reached before the body ended. */
  readonly isTruncated: boolean;
}

/**
 * Searches at most KEYWORD_MAX_BYTES of a body for `text` (case-sensitive, UTF-8 with invalid bytes replaced)
 * and destroys the body as soon as the answer is known, so the rest is never downloaded.
 */
async function scanForKeyword(source: Readable, text: string): Promise<KeywordScan> {
  const decoder = new TextDecoder('utf-8');
  // A match may straddle two chunks: keep the last text.length - 1 characters of the previous window.
  const overlap = text.length - 1;
  let tail = '';
  let bytesRead = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      const part = chunk.subarray(0, KEYWORD_MAX_BYTES - bytesRead);
      bytesRead += part.length;
      const window = tail + decoder.decode(part, { stream: true });
      if (window.includes(text)) return { isFound: true, bytesRead, isTruncated: false };
      if (bytesRead >= KEYWORD_MAX_BYTES) return { isFound: false, bytesRead, isTruncated: true };
      tail = overlap > 0 ? window.slice(-overlap) : '';
    }
    return { isFound: (tail + decoder.decode()).includes(text), bytesRead, isTruncated: false };
  } finally {
    source.destroy();
  }
}

interface Body {
  on(event: 'error', listener: () => void): unknown;
  resume(): unknown;
  destroy(): unknown;
}

// A GET body is never read: destroying it frees the socket at once, whatever the server still sends. A HEAD
// response has no body and has already ended: draining it costs nothing, destroying it would build an error.
function discardBody(body: Body, method: 'HEAD' | 'GET'): void {
  body.on('error', () => {});
  if (method === 'HEAD') body.resume();
  else body.destroy();
}

const firstHeader = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

const withoutHash = (url: URL): string => url.href.replace(/#.*$/, '');

/** A URL for humans: no credentials, no fragment, not too long. */
/** The URL as details show it: query strings often carry tokens, and details are logged and mailed. */
function displayUrl(url: URL): string {
  const shown = new URL(url.href);
  shown.username = '';
  shown.password = '';
  shown.hash = '';
  shown.search = '';
  return truncate(url.search === '' ? shown.href : `${shown.href}?…`);
}

const truncate = (text: string): string =>
  text.length > MAX_DETAIL_URL_LENGTH ? `${text.slice(0, MAX_DETAIL_URL_LENGTH - 1)}…` : text;
