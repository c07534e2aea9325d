import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  type ScanCommandInput,
  type ScanCommandOutput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { SNAPSHOT_OMITTED_FIELDS } from '../domain/check-message.ts';
import { parseSiteConfig, type SiteConfig } from '../domain/site.ts';
import { type OutboxEntry, parseSiteState, type SiteState, STATE_FIELDS } from '../domain/site-state.ts';
import { CallDeadline } from './call-deadline.ts';
import { scanPages } from './scan-pages.ts';
import { CONFIG_FIELDS, pick, RESERVED_KEY_PREFIX } from './site-item.ts';
import {
  acquireUpdate,
  completionUpdate,
  LEGACY_SWEEP_LEASE_KEY,
  progressUpdate,
  type ScanKey,
  type SegmentProgress,
  type SweepClaim,
  type SweepLease,
  type SweepLeaseItem,
  sweepLeaseKey,
  toHolder,
  toLeaseItem,
  toProgress,
} from './sweep-lease.ts';

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
  readonly segment: number;
  /** Where this page's segment stands once the page is handled: after its last key, or done. */
  readonly next: Exclude<SegmentProgress, 'start'>;
  readonly sites: readonly SiteRecord[];
  readonly invalid: readonly InvalidSiteItem[];
  /** Sweep lease items on this page: bookkeeping, never sites; the sweep deletes the old ones. */
  readonly leases: readonly SweepLeaseItem[];
}

export interface SiteStoreOptions {
  /** Bounds each call by the invocation's time left. @default a CallDeadline with only its call limit */
  readonly deadline?: CallDeadline;
}

