import type { DownReason, FaultReason } from '../domain/check-result.ts';
import { truncateText } from '../domain/schema-parts.ts';
import { BLOCKED_ADDRESS_CODE } from './address-guard.ts';
import type { Phase } from './probe-connection.ts';
import { describeTlsFailure, readTlsFacts } from './tls-diagnosis.ts';

type FailureKind =
  | { readonly kind: 'down'; readonly reason: DownReason }
  | { readonly kind: 'fault'; readonly reason: FaultReason };

/** A failed check's outcome before its latency is known: what `classifyError` decides. */
export type ErrorVerdict = FailureKind & { readonly detail: string };

const MAX_MESSAGE_LENGTH = 100;

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
const TLS_CODE_PREFIXES = ['CERT_', 'ERR_TLS_', 'ERR_SSL_', 'ERR_OSSL_', 'UNABLE_TO_'];
// The checker has no IPv6 route (Lambda outside a dual-stack VPC): only a site reachable over IPv6 alone gets here.
const NO_IPV6_CODES = new Set(['EAFNOSUPPORT']);
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

/** An error whose `code` a rule matched, and where in the chain it sat. */
interface CodedError {
  readonly code: string;
  readonly source: object;
}

interface ErrorRule {
  readonly matches: (code: string) => boolean;
  readonly verdict: FailureKind;
  /** What the detail says before the code; the whole error and the matched one when they tell more. */
  readonly summary: string | ((error: unknown, matched: CodedError) => string);
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
    summary: (_error, matched) => describeTls(matched),
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
    summary: (error) => `bad HTTP response: ${messageOf(error)}`,
  },
  {
    // Last: when the site also has IPv4 addresses, what they answered decides.
    matches: (code) => NO_IPV6_CODES.has(code),
    verdict: { kind: 'fault', reason: 'checker-fault' },
    summary: 'the checker has no IPv6 route and the site answers only on IPv6',
  },
];

/**
 * Classifies a failed request by the `code` of the error or anything in its `cause`/`errors` chain, never
 * by message or class. Checker-side trouble (out of descriptors or memory, a blocked address) is a `fault`,
 * never the site being down. An error nothing here knows is the site's doing once the server takes part
 * (`phase` `tls`, `waiting` or `body`): anything a server sends that breaks TLS or the HTTP client (an impossible
 * status that trips an undici assertion, say) is `tls` or `protocol`, not our fault. `attempt` ("GET https://…")
 * goes into the detail.
 */
export function classifyError(error: unknown, attempt = 'the request', phase?: Phase): ErrorVerdict {
  const coded = collectCodes(error);
  if (coded.some(({ code }) => code === BLOCKED_ADDRESS_CODE)) {
    return { kind: 'fault', reason: 'blocked-address', detail: `${messageOf(error)} (${attempt})` };
  }
  for (const rule of ERROR_RULES) {
    const matched = coded.find(({ code }) => rule.matches(code));
    if (matched === undefined) continue;
    const summary = typeof rule.summary === 'string' ? rule.summary : rule.summary(error, matched);
    return { ...rule.verdict, detail: `${summary} (${matched.code}) on ${attempt}` };
  }
  const first = coded[0];
  const code = first?.code ?? 'no code';
  if (phase === 'tls') {
    // A code no rule knows, met in the handshake: still the site's TLS, told without OpenSSL's internals.
    const summary =
      first === undefined ? `the TLS handshake failed: ${messageOf(error)}` : describeTls(first);
    return { kind: 'down', reason: 'tls', detail: `${summary} (${code}) on ${attempt}` };
  }
  if (phase === 'waiting' || phase === 'body') {
    const detail = `the response broke the HTTP client: ${messageOf(error)} (${code}) on ${attempt}`;
    return { kind: 'down', reason: 'protocol', detail };
  }
  return {
    kind: 'fault',
    reason: 'checker-fault',
    detail: `check failed: ${messageOf(error)} (${code}) on ${attempt}`,
  };
}

/** Every string `code` in an error, its `cause` chain and AggregateError `errors`, outermost first. */
function collectCodes(error: unknown): CodedError[] {
  const codes: CodedError[] = [];
  const queue: unknown[] = [error];
  const seen = new Set<unknown>();
  while (queue.length > 0 && seen.size < 20) {
    const current = queue.shift();
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    seen.add(current);
    const { code, name, cause, errors } = current as Record<string, unknown>;
    if (typeof code === 'string') codes.push({ code, source: current });
    else if (typeof name === 'string' && NAMES_USED_AS_CODES.has(name))
      codes.push({ code: name, source: current });
    queue.push(cause);
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return codes;
}

/** The readable sentence for a TLS error: its code, OpenSSL's reason text and what the connector saw. */
function describeTls({ code, source }: CodedError): string {
  const { reason } = source as { reason?: unknown };
  const facts = readTlsFacts(source);
  return describeTlsFailure({
    code,
    // Node's `reason` is OpenSSL's short reason for ERR_SSL_* codes; on other errors it is something else.
    ...(typeof reason === 'string' && /^ERR_(SSL|OSSL)_/.test(code) ? { reason } : {}),
    ...(facts === undefined ? {} : { facts }),
  });
}

const messageOf = (error: unknown): string => {
  const message =
    typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : error;
  const text = typeof message === 'string' && message !== '' ? message : String(error);
  // One line: an undici assertion spans several, and details go into alerts, logs and SMS.
  return truncate(text.replace(/\s+/g, ' ').trim());
};

/** Cuts text for a detail: details are logged and mailed, and a URL or an error message can be long. */
export const truncate = (text: string): string => truncateText(text, MAX_MESSAGE_LENGTH);
