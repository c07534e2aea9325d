import { createSecureContext, type SecureContext } from 'node:tls';
import type { Client, Dispatcher } from 'undici';
import type { ChannelRequest } from '../domain/channels/channel-request.ts';
import type { DeliveryOutcome } from '../domain/channels/delivery-outcome.ts';
import { firstHeader } from '../domain/judge-response.ts';
import { printableText, truncateText } from '../domain/schema-parts.ts';
import {
  type AddressPolicy,
  addressPolicyFor,
  BlockedAddressError,
  guardAddresses,
} from './address-guard.ts';
import { createHostResolver, type HostResolver } from './dns-resolver.ts';
import { sendGuardedRequest } from './guarded-request.ts';
import { DNS_TIMEOUT_MS } from './probe-attempt.ts';
import type { Phase } from './probe-connection.ts';
import { startDeadline } from './probe-deadline.ts';
import { classifyError } from './probe-errors.ts';

/** One POST's whole time, every hop and the error body included: well inside the deliverer's 30 s timeout. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** Redirects a chat service may send a delivery through (307/308 only): they move hooks rarely, and once. */
export const MAX_DELIVERY_REDIRECTS = 3;
/** Read of an error answer's body, for its reason ("chat not found", "invalid_token"); the rest is dropped. */
export const ERROR_BODY_MAX_BYTES = 8 * 1024;
// Details go into logs, the table (brokenDetail) and the owner's channel-failed notice.
const DETAIL_MAX_CHARS = 200;
// undici's own timeouts fire up to ~1 s late; they only back up the deadline.
const BACKSTOP_TIMEOUT_MS = DELIVERY_TIMEOUT_MS + 1_000;
// Shorter path segments and query values (`v2`, `enqueue`, `sendMessage`) are not secrets, and hiding them would
// blank out ordinary words in a receiver's answer.
const MIN_SECRET_PART_CHARS = 8;

/** How one POST went: a delivery outcome, never `skipped` (that is the renderer's to say). */
export type PostOutcome = Exclude<DeliveryOutcome, { kind: 'skipped' }>;

/** Sends a channel's POSTs; close it when the invocation is done. */
export interface ChannelPoster {
  /** Never throws for anything the receiver or the network does. */
  post(request: ChannelRequest, signal?: AbortSignal): Promise<PostOutcome>;
  /** Resolves once the connections of in-flight posts have closed. */
  close(): Promise<void>;
}

/** How a poster connects; the defaults are the production settings. */
export interface ChannelPosterOptions {
  /** Allows every address (local runtime and tests only). Ignored when isAddressAllowed is given. */
  readonly allowPrivateTargets?: boolean;
  /** Decides whether an address may be connected to. Default addressPolicyFor(allowPrivateTargets). */
  readonly isAddressAllowed?: AddressPolicy;
  /** Nameservers (`ip` or `ip:port`) for the default resolver. Default: the system's (resolv.conf). */
  readonly dnsServers?: readonly string[];
  readonly resolver?: HostResolver;
  /** @default DELIVERY_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** @default MAX_DELIVERY_REDIRECTS */
  readonly maxRedirects?: number;
  /** Trusted CA certificates (PEM), replacing Node's bundled roots (tests). Certificates are always verified. */
  readonly ca?: readonly string[];
  readonly nowMs?: () => number;
}

/**
 * A guarded HTTP(S) POST for channel deliveries, connected as the checker's probe connects: names resolved by
 * our c-ares resolver, and every address actually connected to judged by the address policy (IP literals and
 * every redirect hop included), one deadline for the whole request. A 2xx is `delivered`; 5xx, 408, 429,
 * timeouts, resets and DNS failures are `retry` (with the receiver's Retry-After); other 4xx, a refused address
 * and a redirect that may not be followed are `rejected`. Details never hold the URL's path or query (where
 * chat services keep their tokens).
 */
