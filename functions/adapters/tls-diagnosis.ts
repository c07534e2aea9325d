import { DEFAULT_MAX_VERSION, DEFAULT_MIN_VERSION, type DetailedPeerCertificate } from 'node:tls';
import { printableText } from '../domain/schema-parts.ts';

// Readable sentences for failed TLS handshakes, built from Node's error code and the certificates the server
// presented: OpenSSL's message text (a per-process hex prefix, source paths) is never shown or parsed.

/** One certificate the server presented, reduced to what a site owner needs to fix it. */
export interface PresentedCertificate {
  /** The subject as shown: "CN=shop.example", or "O=…" / "OU=…" for a certificate without a common name. */
  readonly subject?: string;
  /** The issuer, shown the same way. */
  readonly issuer?: string;
  /** The subject's common name: the host name of a certificate without subjectAltName. */
  readonly commonName?: string;
  /** subjectAltName DNS names and IP addresses, in the certificate's order. */
  readonly altNames: readonly string[];
  readonly validFromMs: number;
  readonly validToMs: number;
  /** Subject and issuer are the same name: a root, or a self-signed leaf. */
  readonly isSelfIssued: boolean;
}

/** What the connector saw of a failed handshake. */
export interface TlsFailureFacts {
  /** The name the certificate was checked against: the URL's host. */
  readonly host: string;
  /**
   * Leaf first, as the server sent them and completed from the trusted roots where they chain; empty when the
   * handshake failed before the server's certificate was checked.
   */
  readonly chain: readonly PresentedCertificate[];
  /** After a failure on versions: the newest version a diagnostic handshake agreed on ("TLSv1.1"). */
  readonly serverVersion?: string;
}

/** A failed handshake as the classifier sees it. */
export interface TlsFailure {
  readonly code: string;
  /** OpenSSL's reason for ERR_SSL_* codes ("wrong version number"), which Node attaches apart from the message. */
  readonly reason?: string;
  readonly facts?: TlsFailureFacts;
}

/** Longest sentence: details end up in alerts and state (500 characters), after the code and the URL. */
export const MAX_TLS_DETAIL_CHARS = 300;
/** Names shown for a certificate issued for other hosts, before "and N more". */
export const MAX_SHOWN_NAMES = 5;
const MAX_NAMES_CHARS = 160;
const MAX_NAME_CHARS = 64;
const MAX_HOST_CHARS = 100;
const MAX_CHAIN_LENGTH = 10;
const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;

// OpenSSL 3.0 names alerts "sslv3 alert …" / "tlsv1 alert …", 3.5 "ssl/tls alert …": the alert is what follows.
const ALERT_CODE = /^ERR_SSL_[A-Z0-9/]+_ALERT_([A-Z0-9_]+)$/;
const VERSION_CODES = new Set([
  'ERR_SSL_UNSUPPORTED_PROTOCOL',
  'ERR_SSL_NO_PROTOCOLS_AVAILABLE',
  'ERR_SSL_VERSION_TOO_LOW',
  'ERR_SSL_VERSION_TOO_HIGH',
]);

/** What a sentence may draw on: the chain's leaf and top (empty when the certificate was never seen). */
interface Known {
  readonly chain: readonly PresentedCertificate[];
  readonly leaf: PresentedCertificate | undefined;
  readonly top: PresentedCertificate | undefined;
  readonly host: string | undefined;
}

