import { describe, expect, it } from 'vitest';
import {
  DEFAULT_OWNER,
  explainBadUrl,
  MAX_URL_LENGTH,
  parseSiteConfig,
  SITE_LIMITS,
  SiteValidationError,
} from '../../functions/domain/site.ts';

const VALID = { siteId: 'shop', url: 'https://shop.example.com/health' } as const;

const tooLongUrl = `https://example.com/${'a'.repeat(MAX_URL_LENGTH)}`;

interface BadInput {
  /** The field the message must name. */
  readonly field: string;
  readonly value: unknown;
  /** The part of the message that shows the bad value; undefined where showing it would be wrong or useless. */
  readonly shows: string | undefined;
}

const bad = (field: string, value: unknown, shows: string | undefined): BadInput => ({ field, value, shows });

const BAD_INPUTS: readonly BadInput[] = [
  // url: schemes
  bad('url', 'ftp://example.com', '"ftp"'),
  bad('url', 'ftp://example.com/pub/file.txt', '"ftp"'),
  bad('url', 'file:///etc/passwd', '"file"'),
  bad('url', 'file://localhost/etc/passwd', '"file"'),
  bad('url', 'javascript:alert(1)', '"javascript"'),
  bad('url', 'JavaScript:alert(document.cookie)', '"javascript"'),
  bad('url', 'data:text/plain,hello', '"data"'),
  bad('url', 'data:text/html;base64,PHNjcmlwdD4=', '"data"'),
  bad('url', 'ws://example.com/socket', '"ws"'),
  bad('url', 'wss://example.com/socket', '"wss"'),
  bad('url', 'mailto:ops@example.com', '"mailto"'),
  bad('url', 'gopher://example.com', '"gopher"'),
  bad('url', 'ssh://example.com', '"ssh"'),
  // url: credentials (never echoed: they are secrets)
  bad('url', 'https://user:secret@example.com', undefined),
  bad('url', 'https://user@example.com', undefined),
  bad('url', 'https://:secret@example.com', undefined),
  bad('url', 'http://admin:admin@shop.example.com:8080/health', undefined),
  // url: too long (the limit is shown rather than 2 KB of URL)
  bad('url', tooLongUrl, String(MAX_URL_LENGTH)),
  bad('url', `https://${'a'.repeat(MAX_URL_LENGTH)}.com`, String(MAX_URL_LENGTH)),
  // url: not an absolute URL
  bad('url', 'example.com', '"example.com"'),
  bad('url', 'not a url', '"not a url"'),
  bad('url', '', '""'),
  bad('url', '/health', '"/health"'),
  bad('url', '//example.com/health', '"//example.com/health"'),
  bad('url', 'https://', '"https://"'),
  bad('url', 'http://exa mple.com', '"http://exa mple.com"'),
  bad('url', 'https://example.com:99999', '"https://example.com:99999"'),
  bad('url', 'http://[::1', '"http://[::1"'),
  bad('url', 42, '42'),
  // siteId
  bad('siteId', 'Shop', '"Shop"'),
  bad('siteId', 'SHOP', '"SHOP"'),
  bad('siteId', 'my_site', '"my_site"'),
  bad('siteId', 'a'.repeat(64), `"${'a'.repeat(64)}"`),
  bad('siteId', '', '""'),
  bad('siteId', '-leading-dash', '"-leading-dash"'),
  bad('siteId', 'has space', '"has space"'),
  bad('siteId', 'dot.ted', '"dot.ted"'),
  bad('siteId', 'slash/id', '"slash/id"'),
  bad('siteId', 'café', '"café"'),
  bad('siteId', 'colon:id', '"colon:id"'),
  bad('siteId', 42, '42'),
  // intervalMinutes
  bad('intervalMinutes', 0, 'got 0'),
  bad('intervalMinutes', 61, 'got 61'),
  bad('intervalMinutes', 1.5, 'got 1.5'),
  bad('intervalMinutes', -1, 'got -1'),
  bad('intervalMinutes', 1_440, 'got 1440'),
  bad('intervalMinutes', Number.POSITIVE_INFINITY, 'got Infinity'),
  bad('intervalMinutes', Number.NaN, 'NaN'),
  bad('intervalMinutes', '5', '"5"'),
  bad('intervalMinutes', null, 'null'),
  // timeoutMs
  bad('timeoutMs', 0, 'got 0'),
  bad('timeoutMs', 499, 'got 499'),
  bad('timeoutMs', 30_001, 'got 30001'),
  bad('timeoutMs', 60_000, 'got 60000'),
  bad('timeoutMs', -5_000, 'got -5000'),
  bad('timeoutMs', 1_500.5, 'got 1500.5'),
  bad('timeoutMs', '5000', '"5000"'),
  // method
  bad('method', 'POST', '"POST"'),
  bad('method', 'PUT', '"PUT"'),
  bad('method', 'DELETE', '"DELETE"'),
  bad('method', 'OPTIONS', '"OPTIONS"'),
  bad('method', 'get', '"get"'),
  bad('method', '', '""'),
  // expectStatus
  bad('expectStatus', '99', '"99"'),
  bad('expectStatus', '200-100', '"200-100"'),
  bad('expectStatus', '600', '"600"'),
  bad('expectStatus', '2xx', '"2xx"'),
  bad('expectStatus', '', '""'),
  bad('expectStatus', '200,', '"200,"'),
  bad('expectStatus', ',200', '",200"'),
  bad('expectStatus', '200,,300', '"200,,300"'),
  bad('expectStatus', '200-', '"200-"'),
  bad('expectStatus', '-200', '"-200"'),
  bad('expectStatus', '200-600', '"200-600"'),
  bad('expectStatus', '099', '"099"'),
  bad('expectStatus', '1000', '"1000"'),
  bad('expectStatus', '200;300', '"200;300"'),
  bad('expectStatus', 'abc', '"abc"'),
  bad('expectStatus', '200 - 299', '"200 - 299"'),
  bad('expectStatus', 200, '200'),
  // owner
  bad('owner', 'team a', '"team a"'),
  bad('owner', 'team"a', '"team\\"a"'),
  bad('owner', "o'brien", `"o'brien"`),
  bad('owner', 'team*', '"team*"'),
  bad('owner', '*', '"*"'),
  bad('owner', 'o'.repeat(65), `"${'o'.repeat(65)}"`),
  bad('owner', '', '""'),
  bad('owner', '-ops', '"-ops"'),
  bad('owner', '.ops', '".ops"'),
  bad('owner', 'ops/team', '"ops/team"'),
  bad('owner', 'équipe', '"équipe"'),
  bad('owner', 'ops,dev', '"ops,dev"'),
  // failureThreshold / recoveryThreshold / confirmDelaySeconds
  bad('failureThreshold', 0, 'got 0'),
  bad('failureThreshold', 11, 'got 11'),
  bad('failureThreshold', 1.5, 'got 1.5'),
  bad('failureThreshold', -1, 'got -1'),
  bad('recoveryThreshold', 0, 'got 0'),
  bad('recoveryThreshold', 11, 'got 11'),
  bad('recoveryThreshold', 2.5, 'got 2.5'),
  bad('confirmDelaySeconds', -1, 'got -1'),
  bad('confirmDelaySeconds', 901, 'got 901'),
  bad('confirmDelaySeconds', 1.5, 'got 1.5'),
  // name (a length rule: the limit is what helps)
  bad('name', 'Shop\nReason: fake', 'control characters'),
  bad('name', 'Shop\u0007', 'control characters'),
  bad('url', ' https://example.com/', '" https://example.com/"'),
  bad('url', 'https://exa\nmple.com/', '"https://exa\\nmple.com/"'),
  bad('url', 'https://example.com/a b', '"https://example.com/a b"'),
  bad('name', '', '1-100'),
  bad('name', '   ', '1-100'),
  bad('name', 'n'.repeat(101), '1-100'),
  // enabled
  bad('enabled', 'yes', '"yes"'),
  bad('enabled', 1, '1'),
];