export function createChannelPoster(options: ChannelPosterOptions = {}): ChannelPoster {
  const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const maxRedirects = options.maxRedirects ?? MAX_DELIVERY_REDIRECTS;
  const resolver =
    options.resolver ?? createHostResolver(options.dnsServers ? { servers: options.dnsServers } : {});
  const isAddressAllowed = options.isAddressAllowed ?? addressPolicyFor(options.allowPrivateTargets === true);
  const secureContext: SecureContext = createSecureContext(
    options.ca === undefined ? {} : { ca: [...options.ca] },
  );
  const nowMs = options.nowMs ?? Date.now;
  const inFlight = new Set<Client>();

  async function post(request: ChannelRequest, signal?: AbortSignal): Promise<PostOutcome> {
    const startMs = performance.now();
    const elapsedMs = () => Math.round(performance.now() - startMs);
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return { kind: 'rejected', detail: 'the channel URL is not a valid URL', ms: 0 };
    }
    // Every URL the request went through: their paths and queries are kept out of every detail.
    const visited: URL[] = [url];
    const finish = (outcome: PostOutcome): PostOutcome =>
      'detail' in outcome ? { ...outcome, detail: scrubDetail(outcome.detail, visited) } : outcome;
    if (!isHttp(url)) {
      return finish({ kind: 'rejected', detail: `the channel URL is not http(s) (${url.protocol})`, ms: 0 });
    }
    const deadline = startDeadline(timeoutMs, signal);
    let phase: Phase = 'resolving';
    const setPhase = (next: Phase) => {
      phase = next;
    };
    try {
      for (let redirects = 0; ; redirects++) {
        const host = url.hostname.replace(/^\[|\]$/g, '');
        phase = 'resolving';
        const resolution = await resolver.resolve(
          url.hostname,
          Math.min(DNS_TIMEOUT_MS, deadline.remainingMs()),
          deadline.signal,
        );
        if (deadline.signal.aborted) throw deadline.signal.reason;
        if (resolution.kind === 'failed') {
          return finish({ kind: 'retry', detail: resolution.detail, ms: elapsedMs() });
        }
        const allowed = guardAddresses(host, resolution.addresses, isAddressAllowed);
        if (allowed instanceof BlockedAddressError) {
          return finish({ kind: 'rejected', detail: allowed.message, ms: elapsedMs() });
        }
        const { response } = await sendGuardedRequest(
          {
            url,
            addresses: allowed,
            method: 'POST',
            headers: request.headers,
            body: request.body,
            backstopTimeoutMs: BACKSTOP_TIMEOUT_MS,
          },
          {
            secureContext,
            onPhase: setPhase,
            timeLeftMs: deadline.remainingMs(),
            signal: deadline.signal,
            aborted: deadline.aborted,
            inFlight,
          },
        );
        const status = response.statusCode;
        if (status >= 300 && status < 400) {
          discard(response.body);
          const next = followable(request, url, status, response.headers, redirects, maxRedirects);
          if (typeof next === 'string')
            return finish({ kind: 'rejected', status, detail: next, ms: elapsedMs() });
          url = next;
          visited.push(url);
          continue;
        }
        if (status >= 200 && status < 300) {
          // Delivered once the receiver said so: what it adds after is of no interest.
          discard(response.body);
          return { kind: 'delivered', status, ms: elapsedMs() };
        }
        phase = 'body';
        const text = await Promise.race([readBounded(response.body, ERROR_BODY_MAX_BYTES), deadline.aborted]);
        return finish(classifyAnswer(status, response.headers, text, nowMs(), elapsedMs()));
      }
    } catch (error) {
      const ms = elapsedMs();
      if (deadline.abortedBy() === 'deadline') {
        return finish({
          kind: 'retry',
          detail: `timed out after ${timeoutMs} ms ${whileDoing(phase, url)}`,
          ms,
        });
      }
      if (deadline.abortedBy() === 'caller') {
        return finish({
          kind: 'retry',
          detail: `stopped after ${ms} ms ${whileDoing(phase, url)}: out of time`,
          ms,
        });
      }
      const verdict = classifyError(error, `POST ${url.host}`, phase);
      // A blocked address (from a connector that judged it) never gets better; anything else the network did may.
      return finish(
        verdict.reason === 'blocked-address'
          ? { kind: 'rejected', detail: verdict.detail, ms }
          : { kind: 'retry', detail: verdict.detail, ms },
      );
    } finally {
      deadline.dispose();
    }
  }

  return {
    post,
    close: async () => {
      resolver.close();
      await Promise.allSettled([...inFlight].map((client) => client.close()));
    },
  };
}

const isHttp = (url: URL): boolean => url.protocol === 'https:' || url.protocol === 'http:';

/** The next hop of a redirect, or why it is not followed. */
function followable(
  request: ChannelRequest,
  from: URL,
  status: number,
  headers: Dispatcher.ResponseData['headers'],
  redirects: number,
  maxRedirects: number,
): URL | string {
  if (!request.followRedirects) {
    return `answered a redirect (HTTP ${status}); this channel's deliveries never follow one (a signed body goes only where it was addressed)`;
  }
  // 301/302/303 turn a POST into a GET elsewhere: the message would be lost without an error.
  if (status !== 307 && status !== 308) {
    return `answered a redirect (HTTP ${status}) that would drop the POST; only 307 and 308 are followed`;
  }
  if (redirects >= maxRedirects) return `redirected more than ${maxRedirects} times`;
  const location = firstHeader(headers.location);
  if (location === undefined) return `answered a redirect (HTTP ${status}) without a Location`;
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    return `answered a redirect (HTTP ${status}) to an invalid Location`;
  }
  if (!isHttp(next)) return `answered a redirect (HTTP ${status}) to a non-HTTP URL`;
  if (from.protocol === 'https:' && next.protocol === 'http:') {
    return `answered a redirect (HTTP ${status}) from HTTPS to plain HTTP, which would send the message unencrypted`;
  }
  return next;
}

