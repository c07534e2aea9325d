import type { ProbeTarget } from '../adapters/http-probe.ts';
import type { SiteConfig } from '../domain/site.ts';
import { parseStatusRanges } from '../domain/status-range.ts';

/**
 * What the probe is asked for one check of a site: the checker and `squirrel check` build it here, so both
 * judge a site the same way. `isFullGetDue`: this check is the site's periodic full GET (sites on GET read the
 * body on every check).
 */
export function probeTargetOf(site: SiteConfig, isFullGetDue: boolean): ProbeTarget {
  return {
    url: site.url,
    method: site.method,
    timeoutMs: site.timeoutMs,
    expectStatus: parseStatusRanges(site.expectStatus),
    ...(site.headers === undefined ? {} : { headers: site.headers }),
    ...(site.keyword === undefined ? {} : { keyword: site.keyword }),
    ...(isFullGetDue || site.method === 'GET' ? { fullGet: true } : {}),
  };
}
