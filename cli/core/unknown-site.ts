import type { SiteStore } from '../../functions/adapters/site-store.ts';
import { CommandError } from '../errors.ts';

/**
 * The error for a site id that does not exist. People often pass the name they gave (`--name demo`) where the id
 * is meant: a site with that name is looked up, so the error can say its id.
 */
export async function unknownSiteError(
  store: Pick<SiteStore, 'scanSites'>,
  siteId: string,
): Promise<CommandError> {
  const named: string[] = [];
  await store.scanSites(1, async (page) => {
    for (const { config } of page.sites) {
      if (config.name.toLowerCase() === siteId.toLowerCase()) named.push(config.siteId);
    }
  });
  return new CommandError(
    named.length > 0
      ? `no site with id "${siteId}": the site named "${siteId}" has the id ${named.join(', ')}`
      : `no site with id "${siteId}" (\`squirrel sites list\` shows every site's id)`,
  );
}