describe('parseSiteConfig: bad input', () => {
  it('has at least 100 bad inputs in its table', () => {
    // Prepare
    // Act
    const count = BAD_INPUTS.length;

    // Assess
    expect(count).toBeGreaterThanOrEqual(100);
  });

  it.each(
    BAD_INPUTS.map((row) => ({
      ...row,
      label: typeof row.value === 'string' ? JSON.stringify(row.value).slice(0, 40) : String(row.value),
    })),
  )('rejects $field = $label, naming the field and showing the value', ({ field, value, shows }) => {
    // Prepare
    const input = { ...VALID, [field]: value };

    // Act
    const attempt = () => parseSiteConfig(input);

    // Assess
    expect(attempt).toThrow(SiteValidationError);
    const message = messageOf(attempt);
    expect(message).toContain(field);
    if (shows !== undefined) expect(message).toContain(shows);
  });

  it.each(['https://user:secret@example.com', 'https://:secret@example.com'])(
    'does not echo the password of %s',
    (url) => {
      // Prepare
      const input = { ...VALID, url };

      // Act
      const message = messageOf(() => parseSiteConfig(input));

      // Assess
      expect(message).toContain('credentials');
      expect(message).not.toContain('secret');
    },
  );

  it.each([
    { missing: 'siteId', input: { url: VALID.url } },
    { missing: 'url', input: { siteId: VALID.siteId } },
  ])('rejects a config without $missing, naming it', ({ missing, input }) => {
    // Prepare
    // Act
    const message = messageOf(() => parseSiteConfig(input));

    // Assess
    expect(message).toContain(missing);
  });

  it.each([{ raw: null }, { raw: undefined }, { raw: 'https://example.com' }, { raw: 42 }, { raw: [] }])(
    'rejects $raw, which is not an object',
    ({ raw }) => {
      // Prepare
      // Act
      const attempt = () => parseSiteConfig(raw);

      // Assess
      expect(attempt).toThrow(SiteValidationError);
    },
  );

  it('lists every problem at once, separated by "; "', () => {
    // Prepare
    const input = { siteId: 'Bad_Id', url: 'ftp://example.com', intervalMinutes: 0, owner: 'a b' };

    // Act
    const message = messageOf(() => parseSiteConfig(input));

    // Assess
    const parts = message.split('; ');
    expect(parts).toHaveLength(4);
    for (const field of ['siteId', 'url', 'intervalMinutes', 'owner']) {
      expect(parts.some((part) => part.includes(field))).toBe(true);
    }
  });

  it('throws an Error named SiteValidationError', () => {
    // Prepare
    // Act
    const error = errorOf(() => parseSiteConfig({ ...VALID, timeoutMs: 1 }));

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('SiteValidationError');
  });
});

