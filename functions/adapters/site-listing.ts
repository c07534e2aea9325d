import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { type SiteConfig, SiteConfigSchema } from '../domain/site.ts';
import { defaultSiteName } from '../domain/site-url.ts';
import { CallDeadline } from './call-deadline.ts';
import { scanPages } from './scan-pages.ts';
import { RESERVED_KEY_PREFIX } from './site-item.ts';

/**
 * A site as the history compactor lists it: which sites exist, which are public, and its name (the status page
 * orders sites by name, then id, and the public summary holds the first MAX_STATUS_SITES.public of them).
 */
export type ListedSite = Pick<SiteConfig, 'siteId' | 'owner' | 'public' | 'name'>;

// The settings that decide whether a site is public and where it is listed, validated (and defaulted: the name
// from the URL) as a site's config is.
const VisibilitySchema = v.pick(SiteConfigSchema, ['owner', 'public', 'name', 'url']);

export interface SiteListingOptions {
  /** Bounds each call by the invocation's time left. @default a CallDeadline with only its call limit */
  readonly deadline?: CallDeadline;
}

/** Every site of the table, reading only what says it exists and whether it is public. */
export class SiteListing {
  readonly #doc: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #deadline: CallDeadline;

  constructor(client: DynamoDBClient, tableName: string, options: SiteListingOptions = {}) {
    this.#doc = DynamoDBDocumentClient.from(client);
    this.#tableName = tableName;
    this.#deadline = options.deadline ?? new CallDeadline();
  }

  /**
   * Every site (not the sweep's lease items) with its owner, `public` setting and name: the history compactor's
   * list of the sites that exist and of those its public summary holds. A whole scan once an hour (DynamoDB bills the items
   * read, not the projection: ~130 read units for 1,000 sites, about $0.01 a month). An item whose owner or
   * `public` does not validate still exists (its history is kept) but is never public: the fan-out's scan reports
   * it invalid and shows it nowhere (the same for a bad name or URL).
   */
  async listSites(): Promise<readonly ListedSite[]> {
    const sites: ListedSite[] = [];
    const pages = scanPages(
      this.#doc,
      {
        TableName: this.#tableName,
        ProjectionExpression: '#siteId, #owner, #public, #name, #url',
        ExpressionAttributeNames: {
          '#siteId': 'siteId',
          '#owner': 'owner',
          '#public': 'public',
          '#name': 'name',
          '#url': 'url',
        },
      },
      () => ({ abortSignal: this.#deadline.signal() }),
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const siteId = String(item.siteId);
        if (siteId.startsWith(RESERVED_KEY_PREFIX)) continue;
        const visibility = v.safeParse(VisibilitySchema, item);
        // Never public, so never listed by name: the id stands in.
        if (!visibility.success)
          sites.push({ siteId, owner: String(item.owner), public: false, name: siteId });
        else {
          const { owner, public: isPublic, url } = visibility.output;
          const name = visibility.output.name ?? defaultSiteName(url);
          sites.push(
            isPublic === undefined ? { siteId, owner, name } : { siteId, owner, public: isPublic, name },
          );
        }
      }
    }
    return sites;
  }
}
