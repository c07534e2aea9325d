import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CallDeadline } from '../../functions/adapters/call-deadline.ts';
import { CONFIG_FIELDS } from '../../functions/adapters/site-item.ts';
import { type ScanPage, SiteStore } from '../../functions/adapters/site-store.ts';
import { INITIAL_STATE, type SiteState, STATE_FIELDS } from '../../functions/domain/site-state.ts';
import { type DynamoEmulator, startDynamoEmulator } from '../support/dynamo-emulator.ts';
import { anAlert, aSite } from '../support/fixtures.ts';
import {
  LOCAL_CLIENT,
  type SilentServer,
  startSilentServer,
  timeRejection,
} from '../support/silent-server.ts';

const downState = (version: number): SiteState => ({
  ...INITIAL_STATE,
  status: 'DOWN',
  version,
  consecutiveFailures: 2,
  statusSinceMs: 1_000,
  outage: { sinceMs: 500, reason: 'timeout', detail: 'timed out' },
  lastCheckId: 'm100',
  pendingAlerts: { 'example:1': { alert: anAlert({ alertId: 'example:1' }), claimedUntilMs: 60_000 } },
});

describe('SiteStore against the DynamoDB emulator', () => {
  let emulator: DynamoEmulator;
  let store: SiteStore;
  let table = 0;

  beforeAll(async () => {
    emulator = await startDynamoEmulator();
  });
  afterAll(() => emulator.stop());
  beforeEach(async () => {
    const tableName = `sites-${++table}`;
    await emulator.createSitesTable(tableName);
    store = new SiteStore(emulator.client, tableName);
  });

  it('stores a new site with defaults and reads it back as UNKNOWN, version 1', async () => {
    // Prepare
    const site = aSite({ siteId: 'shop', url: 'https://shop.example.com/health', owner: 'alice' });

    // Act
    await store.putSiteConfig(site);
    const record = await store.getSite('shop');

    // Assess
    expect(record?.config).toEqual(site);
    expect(record?.state).toMatchObject({ status: 'UNKNOWN', version: 1, consecutiveFailures: 0 });
  });

  it('refuses to put another URL under an id that is taken, and updates the same URL in place', async () => {
    // Prepare
    await store.putSiteConfig(aSite({ siteId: 'shop', url: 'https://shop.example.com/' }));

    // Act
    const other = await store.putSiteConfig(aSite({ siteId: 'shop', url: 'https://evil.example.com/' }));
    const same = await store.putSiteConfig(
      aSite({ siteId: 'shop', url: 'https://shop.example.com/', owner: 'bob' }),
    );

    // Assess
    expect({ other, same }).toEqual({ other: 'id-taken', same: 'written' });
    const record = await store.getSite('shop');
    expect(record?.config).toMatchObject({ url: 'https://shop.example.com/', owner: 'bob' });
    expect(record?.state.version).toBe(2);
  });

  it('pauses and resumes with a version bump, and says when there is no such site', async () => {
    // Prepare
    await store.putSiteConfig(aSite());

    // Act
    const paused = await store.setEnabled('example', false);
    const pausedAgain = await store.setEnabled('example', false);
    const missing = await store.setEnabled('nope', false);

    // Assess
    expect({ paused, pausedAgain, missing }).toEqual({
      paused: { wasEnabled: true },
      pausedAgain: { wasEnabled: false },
      missing: undefined,
    });
    const record = await store.getSite('example');
    expect(record?.config.enabled).toBe(false);
    expect(record?.state.version).toBe(3);
    expect(await store.getSite('nope')).toBeUndefined();
  });

  it('commits a transition only when the version matches, so two racing checkers commit it once', async () => {
    // Prepare
    await store.putSiteConfig(aSite());
    const next = downState(2);

    // Act
    const outcomes = await Promise.all([
      store.commitState('example', 1, next),
      store.commitState('example', 1, next),
      store.commitState('example', 1, next),
    ]);

    // Assess
    expect(outcomes.filter((outcome) => outcome === 'committed')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'conflict')).toHaveLength(2);
    expect((await store.getSite('example'))?.state).toEqual(next);
  });

  it('removes state fields the next state no longer has (the outage ends with UP)', async () => {
    // Prepare
    await store.putSiteConfig(aSite());
    await store.commitState('example', 1, downState(2));
    const up: SiteState = {
      ...INITIAL_STATE,
      status: 'UP',
      version: 3,
      statusSinceMs: 2_000,
      lastCheckId: 'm101',
    };

    // Act
    const outcome = await store.commitState('example', 2, up);

    // Assess
    expect(outcome).toBe('committed');
    expect((await store.getSite('example'))?.state).toEqual(up);
  });

  it('keeps the stored last check when a state decided from a snapshot (which leaves it out) commits', async () => {
    // Prepare: an UP check is stored; the next commit was decided from a message's snapshot
    await store.putSiteConfig(aSite());
    const lastCheck = { atMs: 1_000, up: true, status: 200, latencyMs: 12 };
    await store.commitState('example', 1, { ...INITIAL_STATE, status: 'UP', version: 2, lastCheck });
    const fromSnapshot: SiteState = {
      ...INITIAL_STATE,
      status: 'UP',
      version: 3,
      checkFault: {
        sinceMs: 2_000,
        reason: 'blocked-address',
        detail: 'blocked',
        faults: 1,
        isAnnounced: true,
      },
    };

    // Act
    await store.commitState('example', 2, fromSnapshot);

    // Assess
    expect((await store.getSite('example'))?.state).toEqual({ ...fromSnapshot, lastCheck });
  });

  it('writes the last incident an UP transition sets, and keeps it through commits decided from snapshots', async () => {
    // Prepare: DOWN stored; the UP commit ends the outage and sets lastIncident
    await store.putSiteConfig(aSite());
    await store.commitState('example', 1, downState(2));
    const lastIncident = {
      startMs: 500,
      confirmedMs: 1_000,
      endMs: 2_000,
      reason: 'timeout' as const,
      detail: 'timed out',
    };
    const up: SiteState = { ...INITIAL_STATE, status: 'UP', version: 3, statusSinceMs: 2_000, lastIncident };
    // A later check decided from a check message's snapshot, which leaves lastIncident out
    const fromSnapshot: SiteState = { ...INITIAL_STATE, status: 'UP', version: 4, statusSinceMs: 2_000 };

    // Act
    await store.commitState('example', 2, up);
    const afterUp = (await store.getSite('example'))?.state;
    await store.commitState('example', 3, fromSnapshot);

    // Assess
    expect(afterUp?.lastIncident).toEqual(lastIncident);
    expect((await store.getSite('example'))?.state).toEqual({ ...fromSnapshot, lastIncident });
  });

  it('does not resurrect a deleted site when a late checker commits', async () => {
    // Prepare
    await store.putSiteConfig(aSite());
    await store.deleteSite('example');

    // Act
    const outcome = await store.commitState('example', 1, downState(2));

    // Assess
    expect(outcome).toBe('conflict');
    expect(await store.getSite('example')).toBeUndefined();
  });

  it('lets one publisher claim an expired outbox entry and bumps the version', async () => {
    // Prepare
    await store.putSiteConfig(aSite());
    const state = downState(2);
    await store.commitState('example', 1, state);
    const entry = state.pendingAlerts?.['example:1'];
    if (!entry) throw new Error('fixture has no pending alert');

    // Act
    const claims = await Promise.all([
      store.claimAlert('example', entry, 200_000),
      store.claimAlert('example', entry, 200_000),
    ]);

    // Assess
    expect(claims.filter(Boolean)).toHaveLength(1);
    const stored = await store.getSite('example');
    expect(stored?.state.pendingAlerts?.['example:1']?.claimedUntilMs).toBe(200_000);
    expect(stored?.state.version).toBe(3);
  });

  it('clears a published alert once, idempotently, and bumps the version so stale snapshots conflict', async () => {
    // Prepare
    await store.putSiteConfig(aSite());
    await store.commitState('example', 1, downState(2));

    // Act
    await store.clearAlert('example', 'example:1');
    await store.clearAlert('example', 'example:1');

    // Assess
    const stored = await store.getSite('example');
    expect(stored?.state.pendingAlerts).toEqual({});
    expect(stored?.state.version).toBe(3);
    expect(await store.commitState('example', 2, downState(3))).toBe('conflict');
  });

  it('grants each minute’s sweep once: a duplicate is refused while it runs and after it completed, other minutes are not', async () => {
    // Prepare
    const minute = 29_000_000;

    // Act
    const first = await store.acquireSweep(minute, 10_000, 45_000);
    const duplicate = await store.acquireSweep(minute, 11_000, 45_000);
    const next = await store.acquireSweep(minute + 1, 70_000, 45_000);
    if (first.kind !== 'acquired') throw new Error('first acquire refused');
    const completion = await store.completeSweep(first.lease);
    const afterCompletion = await store.acquireSweep(minute, 200_000, 45_000);
    // Lambda's retry of a minute comes after the next minute swept: it is judged by its own minute's lease.
    const earlier = await store.acquireSweep(minute - 1, 80_000, 45_000);

    // Assess
    expect(first).toEqual({ kind: 'acquired', lease: { minute, leaseUntilMs: 55_000, progress: [] } });
    expect({ duplicate, afterCompletion }).toEqual({
      duplicate: { kind: 'held', holder: undefined },
      afterCompletion: { kind: 'held', holder: undefined },
    });
    expect(completion).toBe('completed');
    expect(next.kind).toBe('acquired');
    expect(earlier.kind).toBe('acquired');
  });

  it('lets a retry take over an expired lease with its progress, and fences the crashed holder out', async () => {
    // Prepare: a sweep recorded progress, then stopped answering
    const minute = 29_000_000;
    const crashed = await store.acquireSweep(minute, 10_000, 45_000);
    if (crashed.kind !== 'acquired') throw new Error('first acquire refused');
    const progress = [{ after: { siteId: 'site-7' } }, 'done', 'start'] as const;
    const saved = await store.saveSweepProgress(crashed.lease, progress);

    // Act
    const tooEarly = await store.acquireSweep(minute, 54_000, 45_000);
    const retry = await store.acquireSweep(minute, 70_000, 45_000);
    const lateSave = await store.saveSweepProgress(crashed.lease, ['done', 'done', 'done']);
    const lateCompletion = await store.completeSweep(crashed.lease);

    // Assess
    expect({ saved, tooEarly: tooEarly.kind, lateSave, lateCompletion }).toEqual({
      saved: 'saved',
      tooEarly: 'held',
      lateSave: 'lost',
      lateCompletion: 'lost',
    });
    expect(retry).toEqual({ kind: 'acquired', lease: { minute, leaseUntilMs: 115_000, progress } });
  });

  it('deletes lease items, and finds the latest minute swept (the legacy single lease included)', async () => {
    // Prepare
    await store.acquireSweep(100, 0, 1_000);
    await store.acquireSweep(102, 0, 1_000);
    await emulator.client.send(
      new PutItemCommand({
        TableName: `sites-${table}`,
        Item: marshall({ siteId: '#sweep', minute: 101, completed: true }),
      }),
    );
    const before = await store.latestSweptMinute();

    // Act
    await store.deleteSweepLease({ kind: 'minute', minute: 102 });
    await store.deleteSweepLease({ kind: 'legacy' });
    await store.deleteSweepLease({ kind: 'minute', minute: 999 });

    // Assess
    expect(before).toBe(102);
    expect(await store.latestSweptMinute()).toBe(100);
    await store.deleteSweepLease({ kind: 'minute', minute: 100 });
    expect(await store.latestSweptMinute()).toBeUndefined();
  });

  it('scans every site once across parallel segments, skips bookkeeping items and reports invalid ones', async () => {
    // Prepare
    const count = 250;
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        store.putSiteConfig(aSite({ siteId: `site-${i}`, url: `https://s${i}.example.com/` })),
      ),
    );
    await store.acquireSweep(1, 0, 1_000);
    for (const item of [
      { siteId: 'broken', url: 'ftp://example.com/', intervalMinutes: 0 },
      { siteId: '#sweep', minute: 1, completed: true },
      { siteId: '#other', note: 'bookkeeping of another kind' },
    ]) {
      await emulator.client.send(new PutItemCommand({ TableName: `sites-${table}`, Item: marshall(item) }));
    }
    const pages: ScanPage[] = [];

    // Act
    await store.scanSites(4, async (page) => {
      pages.push(page);
    });

    // Assess
    const ids = pages.flatMap((page) => page.sites.map((site) => site.config.siteId));
    expect(new Set(ids).size).toBe(count);
    expect(ids).toHaveLength(count);
    const invalid = pages.flatMap((page) => page.invalid);
    expect(invalid).toHaveLength(1);
    expect(invalid[0]?.siteId).toBe('broken');
    expect(invalid[0]?.reason).toMatch(/url scheme must be http or https, got "ftp"/);
    expect(invalid[0]?.reason).toMatch(/intervalMinutes must be a whole number from 1 to 60, got 0/);
    const leases = pages.flatMap((page) => page.leases);
    expect(leases).toEqual(expect.arrayContaining([{ kind: 'minute', minute: 1 }, { kind: 'legacy' }]));
    expect(leases).toHaveLength(2);
    expect(pages.every((page) => page.next === 'done' || typeof page.next.after.siteId === 'string')).toBe(
      true,
    );
  });

  it('resumes each segment after its recorded key and skips the finished ones', async () => {
    // Prepare: a full scan gives each segment's order
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        store.putSiteConfig(aSite({ siteId: `site-${i}`, url: `https://s${i}.example.com/` })),
      ),
    );
    const order: string[][] = [[], []];
    await store.scanSites(2, async (page) => {
      order[page.segment]?.push(...page.sites.map((site) => site.config.siteId));
    });
    const resumeAfter = order[0]?.[9] ?? 'missing';
    const resumed: string[] = [];

    // Act
    await store.scanSites(
      2,
      async (page) => {
        resumed.push(...page.sites.map((site) => site.config.siteId));
      },
      [{ after: { siteId: resumeAfter } }, 'done'],
    );

    // Assess
    expect(order[0]?.length).toBeGreaterThan(10);
    expect(resumed).toEqual(order[0]?.slice(10));
    await expect(store.scanSites(4, async () => {}, ['done'])).rejects.toThrow(
      'scan progress has 1 segment(s), the scan 4',
    );
  });
});

