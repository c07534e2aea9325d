import { BatchWriteItemCommand, CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import pLimit from 'p-limit';
import { sitesTableDefinition } from '../../functions/adapters/site-item.ts';
import type { CheckTask } from '../../functions/domain/check-message.ts';
import type { DownReason } from '../../functions/domain/check-result.ts';
import { minuteOfEpoch } from '../../functions/domain/schedule.ts';
import { parseSiteConfig, type SiteConfig } from '../../functions/domain/site.ts';
import type { SiteState } from '../../functions/domain/site-state.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
// A nested map costs 3 bytes; the item itself does not.
const MAP_OVERHEAD_BYTES = 3;

/** A site as a user would add it: one of a few owners, checked every minute. */
export function benchSite(index: number, url: string, timeoutMs: number): SiteConfig {
  return parseSiteConfig({
    siteId: `site-${index}`,
    url,
    name: `Bench site ${index}`,
    owner: `team-${index % 16}`,
    intervalMinutes: 1,
    timeoutMs,
  });
}

/** Up for a day, as most sites are most of the time: a check that finds it up writes nothing. */
export function steadyUpState(nowMs: number, withDisplay: boolean): SiteState {
  const state: SiteState = {
    status: 'UP',
    version: 3,
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
    statusSinceMs: nowMs - DAY_MS,
    lastCheckId: `m${minuteOfEpoch(nowMs - DAY_MS)}`,
  };
  // Items carry the last change for display; the fan-out strips it from messages.
  return withDisplay
    ? { ...state, lastCheck: { atMs: nowMs - DAY_MS, up: true, status: 200, latencyMs: 87 } }
    : state;
}

/** Down for an hour, alert sent: a check that finds it still down writes nothing either. */
export function steadyDownState(nowMs: number, reason: DownReason): SiteState {
  const sinceMs = nowMs - HOUR_MS;
  return {
    status: 'DOWN',
    version: 7,
    consecutiveFailures: 2,
    consecutiveSuccesses: 0,
    statusSinceMs: sinceMs,
    outage: { sinceMs, reason, detail: `${reason} since an hour` },
    lastCheckId: `m${minuteOfEpoch(nowMs - MINUTE_MS)}`,
  };
}

/** The tasks the fan-out would enqueue for these sites this minute. */
export function checkTasks(sites: readonly SiteConfig[], nowMs: number): CheckTask[] {
  const state = steadyUpState(nowMs, false);
  return sites.map((site) => ({ checkId: `m${minuteOfEpoch(nowMs)}`, site, state }));
}

export async function createSitesTable(dynamodb: DynamoDBClient, tableName: string): Promise<void> {
  await dynamodb.send(new CreateTableCommand(sitesTableDefinition(tableName)));
}

/**
 * Writes site items (config and state side by side, as SiteStore keeps them), 25 per BatchWriteItem. Every
 * site is UP unless `downReasons` gives it a reason to be DOWN already.
 */
export async function seedSites(
  dynamodb: DynamoDBClient,
  tableName: string,
  sites: readonly SiteConfig[],
  nowMs: number,
  downReasons: readonly (DownReason | null)[] = [],
): Promise<{ itemBytes: number }> {
  const up = steadyUpState(nowMs, true);
  const stateOf = (index: number): SiteState => {
    const reason = downReasons[index];
    return reason ? steadyDownState(nowMs, reason) : up;
  };
  const limit = pLimit(8);
  let itemBytes = 0;
  const batches: Record<string, unknown>[][] = [];
  for (let start = 0; start < sites.length; start += 25) {
    batches.push(
      sites.slice(start, start + 25).map((site, offset) => ({ ...site, ...stateOf(start + offset) })),
    );
  }
  await Promise.all(
    batches.map((batch) =>
      limit(async () => {
        let requests = batch.map((item) => {
          const marshalled = marshall(item, { removeUndefinedValues: true });
          itemBytes += dynamoItemBytes(item) - MAP_OVERHEAD_BYTES;
          return { PutRequest: { Item: marshalled } };
        });
        // The emulator may hand some back as unprocessed; send those again.
        for (let attempt = 0; requests.length > 0 && attempt < 10; attempt++) {
          const { UnprocessedItems } = await dynamodb.send(
            new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }),
          );
          requests = (UnprocessedItems?.[tableName] ?? []) as typeof requests;
        }
        if (requests.length > 0) throw new Error(`${requests.length} site items not written to ${tableName}`);
      }),
    ),
  );
  return { itemBytes: itemBytes / Math.max(1, sites.length) };
}

/** DynamoDB's item size: attribute names plus values (strings as UTF-8, numbers ~ digits/2 + 1). */
export function dynamoItemBytes(value: unknown): number {
  if (value === null || value === undefined) return 1;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return Math.ceil(String(Math.abs(value)).replace('.', '').length / 2) + 1;
  if (typeof value === 'boolean') return 1;
  if (Array.isArray(value))
    return MAP_OVERHEAD_BYTES + value.reduce((sum: number, item) => sum + 1 + dynamoItemBytes(item), 0);
  return (
    MAP_OVERHEAD_BYTES +
    Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .reduce((sum, [key, v]) => sum + Buffer.byteLength(key) + dynamoItemBytes(v), 0)
  );
}
