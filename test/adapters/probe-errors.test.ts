import { describe, expect, it } from 'vitest';
import { BLOCKED_ADDRESS_CODE, BlockedAddressError } from '../../functions/adapters/address-guard.ts';
import { classifyError } from '../../functions/adapters/probe-errors.ts';
import { attachTlsFacts } from '../../functions/adapters/tls-diagnosis.ts';

const errorWith = (code: string, cause?: unknown): Error =>
  Object.assign(new Error(`failed with ${code}`), { code, cause });

describe('classifyError', () => {
  it.each([
    ['ENOTFOUND', 'down', 'dns', errorWith('ENOTFOUND')],
    ['EAI_AGAIN', 'down', 'dns', errorWith('EAI_AGAIN')],
    ['EAI_NODATA', 'down', 'dns', errorWith('EAI_NODATA')],
    ['ECONNREFUSED', 'down', 'refused', errorWith('ECONNREFUSED')],
    ['ECONNRESET', 'down', 'reset', errorWith('ECONNRESET')],
    ['EPIPE', 'down', 'reset', errorWith('EPIPE')],
    ['UND_ERR_SOCKET', 'down', 'reset', errorWith('UND_ERR_SOCKET')],
    ['UND_ERR_CLOSED', 'down', 'reset', errorWith('UND_ERR_CLOSED')],
    ['CERT_HAS_EXPIRED', 'down', 'tls', errorWith('CERT_HAS_EXPIRED')],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'down', 'tls', errorWith('ERR_TLS_CERT_ALTNAME_INVALID')],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'down', 'tls', errorWith('DEPTH_ZERO_SELF_SIGNED_CERT')],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'down', 'tls', errorWith('UNABLE_TO_VERIFY_LEAF_SIGNATURE')],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'down', 'tls', errorWith('SELF_SIGNED_CERT_IN_CHAIN')],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'down', 'tls', errorWith('ERR_SSL_WRONG_VERSION_NUMBER')],
    ['UND_ERR_CONNECT_TIMEOUT', 'down', 'timeout', errorWith('UND_ERR_CONNECT_TIMEOUT')],
    ['UND_ERR_HEADERS_TIMEOUT', 'down', 'timeout', errorWith('UND_ERR_HEADERS_TIMEOUT')],
    ['a TimeoutError DOMException', 'down', 'timeout', new DOMException('timed out', 'TimeoutError')],
    ['UND_ERR_INFO', 'down', 'protocol', errorWith('UND_ERR_INFO')],
    ['HPE_INVALID_CONSTANT', 'down', 'protocol', errorWith('HPE_INVALID_CONSTANT')],
    [
      'an HTTPParserError without a code',
      'down',
      'protocol',
      Object.assign(new Error('bad'), { name: 'HTTPParserError' }),
    ],
    ['EHOSTUNREACH', 'down', 'unreachable', errorWith('EHOSTUNREACH')],
    ['ENETUNREACH', 'down', 'unreachable', errorWith('ENETUNREACH')],
    ['EMFILE', 'fault', 'checker-fault', errorWith('EMFILE')],
    ['ENFILE', 'fault', 'checker-fault', errorWith('ENFILE')],
    ['ENOBUFS', 'fault', 'checker-fault', errorWith('ENOBUFS')],
    ['ENOMEM', 'fault', 'checker-fault', errorWith('ENOMEM')],
    [
      'EMFILE under a socket error',
      'fault',
      'checker-fault',
      errorWith('UND_ERR_SOCKET', errorWith('EMFILE')),
    ],
    [
      'EMFILE whose message mentions ECONNREFUSED',
      'fault',
      'checker-fault',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:80'), { code: 'EMFILE' }),
    ],
    [
      BLOCKED_ADDRESS_CODE,
      'fault',
      'blocked-address',
      new BlockedAddressError('internal.test', ['10.0.0.1']),
    ],
    [
      'ECONNREFUSED in a cause chain',
      'down',
      'refused',
      new TypeError('fetch failed', { cause: errorWith('ECONNREFUSED') }),
    ],
    [
      'ENOTFOUND two causes deep',
      'down',
      'dns',
      new Error('outer', { cause: new Error('mid', { cause: errorWith('ENOTFOUND') }) }),
    ],
    [
      'ECONNREFUSED in an AggregateError',
      'down',
      'refused',
      new AggregateError([errorWith('ECONNREFUSED'), errorWith('ECONNREFUSED')]),
    ],
    ['an unknown code', 'fault', 'checker-fault', errorWith('ESOMETHINGNEW')],
    ['an error without a code', 'fault', 'checker-fault', new Error('boom')],
    ['a thrown string', 'fault', 'checker-fault', 'boom'],
    ['undefined', 'fault', 'checker-fault', undefined],
  ])('classifies %s as %s %s', (_label, kind, reason, error) => {
    // Prepare: the error comes from the table

    // Act
    const verdict = classifyError(error, 'HEAD https://example.com/');

    // Assess
    expect(verdict).toMatchObject({ kind, reason });
    expect(verdict.detail).not.toBe('');
  });

  it('names the code and the request in the detail', () => {
    // Prepare
    const error = errorWith('ECONNREFUSED');

    // Act
    const verdict = classifyError(error, 'HEAD https://example.com/');

    // Assess
    expect(verdict.detail).toBe('connection refused (ECONNREFUSED) on HEAD https://example.com/');
  });

  it('survives a cause cycle', () => {
    // Prepare
    const error = errorWith('ESOMETHING');
    Object.assign(error, { cause: error });

    // Act
    const verdict = classifyError(error);

    // Assess
    expect(verdict).toMatchObject({ kind: 'fault', reason: 'checker-fault' });
  });
});

