import type { DetailedPeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import {
  attachTlsFacts,
  checkerVersions,
  describeTlsFailure,
  fitWithin,
  isVersionFailure,
  MAX_TLS_DETAIL_CHARS,
  type PresentedCertificate,
  parseAltNames,
  presentedChain,
  readTlsFacts,
  type TlsFailureFacts,
} from '../../functions/adapters/tls-diagnosis.ts';

const at = (date: string): number => Date.parse(`${date}T12:00:00Z`);

const leaf = (overrides: Partial<PresentedCertificate> = {}): PresentedCertificate => ({
  subject: 'CN=shop.example.org',
  issuer: 'CN=Example Issuing CA',
  commonName: 'shop.example.org',
  altNames: ['shop.example.org'],
  validFromMs: at('2026-08-03'),
  validToMs: at('2026-11-01'),
  isSelfIssued: false,
  ...overrides,
});

const issuingCa: PresentedCertificate = {
  subject: 'CN=Example Issuing CA',
  issuer: 'CN=Example Root',
  commonName: 'Example Issuing CA',
  altNames: [],
  validFromMs: at('2024-01-01'),
  validToMs: at('2030-01-01'),
  isSelfIssued: false,
};

const root: PresentedCertificate = {
  subject: 'CN=Example Root',
  issuer: 'CN=Example Root',
  commonName: 'Example Root',
  altNames: [],
  validFromMs: at('2020-01-01'),
  validToMs: at('2040-01-01'),
  isSelfIssued: true,
};

const facts = (
  chain: readonly PresentedCertificate[],
  more: Partial<TlsFailureFacts> = {},
): TlsFailureFacts => ({
  host: 'shop.example.com',
  chain,
  ...more,
});

describe('describeTlsFailure: certificates', () => {
  it.each([
    [
      'an expired leaf',
      'CERT_HAS_EXPIRED',
      facts([leaf(), issuingCa, root]),
      'certificate expired on 2026-11-01 (valid 2026-08-03 to 2026-11-01)',
    ],
    [
      'an expired intermediate',
      'CERT_HAS_EXPIRED',
      facts([leaf({ validToMs: at('2027-01-01') }), { ...issuingCa, validToMs: at('2026-10-01') }, root]),
      'intermediate certificate CN=Example Issuing CA expired on 2026-10-01 (valid 2024-01-01 to 2026-10-01)',
    ],
    [
      'an expired root',
      'CERT_HAS_EXPIRED',
      facts([leaf({ validToMs: at('2027-01-01') }), { ...root, validToMs: at('2026-09-30') }]),
      'root certificate CN=Example Root expired on 2026-09-30 (valid 2020-01-01 to 2026-09-30)',
    ],
    ['an expired certificate, nothing else known', 'CERT_HAS_EXPIRED', undefined, 'certificate expired'],
    [
      'a certificate not yet valid',
      'CERT_NOT_YET_VALID',
      facts([leaf({ validFromMs: at('2026-12-01'), validToMs: at('2027-03-01') }), issuingCa]),
      'certificate not valid until 2026-12-01 (valid 2026-12-01 to 2027-03-01)',
    ],
    [
      'a certificate not yet valid, nothing else known',
      'CERT_NOT_YET_VALID',
      undefined,
      'certificate not valid yet',
    ],
    [
      'a self-signed certificate',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      facts([leaf({ subject: 'CN=router.local', issuer: 'CN=router.local', isSelfIssued: true })]),
      'self-signed certificate (CN=router.local)',
    ],
    [
      'a self-signed certificate without a common name',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      facts([leaf({ subject: 'O=Acme Appliances' })]),
      'self-signed certificate (O=Acme Appliances)',
    ],
    [
      'an untrusted root in the chain',
      'SELF_SIGNED_CERT_IN_CHAIN',
      facts([leaf(), issuingCa, root]),
      'certificate issued by an unknown authority (issuer CN=Example Root)',
    ],
    [
      'a chain whose root is not known',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      facts([leaf(), issuingCa]),
      'certificate issued by an unknown authority (issuer CN=Example Root)',
    ],
    [
      'an untrusted certificate',
      'CERT_UNTRUSTED',
      facts([leaf()]),
      'certificate issued by an unknown authority (issuer CN=Example Issuing CA)',
    ],
    [
      'a lone leaf whose issuer is unknown',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      facts([leaf()]),
      'certificate chain incomplete: the server did not send its intermediate certificate (issuer CN=Example Issuing CA)',
    ],
    [
      'an incomplete chain, nothing else known',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      undefined,
      'certificate chain incomplete: the server did not send its intermediate certificate',
    ],
    [
      'a bad signature',
      'CERT_SIGNATURE_FAILURE',
      facts([leaf()]),
      'certificate signature does not verify (issuer CN=Example Issuing CA)',
    ],
    ['a chain too long', 'CERT_CHAIN_TOO_LONG', undefined, 'certificate chain too long'],
  ])('describes %s', (_label, code, known, sentence) => {
    // Act
    const detail = describeTlsFailure({ code, ...(known === undefined ? {} : { facts: known }) });

    // Assess
    expect(detail).toBe(sentence);
  });
});

describe('describeTlsFailure: a certificate for other hosts', () => {
  it.each([
    [
      'every name when there are few',
      leaf({ altNames: ['*.example.org', 'www.example.org'] }),
      'certificate is for *.example.org, www.example.org — not shop.example.com',
    ],
    [
      'five names, then how many more',
      leaf({
        altNames: ['a.example', 'b.example', 'c.example', 'd.example', 'e.example', 'f.example', '192.0.2.1'],
      }),
      'certificate is for a.example, b.example, c.example, d.example, e.example and 2 more — not shop.example.com',
    ],
    [
      'fewer names when they are long',
      leaf({ altNames: Array.from({ length: 4 }, (_, index) => `${'x'.repeat(45)}${index}.example`) }),
      `certificate is for ${'x'.repeat(45)}0.example, ${'x'.repeat(45)}1.example and 2 more — not shop.example.com`,
    ],
    [
      'the common name when there is no subjectAltName',
      leaf({ altNames: [], commonName: 'legacy.example.org' }),
      'certificate is for legacy.example.org — not shop.example.com',
    ],
    [
      'that it names no host at all',
      leaf({ altNames: [], subject: 'O=Acme', commonName: undefined }),
      'certificate names no host — not shop.example.com',
    ],
  ])('gives %s', (_label, certificate, sentence) => {
    // Act
    const detail = describeTlsFailure({ code: 'ERR_TLS_CERT_ALTNAME_INVALID', facts: facts([certificate]) });

    // Assess
    expect(detail).toBe(sentence);
  });

  it('says only that the certificate is for another host when it never saw it', () => {
    // Act
    const detail = describeTlsFailure({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });

    // Assess
    expect(detail).toBe('certificate is for another host');
  });

  it('keeps control characters of a hostile certificate out of the sentence', () => {
    // Prepare
    const hostile = leaf({ altNames: ['evil.example\r\nBcc: everyone@example.com'] });

    // Act
    const detail = describeTlsFailure({ code: 'ERR_TLS_CERT_ALTNAME_INVALID', facts: facts([hostile]) });

    // Assess
    expect(detail).toBe('certificate is for evil.example??Bcc: everyone@example.com — not shop.example.com');
  });

  it('stays within MAX_TLS_DETAIL_CHARS however long the names and the host', () => {
    // Prepare: DNS allows names of 253 characters
    const long = (label: string) => `${label.repeat(240)}.example`;
    const names = Array.from({ length: 40 }, (_, index) => long(String.fromCharCode(97 + (index % 26))));

    // Act
    const detail = describeTlsFailure({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      facts: { host: long('h'), chain: [leaf({ altNames: names })] },
    });

    // Assess
    expect(detail).toBe(
      `certificate is for ${'a'.repeat(63)}…, ${'b'.repeat(63)}… and 38 more — not ${'h'.repeat(99)}…`,
    );
    expect(detail.length).toBeLessThanOrEqual(MAX_TLS_DETAIL_CHARS);
  });
});

describe('describeTlsFailure: handshakes', () => {
  it.each([
    [
      'a server that offers only TLS 1.1',
      'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
      'TLSv1.1',
      'the server offers nothing newer than TLS 1.1; the checker accepts TLS 1.2 and 1.3',
    ],
    [
      'a server that offers only TLS 1.0',
      'ERR_SSL_UNSUPPORTED_PROTOCOL',
      'TLSv1',
      'the server offers nothing newer than TLS 1.0; the checker accepts TLS 1.2 and 1.3',
    ],
    [
      'a version failure the diagnostic could not explain',
      'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
      undefined,
      'the server and the checker share no TLS version (the checker accepts TLS 1.2 and 1.3)',
    ],
    [
      'a version failure where the diagnostic found a version the checker accepts',
      'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
      'TLSv1.2',
      'the server and the checker share no TLS version (the checker accepts TLS 1.2 and 1.3)',
    ],
  ])('describes %s', (_label, code, serverVersion, sentence) => {
    // Act
    const detail = describeTlsFailure({
      code,
      facts: facts([], serverVersion === undefined ? {} : { serverVersion }),
    });

    // Assess
    expect(detail).toBe(sentence);
  });

  it.each([
    [
      'ERR_SSL_WRONG_VERSION_NUMBER',
      'the server does not speak TLS on this port (an HTTP server on the HTTPS port?)',
    ],
    [
      'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
      'the server refused the handshake (handshake failure alert), usually because it shares no cipher suite with the checker',
    ],
    [
      'ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE',
      'the server refused the handshake (handshake failure alert), usually because it shares no cipher suite with the checker',
    ],
    ['ERR_SSL_NO_SHARED_CIPHER', 'the server and the checker share no cipher suite'],
    ['ERR_SSL_TLSV1_UNRECOGNIZED_NAME', 'the TLS handshake failed: tlsv1 unrecognized name'],
    [
      'ERR_SSL_TLSV1_ALERT_UNRECOGNIZED_NAME',
      'the server has no certificate for this host name (unrecognized name alert)',
    ],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'the server requires a client certificate'],
    ['ERR_SSL_TLSV1_ALERT_DECODE_ERROR', 'the server ended the handshake with the alert “decode error”'],
    ['ERR_SSL_DH_KEY_TOO_SMALL', 'the server’s Diffie-Hellman key is too small'],
    ['ERR_SSL_SOMETHING_NEW', 'the TLS handshake failed: something new'],
    ['ERR_SOMETHING_ELSE', 'the TLS handshake failed'],
  ])('describes %s in plain words', (code, sentence) => {
    // Act
    const detail = describeTlsFailure({ code });

    // Assess
    expect(detail).toBe(sentence);
  });

  it('prefers OpenSSL’s reason text, which Node keeps apart from the message, for a code it does not know', () => {
    // Act
    const detail = describeTlsFailure({ code: 'ERR_SSL_BAD_RECORD_TYPE', reason: 'bad record type' });

    // Assess
    expect(detail).toBe('the TLS handshake failed: bad record type');
  });

  it.each([
    ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', true],
    ['ERR_SSL_SSL/TLS_ALERT_PROTOCOL_VERSION', true],
    ['ERR_SSL_UNSUPPORTED_PROTOCOL', true],
    ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', false],
    ['CERT_HAS_EXPIRED', false],
  ])('knows whether %s is a failure on versions: %s', (code, expected) => {
    // Act + Assess
    expect(isVersionFailure(code)).toBe(expected);
  });

  it('lists the versions the checker accepts from Node’s defaults', () => {
    // Act + Assess
    expect(checkerVersions()).toEqual(['TLSv1.2', 'TLSv1.3']);
  });
});

