import {
  ConditionalCheckFailedException,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { ALL_OWNERS, type Channel, ChannelSchema } from '../domain/channels/channel.ts';
import { printableText, truncateText } from '../domain/schema-parts.ts';
import { CallDeadline } from './call-deadline.ts';
import { scanPages } from './scan-pages.ts';

/** The channels table as the stack defines it (owner + channelId, on demand), for the emulators and tests. */
export const channelsTableDefinition = (tableName: string): CreateTableCommandInput => ({
  TableName: tableName,
  KeySchema: [
    { AttributeName: 'owner', KeyType: 'HASH' },
    { AttributeName: 'channelId', KeyType: 'RANGE' },
  ],
  AttributeDefinitions: [
    { AttributeName: 'owner', AttributeType: 'S' },
    { AttributeName: 'channelId', AttributeType: 'S' },
  ],
  BillingMode: 'PAY_PER_REQUEST',
});

/** `put` of a channel id the owner already has: ids are random, so this is a retried subscribe or a bug. */
export class ChannelIdTakenError extends Error {
  override name = 'ChannelIdTakenError';
  readonly code = 'CHANNEL_ID_TAKEN';
}

/** An item in the channels table that is not a channel (a hand edit, an older shape). Names the key only. */
export class InvalidChannelItemError extends Error {
  override name = 'InvalidChannelItemError';
  readonly code = 'INVALID_CHANNEL_ITEM';
}

/** An item a listing could not use, reported to `onInvalidItem`. */
export interface InvalidChannelItem {
  readonly owner: string;
  readonly channelId: string;
  readonly reason: string;
}

export interface ChannelStoreOptions {
  /** Bounds each call by the invocation's time left. @default a CallDeadline with only its call limit */
  readonly deadline?: CallDeadline;
  /**
   * Where listings report an item they cannot use, and skip it (one bad item must not hold back an owner's
   * other channels). Without it a listing throws InvalidChannelItemError. `get` always throws.
   */
  readonly onInvalidItem?: (item: InvalidChannelItem) => void;
}

/** DynamoDB access to the channels table: one item per channel, keyed by owner and channel id, no secrets. */
export class ChannelStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #deadline: CallDeadline;
  readonly #onInvalidItem: ((item: InvalidChannelItem) => void) | undefined;

  constructor(dynamodb: DynamoDBClient, tableName: string, options: ChannelStoreOptions = {}) {
    this.#doc = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
    this.#tableName = tableName;
    this.#deadline = options.deadline ?? new CallDeadline();
    this.#onInvalidItem = options.onInvalidItem;
  }

  /**
   * Stores a new channel. @throws InvalidChannelItemError when it is not a valid channel, ChannelIdTakenError
   * when its owner already has a channel with that id (never overwritten: that would orphan a secret).
   */
  async put(channel: Channel): Promise<void> {
    const item = toChannel(channel as Record<string, unknown>);
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.#tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#channelId)',
          ExpressionAttributeNames: { '#channelId': 'channelId' },
        }),
        this.#call(),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      throw new ChannelIdTakenError(`owner ${item.owner} already has a channel ${item.channelId}`, {
        cause: error,
      });
    }
  }

  /** One channel, or undefined when there is none. @throws InvalidChannelItemError for an item that is not a channel. */
  async get(owner: string, channelId: string): Promise<Channel | undefined> {
    const { Item } = await this.#doc.send(
      new GetCommand({ TableName: this.#tableName, Key: { owner, channelId } }),
      this.#call(),
    );
    return Item === undefined ? undefined : toChannel(Item);
  }

  /** Every channel that receives `owner`'s alerts: the owner's own and those of ALL_OWNERS ('*'). */
  async listForOwner(owner: string): Promise<Channel[]> {
    const owners = owner === ALL_OWNERS ? [ALL_OWNERS] : [owner, ALL_OWNERS];
    const lists = await Promise.all(owners.map((each) => this.#query(each)));
    return lists.flat();
  }

  /** Every channel of every owner (the CLI's listing): a paginated Scan. */
  async listAll(): Promise<Channel[]> {
    const channels: Channel[] = [];
    const pages = scanPages(this.#doc, { TableName: this.#tableName }, () => this.#call());
    for await (const page of pages) channels.push(...this.#usable(page.Items ?? []));
    return channels;
  }

  /** Deletes a channel; false when there was none. */
  async delete(owner: string, channelId: string): Promise<boolean> {
    const { Attributes } = await this.#doc.send(
      new DeleteCommand({ TableName: this.#tableName, Key: { owner, channelId }, ReturnValues: 'ALL_OLD' }),
      this.#call(),
    );
    return Attributes !== undefined;
  }

  /**
   * Records that the channel answered a permanent failure. True only for the call that set it: the owner is
   * told once, however many deliveries fail at once. False when it was already broken or is gone.
   */
  async markBroken(owner: string, channelId: string, atMs: number, detail: string): Promise<boolean> {
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: { owner, channelId },
          UpdateExpression: 'SET #since = :since, #detail = :detail',
          ConditionExpression: 'attribute_exists(#channelId) AND attribute_not_exists(#since)',
          ExpressionAttributeNames: {
            '#channelId': 'channelId',
            '#since': 'brokenSinceMs',
            '#detail': 'brokenDetail',
          },
          ExpressionAttributeValues: { ':since': atMs, ':detail': truncateText(printableText(detail)) },
        }),
        this.#call(),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Forgets a permanent failure (the channel delivered again). Nothing happens when it was not broken or is gone. */
  async clearBroken(owner: string, channelId: string): Promise<void> {
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: { owner, channelId },
          UpdateExpression: 'REMOVE #since, #detail',
          // Without it an update of a deleted channel would create a key-only item.
          ConditionExpression: 'attribute_exists(#since)',
          ExpressionAttributeNames: { '#since': 'brokenSinceMs', '#detail': 'brokenDetail' },
        }),
        this.#call(),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async #query(owner: string): Promise<Channel[]> {
    const channels: Channel[] = [];
    const input: QueryCommandInput = {
      TableName: this.#tableName,
      KeyConditionExpression: '#owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': owner },
    };
    let startKey: QueryCommandInput['ExclusiveStartKey'];
    do {
      const page = await this.#doc.send(
        new QueryCommand({ ...input, ExclusiveStartKey: startKey }),
        this.#call(),
      );
      channels.push(...this.#usable(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return channels;
  }

  #usable(items: readonly Record<string, unknown>[]): Channel[] {
    const channels: Channel[] = [];
    for (const item of items) {
      try {
        channels.push(toChannel(item));
      } catch (error) {
        if (this.#onInvalidItem === undefined || !(error instanceof InvalidChannelItemError)) throw error;
        this.#onInvalidItem({
          owner: String(item.owner),
          channelId: String(item.channelId),
          reason: error.message,
        });
      }
    }
    return channels;
  }

  #call(): { readonly abortSignal: AbortSignal } {
    return { abortSignal: this.#deadline.signal() };
  }
}

/** Validates an item as a channel. @throws InvalidChannelItemError naming the key and the bad fields. */
export function toChannel(item: Record<string, unknown>): Channel {
  const parsed = v.safeParse(ChannelSchema, item);
  if (parsed.success) return parsed.output;
  const problems = parsed.issues.map(
    (issue) =>
      `${v.getDotPath(issue) ?? '(item)'}: ${issue.input === undefined ? 'missing' : `expected ${issue.expected ?? issue.type}`}`,
  );
  throw new InvalidChannelItemError(
    `channel item ${String(item.owner)}/${String(item.channelId)} is invalid: ${problems.join('; ')}`,
  );
}

const isConditionalCheckFailed = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error as Error).name === 'ConditionalCheckFailedException';
