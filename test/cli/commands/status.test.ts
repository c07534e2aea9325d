import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalTarget, parseJsonLines, startLocalTarget, TABLE_NAME } from '../support/local-target.ts';

let target: LocalTarget;
const CHANGED_AT_MS = Date.now() - 2 * 3_600_000;
/** The outage's first failed check, 30 s before the check that confirmed it: what "since" shows for DOWN. */
const DOWN_SINCE_MS = CHANGED_AT_MS - 30_000;

beforeAll(async () => {
  target = await startLocalTarget();
  // What the checker leaves behind: config and state on one item, lastCheck being the last change.
  const items = [
    {
      siteId: 'shop',
      url: 'https://shop.example/',
      status: 'DOWN',
      version: 4,
      consecutiveFailures: 2,
      statusSinceMs: CHANGED_AT_MS,
      outage: { sinceMs: DOWN_SINCE_MS, reason: 'http-5xx', detail: 'HTTP 503', status: 503 },
      lastCheck: {
        atMs: CHANGED_AT_MS,
        up: false,
        status: 503,
        reason: 'http-5xx',
        detail: 'HTTP 503',
        latencyMs: 9,
      },
    },
    { siteId: 'blog', url: 'https://blog.example/', name: 'The blog', enabled: false },
    // Bookkeeping items are not sites.
    { siteId: '#sweep', minute: 1, completed: true },
  ];
  for (const item of items) await target.doc.send(new PutCommand({ TableName: TABLE_NAME, Item: item }));
});

afterAll(async () => {
  await target.stop();
});

// status reads the history summary (HistoryStore) and computes uptime (uptime.ts).
describe('squirrel status', () => {
  it("shows every site's id and name, state, since when and its last change, worst first", async () => {
    // Act
    const [table, json] = await Promise.all([target.run(['status']), target.run(['status', '--json'])]);

    // Assess
    expect(table).toMatchObject({ code: 0, stderr: '' });
    const lines = table.stdout.split('\n');
    expect(lines[1]).toMatch(
      /^shop\s+shop\.example\s+DOWN\s+\S+\s+\S+\s+2h ago \(\S+\)\s+2h ago: down, http-5xx: HTTP 503 \(9ms\)$/,
    );
    // Paused and never checked: no time counted, no uptime.
    expect(lines[2]).toMatch(/^blog\s+The blog\s+UNKNOWN \(paused\)\s+—\s+—\s+-\s+never checked$/);
    expect(table.stdout).toContain('2 sites: 1 DOWN, 1 paused');
    expect(table.stdout).not.toContain('#sweep');
    expect(parseJsonLines(json.stdout)).toEqual([
      expect.objectContaining({
        siteId: 'shop',
        state: 'DOWN',
        sinceMs: DOWN_SINCE_MS,
        lastChange: expect.objectContaining({ atMs: CHANGED_AT_MS, up: false, reason: 'http-5xx' }),
        outage: expect.objectContaining({ reason: 'http-5xx' }),
      }),
      expect.objectContaining({ siteId: 'blog', state: 'UNKNOWN', enabled: false, lastChange: null }),
    ]);
  });
});