/** DynamoDB access for site items: one item per site, config and state side by side. */
export class SiteStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #deadline: CallDeadline;

  constructor(client: DynamoDBClient, tableName: string, options: SiteStoreOptions = {}) {
    this.#doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.#tableName = tableName;
    this.#deadline = options.deadline ?? new CallDeadline();
  }

  /**
   * Every site, page by page, with `segments` parallel scan workers. The consumer handles each page as it
   * arrives, so memory stays bounded by the page size whatever the table size. `from` resumes a scan where an
   * earlier one got (one entry per segment): a finished segment is skipped, the others start after their key.
   */
  async scanSites(
    segments: number,
    onPage: (page: ScanPage) => Promise<void>,
    from: readonly SegmentProgress[] = [],
  ): Promise<void> {
    if (from.length > 0 && from.length !== segments) {
      throw new RangeError(`scan progress has ${from.length} segment(s), the scan ${segments}`);
    }
    // Once one segment fails, the others stop at their next page: a failed sweep must not go on scanning and
    // sending in the background (in Lambda, into a later invocation that thaws the environment).
    let hasFailed = false;
    const outcomes = await Promise.allSettled(
      Array.from({ length: segments }, async (_, segment) => {
        const start = from[segment] ?? 'start';
        if (start === 'done') return;
        const pages = this.#scanPages({
          TableName: this.#tableName,
          Segment: segment,
          TotalSegments: segments,
          ConsistentRead: false,
          ExclusiveStartKey: start === 'start' ? undefined : start.after,
        });
        try {
          for await (const page of pages) {
            if (hasFailed) return;
            await onPage(toScanPage(segment, page.Items ?? [], page.LastEvaluatedKey));
          }
        } catch (error) {
          hasFailed = true;
          throw error;
        }
      }),
    );
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
  }

  /** A strongly consistent read: used after a version conflict, when the snapshot is known to be stale. */
  async getSite(siteId: string): Promise<SiteRecord | undefined> {
    const { Item } = await this.#doc.send(
      new GetCommand({ TableName: this.#tableName, Key: { siteId }, ConsistentRead: true }),
      this.#call(),
    );
    return Item ? toSiteRecord(Item) : undefined;
  }

  /**
   * Writes `next` only if the item still has `expectedVersion` (and still exists), so of two checkers that
   * decided the same transition from the same state, exactly one commits it. Fields a check message's snapshot
   * leaves out (SNAPSHOT_OMITTED_FIELDS) are set when `next` has them and never removed: a state decided from a
   * snapshot must not erase them.
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
      const value = next[field];
      if (value === undefined && SNAPSHOT_OMITTED_FIELDS.includes(field)) return;
      names[`#s${index}`] = field;
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
   * Takes the lease of `minute`'s sweep: granted when nobody took it, or when its holder neither completed nor
   * renewed it in time (a crashed sweep, whose retry then continues from the progress it recorded). Refused
   * while another invocation holds it and after it completed: a duplicate event enqueues nothing.
   */
  async acquireSweep(minute: number, nowMs: number, leaseMs: number): Promise<SweepClaim> {
    const leaseUntilMs = nowMs + leaseMs;
    try {
      const { Attributes } = await this.#doc.send(
        new UpdateCommand({ TableName: this.#tableName, ...acquireUpdate(minute, nowMs, leaseUntilMs) }),
        this.#call(),
      );
      return {
        kind: 'acquired',
        lease: { minute, leaseUntilMs, progress: toProgress(Attributes?.progress) },
      };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // The document client does not unmarshall errors: the returned item is in DynamoDB's attribute format.
      return { kind: 'held', holder: toHolder((error as { Item?: Record<string, unknown> }).Item) };
    }
  }

  /**
   * Records how far `lease`'s sweep got: every page up to these positions is enqueued. Written only while the
   * lease is still this holder's ('lost' when a retry took it over).
   */
  async saveSweepProgress(
    lease: SweepLease,
    progress: readonly SegmentProgress[],
  ): Promise<'saved' | 'lost'> {
    const update = progressUpdate(lease, progress);
    const outcome = await this.#conditionally(new UpdateCommand({ TableName: this.#tableName, ...update }));
    return outcome === 'committed' ? 'saved' : 'lost';
  }

  /**
   * Marks `lease`'s minute swept, so a late duplicate event cannot take it over; its progress is dropped (the
   * item is read by every scan until it is deleted). 'lost' when a retry took the lease over meanwhile.
   */
  async completeSweep(lease: SweepLease): Promise<'completed' | 'lost'> {
    const update = completionUpdate(lease);
    const outcome = await this.#conditionally(new UpdateCommand({ TableName: this.#tableName, ...update }));
    return outcome === 'committed' ? 'completed' : 'lost';
  }

  /** Deletes a sweep lease item (one the scan passed); deleting one that is gone is not an error. */
  async deleteSweepLease(lease: SweepLeaseItem): Promise<void> {
    const key = lease.kind === 'legacy' ? LEGACY_SWEEP_LEASE_KEY : sweepLeaseKey(lease.minute);
    await this.#doc.send(
      new DeleteCommand({ TableName: this.#tableName, Key: { siteId: key } }),
      this.#call(),
    );
  }

  /**
   * The latest minute any sweep took a lease for (the legacy item included), or undefined. A whole scan, for
   * the local runtime's start only: the fan-out never calls it.
   */
  async latestSweptMinute(): Promise<number | undefined> {
    let latest: number | undefined;
    const pages = this.#scanPages({
      TableName: this.#tableName,
      FilterExpression: 'begins_with(#siteId, :prefix)',
      ProjectionExpression: '#siteId, #minute',
      ExpressionAttributeNames: { '#siteId': 'siteId', '#minute': 'minute' },
      ExpressionAttributeValues: { ':prefix': LEGACY_SWEEP_LEASE_KEY },
    });
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        if (typeof item.minute === 'number') latest = Math.max(latest ?? item.minute, item.minute);
      }
    }
    return latest;
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
        this.#call(),
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
      this.#call(),
    );
    return Attributes !== undefined;
  }

  #scanPages(input: ScanCommandInput): AsyncGenerator<ScanCommandOutput> {
    return scanPages(this.#doc, input, () => this.#call());
  }

  #call(): { readonly abortSignal: AbortSignal } {
    return { abortSignal: this.#deadline.signal() };
  }

  async #conditionally(command: UpdateCommand): Promise<'committed' | 'conflict'> {
    try {
      await this.#doc.send(command, this.#call());
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

function toScanPage(
  segment: number,
  items: readonly Record<string, unknown>[],
  lastKey: ScanKey | undefined,
): ScanPage {
  const sites: SiteRecord[] = [];
  const invalid: InvalidSiteItem[] = [];
  const leases: SweepLeaseItem[] = [];
  for (const item of items) {
    const siteId = String(item.siteId);
    if (siteId.startsWith(RESERVED_KEY_PREFIX)) {
      const lease = toLeaseItem(siteId);
      if (lease) leases.push(lease);
      continue;
    }
    try {
      sites.push(toSiteRecord(item));
    } catch (error) {
      invalid.push({ siteId, reason: (error as Error).message });
    }
  }
  return { segment, next: lastKey ? { after: lastKey } : 'done', sites, invalid, leases };
}

/** Splits an item into validated config and state. @throws SiteValidationError or SiteStateError. */
export function toSiteRecord(item: Record<string, unknown>): SiteRecord {
  return {
    config: parseSiteConfig(pick(item, CONFIG_FIELDS)),
    state: parseSiteState(pick(item, STATE_FIELDS)),
  };
}
