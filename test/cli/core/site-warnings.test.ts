import { describe, expect, it } from 'vitest';
import { describeSameUrl, findSameUrl, warnAboutPrivateTarget } from '../../../cli/core/site-warnings.ts';

describe('warnAboutPrivateTarget', () => {
  it.each([
    ['http://127.0.0.1:8080/', '127.0.0.1 is not a public address (loopback)'],
    ['http://[::1]/', '[::1] is not a public address (loopback)'],
    ['http://10.0.0.5/health', '10.0.0.5 is not a public address (private)'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254 is not a public address (cloud metadata)'],
    ['http://[fe80::1]/', '[fe80::1] is not a public address (link-local)'],
    ['http://localhost:3000/', 'localhost is not a public address (loopback)'],
    ['http://app.localhost/', 'app.localhost is not a public address (loopback)'],
    ['http://LOCALHOST./', 'localhost. is not a public address (loopback)'],
  ])('warns about %s', (url, start) => {
    // Act
    const local = warnAboutPrivateTarget(url, true);
    const deployed = warnAboutPrivateTarget(url, false);

    // Assess
    expect(local).toMatch(
      new RegExp(`^${start.replace(/[.()[\]]/g, '\\$&')}: the local runtime checks it, but `),
    );
    expect(local).toContain('UNCHECKED (blocked-address)');
    expect(deployed).toMatch(
      /a deployed monitor never connects to private, loopback, link-local or metadata/,
    );
    expect(deployed).not.toContain('local runtime');
  });

  it.each([
    'https://example.com/',
    'http://8.8.8.8/',
    'http://[2001:4860:4860::8888]/',
    'http://localhost.example/',
  ])('says nothing about %s (public, or a name only DNS can judge)', (url) => {
    expect(warnAboutPrivateTarget(url, true)).toBeUndefined();
  });
});

describe('findSameUrl', () => {
  const sites = [
    { siteId: 'loop', url: 'http://127.0.0.1/' },
    { siteId: 'shop', url: 'https://example.com/shop' },
    { siteId: 'shop-eu', url: 'https://example.com./shop' },
    { siteId: 'root', url: 'https://example.com/' },
  ];

  it.each([
    [{ siteId: 'new', url: 'http://0x7f.1/' }, ['loop']],
    [{ siteId: 'new', url: 'HTTPS://EXAMPLE.com:443/shop' }, ['shop', 'shop-eu']],
    [{ siteId: 'shop', url: 'https://example.com/shop' }, ['shop-eu']],
    [{ siteId: 'new', url: 'https://example.com/shop/' }, []],
    [{ siteId: 'new', url: 'http://example.com/shop' }, []],
  ])('finds the other sites watching %j', (site, ids) => {
    expect(findSameUrl(site, sites)).toEqual(ids);
  });

  it('names the ids that have the URL and how to undo the add', () => {
    expect(describeSameUrl({ siteId: 'new', url: 'http://127.0.0.1/' }, ['loop'])).toBe(
      'http://127.0.0.1/ is already monitored as "loop"; added it again as "new" (if that was a mistake: squirrel sites remove new)',
    );
  });
});
