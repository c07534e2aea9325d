import type { SiteStore } from '../functions/adapters/site-store.ts';
import { parseSiteConfig, type SiteConfigInput } from '../functions/domain/site.ts';

/** What a first run monitors, so the status view has something to show before the person adds a site. */
export const EXAMPLE_SITES: readonly SiteConfigInput[] = [
  { siteId: 'example-com', url: 'https://example.com/', name: 'example.com', intervalMinutes: 1 },
  { siteId: 'wikipedia', url: 'https://www.wikipedia.org/', name: 'Wikipedia', intervalMinutes: 2 },
  { siteId: 'iana', url: 'https://www.iana.org/', name: 'IANA', intervalMinutes: 3 },
  { siteId: 'github', url: 'https://github.com/', name: 'GitHub', intervalMinutes: 5 },
];

/** True when the table holds no site (the sweep lease does not count). */
export async function hasNoSites(store: Pick<SiteStore, 'scanSites'>): Promise<boolean> {
  let count = 0;
  await store.scanSites(1, async (page) => {
    count += page.sites.length + page.invalid.length;
  });
  return count === 0;
}

/** Adds the example sites; returns how many. */
export async function seedExampleSites(store: Pick<SiteStore, 'putSiteConfig'>): Promise<number> {
  for (const site of EXAMPLE_SITES) await store.putSiteConfig(parseSiteConfig(site));
  return EXAMPLE_SITES.length;
}