// Node's names for OpenSSL's verify results (crypto_common.cc) and for handshake errors, grouped by what the
// site's owner has to do.
const SENTENCES: ReadonlyArray<readonly [readonly string[], (known: Known) => string]> = [
  [['CERT_HAS_EXPIRED'], ({ chain }) => describeExpiry(chain)],
  [['CERT_NOT_YET_VALID'], ({ chain }) => describeNotYetValid(chain)],
  [
    ['ERROR_IN_CERT_NOT_BEFORE_FIELD', 'ERROR_IN_CERT_NOT_AFTER_FIELD'],
    ({ leaf }) => `certificate has an unreadable validity date${naming('', leaf?.subject)}`,
  ],
  [
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH'],
    ({ leaf, host }) => describeHostMismatch(leaf, host),
  ],
  [['DEPTH_ZERO_SELF_SIGNED_CERT'], ({ leaf }) => `self-signed certificate${naming('', leaf?.subject)}`],
  [
    [
      'SELF_SIGNED_CERT_IN_CHAIN',
      'UNABLE_TO_GET_ISSUER_CERT',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'CERT_UNTRUSTED',
      'CERT_REJECTED',
    ],
    ({ top }) => `certificate issued by an unknown authority${naming('issuer ', top?.issuer)}`,
  ],
  [
    // OpenSSL's code for a lone leaf whose issuer is nowhere: on a public site, an intermediate left out.
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ({ leaf }) =>
      `certificate chain incomplete: the server did not send its intermediate certificate${naming('issuer ', leaf?.issuer)}`,
  ],
  [
    ['CERT_SIGNATURE_FAILURE', 'UNABLE_TO_DECRYPT_CERT_SIGNATURE', 'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY'],
    ({ leaf }) => `certificate signature does not verify${naming('issuer ', leaf?.issuer)}`,
  ],
  [['CERT_REVOKED'], ({ leaf }) => `certificate revoked${naming('', leaf?.subject)}`],
  [['INVALID_CA'], () => 'certificate chain has an issuer that is not a certificate authority'],
  [
    ['INVALID_PURPOSE'],
    ({ leaf }) => `certificate is not meant for a TLS server${naming('', leaf?.subject)}`,
  ],
  [['PATH_LENGTH_EXCEEDED', 'CERT_CHAIN_TOO_LONG'], () => 'certificate chain too long'],
  [
    // What a client reads when the first bytes back are not a TLS record: typically an HTTP server's 400 page.
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG'],
    () => 'the server does not speak TLS on this port (an HTTP server on the HTTPS port?)',
  ],
  [
    [
      'ERR_SSL_NO_SHARED_CIPHER',
      'ERR_SSL_NO_CIPHERS_AVAILABLE',
      'ERR_SSL_NO_SUITABLE_SIGNATURE_ALGORITHM',
      'ERR_SSL_NO_SHARED_GROUPS',
    ],
    () => 'the server and the checker share no cipher suite',
  ],
  [
    ['ERR_SSL_UNSAFE_LEGACY_RENEGOTIATION_DISABLED'],
    () => 'the server does not support secure renegotiation (RFC 5746), which the checker requires',
  ],
  [
    ['ERR_SSL_DH_KEY_TOO_SMALL', 'ERR_TLS_DH_PARAM_SIZE'],
    () => 'the server’s Diffie-Hellman key is too small',
  ],
];
const SENTENCE_BY_CODE = new Map(
  SENTENCES.flatMap(([codes, sentence]) => codes.map((code) => [code, sentence])),
);

/** Alerts worth their own sentence; any other reads "the server ended the handshake with the alert “…”". */
const ALERT_SENTENCES: Readonly<Record<string, string>> = {
  HANDSHAKE_FAILURE:
    'the server refused the handshake (handshake failure alert), usually because it shares no cipher suite with the checker',
  UNRECOGNIZED_NAME: 'the server has no certificate for this host name (unrecognized name alert)',
  CERTIFICATE_REQUIRED: 'the server requires a client certificate',
  INTERNAL_ERROR: 'the server failed during the handshake (internal error alert)',
  ACCESS_DENIED: 'the server denied the handshake (access denied alert)',
};

/** Whether a code says the two sides found no TLS version in common: then a diagnostic handshake can tell more. */
export const isVersionFailure = (code: string): boolean =>
  VERSION_CODES.has(code) || ALERT_CODE.exec(code)?.[1] === 'PROTOCOL_VERSION';

/**
 * One plain sentence for a failed handshake, from its code and what the server presented: dates as
 * YYYY-MM-DD (UTC), names from the certificate, versions as "TLS 1.2". At most MAX_TLS_DETAIL_CHARS, cut
 * between words.
 */
export function describeTlsFailure({ code, reason, facts }: TlsFailure): string {
  return fitWithin(sentenceFor(code, reason, facts), MAX_TLS_DETAIL_CHARS);
}

function sentenceFor(code: string, reason: string | undefined, facts: TlsFailureFacts | undefined): string {
  const chain = facts?.chain ?? [];
  const sentence = SENTENCE_BY_CODE.get(code);
  if (sentence !== undefined)
    return sentence({ chain, leaf: chain[0], top: chain.at(-1), host: facts?.host });
  if (isVersionFailure(code)) return describeVersionMismatch(facts?.serverVersion);
  const alert = ALERT_CODE.exec(code)?.[1];
  if (alert !== undefined) {
    return ALERT_SENTENCES[alert] ?? `the server ended the handshake with the alert “${wordsOf(alert)}”`;
  }
  if (reason !== undefined) return `the TLS handshake failed: ${clean(reason)}`;
  const openssl = /^ERR_(?:SSL|OSSL)_(.+)$/.exec(code)?.[1];
  return openssl === undefined ? 'the TLS handshake failed' : `the TLS handshake failed: ${wordsOf(openssl)}`;
}

