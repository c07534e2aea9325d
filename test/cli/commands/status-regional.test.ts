import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalTarget, parseJsonLines, startLocalTarget, TABLE_NAME } from '../support/local-target.ts';

// Issue 15 through the real store: a REGIONAL item as the checker leaves it (status, outage kept, verification),
// read back and shown by `squirrel status` between the failing sites and the UP ones.

let target: LocalTarget;
const REGIONAL_SINCE_MS = Date.now() - 3_600_000;
const FIRST_FAILURE_MS = REGIONAL_SINCE_MS - 30_000;

beforeAll(async () => {
  target = await startLocalTarget();
  const items = [
    {
      siteId: 'edge',
      url: 'https://edge.example/',
      status: 'REGIONAL',
      version: 3,
      statusSinceMs: REGIONAL_SINCE_MS,
      outage: { sinceMs: FIRST_FAILURE_MS, reason: 'timeout', detail: 'no answer in 10000 ms' },
      verification: {
        atMs: REGIONAL_SINCE_MS,
        locations: [
          {
            outcome: 'down',
            location: 'us-east-1',
            reason: 'timeout',
            detail: 'no answer in 10000 ms',
            latencyMs: 10_000,
          },
          { outcome: 'up', location: 'us-west-2', status: 200, latencyMs: 71 },
          { outcome: 'up', location: 'eu-west-1', status: 200, latencyMs: 95 },
        ],
      },
      lastCheck: {
        atMs: REGIONAL_SINCE_MS,
        up: false,
        reason: 'timeout',
        detail: 'no answer in 10000 ms',
        latencyMs: 10_000,
      },
    },
    {
      siteId: 'shop',
      url: 'https://shop.example/',
      status: 'UP',
      version: 1,
      statusSinceMs: REGIONAL_SINCE_MS,
      lastCheck: { atMs: REGIONAL_SINCE_MS, up: true, status: 200, latencyMs: 40 },
    },
  ];
  for (const item of items) await target.doc.send(new PutCommand({ TableName: TABLE_NAME, Item: item }));
});

afterAll(async () => {
  await target.stop();
});

describe('squirrel status with a REGIONAL site', () => {
  it('shows it before UP, saying where it fails and where not, in the table and the JSON', async () => {
    // Act
    const [table, json] = await Promise.all([target.run(['status']), target.run(['status', '--json'])]);

    // Assess
    expect(table).toMatchObject({ code: 0 });
    const lines = table.stdout.split('\n');
    expect(lines[1]).toMatch(
      /^edge\s+edge\.example\s+REGIONAL\s+\S+\s+\S+\s+1h ago \(\S+\)\s+1h ago: down from us-east-1 \(timeout\); up from us-west-2, eu-west-1$/,
    );
    expect(lines[2]).toMatch(/^shop\s+shop\.example\s+UP\s+/);
    expect(table.stdout).toContain('2 sites: 1 REGIONAL, 1 UP');
    const [edge, shop] = parseJsonLines(json.stdout);
    expect(edge).toMatchObject({
      siteId: 'edge',
      state: 'REGIONAL',
      sinceMs: FIRST_FAILURE_MS,
      verification: {
        atMs: REGIONAL_SINCE_MS,
        where: 'down from us-east-1 (timeout); up from us-west-2, eu-west-1',
      },
    });
    expect(shop).not.toHaveProperty('verification');
  });
});