describe('parseSiteConfig: good input', () => {
  it('applies every default to a minimal config, naming the site after its host and path', () => {
    // Prepare
    const input = { ...VALID };

    // Act
    const site = parseSiteConfig(input);

    // Assess
    expect(site).toStrictEqual({
      siteId: 'shop',
      url: 'https://shop.example.com/health',
      name: 'shop.example.com/health',
      owner: DEFAULT_OWNER,
      intervalMinutes: 1,
      timeoutMs: 5_000,
      method: 'HEAD',
      expectStatus: '200-399',
      enabled: true,
      failureThreshold: 2,
      recoveryThreshold: 1,
      confirmDelaySeconds: 30,
      treatBlockedAsDown: false,
      reminderMinutes: 0,
      fullGetMinutes: 10,
      maintenance: [],
      tlsWarnDays: [14, 7, 1],
    });
  });

  it('uses the documented defaults (failureThreshold 2, recoveryThreshold 1, confirming re-check after 30 s)', () => {
    // Prepare
    // Act
    const site = parseSiteConfig(VALID);

    // Assess
    expect(site.failureThreshold).toBe(SITE_LIMITS.failureThreshold.default);
    expect(site.recoveryThreshold).toBe(SITE_LIMITS.recoveryThreshold.default);
    expect(site.confirmDelaySeconds).toBe(SITE_LIMITS.confirmDelaySeconds.default);
    expect([site.failureThreshold, site.recoveryThreshold, site.confirmDelaySeconds]).toEqual([2, 1, 30]);
  });

  it.each([
    { field: 'siteId', value: 'a', expected: 'a' },
    { field: 'siteId', value: '0-shop', expected: '0-shop' },
    { field: 'siteId', value: 's'.repeat(63), expected: 's'.repeat(63) },
    { field: 'url', value: 'http://shop.example.com', expected: 'http://shop.example.com' },
    { field: 'url', value: 'https://shop.example.com/a?b=c#d', expected: 'https://shop.example.com/a?b=c#d' },
    { field: 'url', value: 'HTTPS://SHOP.EXAMPLE.COM/', expected: 'HTTPS://SHOP.EXAMPLE.COM/' },
    { field: 'url', value: 'https://bücher.example/', expected: 'https://bücher.example/' },
    { field: 'url', value: 'http://127.0.0.1:8080/health', expected: 'http://127.0.0.1:8080/health' },
    { field: 'name', value: '  Shop front  ', expected: 'Shop front' },
    { field: 'name', value: '🐿️ Squirrel', expected: '🐿️ Squirrel' },
    { field: 'name', value: 'n'.repeat(100), expected: 'n'.repeat(100) },
    { field: 'owner', value: 'team.a+ops@example.com', expected: 'team.a+ops@example.com' },
    { field: 'owner', value: 'o'.repeat(64), expected: 'o'.repeat(64) },
    { field: 'owner', value: 'Ops_Team-1', expected: 'Ops_Team-1' },
    { field: 'intervalMinutes', value: 1, expected: 1 },
    { field: 'intervalMinutes', value: 60, expected: 60 },
    { field: 'timeoutMs', value: 500, expected: 500 },
    { field: 'timeoutMs', value: 30_000, expected: 30_000 },
    { field: 'method', value: 'GET', expected: 'GET' },
    { field: 'method', value: 'HEAD', expected: 'HEAD' },
    { field: 'expectStatus', value: '200-299,301', expected: '200-299,301' },
    { field: 'expectStatus', value: '100-599', expected: '100-599' },
    { field: 'expectStatus', value: '204', expected: '204' },
    { field: 'enabled', value: false, expected: false },
    { field: 'failureThreshold', value: 1, expected: 1 },
    { field: 'failureThreshold', value: 10, expected: 10 },
    { field: 'recoveryThreshold', value: 10, expected: 10 },
    { field: 'confirmDelaySeconds', value: 0, expected: 0 },
    { field: 'confirmDelaySeconds', value: 900, expected: 900 },
  ])('accepts $field = $value', ({ field, value, expected }) => {
    // Prepare
    const input = { ...VALID, [field]: value };

    // Act
    const site = parseSiteConfig(input);

    // Assess
    expect(site[field as keyof typeof site]).toEqual(expected);
  });

  it.each([
    { url: 'https://shop.example.com:8443/health', name: 'shop.example.com:8443/health' },
    { url: 'https://bücher.example/', name: 'xn--bcher-kva.example' },
    { url: 'http://127.0.0.1/', name: '127.0.0.1' },
  ])('names a site without a name after its host and path: $url → $name', ({ url, name }) => {
    // Prepare
    const input = { siteId: 'x', url };

    // Act
    const site = parseSiteConfig(input);

    // Assess
    expect(site.name).toBe(name);
  });

  it('ignores unknown fields such as the state attributes on the same item', () => {
    // Prepare
    const input = { ...VALID, status: 'DOWN', version: 12, pendingAlerts: {} };

    // Act
    const site = parseSiteConfig(input);

    // Assess
    expect(site).not.toHaveProperty('status');
    expect(site).not.toHaveProperty('version');
    expect(site).not.toHaveProperty('pendingAlerts');
  });
});

