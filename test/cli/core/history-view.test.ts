import { describe, expect, it } from 'vitest';
import {
  compactedPart,
  compactedTotals,
  historyJson,
  planPeriods,
  renderHistory,
  siteHistory,
} from '../../../cli/core/history-view.ts';
import type { RollupFile, SiteRollup } from '../../../functions/domain/history/rollup.ts';
import type { UptimeFigure } from '../../../functions/domain/history/status-document.ts';
import type { TimeTotals } from '../../../functions/domain/history/time-totals.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const NOW_MS = Date.UTC(2026, 11, 6, 14, 25);

// A stand-in for uptime.ts's uptimeFigure (tested there): the table only prints what it is given.
const figureOf = (totals: TimeTotals): UptimeFigure => {
  const counted = totals.upMs + totals.downMs;
  const percent = counted === 0 ? null : (100 * totals.upMs) / counted;
  return { percent, text: percent === null ? '—' : percent.toFixed(2), ...totals };
};

const rollup = (siteId: string, upMs: number, downMs: number, p50Ms?: number): SiteRollup => ({
  siteId,
  checks: 60,
  failures: downMs > 0 ? 2 : 0,
  blocked: 0,
  faults: 0,
  inMaintenance: 0,
  totals: { upMs, downMs, blockedMs: 0, faultMs: 0, maintenanceMs: 0 },
  ...(p50Ms === undefined ? {} : { latency: { p50Ms, p95Ms: p50Ms * 2, maxMs: p50Ms * 3, histogram: [] } }),
});

const hourFile = (startMs: number, sites: SiteRollup[]): RollupFile => ({
  v: 1,
  period: 'hour',
  startMs,
  endMs: startMs + HOUR,
  sites,
});

describe('planPeriods', () => {
  it('reads whole hours up to 14 days back, the current hour included', () => {
    // Act
    const plan = planPeriods(24 * HOUR, NOW_MS);

    // Assess
    expect(plan.period).toBe('hour');
    expect(plan.fromMs).toBe(Date.UTC(2026, 11, 5, 14));
    expect(plan.starts).toHaveLength(25);
    expect(plan.starts.at(-1)).toBe(Date.UTC(2026, 11, 6, 14));
    expect(planPeriods(14 * DAY, NOW_MS).period).toBe('hour');
  });

  it('reads days beyond 14 days', () => {
    // Act
    const plan = planPeriods(30 * DAY, NOW_MS);

    // Assess
    expect(plan.period).toBe('day');
    expect(plan.fromMs).toBe(Date.UTC(2026, 10, 6));
    expect(plan.starts).toHaveLength(31);
    expect(plan.starts.at(-1)).toBe(Date.UTC(2026, 11, 6));
  });
});

describe('compactedPart: rollups past the summary are not counted twice', () => {
  const hourly = planPeriods(3 * HOUR, NOW_MS);
  const [h11, h12, h13, h14] = hourly.starts as [number, number, number, number];
  const hours = [h11, h12, h13, h14].map((startMs) => hourFile(startMs, [rollup('shop', HOUR, 0, 40)]));

  it('leaves out the hours a failed run wrote at or after compactedUntilMs: the live stretch counts them', () => {
    // Act: the run that wrote 13:00 and 14:00 failed before its summary, still at 13:00.
    const part = compactedPart(hourly, hours, h13);

    // Assess
    expect(part.files).toEqual([hours[0], hours[1], undefined, undefined]);
    expect(part.liveFromMs).toBe(h13);
  });

  it('keeps every hour up to compactedUntilMs, an hour compacted early up to it included', () => {
    // Prepare: locally the current hour is compacted up to 14:25 (the summary's compactedUntilMs).
    const early = { ...hourFile(h14, [rollup('shop', 25 * 60_000, 0, 40)]), endMs: h14 + 25 * 60_000 };

    // Act
    const part = compactedPart(hourly, [...hours.slice(0, 3), early], h14 + 25 * 60_000);

    // Assess
    expect(part.files).toEqual([...hours.slice(0, 3), early]);
    expect(part.liveFromMs).toBe(h14 + 25 * 60_000);
  });

  it('starts the live stretch at the end of a day file that holds hours past compactedUntilMs', () => {
    // Prepare: the day file was rewritten through 12:00 by the failed run; the summary says 11:00.
    const daily = planPeriods(30 * DAY, NOW_MS);
    const today = daily.starts.at(-1) as number;
    const days = daily.starts.map((startMs): RollupFile | undefined =>
      startMs === today
        ? { v: 1, period: 'day', startMs, endMs: h12 + HOUR, sites: [rollup('shop', 13 * HOUR, 0, 40)] }
        : undefined,
    );

    // Act
    const part = compactedPart(daily, days, h12);

    // Assess
    expect(part.files.at(-1)).toBe(days.at(-1));
    expect(part.liveFromMs).toBe(h12 + HOUR);
  });

  it('counts only the live state when no compaction finished (no summary), as status does', () => {
    // Act
    const part = compactedPart(hourly, hours, undefined);

    // Assess
    expect(part.files).toEqual([undefined, undefined, undefined, undefined]);
    expect(part.liveFromMs).toBe(hourly.fromMs);
  });
});

