import { describe, expect, it } from 'vitest';
import {
  defaultSiteName,
  isSameSiteUrl,
  MAX_SITE_NAME_LENGTH,
  normalizeSiteUrl,
  siteUrlKey,
} from '../../functions/domain/site-url.ts';

describe('normalizeSiteUrl and isSameSiteUrl', () => {
  it.each([
    ['HTTPS://Example.COM', 'https://example.com/'],
    ['http://example.com:80/a#frag', 'http://example.com/a'],
    ['https://example.com:443', 'https://example.com/'],
    ['https://example.com/a b', 'https://example.com/a%20b'],
    ['http://0x7f.1/', 'http://127.0.0.1/'],
    ['http://2130706433:8080/x', 'http://127.0.0.1:8080/x'],
    ['http://[0:0:0:0:0:0:0:1]/', 'http://[::1]/'],
  ])('normalizes %s to %s', (raw, expected) => {
    expect(normalizeSiteUrl(raw)).toBe(expected);
    expect(isSameSiteUrl(raw, expected)).toBe(true);
  });

  it('compares unparseable URLs as plain strings', () => {
    expect(isSameSiteUrl('nope', 'nope')).toBe(true);
    expect(isSameSiteUrl('nope', 'https://example.com/')).toBe(false);
  });

  it('keeps a trailing dot in the stored URL: the Host header and the TLS name differ with it', () => {
    expect(normalizeSiteUrl('https://Example.com./')).toBe('https://example.com./');
  });
});

describe('siteUrlKey', () => {
  it.each([
    ['https://example.com./', 'https://EXAMPLE.com:443/#top'],
    ['http://0x7f.1/', 'http://127.0.0.1/'],
    ['http://127.0.0.1./', 'http://127.0.0.1/'],
    ['https://shop.example.com.:8443/a?b=1', 'https://shop.example.com:8443/a?b=1'],
  ])('gives %s and %s the same key', (a, b) => {
    expect(siteUrlKey(a)).toBe(siteUrlKey(b));
  });

  it.each([
    ['http://example.com/', 'https://example.com/'],
    ['https://example.com/', 'https://example.com/shop'],
    ['https://example.com/a?x=1', 'https://example.com/a?x=2'],
    ['https://example.com/', 'https://www.example.com/'],
    ['https://example.com:8443/', 'https://example.com/'],
  ])('keeps %s and %s apart', (a, b) => {
    expect(siteUrlKey(a)).not.toBe(siteUrlKey(b));
  });
});

describe('defaultSiteName', () => {
  it.each([
    ['https://example.com/', 'example.com'],
    ['https://example.com/shop', 'example.com/shop'],
    ['https://example.com/shop/', 'example.com/shop/'],
    ['http://127.0.0.1:8080/health', '127.0.0.1:8080/health'],
    ['https://example.com/search?q=x', 'example.com/search?q=x'],
    ['https://example.com:443/', 'example.com'],
  ])('names %s "%s"', (url, name) => {
    expect(defaultSiteName(url)).toBe(name);
  });

  it('cuts a long name to the longest name a site may have, marking the cut', () => {
    // Prepare
    const url = `https://example.com/${'a'.repeat(200)}`;

    // Act
    const name = defaultSiteName(url);

    // Assess
    expect(name).toHaveLength(MAX_SITE_NAME_LENGTH);
    expect(name.startsWith('example.com/aaa')).toBe(true);
    expect(name.endsWith('...')).toBe(true);
  });
});