describe('explainBadUrl', () => {
  it.each(['https://example.com', 'http://example.com:8080/path?q=1'])('accepts %s', (url) => {
    // Prepare
    // Act
    const reason = explainBadUrl(url);

    // Assess
    expect(reason).toBeUndefined();
  });

  it.each([
    { url: 'ftp://example.com', reason: 'url scheme must be http or https, got "ftp"' },
    { url: 'https://u:p@example.com', reason: 'url must not contain credentials (user:password@)' },
    { url: 'example.com', reason: 'url "example.com" is not an absolute URL' },
    { url: tooLongUrl, reason: `url is longer than ${MAX_URL_LENGTH} characters (${tooLongUrl.length})` },
  ])('explains why $url cannot be monitored', ({ url, reason }) => {
    // Prepare
    // Act
    const actual = explainBadUrl(url);

    // Assess
    expect(actual).toBe(reason);
  });

  it(`accepts a URL of exactly ${MAX_URL_LENGTH} characters and rejects one more`, () => {
    // Prepare
    const prefix = 'https://example.com/';
    const longest = prefix + 'a'.repeat(MAX_URL_LENGTH - prefix.length);

    // Act
    const atLimit = explainBadUrl(longest);
    const overLimit = explainBadUrl(`${longest}a`);

    // Assess
    expect(longest).toHaveLength(MAX_URL_LENGTH);
    expect(atLimit).toBeUndefined();
    expect(overLimit).toContain(String(MAX_URL_LENGTH));
  });
});

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`);
  }
  throw new Error('expected a throw, got none');
}

const messageOf = (run: () => unknown): string => errorOf(run).message;

describe('parseSiteConfig: header values', () => {
  it('describes a bad header value without echoing it (header values are often credentials)', () => {
    // Prepare
    const raw = { ...VALID, headers: { Authorization: 'Bearer sk_live_SECRET\n' } };

    // Act
    const attempt = () => parseSiteConfig(raw);

    // Assess
    expect(attempt).toThrow(SiteValidationError);
    expect(attempt).toThrow('header value must be at most 1024 characters without control characters');
    expect(attempt).not.toThrow(/SECRET/);
  });
});
