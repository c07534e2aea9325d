import {
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CallDeadline } from '../../functions/adapters/call-deadline.ts';
import {
  ChannelIdTakenError,
  ChannelStore,
  channelsTableDefinition,
  type InvalidChannelItem,
  InvalidChannelItemError,
} from '../../functions/adapters/channel-store.ts';
import type { Channel } from '../../functions/domain/channels/channel.ts';
import { type DynamoEmulator, startDynamoEmulator } from '../support/dynamo-emulator.ts';
import {
  LOCAL_CLIENT,
  type SilentServer,
  startSilentServer,
  timeRejection,
} from '../support/silent-server.ts';

const aChannel = (overrides: Partial<Channel> = {}): Channel => ({
  owner: 'alice',
  channelId: 'ch-abcdefghij',
  kind: 'slack',
  label: 'hooks.slack.com/services/T01…',
  secretName: '/uptime-squirrel/local/channels/ch-abcdefghij',
  createdAtMs: 1_700_000_000_000,
  ...overrides,
});
const idOf = (n: number): string => `ch-${String.fromCharCode(97 + n).repeat(10)}`;

/** A client of the emulator that counts the calls of each command its stores make. */
function countingClient(endpoint: string): { client: DynamoDBClient; calls: Map<string, number> } {
  const client = new DynamoDBClient({ ...LOCAL_CLIENT, endpoint });
  const calls = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => (args) => {
      calls.set(context.commandName ?? '?', (calls.get(context.commandName ?? '?') ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize' },
  );
  return { client, calls };
}

describe('ChannelStore against the DynamoDB emulator', () => {
  let emulator: DynamoEmulator;
  let store: ChannelStore;
  let tableName = '';
  let table = 0;

  beforeAll(async () => {
    emulator = await startDynamoEmulator();
  });
  afterAll(() => emulator.stop());
  beforeEach(async () => {
    tableName = `channels-${++table}`;
    await emulator.client.send(new CreateTableCommand(channelsTableDefinition(tableName)));
    await waitUntilTableExists(
      { client: emulator.client, maxWaitTime: 10, minDelay: 1, maxDelay: 1 },
      { TableName: tableName },
    );
    store = new ChannelStore(emulator.client, tableName);
  });

  it('stores a channel, reads it back, and refuses the same id for the same owner', async () => {
    // Prepare
    const channel = aChannel();

    // Act
    await store.put(channel);
    const again = store.put(aChannel({ label: 'other' }));

    // Assess
    await expect(again).rejects.toBeInstanceOf(ChannelIdTakenError);
    expect(await store.get('alice', 'ch-abcdefghij')).toEqual(channel);
    expect(await store.get('bob', 'ch-abcdefghij')).toBeUndefined();
  });

  it('refuses to store an invalid channel, naming the field', async () => {
    // Act
    const putting = store.put(aChannel({ channelId: 'not-an-id' }));

    // Assess
    await expect(putting).rejects.toThrow(/channelId/);
    await expect(putting).rejects.toBeInstanceOf(InvalidChannelItemError);
  });

  it("lists an owner's channels and those of every owner ('*'), not another owner's", async () => {
    // Prepare
    await store.put(aChannel({ owner: 'alice', channelId: 'ch-aaaaaaaaaa' }));
    await store.put(aChannel({ owner: 'alice', channelId: 'ch-bbbbbbbbbb', kind: 'webhook' }));
    await store.put(aChannel({ owner: '*', channelId: 'ch-cccccccccc', kind: 'pagerduty' }));
    await store.put(aChannel({ owner: 'bob', channelId: 'ch-dddddddddd' }));

    // Act
    const alices = await store.listForOwner('alice');
    const everyones = await store.listForOwner('*');
    const carols = await store.listForOwner('carol');

    // Assess
    expect(alices.map((c) => c.channelId).sort()).toEqual([
      'ch-aaaaaaaaaa',
      'ch-bbbbbbbbbb',
      'ch-cccccccccc',
    ]);
    expect(everyones.map((c) => c.channelId)).toEqual(['ch-cccccccccc']);
    expect(carols.map((c) => c.channelId)).toEqual(['ch-cccccccccc']);
  });

  it('follows Query and Scan pages to the end (items big enough to fill several 1 MB pages)', async () => {
    // Prepare: 400 KB items, so a page holds at most two.
    const bulky = 'x'.repeat(380_000);
    const ids = Array.from({ length: 7 }, (_, n) => idOf(n));
    for (const channelId of ids) {
      await emulator.client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            owner: { S: 'alice' },
            channelId: { S: channelId },
            kind: { S: 'slack' },
            label: { S: 'hooks.slack.com' },
            secretName: { S: `/p/${channelId}` },
            createdAtMs: { N: '1' },
            padding: { S: bulky },
          },
        }),
      );
    }
    const { client, calls } = countingClient(emulator.endpoint);
    const counted = new ChannelStore(client, tableName);

    // Act
    const listed = await counted.listForOwner('alice');
    const all = await counted.listAll();
    client.destroy();

    // Assess
    expect(listed.map((c) => c.channelId).sort()).toEqual([...ids].sort());
    expect(all.map((c) => c.channelId).sort()).toEqual([...ids].sort());
    // alice's pages plus one for '*'; and the scan's pages.
    expect(calls.get('QueryCommand')).toBeGreaterThanOrEqual(4);
    expect(calls.get('ScanCommand')).toBeGreaterThanOrEqual(3);
  });

  it('marks a channel broken once: only the first of several concurrent calls gets true', async () => {
    // Prepare
    await store.put(aChannel());

    // Act
    const results = await Promise.all(
      [1, 2, 3, 4].map((n) => store.markBroken('alice', 'ch-abcdefghij', 5_000 + n, `HTTP 404 (${n})`)),
    );
    const stored = await store.get('alice', 'ch-abcdefghij');

    // Assess
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true) + 1;
    expect(stored).toMatchObject({ brokenSinceMs: 5_000 + winner, brokenDetail: `HTTP 404 (${winner})` });
  });

  it('does not mark (nor create) a channel that is gone', async () => {
    // Act
    const marked = await store.markBroken('alice', 'ch-abcdefghij', 1, 'HTTP 410');

    // Assess
    expect(marked).toBe(false);
    expect(await store.listAll()).toEqual([]);
  });

  it('clears a broken mark so the next failure is told again, and never creates an item', async () => {
    // Prepare
    await store.put(aChannel());
    await store.markBroken('alice', 'ch-abcdefghij', 10, 'HTTP 404');

    // Act
    await store.clearBroken('alice', 'ch-abcdefghij');
    await store.clearBroken('alice', 'ch-abcdefghij');
    await store.clearBroken('alice', 'ch-zzzzzzzzzz');
    const cleared = await store.get('alice', 'ch-abcdefghij');
    const markedAgain = await store.markBroken('alice', 'ch-abcdefghij', 20, 'HTTP 403');

    // Assess
    expect(cleared).toEqual(aChannel());
    expect(markedAgain).toBe(true);
    expect((await store.listAll()).map((c) => c.channelId)).toEqual(['ch-abcdefghij']);
  });

  it('deletes a channel and says whether there was one', async () => {
    // Prepare
    await store.put(aChannel());

    // Act
    const first = await store.delete('alice', 'ch-abcdefghij');
    const second = await store.delete('alice', 'ch-abcdefghij');

    // Assess
    expect({ first, second }).toEqual({ first: true, second: false });
    expect(await store.get('alice', 'ch-abcdefghij')).toBeUndefined();
  });

  it('keeps a long or control-character failure detail bounded and printable', async () => {
    // Prepare
    await store.put(aChannel());

    // Act
    await store.markBroken('alice', 'ch-abcdefghij', 1, `bad\u202e${'y'.repeat(2_000)}`);

    // Assess
    const detail = (await store.get('alice', 'ch-abcdefghij'))?.brokenDetail ?? '';
    expect(detail.length).toBeLessThanOrEqual(500);
    expect(detail.startsWith('bad?y')).toBe(true);
  });

  it('throws on an invalid item from get, naming the key; listings skip it when told where to report it', async () => {
    // Prepare
    await store.put(aChannel({ channelId: 'ch-aaaaaaaaaa' }));
    await emulator.client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { owner: { S: 'alice' }, channelId: { S: 'ch-bbbbbbbbbb' }, kind: { S: 'fax' } },
      }),
    );
    const problems: InvalidChannelItem[] = [];
    const tolerant = new ChannelStore(emulator.client, tableName, {
      onInvalidItem: (item) => problems.push(item),
    });

    // Act
    const reading = await store.get('alice', 'ch-bbbbbbbbbb').catch((error: Error) => error);
    const strictListing = await store.listForOwner('alice').catch((error: Error) => error);
    const listed = await tolerant.listForOwner('alice');

    // Assess
    expect(reading).toBeInstanceOf(InvalidChannelItemError);
    expect((reading as Error).message).toBe(
      'channel item alice/ch-bbbbbbbbbb is invalid: kind: expected ("webhook" | "slack" | "teams" | "discord" | "telegram" | "pagerduty"); label: missing; secretName: missing; createdAtMs: missing',
    );
    expect(strictListing).toBeInstanceOf(InvalidChannelItemError);
    expect(listed.map((c) => c.channelId)).toEqual(['ch-aaaaaaaaaa']);
    expect(problems).toEqual([
      expect.objectContaining({
        owner: 'alice',
        channelId: 'ch-bbbbbbbbbb',
        reason: expect.stringContaining('kind'),
      }),
    ]);
  });
});