describe('fitWithin', () => {
  it.each([
    ['short text', 'short text', 20],
    ['cut between words', 'alpha beta gamma delta', 'alpha beta…'],
    ['no trailing comma', 'alpha, beta, gamma, delta', 'alpha, beta…'],
    ['a single long word, cut where it must be', 'abcdefghijklmnopqrstuvwxyz', 'abcdefghijkl…'],
  ])('keeps %s', (_label, text, expected) => {
    // Act
    const fitted = fitWithin(text, 13);

    // Assess
    expect(fitted.length).toBeLessThanOrEqual(13);
    expect(fitted).toBe(typeof expected === 'number' ? text : expected);
  });
});

describe('presentedChain', () => {
  it('follows the issuers, leaf first, and stops at a root that names itself', () => {
    // Prepare: the shape getPeerCertificate(true) returns
    const rootPeer = {
      subject: { CN: 'Example Root' },
      issuer: { CN: 'Example Root' },
      valid_from: 'Jan  1 00:00:00 2020 GMT',
      valid_to: 'Jan  1 00:00:00 2040 GMT',
    } as unknown as DetailedPeerCertificate;
    Object.assign(rootPeer, { issuerCertificate: rootPeer });
    const leafPeer = {
      subject: { CN: ['shop.example.org', 'second CN'], O: 'Shop' },
      issuer: { O: 'Example Root Org', CN: 'Example Root' },
      subjectaltname: 'DNS:shop.example.org, IP Address:192.0.2.1, URI:https://shop.example.org/',
      valid_from: 'Aug  3 00:00:00 2026 GMT',
      valid_to: 'Nov  1 23:59:59 2026 GMT',
      issuerCertificate: rootPeer,
    } as unknown as DetailedPeerCertificate;

    // Act
    const chain = presentedChain(leafPeer);

    // Assess
    expect(chain).toEqual([
      {
        subject: 'CN=shop.example.org',
        issuer: 'CN=Example Root',
        commonName: 'shop.example.org',
        altNames: ['shop.example.org', '192.0.2.1'],
        validFromMs: Date.parse('2026-08-03T00:00:00Z'),
        validToMs: Date.parse('2026-11-01T23:59:59Z'),
        isSelfIssued: false,
      },
      {
        subject: 'CN=Example Root',
        issuer: 'CN=Example Root',
        commonName: 'Example Root',
        altNames: [],
        validFromMs: Date.parse('2020-01-01T00:00:00Z'),
        validToMs: Date.parse('2040-01-01T00:00:00Z'),
        isSelfIssued: true,
      },
    ]);
  });

  it('is empty when the server sent no certificate', () => {
    // Act + Assess
    expect(presentedChain({} as DetailedPeerCertificate)).toEqual([]);
  });
});

describe('parseAltNames', () => {
  it('reads DNS names and IP addresses, unquoting what Node quoted', () => {
    // Act
    const names = parseAltNames('DNS:a.example, DNS:"odd,name.example", email:x@example.org, IP Address:::1');

    // Assess
    expect(names).toEqual(['a.example', 'odd,name.example', '::1']);
  });
});

describe('attachTlsFacts', () => {
  it('travels on the error without showing in its keys or its JSON', () => {
    // Prepare
    const error = Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' });
    const known = facts([leaf()]);

    // Act
    attachTlsFacts(error, known);

    // Assess
    expect(readTlsFacts(error)).toBe(known);
    expect(Object.keys(error)).toEqual(['code']);
    expect(readTlsFacts(new Error('other'))).toBeUndefined();
  });
});
