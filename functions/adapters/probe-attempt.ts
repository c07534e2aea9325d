import type { SecureContext } from 'node:tls';
import type { Client } from 'undici';
import type { CheckResult, TlsCertificate } from '../domain/check-result.ts';
import {
  describeAttempt,
  displayUrl,
  type HopVerdict,
  judgeResponse,
  withoutHash,
} from '../domain/judge-response.ts';
import { SITE_LIMITS } from '../domain/site.ts';
import type { StatusRanges } from '../domain/status-range.ts';
import { type AddressPolicy, BlockedAddressError, guardAddresses } from './address-guard.ts';
import type { HostResolver, ResolvedAddress } from './dns-resolver.ts';
import { type GuardedResponse, sendGuardedRequest } from './guarded-request.ts';
import type { Phase } from './probe-connection.ts';
import { type AttemptSignal, type Deadline, startAttemptSignal } from './probe-deadline.ts';
import { classifyError } from './probe-errors.ts';
import { type BodyReading, discardBody, type Keyword, readBody } from './response-body.ts';

/**
 * One method's try at a site: DNS, connection, request, every redirect hop, and the body when it is read. A
 * check runs one (GET) or two (HEAD, then GET when HEAD fails); each has its own signal inside the check's
 * deadline, so a GET started beside a HEAD can end without the other.
 */

/** What stays the same for every attempt of a probe. */
export interface AttemptEnvironment {
  readonly resolver: HostResolver;
  readonly isAddressAllowed: AddressPolicy;
  readonly secureContext: SecureContext;
  readonly maxRedirects: number;
  readonly inFlight: Set<Client>;
  /** ProbeOptions.sourceAddress. */
  readonly sourceAddress?: string;
}

/** What one attempt is asked. */
export interface AttemptRequest {
  readonly url: URL;
  readonly method: 'HEAD' | 'GET';
  readonly timeoutMs: number;
  readonly expectStatus: StatusRanges;
  readonly headers: {
    readonly sameOrigin: Readonly<Record<string, string>>;
    readonly crossOrigin: Readonly<Record<string, string>>;
  };
  readonly keyword?: Keyword;
  /** Read the whole body (up to FULL_BODY_MAX_BYTES): a full GET. */
  readonly readsBody: boolean;
}

/** How an attempt ended: its result, and where it was (a failure while connecting says nothing of the method). */
export interface AttemptOutcome {
  readonly result: CheckResult;
  readonly phase: Phase;
  /** The request was answered (a status), as opposed to failing before or while waiting. */
  readonly isAnswered: boolean;
  /** The answer refuses the monitor whatever the method (a bot challenge, 429, 999): no GET changes it. */
  readonly isAboutTheClient: boolean;
}

/** A running attempt. */
export interface Attempt {
  readonly outcome: Promise<AttemptOutcome>;
  /** Where it is now: a GET is started beside a HEAD only while the HEAD waits for its answer. */
  phase(): Phase;
  /** Ends it (its outcome is then of no interest). */
  abort(): void;
}

// DNS gets at most this of a site's deadline (glibc gives up after 5 s; a name that needs longer is failing for
// visitors too). A silent nameserver makes the site DOWN `dns`, not `timeout`.
export const DNS_TIMEOUT_MS = 4_000;
// undici's own timeouts fire up to ~1 s late; they only back up the precise deadline.
const BACKSTOP_TIMEOUT_MS = SITE_LIMITS.timeoutMs.max + 1_000;

/** Starts one attempt; `elapsedMs` counts from the start of this attempt (its latencies are its own). */
export function startAttempt(
  environment: AttemptEnvironment,
  request: AttemptRequest,
  deadline: Deadline,
  elapsedMs: () => number,
): Attempt {
  const own = startAttemptSignal(deadline);
  const progress: Progress = { phase: 'resolving', addresses: [], bodyBytes: 0, isAnswered: false };
  const outcome = runAttempt(environment, request, deadline, own, progress, elapsedMs).finally(() =>
    own.dispose(),
  );
  return { outcome, phase: () => progress.phase, abort: () => own.abort() };
}

