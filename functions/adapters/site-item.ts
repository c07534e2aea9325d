import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { SiteConfig } from '../domain/site.ts';
import { SiteConfigSchema } from '../domain/site.ts';

/** Config and state live in one DynamoDB item per site; these names split it back apart. */
export const CONFIG_FIELDS = Object.keys(SiteConfigSchema.entries) as ReadonlyArray<keyof SiteConfig>;

/** Items whose key starts with this are bookkeeping (the sweep lease), never sites. */
export const RESERVED_KEY_PREFIX = '#';

export const pick = (item: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> =>
  Object.fromEntries(
    fields.filter((field) => item[field] !== undefined).map((field) => [field, item[field]]),
  );

/** The sites table as the stack defines it (one item per site, keyed by siteId, on demand), for emulators. */
export const sitesTableDefinition = (tableName: string): CreateTableCommandInput => ({
  TableName: tableName,
  KeySchema: [{ AttributeName: 'siteId', KeyType: 'HASH' }],
  AttributeDefinitions: [{ AttributeName: 'siteId', AttributeType: 'S' }],
  BillingMode: 'PAY_PER_REQUEST',
});