describe('classifyError: by phase and by family', () => {
  it('makes an error nobody knows the site’s own once its server takes part: tls during the handshake, protocol after', () => {
    // Prepare
    const odd = errorWith('ERR_SOMETHING_NEW');

    // Act
    const verdicts = (['connecting', 'tls', 'waiting', 'body'] as const).map(
      (phase) =>
        classifyError(odd, 'GET https://shop.example/', phase).kind +
        ':' +
        classifyError(odd, 'x', phase).reason,
    );

    // Assess
    expect(verdicts).toEqual(['fault:checker-fault', 'down:tls', 'down:protocol', 'down:protocol']);
  });

  it('reads OpenSSL decoder errors (ERR_OSSL_*) as tls', () => {
    // Act
    const verdict = classifyError(errorWith('ERR_OSSL_ASN1_WRONG_TAG'));

    // Assess
    expect(verdict).toMatchObject({ kind: 'down', reason: 'tls' });
  });

  it('blames a missing IPv6 route on the checker, unless the site’s IPv4 addresses said something', () => {
    // Prepare: Node's Happy Eyeballs gathers every attempt's error
    const onlyV6 = new AggregateError([errorWith('EAFNOSUPPORT')], 'connect failed');
    const both = new AggregateError([errorWith('ECONNREFUSED'), errorWith('EAFNOSUPPORT')], 'connect failed');

    // Act
    const verdicts = [classifyError(onlyV6), classifyError(both)];

    // Assess
    expect(verdicts[0]).toMatchObject({ kind: 'fault', reason: 'checker-fault' });
    expect(verdicts[0]?.detail).toContain('no IPv6 route');
    expect(verdicts[1]).toMatchObject({ kind: 'down', reason: 'refused' });
  });
});

describe('classifyError: TLS details', () => {
  // As Node builds an OpenSSL error: the queue's text as message, the reason and the code apart.
  const opensslError = (code: string, reason: string): Error =>
    Object.assign(
      new Error(
        `802CEBBC4C7F0000:error:0A00010B:SSL routines:ssl3_get_record:${reason}:../deps/openssl/ssl.c:354:`,
      ),
      { code, reason, library: 'SSL routines' },
    );

  it('says what went wrong in plain words, without OpenSSL’s message', () => {
    // Prepare
    const error = opensslError('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number');

    // Act
    const verdict = classifyError(error, 'GET https://shop.example/', 'tls');

    // Assess
    expect(verdict).toEqual({
      kind: 'down',
      reason: 'tls',
      detail:
        'the server does not speak TLS on this port (an HTTP server on the HTTPS port?) ' +
        '(ERR_SSL_WRONG_VERSION_NUMBER) on GET https://shop.example/',
    });
  });

  it('uses what the connector saw of the certificate, found on the error wherever it sits in the chain', () => {
    // Prepare
    const certificateError = errorWith('CERT_HAS_EXPIRED');
    attachTlsFacts(certificateError, {
      host: 'shop.example',
      chain: [
        {
          subject: 'CN=shop.example',
          issuer: 'CN=Example CA',
          altNames: ['shop.example'],
          validFromMs: Date.parse('2026-08-03T00:00:00Z'),
          validToMs: Date.parse('2026-11-01T00:00:00Z'),
          isSelfIssued: false,
        },
      ],
    });

    // Act
    const verdict = classifyError(
      new TypeError('fetch failed', { cause: certificateError }),
      'GET https://shop.example/',
    );

    // Assess
    expect(verdict.detail).toBe(
      'certificate expired on 2026-11-01 (valid 2026-08-03 to 2026-11-01) (CERT_HAS_EXPIRED) on GET https://shop.example/',
    );
  });

  it.each([
    [
      'an OpenSSL code it has no sentence for',
      opensslError('ERR_OSSL_ASN1_WRONG_TAG', 'wrong tag'),
      'the TLS handshake failed: wrong tag (ERR_OSSL_ASN1_WRONG_TAG)',
    ],
    [
      'a code nobody knows, during the handshake',
      errorWith('ERR_SOMETHING_NEW'),
      'the TLS handshake failed (ERR_SOMETHING_NEW)',
    ],
    [
      'an error without a code, during the handshake',
      new Error('odd'),
      'the TLS handshake failed: odd (no code)',
    ],
  ])('stays tls and readable for %s', (_label, error, summary) => {
    // Act
    const verdict = classifyError(error, 'GET https://shop.example/', 'tls');

    // Assess
    expect(verdict).toEqual({
      kind: 'down',
      reason: 'tls',
      detail: `${summary} on GET https://shop.example/`,
    });
  });
});
