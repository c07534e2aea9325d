import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseSiteConfig, type SiteConfigInput } from '../../../functions/domain/site.ts';
import type { SiteState } from '../../../functions/domain/site-state.ts';
import type { LocalRuntime } from '../../../local/runtime.ts';

const BATCH_WRITE_MAX_ITEMS = 25;

/**
 * Writes many site items at once (config and state side by side, as SiteStore stores them): a large table in
 * a fraction of the time one putSiteConfig per site takes.
 */
export async function seedSites(
  runtime: LocalRuntime,
  sites: readonly SiteConfigInput[],
  state: SiteState,
): Promise<void> {
  const client = new DynamoDBClient({
    region: runtime.endpoints.region,
    endpoint: runtime.endpoints.dynamodbEndpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  try {
    const items = sites.map((site) => ({ ...parseSiteConfig(site), ...state }));
    const writes: Promise<unknown>[] = [];
    for (let start = 0; start < items.length; start += BATCH_WRITE_MAX_ITEMS) {
      const chunk = items.slice(start, start + BATCH_WRITE_MAX_ITEMS);
      writes.push(writeAll(doc, runtime.endpoints.tableName, chunk));
    }
    await Promise.all(writes);
  } finally {
    client.destroy();
  }
}

async function writeAll(
  doc: DynamoDBDocumentClient,
  tableName: string,
  items: readonly Record<string, unknown>[],
): Promise<void> {
  let requests = items.map((Item) => ({ PutRequest: { Item } }));
  while (requests.length > 0) {
    const { UnprocessedItems } = await doc.send(
      new BatchWriteCommand({ RequestItems: { [tableName]: requests } }),
    );
    requests = (UnprocessedItems?.[tableName] ?? []) as typeof requests;
  }
}