describe('ChannelStore calls', () => {
  let doc: AwsClientStub<DynamoDBDocumentClient>;
  beforeAll(() => {
    doc = mockClient(DynamoDBDocumentClient);
  });
  afterEach(() => doc.reset());
  afterAll(() => doc.restore());

  it('queries page after page with the previous LastEvaluatedKey', async () => {
    // Prepare
    doc
      .on(QueryCommand)
      .resolvesOnce({ Items: [aChannel({ channelId: 'ch-aaaaaaaaaa' })], LastEvaluatedKey: { k: 1 } })
      .resolvesOnce({ Items: [aChannel({ channelId: 'ch-bbbbbbbbbb' })] });
    const store = new ChannelStore(new DynamoDBClient({ region: 'us-east-1' }), 'channels');

    // Act
    const channels = await store.listForOwner('*');

    // Assess
    expect(channels.map((c) => c.channelId)).toEqual(['ch-aaaaaaaaaa', 'ch-bbbbbbbbbb']);
    const inputs = doc.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(inputs[0]).toMatchObject({ TableName: 'channels', ExpressionAttributeValues: { ':owner': '*' } });
    expect(inputs[0]?.ExclusiveStartKey).toBeUndefined();
    expect(inputs[1]?.ExclusiveStartKey).toEqual({ k: 1 });
  });

  it('marks broken with a condition on the mark not existing yet', async () => {
    // Prepare
    doc.on(UpdateCommand).resolves({});
    const store = new ChannelStore(new DynamoDBClient({ region: 'us-east-1' }), 'channels');

    // Act
    await store.markBroken('alice', 'ch-abcdefghij', 7, 'HTTP 404');

    // Assess
    expect(doc.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      Key: { owner: 'alice', channelId: 'ch-abcdefghij' },
      ConditionExpression: 'attribute_exists(#channelId) AND attribute_not_exists(#since)',
      ExpressionAttributeValues: { ':since': 7, ':detail': 'HTTP 404' },
    });
  });

  it('passes on errors other than a failed condition', async () => {
    // Prepare
    doc.on(UpdateCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    doc.on(QueryCommand).rejects(Object.assign(new Error('no table'), { name: 'ResourceNotFoundException' }));
    const store = new ChannelStore(new DynamoDBClient({ region: 'us-east-1', maxAttempts: 1 }), 'channels');

    // Act
    const marking = store.markBroken('alice', 'ch-abcdefghij', 7, 'HTTP 404');
    const clearing = store.clearBroken('alice', 'ch-abcdefghij');
    const listing = store.listForOwner('alice');

    // Assess
    await expect(marking).rejects.toThrow('throttled');
    await expect(clearing).rejects.toThrow('throttled');
    await expect(listing).rejects.toThrow('no table');
  });
});

describe('ChannelStore against an endpoint that never answers', () => {
  let silent: SilentServer;
  beforeAll(async () => {
    silent = await startSilentServer();
  });
  afterAll(() => silent.close());

  it('aborts a Query when the invocation’s 300 ms are up', async () => {
    // Prepare
    const client = new DynamoDBClient({ ...LOCAL_CLIENT, endpoint: silent.url });
    const deadline = new CallDeadline();
    deadline.startInvocation(Date.now() + 300);
    const store = new ChannelStore(client, 'channels', { deadline });

    // Act
    const { error, elapsedMs } = await timeRejection(() => store.listForOwner('alice'));
    client.destroy();

    // Assess
    expect(error.name).toBe('AbortError');
    expect(elapsedMs).toBeGreaterThanOrEqual(250);
    expect(elapsedMs).toBeLessThan(3_000);
  });
});
