/** The longest name a site may have (SiteConfigSchema); a default name is cut to fit. */
export const MAX_SITE_NAME_LENGTH = 100;

/**
 * The URL as stored and hashed: WHATWG-normalized (lowercase host, IPv4 in any spelling as dotted quad, e.g.
 * `http://0x7f.1/` is `http://127.0.0.1/`, default port dropped, `/` for an empty path), no fragment.
 * @throws TypeError when `raw` is not an absolute URL.
 */
export function normalizeSiteUrl(raw: string): string {
  const url = new URL(raw);
  url.hash = '';
  return url.href;
}

/** True when both are the same URL once normalized (a stored URL may predate normalization). */
export function isSameSiteUrl(a: string, b: string): boolean {
  try {
    return normalizeSiteUrl(a) === normalizeSiteUrl(b);
  } catch {
    return a === b;
  }
}

/**
 * What two sites share when they watch the same thing: the normalized URL with the host's trailing dot
 * removed (`example.com.` is the same name in DNS). Kept apart from the stored URL, which is checked as typed:
 * the Host header and TLS name differ with the dot.
 */
export function siteUrlKey(raw: string): string {
  try {
    const url = new URL(normalizeSiteUrl(raw));
    if (url.hostname.endsWith('.')) url.hostname = url.hostname.replace(/\.+$/, '');
    return url.href;
  } catch {
    return raw;
  }
}

/**
 * The name a site gets when none is given: host (with a non-default port) and path, so sites on one host
 * differ, e.g. `example.com/shop`; the root is just `example.com`. A query string is kept (`/search?q=x`
 * and `/search?q=y` are different pages); cut to the longest name allowed.
 */
export function defaultSiteName(rawUrl: string): string {
  const url = new URL(rawUrl);
  const path = url.pathname === '/' ? '' : url.pathname;
  const name = `${url.host}${path}${url.search}`;
  return name.length <= MAX_SITE_NAME_LENGTH ? name : `${name.slice(0, MAX_SITE_NAME_LENGTH - 3)}...`;
}
