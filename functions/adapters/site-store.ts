import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateScan,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { parseSiteConfig, type SiteConfig } from '../domain/site.ts';
import { type OutboxEntry, parseSiteState, type SiteState, STATE_FIELDS } from '../domain/site-state.ts';
import { CONFIG_FIELDS, pick, RESERVED_KEY_PREFIX } from './site-item.ts';

export interface SiteRecord {
  readonly config: SiteConfig;
  readonly state: SiteState;
}

/** An item the scan found but could not use: reported, never silently skipped. */
export interface InvalidSiteItem {
  readonly siteId: string;
  readonly reason: string;
}

export interface ScanPage {
  readonly sites: readonly SiteRecord[];
  readonly invalid: readonly InvalidSiteItem[];
}

/** The one bookkeeping item: which minute was swept last (its `minute` attribute), and by whom. */
export const SWEEP_LEASE_KEY = `${RESERVED_KEY_PREFIX}sweep`;

/** DynamoDB access for site items: one item per site, config and state side by side. */
export class SiteStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(client: DynamoDBClient, tableName: string) {
    this.#doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.#tableName = tableName;
  }

  /**
   * Every site, page by page, with `segments` parallel scan workers. The consumer handles each page as it
   * arrives, so memory stays bounded by the page size whatever the table size.
   */
  async scanSites(segments: number, onPage: (page: ScanPage) => Promise<void>): Promise<void> {
    await Promise.all(
      Array.from({ length: segments }, async (_, segment) => {
        const pages = paginateScan(
          { client: this.#doc },
          { TableName: this.#tableName, Segment: segment, TotalSegments: segments, ConsistentRead: false },
        );
        for await (const page of pages) await onPage(toScanPage(page.Items ?? []));
      }),
    );
  }

  /** A strongly consistent read: used after a version conflict, when the snapshot is known to be stale. */
  async getSite(siteId: string): Promise<SiteRecord | undefined> {
    const { Item } = await this.#doc.send(
      new GetCommand({ TableName: this.#tableName, Key: { siteId }, ConsistentRead: true }),
    );
    return Item ? toSiteRecord(Item) : undefined;
  }

  /**
   * Writes `next` only if the item still has `expectedVersion` (and still exists), so of two checkers that
   * decided the same transition from the same state, exactly one commits it.
   */
  async commitState(
    siteId: string,
    expectedVersion: number,
    next: SiteState,
  ): Promise<'committed' | 'conflict'> {
    const names: Record<string, string> = { '#siteId': 'siteId', '#version': 'version' };
    const values: Record<string, unknown> = { ':expected': expectedVersion };
    const sets: string[] = [];
    const removes: string[] = [];
    STATE_FIELDS.forEach((field, index) => {
      names[`#s${index}`] = field;
      const value = next[field];
      if (value === undefined) removes.push(`#s${index}`);
      else {
        values[`:s${index}`] = value;
        sets.push(`#s${index} = :s${index}`);
      }
    });
    const condition =
      expectedVersion === 0
        ? 'attribute_exists(#siteId) AND (attribute_not_exists(#version) OR #version = :expected)'
        : 'attribute_exists(#siteId) AND #version = :expected';
    const update = `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`;
    return this.#conditionally(
      new UpdateCommand({
        TableName: this.#tableName,
        Key: { siteId },
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  /**
   * Claims a pending alert for publishing until `claimedUntilMs`, if nobody else holds an unexpired claim.
   * Bumps the version so that a checker holding an older snapshot cannot write the outbox back.
   */
  async claimAlert(siteId: string, entry: OutboxEntry, claimedUntilMs: number): Promise<boolean> {
    const outcome = await this.#conditionally(
      new UpdateCommand({
        TableName: this.#tableName,
        Key: { siteId },
        UpdateExpression: 'SET #outbox.#alertId.#claim = :until ADD #version :one',
        ConditionExpression: '#outbox.#alertId.#claim = :seen',
        ExpressionAttributeNames: {
          '#outbox': 'pendingAlerts',
          '#alertId': entry.alert.alertId,
          '#claim': 'claimedUntilMs',
          '#version': 'version',
        },
        ExpressionAttributeValues: { ':until': claimedUntilMs, ':seen': entry.claimedUntilMs, ':one': 1 },
      }),
    );
    return outcome === 'committed';
  }

  /** Removes an alert SNS has accepted. Idempotent: clearing an alert twice is not an error. */
  async clearAlert(siteId: string, alertId: string): Promise<void> {
    await this.#conditionally(
      new UpdateCommand({
        TableName: this.#tableName,
        Key: { siteId },
        UpdateExpression: 'REMOVE #outbox.#alertId ADD #version :one',
        ConditionExpression: 'attribute_exists(#outbox.#alertId)',
        ExpressionAttributeNames: { '#outbox': 'pendingAlerts', '#alertId': alertId, '#version': 'version' },
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
  }

  /**
   * Takes the sweep for `minute`: true for the first caller, false for a duplicate event of the same minute
   * or an older one. A sweep that started but never completed can be taken over once its lease expires.
   */
  async acquireSweep(minute: number, nowMs: number, leaseMs: number): Promise<boolean> {
    const outcome = await this.#conditionally(
      new PutCommand({
        TableName: this.#tableName,
        Item: { siteId: SWEEP_LEASE_KEY, minute, completed: false, leaseUntilMs: nowMs + leaseMs },
        ConditionExpression:
          'attribute_not_exists(#minute) OR #minute < :minute OR (#minute = :minute AND #completed = :false AND #leaseUntilMs < :now)',
        ExpressionAttributeNames: {
          '#minute': 'minute',
          '#completed': 'completed',
          '#leaseUntilMs': 'leaseUntilMs',
        },
        ExpressionAttributeValues: { ':minute': minute, ':false': false, ':now': nowMs },
      }),
    );
    return outcome === 'committed';
  }

  /** Marks the sweep of `minute` complete, so a late duplicate event cannot take it over. */
  async completeSweep(minute: number): Promise<void> {
    await this.#conditionally(
      new UpdateCommand({
        TableName: this.#tableName,
        Key: { siteId: SWEEP_LEASE_KEY },
        UpdateExpression: 'SET #completed = :true',
        ConditionExpression: '#minute = :minute',
        ExpressionAttributeNames: { '#minute': 'minute', '#completed': 'completed' },
        ExpressionAttributeValues: { ':minute': minute, ':true': true },
      }),
    );
  }

  /**
   * Creates a site or updates its configuration, keeping its state; bumps the version so checkers holding an
   * older snapshot re-read it. Refuses (`id-taken`) when the id already belongs to another URL.
   */
  async putSiteConfig(config: SiteConfig): Promise<'written' | 'id-taken'> {
    const names: Record<string, string> = { '#siteId': 'siteId', '#url': 'url', '#version': 'version' };
    const values: Record<string, unknown> = { ':one': 1, ':url': config.url };
    const sets = CONFIG_FIELDS.filter((field) => field !== 'siteId' && config[field] !== undefined).map(
      (field, index) => {
        names[`#c${index}`] = field;
        values[`:c${index}`] = config[field];
        return `#c${index} = :c${index}`;
      },
    );
    const outcome = await this.#conditionally(
      new UpdateCommand({
        TableName: this.#tableName,
        Key: { siteId: config.siteId },
        UpdateExpression: `SET ${sets.join(', ')} ADD #version :one`,
        ConditionExpression: 'attribute_not_exists(#siteId) OR #url = :url',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
    return outcome === 'committed' ? 'written' : 'id-taken';
  }

  /**
   * Pauses or resumes a site in one conditional write that also bumps the version, so a checker holding an
   * older snapshot cannot commit over the change. Undefined when there is no such site.
   */
  async setEnabled(siteId: string, enabled: boolean): Promise<{ readonly wasEnabled: boolean } | undefined> {
    try {
      const { Attributes } = await this.#doc.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: { siteId },
          UpdateExpression: 'SET #enabled = :enabled ADD #version :one',
          ConditionExpression: 'attribute_exists(#siteId)',
          ExpressionAttributeNames: { '#siteId': 'siteId', '#enabled': 'enabled', '#version': 'version' },
          ExpressionAttributeValues: { ':enabled': enabled, ':one': 1 },
          ReturnValues: 'UPDATED_OLD',
        }),
      );
      return { wasEnabled: Attributes?.enabled !== false };
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  /** Deletes a site; false when there was none. */
  async deleteSite(siteId: string): Promise<boolean> {
    const { Attributes } = await this.#doc.send(
      new DeleteCommand({ TableName: this.#tableName, Key: { siteId }, ReturnValues: 'ALL_OLD' }),
    );
    return Attributes !== undefined;
  }

  async #conditionally(command: UpdateCommand | PutCommand): Promise<'committed' | 'conflict'> {
    try {
      await this.#doc.send(command as UpdateCommand);
      return 'committed';
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'conflict';
      throw error;
    }
  }
}

const isConditionalCheckFailed = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error as Error).name === 'ConditionalCheckFailedException';

function toScanPage(items: readonly Record<string, unknown>[]): ScanPage {
  const sites: SiteRecord[] = [];
  const invalid: InvalidSiteItem[] = [];
  for (const item of items) {
    const siteId = String(item.siteId);
    if (siteId.startsWith(RESERVED_KEY_PREFIX)) continue;
    try {
      sites.push(toSiteRecord(item));
    } catch (error) {
      invalid.push({ siteId, reason: (error as Error).message });
    }
  }
  return { sites, invalid };
}

/** Splits an item into validated config and state. @throws SiteValidationError or SiteStateError. */
export function toSiteRecord(item: Record<string, unknown>): SiteRecord {
  return {
    config: parseSiteConfig(pick(item, CONFIG_FIELDS)),
    state: parseSiteState(pick(item, STATE_FIELDS)),
  };
}