interface Progress {
  phase: Phase;
  addresses: readonly ResolvedAddress[];
  /** Body bytes read so far (full GET and keyword checks). */
  bodyBytes: number;
  isAnswered: boolean;
}

async function runAttempt(
  environment: AttemptEnvironment,
  request: AttemptRequest,
  deadline: Deadline,
  own: AttemptSignal,
  progress: Progress,
  elapsedMs: () => number,
): Promise<AttemptOutcome> {
  const { method, timeoutMs } = request;
  let url = request.url;
  let redirectCount = 0;
  const firstOrigin = url.origin;
  const visited = new Set([withoutHash(url)]);
  // A failure after a redirect names where the chain began: the failing URL alone would puzzle its owner.
  const describe = () =>
    redirectCount === 0
      ? describeAttempt(method, url)
      : `${describeAttempt(method, url)}, redirected from ${displayUrl(request.url)}`;
  const done = (result: CheckResult, isAboutTheClient = false): AttemptOutcome => ({
    result,
    phase: progress.phase,
    isAnswered: progress.isAnswered,
    isAboutTheClient,
  });
  try {
    for (;;) {
      progress.phase = 'resolving';
      const resolution = await environment.resolver.resolve(
        url.hostname,
        Math.min(DNS_TIMEOUT_MS, deadline.remainingMs()),
        own.signal,
      );
      if (deadline.abortedBy() === 'caller') return done(outOfTime(elapsedMs(), describe()));
      if (resolution.kind === 'failed') {
        const detail = `${resolution.detail} (${describe()})`;
        // Our own resolver failing says nothing about the site.
        const result: CheckResult =
          resolution.failure === 'resolver'
            ? { kind: 'fault', reason: 'checker-fault', detail, latencyMs: elapsedMs() }
            : { kind: 'down', reason: 'dns', detail, latencyMs: elapsedMs() };
        return done(result);
      }
      const host = url.hostname.replace(/^\[|\]$/g, '');
      const allowed = guardAddresses(host, resolution.addresses, environment.isAddressAllowed);
      if (allowed instanceof BlockedAddressError) {
        return done({ ...classifyError(allowed, describe()), latencyMs: elapsedMs() });
      }
      progress.addresses = allowed;

      const hop = await requestOnce(
        environment,
        url,
        allowed,
        method,
        url.origin === firstOrigin ? request.headers.sameOrigin : request.headers.crossOrigin,
        deadline,
        own,
        progress,
      );
      progress.isAnswered = true;
      // Time to the response headers, body checks included: comparable across methods and sites.
      const latencyMs = elapsedMs();
      const { response } = hop;
      const judgement = judgeResponse(
        { status: response.statusCode, headers: response.headers },
        {
          method,
          url,
          visited,
          redirectCount,
          maxRedirects: environment.maxRedirects,
          expectStatus: request.expectStatus,
          readsBody: request.readsBody || request.keyword !== undefined,
        },
      );
      switch (judgement.kind) {
        case 'redirect':
          discardBody(response.body, method);
          redirectCount += 1;
          visited.add(withoutHash(judgement.to));
          url = judgement.to;
          continue;
        case 'read-body': {
          progress.phase = 'body';
          const reading = await readBody(response.body, response.headers['content-encoding'], {
            ...(request.keyword === undefined ? {} : { keyword: request.keyword }),
            isWhole: request.readsBody,
            attempt: describe(),
            onBytes: (bytes) => {
              progress.bodyBytes = bytes;
            },
          });
          return done(fromReading(reading, judgement.status, latencyMs, hop.certificate));
        }
        case 'verdict':
          discardBody(response.body, method);
          return done(
            withTiming(judgement.verdict, latencyMs, hop.certificate),
            judgement.verdict.kind === 'blocked' && judgement.verdict.isAboutTheClient === true,
          );
      }
    }
  } catch (error) {
    const latencyMs = elapsedMs();
    if (deadline.abortedBy() === 'caller') return done(outOfTime(latencyMs, describe()));
    if (deadline.abortedBy() === 'deadline')
      return done(timedOut(progress, url, describe(), timeoutMs, latencyMs));
    if (own.signal.aborted) {
      // Ended because it was no longer needed: its outcome is not used.
      return done({ kind: 'fault', reason: 'checker-fault', detail: 'attempt abandoned', latencyMs });
    }
    if (progress.phase === 'body' && isCutShort(error))
      return done(cutShort(progress, describe(), latencyMs, error));
    return done({ ...classifyError(error, describe(), progress.phase), latencyMs });
  }
}