describe('SiteStore with a mocked client', () => {
  // Mocking patches the class for every instance: install it only around these tests.
  let documentClient: AwsClientStub<DynamoDBDocumentClient>;
  beforeAll(() => {
    documentClient = mockClient(DynamoDBDocumentClient);
  });
  afterEach(() => documentClient.reset());
  afterAll(() => documentClient.restore());

  it('turns ConditionalCheckFailedException on a transition into a conflict, not an error', async () => {
    // Prepare
    documentClient
      .on(UpdateCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    const store = new SiteStore(new DynamoDBClient({ region: 'us-east-1' }), 'sites');

    // Act
    const outcome = await store.commitState('example', 4, downState(5));

    // Assess
    expect(outcome).toBe('conflict');
    const input = documentClient.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe('attribute_exists(#siteId) AND #version = :expected');
    expect(input?.ExpressionAttributeValues?.[':expected']).toBe(4);
  });

  it('says what a refused sweep lease lost to, from the item DynamoDB returns with the failure', async () => {
    // Prepare
    documentClient.on(UpdateCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'no',
        $metadata: {},
        Item: marshall({ siteId: '#sweep#5', minute: 5, completed: false, leaseUntilMs: 345_000 }),
      }),
    );
    const store = new SiteStore(new DynamoDBClient({ region: 'us-east-1' }), 'sites');

    // Act
    const claim = await store.acquireSweep(5, 300_000, 45_000);

    // Assess
    expect(claim).toEqual({ kind: 'held', holder: { completed: false, leaseUntilMs: 345_000 } });
    expect(documentClient.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      Key: { siteId: '#sweep#5' },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('lets other DynamoDB errors through so the message is retried', async () => {
    // Prepare
    documentClient
      .on(UpdateCommand)
      .rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    const store = new SiteStore(new DynamoDBClient({ region: 'us-east-1' }), 'sites');

    // Act
    const commit = store.commitState('example', 4, downState(5));

    // Assess
    await expect(commit).rejects.toThrow('throttled');
  });
});

describe('SiteStore against an endpoint that never answers', () => {
  let silent: SilentServer;
  let client: DynamoDBClient;
  beforeAll(async () => {
    silent = await startSilentServer();
    client = new DynamoDBClient({ ...LOCAL_CLIENT, endpoint: silent.url });
  });
  afterAll(async () => {
    client.destroy();
    await silent.close();
  });

  it.each([
    { call: 'GetItem', run: (store: SiteStore) => store.getSite('example') },
    { call: 'Scan', run: (store: SiteStore) => store.scanSites(2, async () => {}) },
  ])('aborts a $call when the invocation’s 300 ms are up', async ({ run }) => {
    // Prepare
    const deadline = new CallDeadline();
    deadline.startInvocation(Date.now() + 300);
    const store = new SiteStore(client, 'sites', { deadline });

    // Act
    const { error, elapsedMs } = await timeRejection(() => run(store));

    // Assess
    expect(error.name).toBe('AbortError');
    expect(elapsedMs).toBeGreaterThanOrEqual(250);
    expect(elapsedMs).toBeLessThan(3_000);
  });
});

describe('site item layout', () => {
  it('keeps config and state attribute names apart (one item holds both)', () => {
    // Assess
    expect(CONFIG_FIELDS.filter((field) => (STATE_FIELDS as readonly string[]).includes(field))).toEqual([]);
  });
});