describe('history of one site', () => {
  const plan = planPeriods(3 * HOUR, NOW_MS);
  const [h11, h12, h13, h14] = plan.starts as [number, number, number, number];
  const files = [
    hourFile(h11, [rollup('shop', HOUR, 0, 40), rollup('blog', HOUR, 0, 900)]),
    undefined,
    hourFile(h13, [rollup('shop', HOUR - 36 * 60_000, 36 * 60_000, 55)]),
    hourFile(h14, [rollup('blog', 25 * 60_000, 0, 10)]),
  ];

  it("picks the site's rollup in each period and sums the compacted time", () => {
    // Act
    const periods = siteHistory('shop', plan, files);

    // Assess
    expect(periods.map((entry) => [entry.startMs, entry.rollup?.checks])).toEqual([
      [h11, 60],
      [h12, undefined],
      [h13, 60],
      [h14, undefined],
    ]);
    expect(compactedTotals(periods)).toMatchObject({ upMs: 2 * HOUR - 36 * 60_000, downMs: 36 * 60_000 });
  });

  it('shows the hours with data, a p50 sparkline with gaps, and the window uptime', () => {
    // Prepare
    const periods = siteHistory('shop', plan, files);
    const window = {
      siteId: 'shop',
      period: 'hour' as const,
      fromMs: plan.fromMs,
      toMs: NOW_MS,
      uptime: figureOf(compactedTotals(periods)),
    };

    // Act
    const text = renderHistory(window, periods, figureOf, 40);

    // Assess
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^HOUR \(UTC\)\s+CHECKS\s+FAILURES\s+UPTIME\s+P50\s+P95\s+MAX$/);
    expect(lines[1]).toMatch(/^2026-12-06 11:00Z\s+60\s+0\s+100\.00 %\s+40ms\s+80ms\s+120ms$/);
    expect(lines[2]).toMatch(/^2026-12-06 13:00Z\s+60\s+2\s+40\.00 %\s+55ms\s+110ms\s+165ms$/);
    expect(text).toContain('(2 hours without data not shown)');
    expect(text).toContain('p50 response time per hour: ▁ █   (40-55ms)');
    expect(text).toContain('uptime since 2026-12-06T11:00:00Z: 70.00 %');
  });

  it('says where the compacted rows end when the window uptime also counts the live state after them', () => {
    // Prepare
    const periods = siteHistory('shop', plan, files);
    const base = { siteId: 'shop', period: 'hour' as const, fromMs: plan.fromMs, toMs: NOW_MS };
    const uptime = figureOf(compactedTotals(periods));

    // Act
    const withLive = renderHistory(
      { ...base, liveFromMs: NOW_MS - 10 * 60_000, uptime },
      periods,
      figureOf,
      40,
    );
    const allCompacted = renderHistory({ ...base, liveFromMs: NOW_MS, uptime }, periods, figureOf, 40);

    // Assess
    expect(withLive).toContain(
      `(the rows are compacted until ${new Date(NOW_MS - 10 * 60_000).toISOString().replace('.000', '')}; the uptime adds the site's live state since)`,
    );
    expect(allCompacted).not.toContain('the rows are compacted until');
  });

  it('shows REGIONAL hours in their own column and strip, with a legend, and their checks in JSON', () => {
    // Prepare: 12:00 REGIONAL all hour (no p50 from home, whose checks failed), 13:00 partly REGIONAL.
    const regional = (rollupOf: SiteRollup, count: number): SiteRollup => ({ ...rollupOf, regional: count });
    const edgeFiles = [
      hourFile(h11, [rollup('edge', HOUR, 0, 40)]),
      hourFile(h12, [regional({ ...rollup('edge', HOUR, 0), failures: 60 }, 60)]),
      hourFile(h13, [regional({ ...rollup('edge', HOUR, 0, 45), failures: 20 }, 20)]),
      undefined,
    ];
    const periods = siteHistory('edge', plan, edgeFiles);
    const window = {
      siteId: 'edge',
      period: 'hour' as const,
      fromMs: plan.fromMs,
      toMs: NOW_MS,
      uptime: figureOf(compactedTotals(periods)),
    };

    // Act
    const lines = renderHistory(window, periods, figureOf, 40).split('\n');
    const json = historyJson(window, periods, figureOf).map((line) => JSON.parse(line));

    // Assess
    expect(lines[0]).toMatch(/^HOUR \(UTC\)\s+CHECKS\s+FAILURES\s+REGIONAL\s+UPTIME\s+P50\s+P95\s+MAX$/);
    expect(lines[2]).toMatch(/^2026-12-06 12:00Z\s+60\s+60\s+60\s+100\.00 %\s+-\s+-\s+-$/);
    expect(lines[3]).toMatch(/^2026-12-06 13:00Z\s+60\s+20\s+20\s+100\.00 %\s+45ms/);
    expect(lines).toContain('p50 response time per hour: ▁ █   (40-45ms)');
    expect(lines).toContain(
      'REGIONAL per hour:          ·RR   (R: REGIONAL, failing from a minority of locations only; counted as up, not an outage)',
    );
    expect(json.map((line) => line.regional)).toEqual([undefined, 60, 20, undefined]);
  });

  it('shows neither the column nor the strip for a site that was never REGIONAL', () => {
    // Act
    const text = renderHistory(
      {
        siteId: 'shop',
        period: 'hour',
        fromMs: plan.fromMs,
        toMs: NOW_MS,
        uptime: figureOf(compactedTotals([])),
      },
      siteHistory('shop', plan, files),
      figureOf,
      40,
    );

    // Assess
    expect(text).not.toContain('REGIONAL');
  });

  it('says when there is no history yet', () => {
    // Act
    const text = renderHistory(
      {
        siteId: 'new',
        period: 'hour',
        fromMs: plan.fromMs,
        toMs: NOW_MS,
        uptime: figureOf(compactedTotals([])),
      },
      siteHistory('new', plan, files),
      figureOf,
      40,
    );

    // Assess
    expect(text).toContain('no history for new since 2026-12-06T11:00:00Z');
    expect(text).toContain('uptime since 2026-12-06T11:00:00Z: —');
  });

  it('prints one JSON line per period with data, then the window', () => {
    // Prepare
    const periods = siteHistory('shop', plan, files);
    const window = {
      siteId: 'shop',
      period: 'hour' as const,
      fromMs: plan.fromMs,
      toMs: NOW_MS,
      uptime: figureOf(compactedTotals(periods)),
    };

    // Act
    const lines = historyJson(window, periods, figureOf).map((line) => JSON.parse(line));

    // Assess
    expect(lines).toEqual([
      expect.objectContaining({
        kind: 'period',
        startMs: h11,
        checks: 60,
        latency: { p50Ms: 40, p95Ms: 80, maxMs: 120 },
      }),
      expect.objectContaining({
        kind: 'period',
        startMs: h13,
        failures: 2,
        uptime: expect.objectContaining({ text: '40.00' }),
      }),
      expect.objectContaining({
        kind: 'window',
        siteId: 'shop',
        fromMs: plan.fromMs,
        toMs: NOW_MS,
        uptime: expect.objectContaining({ text: '70.00' }),
      }),
    ]);
  });
});