/** One request on a new connection to `addresses`; rejects on a network error or when the attempt ends. */
function requestOnce(
  environment: AttemptEnvironment,
  url: URL,
  addresses: readonly ResolvedAddress[],
  method: 'HEAD' | 'GET',
  headers: Readonly<Record<string, string>>,
  deadline: Deadline,
  own: AttemptSignal,
  progress: Progress,
): Promise<GuardedResponse> {
  return sendGuardedRequest(
    { url, addresses, method, headers, backstopTimeoutMs: BACKSTOP_TIMEOUT_MS },
    {
      secureContext: environment.secureContext,
      onPhase: (phase) => {
        progress.phase = phase;
      },
      timeLeftMs: deadline.remainingMs(),
      signal: own.signal,
      aborted: own.aborted,
      inFlight: environment.inFlight,
      ...(environment.sourceAddress === undefined ? {} : { sourceAddress: environment.sourceAddress }),
    },
  );
}

const outOfTime = (latencyMs: number, attempt: string): CheckResult => ({
  kind: 'fault',
  reason: 'checker-fault',
  detail: `checker ran out of time after ${latencyMs} ms during ${attempt}; site not judged`,
  latencyMs,
});

function fromReading(
  reading: BodyReading,
  status: number,
  latencyMs: number,
  certificate: TlsCertificate | undefined,
): CheckResult {
  if (reading.keywordProblem !== undefined) {
    return { kind: 'down', reason: 'keyword', status, detail: reading.keywordProblem, latencyMs };
  }
  return { kind: 'up', status, latencyMs, ...(certificate === undefined ? {} : { tls: certificate }) };
}

function withTiming(
  verdict: HopVerdict,
  latencyMs: number,
  certificate: TlsCertificate | undefined,
): CheckResult {
  const tls = certificate === undefined ? {} : { tls: certificate };
  switch (verdict.kind) {
    case 'up':
      return { ...verdict, latencyMs, ...tls };
    case 'blocked':
      // Whether it is about the client is the attempt's to say, not part of the result.
      return { kind: 'blocked', status: verdict.status, detail: verdict.detail, latencyMs, ...tls };
    case 'down':
      return { ...verdict, latencyMs };
  }
}

// The body ended before its Content-Length, or the connection closed or reset in the middle of it.
const CUT_SHORT_CODES = new Set([
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_SOCKET',
  'ECONNRESET',
  'EPIPE',
]);

const isCutShort = (error: unknown): boolean =>
  typeof error === 'object' &&
  error !== null &&
  CUT_SHORT_CODES.has(String((error as { code?: unknown }).code));

function cutShort(progress: Progress, attempt: string, latencyMs: number, error: unknown): CheckResult {
  const code = String((error as { code?: unknown }).code);
  const how = code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' ? 'ended' : 'was cut by the connection closing';
  const detail = `the body of ${attempt} ${how} after ${progress.bodyBytes} bytes, short of what the response announced (${code})`;
  return { kind: 'down', reason: 'body-truncated', detail, latencyMs };
}

/** The deadline came: where it found the attempt says what timed out. */
function timedOut(
  progress: Progress,
  url: URL,
  attempt: string,
  timeoutMs: number,
  latencyMs: number,
): CheckResult {
  if (progress.phase === 'body') {
    const detail = `the body of ${attempt} stalled: ${progress.bodyBytes} bytes read when the ${timeoutMs} ms deadline came`;
    return { kind: 'down', reason: 'body-timeout', detail, latencyMs };
  }
  return {
    kind: 'down',
    reason: 'timeout',
    detail: `timed out after ${timeoutMs} ms ${describePhase(progress, url, attempt)}`,
    latencyMs,
  };
}

/** Where an attempt was when its deadline came, for the timeout's detail. */
function describePhase(
  { phase, addresses }: Pick<Progress, 'phase' | 'addresses'>,
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
