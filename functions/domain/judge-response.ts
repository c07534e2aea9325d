import { STATUS_CODES } from 'node:http';
import type { DownReason } from './check-result.ts';
import { isStatusExpected, type StatusRanges } from './status-range.ts';

/** The part of a response a verdict depends on (body aside). */
export interface ResponseHead {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** Where the check stands when a response arrives. */
export interface HopContext {
  readonly method: 'HEAD' | 'GET';
  readonly url: URL;
  /** URLs requested so far (without fragments): a redirect back to one of them is a loop. */
  readonly visited: ReadonlySet<string>;
  readonly redirectCount: number;
  readonly maxRedirects: number;
  readonly expectStatus: StatusRanges;
  /** A keyword check or a full GET reads the body of an expected answer before judging. */
  readonly readsBody: boolean;
}

/** A verdict on the site, without the timing the probe adds. */
export type HopVerdict =
  | { readonly kind: 'up'; readonly status: number }
  | {
      readonly kind: 'blocked';
      readonly status: number;
      readonly detail: string;
      /**
       * A refusal of the monitor itself (a bot challenge, rate limiting, LinkedIn's 999), whatever the method:
       * asking again with GET would only be refused again. A plain 401/403 may be a server that refuses HEAD.
       */
      readonly isAboutTheClient?: true;
    }
  | { readonly kind: 'down'; readonly reason: DownReason; readonly detail: string; readonly status?: number };

/** What the probe does next with a response. */
export type HopJudgement =
  | { readonly kind: 'verdict'; readonly verdict: HopVerdict }
  | { readonly kind: 'redirect'; readonly to: URL }
  /** Expected status, and a keyword or a full GET: the body decides. */
  | { readonly kind: 'read-body'; readonly status: number };

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// The site answered but refuses us (auth, WAF, rate limit): BLOCKED, not an outage, unless expected.
const BLOCKED_STATUSES = new Set([401, 403, 429]);
// Not an HTTP status, but what LinkedIn (and some imitators) answer clients they take for bots: a refusal.
const LINKEDIN_REFUSAL = 999;
const MAX_SHOWN_LENGTH = 100;

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

/**
 * Judges one response of a check: a verdict, or the next step (GET instead of HEAD, a redirect, reading the
 * body for a keyword). Pure: the probe does the I/O.
 */
export function judgeResponse(head: ResponseHead, context: HopContext): HopJudgement {
  const { status } = head;
  const attempt = describeAttempt(context.method, context.url);
  if (status === LINKEDIN_REFUSAL) {
    const detail = `HTTP 999 from ${attempt}: the site refuses clients it takes for bots (as LinkedIn does)`;
    return { kind: 'verdict', verdict: { kind: 'blocked', status, detail, isAboutTheClient: true } };
  }
  if (status < 100 || status > 599) {
    // Not an HTTP status at all: stored state and alerts only ever carry real ones.
    return down('protocol', `invalid HTTP status ${status} from ${attempt}`);
  }
  const challenge = findChallenge(head.headers);
  if (challenge !== undefined) {
    return {
      kind: 'verdict',
      verdict: {
        kind: 'blocked',
        status,
        detail: `${describeStatus(status)} from ${attempt}: ${challenge}`,
        isAboutTheClient: true,
      },
    };
  }
  const location = firstHeader(head.headers.location);
  if (REDIRECT_STATUSES.has(status) && location !== undefined)
    return judgeRedirect(status, location, context, attempt);
  if (isStatusExpected(status, context.expectStatus)) {
    return context.readsBody && context.method === 'GET'
      ? { kind: 'read-body', status }
      : { kind: 'verdict', verdict: { kind: 'up', status } };
  }
  const detail = `${describeStatus(status)} from ${attempt}`;
  if (BLOCKED_STATUSES.has(status)) {
    const verdict =
      status === 429
        ? { kind: 'blocked' as const, status, detail, isAboutTheClient: true as const }
        : { kind: 'blocked' as const, status, detail };
    return { kind: 'verdict', verdict };
  }
  return down(reasonForStatus(status), detail, status);
}

function judgeRedirect(status: number, location: string, context: HopContext, attempt: string): HopJudgement {
  const next = parseRedirect(location, context.url);
  if (next === undefined) {
    // Not a URL we can take apart: its query (an OAuth code, a token) is dropped by hand, as displayUrl does.
    const shown = JSON.stringify(
      truncateShown(location.replace(/[?#][\s\S]*$/, (rest) => (rest.startsWith('?') ? '?…' : ''))),
    );
    return down(
      'protocol',
      `HTTP ${status} redirect to unsupported location ${shown} from ${attempt}`,
      status,
    );
  }
  if (context.visited.has(withoutHash(next))) {
    return down(
      'redirect-loop',
      `redirect loop: ${attempt} redirects to ${displayUrl(next)}, already visited`,
      status,
    );
  }
  if (context.redirectCount >= context.maxRedirects) {
    return down(
      'too-many-redirects',
      `more than ${context.maxRedirects} redirects; stopped at ${attempt}`,
      status,
    );
  }
  return { kind: 'redirect', to: next };
}

const down = (reason: DownReason, detail: string, status?: number): HopJudgement => ({
  kind: 'verdict',
  verdict: status === undefined ? { kind: 'down', reason, detail } : { kind: 'down', reason, detail, status },
});

/** Names the product and header when a response is a bot challenge, e.g. `AWS WAF (x-amzn-waf-action: captcha)`. */
export function findChallenge(headers: ResponseHead['headers']): string | undefined {
  for (const marker of CHALLENGE_MARKERS) {
    const value = firstHeader(headers[marker.header])?.trim().toLowerCase();
    if (value !== undefined && marker.values.includes(value)) {
      return `${marker.vendor} (${marker.header}: ${value})`;
    }
  }
  return undefined;
}

/** `GET https://example.com/path` as details show it. */
export const describeAttempt = (method: string, url: URL): string => `${method} ${displayUrl(url)}`;

export const describeStatus = (status: number): string =>
  `HTTP ${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ''}`;

const reasonForStatus = (status: number): DownReason => {
  if (status >= 500 && status <= 599) return 'http-5xx';
  if (status >= 400 && status <= 499) return 'http-4xx';
  return 'unexpected-status';
};

/** Resolves a Location header against the current URL; undefined unless it is an http(s) URL. */
function parseRedirect(location: string, base: URL): URL | undefined {
  try {
    const next = new URL(location, base);
    return next.protocol === 'http:' || next.protocol === 'https:' ? next : undefined;
  } catch {
    return undefined;
  }
}

export const firstHeader = (value: string | readonly string[] | undefined): string | undefined =>
  typeof value === 'string' ? value : value?.[0];

export const withoutHash = (url: URL): string => url.href.replace(/#.*$/, '');

/** The URL as details show it: no credentials, fragment or query (query strings often carry tokens). */
export function displayUrl(url: URL): string {
  const shown = new URL(url.href);
  shown.username = '';
  shown.password = '';
  shown.hash = '';
  shown.search = '';
  return truncateShown(url.search === '' ? shown.href : `${shown.href}?…`);
}

const truncateShown = (text: string): string =>
  text.length > MAX_SHOWN_LENGTH ? `${text.slice(0, MAX_SHOWN_LENGTH - 1)}…` : text;