function describeExpiry(chain: readonly PresentedCertificate[]): string {
  // Whichever certificate expired, the one that ends first did: no clock needed.
  const expired = earliest(chain, (certificate) => certificate.validToMs);
  if (expired === undefined) return 'certificate expired';
  return `${labelOf(expired, chain)} expired on ${dateOf(expired.validToMs)} (${validityOf(expired)})`;
}

function describeNotYetValid(chain: readonly PresentedCertificate[]): string {
  const early = earliest(chain, (certificate) => -certificate.validFromMs);
  if (early === undefined) return 'certificate not valid yet';
  return `${labelOf(early, chain)} not valid until ${dateOf(early.validFromMs)} (${validityOf(early)})`;
}

function describeHostMismatch(leaf: PresentedCertificate | undefined, host: string | undefined): string {
  const notFor = host === undefined ? '' : ` — not ${shorten(clean(host), MAX_HOST_CHARS)}`;
  if (leaf === undefined) return `certificate is for another host${notFor}`;
  // Node matches the common name only when there is no subjectAltName, and so do we in the sentence.
  const names =
    leaf.altNames.length > 0 ? leaf.altNames : leaf.commonName === undefined ? [] : [leaf.commonName];
  if (names.length === 0) return `certificate names no host${notFor}`;
  return `certificate is for ${listNames(names)}${notFor}`;
}

function describeVersionMismatch(serverVersion: string | undefined): string {
  const accepted = checkerVersions();
  const offered = versionIndex(serverVersion);
  const oldestAccepted = versionIndex(accepted[0]);
  if (serverVersion !== undefined && offered >= 0 && offered < oldestAccepted) {
    return `the server offers nothing newer than ${versionName(serverVersion)}; the checker accepts ${listVersions(accepted)}`;
  }
  return `the server and the checker share no TLS version (the checker accepts ${listVersions(accepted)})`;
}

/** The versions the checker's handshakes offer, oldest first: Node's defaults, as the probe's context uses. */
export function checkerVersions(): readonly string[] {
  const from = versionIndex(DEFAULT_MIN_VERSION);
  const to = versionIndex(DEFAULT_MAX_VERSION);
  return TLS_VERSIONS.slice(Math.max(0, from), to < 0 ? undefined : to + 1);
}

/** Oldest first; -1 for a name this list does not know (SSLv3, a future version). */
const versionIndex = (version: string | undefined): number =>
  (TLS_VERSIONS as readonly (string | undefined)[]).indexOf(version);

/** "TLSv1" → "TLS 1.0", "TLSv1.2" → "TLS 1.2". */
const versionName = (version: string): string =>
  version === 'TLSv1' ? 'TLS 1.0' : version.replace(/^TLSv/, 'TLS ');

/** "TLS 1.2 and 1.3", "TLS 1.1, 1.2 and 1.3". */
function listVersions(versions: readonly string[]): string {
  const numbers = versions.map((version) => versionName(version).replace(/^TLS /, ''));
  const last = numbers.pop();
  if (last === undefined) return 'no TLS version';
  return numbers.length === 0 ? `TLS ${last}` : `TLS ${numbers.join(', ')} and ${last}`;
}

/** Names up to MAX_SHOWN_NAMES and MAX_NAMES_CHARS, then "and N more". */
function listNames(names: readonly string[]): string {
  const shown: string[] = [];
  let length = 0;
  for (const name of names) {
    const cleaned = shorten(clean(name), MAX_NAME_CHARS);
    if (shown.length > 0 && (shown.length === MAX_SHOWN_NAMES || length + cleaned.length > MAX_NAMES_CHARS))
      break;
    shown.push(cleaned);
    length += cleaned.length + 2;
  }
  const more = names.length - shown.length;
  return more === 0 ? shown.join(', ') : `${shown.join(', ')} and ${more} more`;
}

function labelOf(certificate: PresentedCertificate, chain: readonly PresentedCertificate[]): string {
  if (certificate === chain[0]) return 'certificate';
  const kind = certificate.isSelfIssued ? 'root certificate' : 'intermediate certificate';
  return certificate.subject === undefined
    ? kind
    : `${kind} ${shorten(clean(certificate.subject), MAX_NAME_CHARS)}`;
}

const validityOf = (certificate: PresentedCertificate): string =>
  `valid ${dateOf(certificate.validFromMs)} to ${dateOf(certificate.validToMs)}`;

const dateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The certificate with the smallest key, leaf first on ties; certificates with unreadable dates are skipped. */
function earliest(
  chain: readonly PresentedCertificate[],
  key: (certificate: PresentedCertificate) => number,
): PresentedCertificate | undefined {
  let best: PresentedCertificate | undefined;
  for (const certificate of chain) {
    if (!Number.isFinite(key(certificate))) continue;
    if (best === undefined || key(certificate) < key(best)) best = certificate;
  }
  return best;
}

/** " (CN=my box)", " (issuer CN=R3)", or nothing when the name is unknown. */
const naming = (prefix: string, name: string | undefined): string =>
  name === undefined ? '' : ` (${prefix}${shorten(clean(name), MAX_NAME_CHARS)})`;

/** "DECODE_ERROR" → "decode error". */
const wordsOf = (code: string): string => code.toLowerCase().replace(/_/g, ' ');

/** Certificate text is the server's: nothing in it may reach a mail, an SMS or a queue unprintable. */
const clean = printableText;

const shorten = (text: string, maxChars: number): string =>
  text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;

/** Cuts text at the last space that leaves room for "…"; a single over-long word is cut where it must be. */
export function fitWithin(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const head = text.slice(0, maxChars - 1);
  // The head ends a word when a space follows it; otherwise it ends at its last space.
  const space = /\s/.test(text.charAt(maxChars - 1)) ? head.length : head.lastIndexOf(' ');
  return `${(space > 0 ? head.slice(0, space) : head).replace(/[\s,;:—-]+$/, '')}…`;
}

/**
 * The chain in a detailed peer certificate (`getPeerCertificate(true)`), leaf first. Node links each
 * certificate to its issuer and a root to itself.
 */
export function presentedChain(peer: DetailedPeerCertificate): PresentedCertificate[] {
  const chain: PresentedCertificate[] = [];
  const seen = new Set<object>();
  for (
    let current: DetailedPeerCertificate | undefined = peer;
    current !== undefined && !seen.has(current) && chain.length < MAX_CHAIN_LENGTH;
    current = current.issuerCertificate
  ) {
    seen.add(current);
    // `{}` when the server sent no certificate.
    if (current.subject === undefined) break;
    chain.push(summarize(current));
  }
  return chain;
}

function summarize(certificate: DetailedPeerCertificate): PresentedCertificate {
  return {
    subject: nameOf(certificate.subject),
    issuer: nameOf(certificate.issuer),
    commonName: firstOf(certificate.subject?.CN),
    altNames: parseAltNames(certificate.subjectaltname),
    // "Nov 30 09:53:22 2026 GMT"
    validFromMs: Date.parse(certificate.valid_from),
    validToMs: Date.parse(certificate.valid_to),
    isSelfIssued: JSON.stringify(certificate.subject) === JSON.stringify(certificate.issuer),
  };
}

/** "CN=…", else "O=…", else "OU=…": some roots carry no common name. */
function nameOf(name: Readonly<Record<string, unknown>> | undefined): string | undefined {
  for (const key of ['CN', 'O', 'OU']) {
    const value = firstOf(name?.[key]);
    if (value !== undefined) return `${key}=${value}`;
  }
  return undefined;
}

/** A repeated attribute (two CNs) comes as an array: the first one names it. */
function firstOf(value: unknown): string | undefined {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first !== '' ? first : undefined;
}

/**
 * DNS names and IP addresses from Node's subjectaltname ("DNS:a.example, IP Address:192.0.2.1"); Node
 * quotes an entry holding a comma or a quote as a JSON string.
 */
export function parseAltNames(subjectAltName: string | undefined): string[] {
  const names: string[] = [];
  for (const match of (subjectAltName ?? '').matchAll(/(?:^|, )([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    const [, type, raw = ''] = match;
    if (type !== 'DNS' && type !== 'IP Address') continue;
    names.push(raw.startsWith('"') ? unquote(raw) : raw);
  }
  return names;
}

function unquote(quoted: string): string {
  try {
    const value: unknown = JSON.parse(quoted);
    return typeof value === 'string' ? value : quoted;
  } catch {
    return quoted;
  }
}

const TLS_FACTS = Symbol('tlsFailureFacts');

/** Hands the facts to the classifier on the error itself: undici passes a connector's error on unchanged. */
export function attachTlsFacts(error: Error, facts: TlsFailureFacts): void {
  Object.defineProperty(error, TLS_FACTS, { value: facts, enumerable: false, configurable: true });
}

/** The facts attachTlsFacts put on `error`, if any. */
export const readTlsFacts = (error: object): TlsFailureFacts | undefined =>
  (error as { [TLS_FACTS]?: TlsFailureFacts })[TLS_FACTS];
