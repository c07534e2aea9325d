import { generateKeyPairSync, type KeyObject, randomBytes, sign, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

// Certificates are built here with node:crypto and a small DER encoder: no dependency, no child process, and
// any validity period, an expired one included (OpenSSL 3.0's `req -x509` only takes a positive -days).

const DAY_MS = 86_400_000;

/** A certificate and its key in PEM, ready for `https.createServer({ key, cert })`. */
export interface TestCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  /** As `X509Certificate.fingerprint256` reports it. */
  readonly fingerprint256: string;
}

export interface IssueOptions {
  readonly notAfterMs: number;
  /** Default: a day before notAfterMs or a day ago, whichever is earlier. */
  readonly notBeforeMs?: number;
  /** DNS names and IP addresses for subjectAltName; none leaves the extension out. Default: localhost and 127.0.0.1. */
  readonly hosts?: readonly string[];
  /** The subject's common name. Default: localhost. */
  readonly commonName?: string;
}

/** A throwaway certificate authority: trust `certPem` in the client, serve certificates it issues. */
export interface TestAuthority {
  readonly certPem: string;
  issue(options: IssueOptions): TestCertificate;
  /** An intermediate CA signed by this one, valid as long as this one: serve its certPem after the leaf. */
  issueIntermediate(commonName: string): TestAuthority;
}

/** Creates a CA valid from a day ago for a year (P-256 keys: fast to generate). */
export function createTestAuthority(commonName = 'uptime-squirrel test CA'): TestAuthority {
  const keys = newKeyPair();
  const name = encodeName(commonName);
  return authorityOf(name, keys, caCertificate(name, keys.publicKey, name, keys.privateKey));
}

/** A leaf signed by its own key: what a server set up by hand, or an appliance, often presents. */
export function createSelfSignedCertificate(options: IssueOptions): TestCertificate {
  const keys = newKeyPair();
  const name = encodeName(options.commonName ?? 'localhost');
  return leafCertificate(options, keys, name, keys.privateKey);
}

function authorityOf(name: Buffer, keys: ReturnType<typeof newKeyPair>, cert: Buffer): TestAuthority {
  return {
    certPem: toPem(cert),
    issue: (options) => leafCertificate(options, newKeyPair(), name, keys.privateKey),
    issueIntermediate: (commonName) => {
      const childKeys = newKeyPair();
      const childName = encodeName(commonName);
      return authorityOf(
        childName,
        childKeys,
        caCertificate(childName, childKeys.publicKey, name, keys.privateKey),
      );
    },
  };
}

function caCertificate(subject: Buffer, publicKey: KeyObject, issuer: Buffer, signingKey: KeyObject): Buffer {
  const nowMs = Date.now();
  return buildCertificate({
    issuer,
    subject,
    publicKey,
    signingKey,
    notBeforeMs: nowMs - DAY_MS,
    notAfterMs: nowMs + 365 * DAY_MS,
    extensions: [extension(OID.basicConstraints, sequence(derBoolean(true)), true)],
  });
}

function leafCertificate(
  options: IssueOptions,
  leafKeys: ReturnType<typeof newKeyPair>,
  issuer: Buffer,
  signingKey: KeyObject,
): TestCertificate {
  const hosts = options.hosts ?? ['localhost', '127.0.0.1'];
  const cert = buildCertificate({
    issuer,
    subject: encodeName(options.commonName ?? 'localhost'),
    publicKey: leafKeys.publicKey,
    signingKey,
    notBeforeMs: options.notBeforeMs ?? Math.min(options.notAfterMs, Date.now()) - DAY_MS,
    notAfterMs: options.notAfterMs,
    extensions: [
      extension(OID.basicConstraints, sequence(), true),
      ...(hosts.length === 0 ? [] : [extension(OID.subjectAltName, encodeAltNames(hosts))]),
    ],
  });
  const certPem = toPem(cert);
  return {
    certPem,
    keyPem: leafKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    fingerprint256: new X509Certificate(certPem).fingerprint256,
  };
}

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  subjectAltName: '2.5.29.17',
} as const;

interface CertificateParts {
  readonly issuer: Buffer;
  readonly subject: Buffer;
  readonly publicKey: KeyObject;
  readonly signingKey: KeyObject;
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
  readonly extensions: readonly Buffer[];
}

/** RFC 5280 Certificate: the TBSCertificate, the algorithm and the ECDSA signature over the TBS bytes. */
function buildCertificate(parts: CertificateParts): Buffer {
  const algorithm = sequence(oid(OID.ecdsaWithSha256));
  const tbs = sequence(
    tlv(0xa0, integer(Buffer.from([2]))), // v3
    integer(randomBytes(16)),
    algorithm,
    parts.issuer,
    sequence(encodeTime(parts.notBeforeMs), encodeTime(parts.notAfterMs)),
    parts.subject,
    parts.publicKey.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, sequence(...parts.extensions)),
  );
  const signature = sign('sha256', tbs, parts.signingKey);
  return sequence(tbs, algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
}

const newKeyPair = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

function tlv(tag: number, content: Buffer): Buffer {
  const length = content.length;
  if (length < 0x80) return Buffer.concat([Buffer.from([tag, length]), content]);
  const lengthBytes: number[] = [];
  for (let rest = length; rest > 0; rest >>= 8) lengthBytes.unshift(rest & 0xff);
  return Buffer.concat([Buffer.from([tag, 0x80 | lengthBytes.length, ...lengthBytes]), content]);
}

const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const derBoolean = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0]));

/**
 * A positive INTEGER in DER's one encoding: leading zero bytes dropped (a random serial may start with 0x00, and
 * OpenSSL 3.5, in Node 24, rejects such padding where Node 20's accepted it), then one zero byte back if the
 * sign bit would be set.
 */
export function integer(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  const minimal = bytes.subarray(start);
  const first = minimal[0] ?? 0;
  return tlv(0x02, first & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const base128: number[] = [arc & 0x7f];
    for (let value = arc >> 7; value > 0; value >>= 7) base128.unshift((value & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}

const encodeName = (commonName: string): Buffer =>
  sequence(tlv(0x31, sequence(oid(OID.commonName), tlv(0x0c, Buffer.from(commonName, 'utf8')))));

/** UTCTime for 1950-2049, GeneralizedTime otherwise, to the second (RFC 5280 4.1.2.5). */
function encodeTime(ms: number): Buffer {
  const iso = new Date(Math.floor(ms / 1000) * 1000).toISOString(); // 2026-11-25T09:08:58.000Z
  const digits = iso.replace(/\.\d{3}Z$/, '').replace(/[-:T]/g, '');
  const year = new Date(ms).getUTCFullYear();
  return year >= 1950 && year < 2050
    ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii'))
    : tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}

const extension = (id: string, value: Buffer, isCritical = false): Buffer =>
  sequence(oid(id), ...(isCritical ? [derBoolean(true)] : []), tlv(0x04, value));

function encodeAltNames(hosts: readonly string[]): Buffer {
  return sequence(
    ...hosts.map((host) => {
      if (isIP(host) === 4) return tlv(0x87, Buffer.from(host.split('.').map(Number)));
      if (isIP(host) !== 0)
        throw new Error(`only IPv4 literals are supported in test certificates, got ${host}`);
      return tlv(0x82, Buffer.from(host, 'ascii'));
    }),
  );
}

function toPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