/** Classifies an answer that is neither 2xx nor a redirect. */
function classifyAnswer(
  status: number,
  headers: Dispatcher.ResponseData['headers'],
  body: string,
  nowMs: number,
  ms: number,
): PostOutcome {
  const said = reasonIn(body);
  const detail = said === undefined ? `HTTP ${status}` : `HTTP ${status}: ${said}`;
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = retryAfterOf(firstHeader(headers['retry-after']), body, nowMs);
    return { kind: 'retry', status, detail, ...(retryAfterMs === undefined ? {} : { retryAfterMs }), ms };
  }
  return { kind: 'rejected', status, detail, ms };
}

/**
 * How long the receiver asked us to wait: the Retry-After header (seconds or an HTTP date), else Telegram's
 * `parameters.retry_after` or Discord's `retry_after` (seconds, fractional for Discord) in the JSON body.
 */
export function retryAfterOf(header: string | undefined, body: string, nowMs: number): number | undefined {
  const trimmed = header?.trim();
  if (trimmed !== undefined && trimmed !== '') {
    if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1_000);
    const atMs = Date.parse(trimmed);
    if (!Number.isNaN(atMs)) return Math.max(0, atMs - nowMs);
  }
  const json = parseJsonObject(body);
  const parameters = json?.parameters;
  const seconds =
    typeof parameters === 'object' && parameters !== null && 'retry_after' in parameters
      ? (parameters as { retry_after?: unknown }).retry_after
      : json?.retry_after;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0
    ? Math.round(seconds * 1_000)
    : undefined;
}

/**
 * The receiver's reason in its own words: Telegram's `description`, Discord's and PagerDuty's `message` (with
 * PagerDuty's `errors`), Slack's and Teams' plain text ("invalid_token", "no_service"). Tags and spacing dropped.
 */
function reasonIn(body: string): string | undefined {
  const json = parseJsonObject(body);
  if (json !== undefined) {
    const parts = [json.description, json.message, json.error, json.errors]
      .flatMap((part) => (Array.isArray(part) ? part : [part]))
      .filter((part): part is string => typeof part === 'string' && part.trim() !== '');
    if (parts.length > 0) return parts.join('; ');
  }
  const text = body
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text === '' ? undefined : text;
}

function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A detail as logged, stored and mailed: one printable line, short, and without anything of the URLs' paths or
 * queries (Telegram's bot token, a Slack or Discord hook's secret part), should a receiver quote them back.
 */
export function scrubDetail(detail: string, urls: readonly URL[]): string {
  let text = detail;
  for (const secret of secretPartsOf(urls)) text = text.split(secret).join('…');
  return truncateText(printableText(text.replace(/\s+/g, ' ').trim()), DETAIL_MAX_CHARS);
}

/** Path segments, query values and credentials of the URLs, raw and percent-decoded, longest first. */
function secretPartsOf(urls: readonly URL[]): string[] {
  const parts = new Set<string>();
  for (const url of urls) {
    const candidates = [
      url.pathname,
      url.search,
      url.username,
      url.password,
      ...url.pathname.split('/'),
      ...[...url.searchParams.values()],
    ];
    for (const candidate of candidates) {
      for (const form of [candidate, safeDecode(candidate)]) {
        if (form.length >= MIN_SECRET_PART_CHARS) parts.add(form);
      }
    }
  }
  return [...parts].sort((a, b) => b.length - a.length);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Where the deadline found the request, for a timeout's detail (host only). */
function whileDoing(phase: Phase, url: URL): string {
  const host = url.host;
  switch (phase) {
    case 'resolving':
      return `resolving ${url.hostname}`;
    case 'connecting':
      return `connecting to ${host}: the host never answered`;
    case 'tls':
      return `in the TLS handshake with ${host}`;
    case 'waiting':
      return `waiting for ${host} to answer`;
    case 'body':
      return `reading the answer of ${host}`;
  }
}

interface Body {
  on(event: 'error', listener: () => void): unknown;
  destroy(): unknown;
}

// Destroying the body frees the socket at once, whatever the receiver still sends.
function discard(body: Body): void {
  body.on('error', () => {});
  body.destroy();
}

/** The first `maxBytes` of a body as UTF-8; the rest is never downloaded. */
async function readBounded(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<string> {
  body.on('error', () => {});
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= maxBytes) break;
    }
  } catch {
    // A body cut short still has its status: the reason is only what arrived.
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}
