import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS, hourStartOf } from '../../../functions/domain/history/history-keys.ts';
import type { Incident } from '../../../functions/domain/history/incident.ts';
import type { SiteRollup } from '../../../functions/domain/history/rollup.ts';
import type { HistorySummary } from '../../../functions/domain/history/summary.ts';
import type { TimeTotals } from '../../../functions/domain/history/time-totals.ts';
import { type LocalTarget, parseJsonLines, startLocalTarget, TABLE_NAME } from '../support/local-target.ts';

// These run the real HistoryStore and uptime.ts through the CLI.

const MIN = 60_000;
let target: LocalTarget;
/** The hour the site was down for exactly 36 minutes: yesterday, same hour as now. */
let outageHourMs: number;

const totals = (upMs: number, downMs = 0): TimeTotals => ({
  upMs,
  downMs,
  blockedMs: 0,
  faultMs: 0,
  maintenanceMs: 0,
});

const rollup = (upMs: number, downMs: number, p50Ms: number): SiteRollup => ({
  siteId: 'shop',
  checks: 60,
  failures: downMs > 0 ? 37 : 0,
  blocked: 0,
  faults: 0,
  inMaintenance: 0,
  totals: totals(upMs, downMs),
  latency: { p50Ms, p95Ms: p50Ms * 2, maxMs: p50Ms * 4, histogram: [] },
});

beforeAll(async () => {
  target = await startLocalTarget();
  // Compacted through now, as the local runtime compacts: the live stretch the CLI adds is seconds long.
  const compactedUntilMs = Date.now();
  const currentHourMs = hourStartOf(compactedUntilMs);
  outageHourMs = currentHourMs - 23 * HOUR_MS;
  const outage: Incident = {
    siteId: 'shop',
    startMs: outageHourMs + 10 * MIN,
    confirmedMs: outageHourMs + 10 * MIN + 30_000,
    endMs: outageHourMs + 46 * MIN,
    reason: 'http-5xx',
    detail: 'HTTP 503',
    status: 503,
  };
  await target.doc.send(
    new PutCommand({
      TableName: TABLE_NAME,
      Item: {
        siteId: 'shop',
        url: 'https://shop.example/',
        status: 'UP',
        version: 3,
        statusSinceMs: outage.endMs,
      },
    }),
  );
  // The 24 whole hours before the current one: all up, but for 36 minutes in one of them.
  for (let hour = currentHourMs - 24 * HOUR_MS; hour < currentHourMs; hour += HOUR_MS) {
    const isOutage = hour === outageHourMs;
    await target.history.putRollup({
      v: 1,
      period: 'hour',
      startMs: hour,
      endMs: hour + HOUR_MS,
      sites: [isOutage ? rollup(HOUR_MS - 36 * MIN, 36 * MIN, 80) : rollup(HOUR_MS, 0, 40)],
    });
  }
  const day = totals(24 * HOUR_MS - 36 * MIN, 36 * MIN);
  const summary: HistorySummary = {
    v: 1,
    generatedAtMs: compactedUntilMs,
    compactedUntilMs,
    sites: [
      {
        siteId: 'shop',
        windows: { '24h': day, '7d': day, '30d': day, '90d': day, '365d': day },
        days: [],
        hours: [],
        incidents: [outage],
      },
    ],
  };
  await target.history.putSummary(summary);
  await target.history.putSiteIncidents({ v: 1, siteId: 'shop', incidents: [outage] });
});

afterAll(async () => {
  await target.stop();
});

describe('squirrel history', () => {
  it('shows each hour with data, a p50 sparkline and the uptime of the window', async () => {
    // Act
    const result = await target.run(['history', 'shop', '--since', '24h']);

    // Assess
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^HOUR \(UTC\)\s+CHECKS\s+FAILURES\s+UPTIME\s+P50\s+P95\s+MAX$/);
    const outageRow = lines.find((line) =>
      line.startsWith(new Date(outageHourMs).toISOString().slice(0, 13).replace('T', ' ')),
    );
    expect(outageRow).toMatch(/\s+60\s+37\s+40\.00 %\s+80ms\s+160ms\s+320ms$/);
    expect(result.stdout).toMatch(/p50 response time per hour: [▁▂▃▄▅▆▇█ ]+ \(40-80ms\)/);
    // 24 compacted hours, 36 minutes down, plus the seconds since compactedUntilMs (UP): 97.50 %.
    expect(result.stdout).toMatch(/uptime since \S+: 97\.50 %/);
  });

  it('prints the periods and the window as JSON', async () => {
    // Act
    const result = await target.run(['history', 'shop', '--since', '2d', '--json']);

    // Assess
    expect(result.code).toBe(0);
    const lines = parseJsonLines(result.stdout);
    const periods = lines.filter((line) => line.kind === 'period');
    expect(periods).toHaveLength(24);
    expect(periods.find((line) => line.startMs === outageHourMs)).toMatchObject({
      checks: 60,
      failures: 37,
      uptime: expect.objectContaining({ text: '40.00', downMs: 36 * MIN }),
      latency: { p50Ms: 80, p95Ms: 160, maxMs: 320 },
    });
    expect(lines.at(-1)).toMatchObject({
      kind: 'window',
      siteId: 'shop',
      period: 'hour',
      uptime: expect.objectContaining({ downMs: 36 * MIN }),
    });
  });

  it('refuses a site that does not exist (exit 1)', async () => {
    // Act
    const result = await target.run(['history', 'nosuch']);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'error: no site with id "nosuch" (`squirrel sites list` shows every site\'s id)',
    );
  });
});

describe('squirrel status with history', () => {
  it("shows the site's 24 h and 30 d uptime, and every window in JSON", async () => {
    // Act
    const [table, json] = await Promise.all([target.run(['status']), target.run(['status', '--json'])]);

    // Assess
    expect(table).toMatchObject({ code: 0, stderr: '' });
    expect(table.stdout.split('\n')[1]).toMatch(/^shop\s+shop\.example\s+UP\s+97\.50\s+97\.50\s+/);
    const [site] = parseJsonLines(json.stdout);
    expect(site?.uptime).toMatchObject({
      '24h': expect.objectContaining({ text: '97.50', downMs: 36 * MIN }),
      '30d': expect.objectContaining({ downMs: 36 * MIN }),
      '365d': expect.objectContaining({ downMs: 36 * MIN }),
    });
  });
});

describe('squirrel incidents', () => {
  it('lists the outage from the incidents file with its duration', async () => {
    // Act
    const [table, json] = await Promise.all([
      target.run(['incidents']),
      target.run(['incidents', 'shop', '--since', '7d', '--json']),
    ]);

    // Assess
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[1]).toMatch(/^shop\s+\S+\s+\S+\s+\S+\s+36m\s+http-5xx\s+HTTP 503$/);
    expect(parseJsonLines(json.stdout)).toEqual([
      expect.objectContaining({ siteId: 'shop', durationMs: 36 * MIN, ongoing: false, reason: 'http-5xx' }),
    ]);
  });
});
