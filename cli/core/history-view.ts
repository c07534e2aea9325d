import { DAY_MS, dayStartOf, HOUR_MS, hourStartOf } from '../../functions/domain/history/history-keys.ts';
import type { RollupFile, SiteRollup } from '../../functions/domain/history/rollup.ts';
import type { UptimeFigure } from '../../functions/domain/history/status-document.ts';
import { addTotals, EMPTY_TOTALS, type TimeTotals } from '../../functions/domain/history/time-totals.ts';
import { formatTimestamp, renderTable, toJsonLine } from './render.ts';
import { HOURLY_UP_TO_MS } from './since.ts';
import { markStrip, sparkline } from './sparkline.ts';

// `squirrel history SITE`: which rollups to read for a look back, and how to show them.

export type Period = RollupFile['period'];

export interface PeriodPlan {
  readonly period: Period;
  /** Start of every period to read, oldest first; the last one holds nowMs. */
  readonly starts: readonly number[];
  /** The first period's start: the window runs from here to nowMs. */
  readonly fromMs: number;
}

/** Hours for a look back up to 14 days, days beyond it; whole periods, the current one included. */
export function planPeriods(sinceMs: number, nowMs: number): PeriodPlan {
  const isHourly = sinceMs <= HOURLY_UP_TO_MS;
  const [startOf, size] = isHourly ? [hourStartOf, HOUR_MS] : [dayStartOf, DAY_MS];
  const fromMs = startOf(nowMs - sinceMs);
  const starts: number[] = [];
  for (let start = fromMs; start <= nowMs; start += size) starts.push(start);
  return { period: isHourly ? 'hour' : 'day', starts, fromMs };
}

/** One period of one site, as `history` shows it; `rollup` undefined when the period has no data for it. */
export interface HistoryPeriod {
  readonly startMs: number;
  readonly rollup: SiteRollup | undefined;
}

/** The site's rollup in each planned period (files read in the plan's order; a missing file is no data). */
export function siteHistory(
  siteId: string,
  plan: PeriodPlan,
  files: ReadonlyArray<RollupFile | undefined>,
): HistoryPeriod[] {
  return plan.starts.map((startMs, index) => ({
    startMs,
    rollup: files[index]?.sites.find((site) => site.siteId === siteId),
  }));
}

/** The rollups that count, and where the window's live stretch starts. */
export interface CompactedPart {
  /** The plan's files, undefined for a period left out. */
  readonly files: ReadonlyArray<RollupFile | undefined>;
  /** The live stretch [liveFromMs, now) is counted from the site's state, as `status` does. */
  readonly liveFromMs: number;
}

/**
 * Which rollups count, so that no time is counted twice: the compactor writes rollups before the summary, and a
 * run that failed between them leaves rollups past the summary's compactedUntilMs, time the live stretch also
 * counts. Periods starting at or after compactedUntilMs are left out (`status` counts that time from the live
 * state too); one starting before it and ending after it (a day file that run rewrote) holds that time, so the
 * live stretch starts at its end. No summary (no compaction finished): nothing counts but the live state, as in
 * `status`.
 */
export function compactedPart(
  plan: PeriodPlan,
  files: ReadonlyArray<RollupFile | undefined>,
  compactedUntilMs: number | undefined,
): CompactedPart {
  const untilMs = compactedUntilMs ?? plan.fromMs;
  const kept = plan.starts.map((startMs, index) => (startMs < untilMs ? files[index] : undefined));
  const keptEndMs = kept.map((file) => file?.endMs ?? Number.NEGATIVE_INFINITY);
  return { files: kept, liveFromMs: Math.max(plan.fromMs, untilMs, ...keptEndMs) };
}

/** Time totals of every period with data: the compacted part of the window. */
export const compactedTotals = (periods: readonly HistoryPeriod[]): TimeTotals =>
  periods.reduce(
    (sum, { rollup }) => (rollup === undefined ? sum : addTotals(sum, rollup.totals)),
    EMPTY_TOTALS,
  );

/** What the table and the JSON say about the whole window. */
export interface HistoryWindow {
  readonly siteId: string;
  readonly period: Period;
  readonly fromMs: number;
  readonly toMs: number;
  /** Where the compacted rows end and the live state takes over (the window's uptime counts both). */
  readonly liveFromMs?: number;
  readonly uptime: UptimeFigure;
}

/** "2026-12-06 14:00" for an hour, "2026-12-06" for a day (UTC). */
const periodLabel = (period: Period, startMs: number): string =>
  period === 'hour'
    ? `${formatTimestamp(startMs).slice(0, 16).replace('T', ' ')}Z`
    : formatTimestamp(startMs).slice(0, 10);

const ms = (value: number | undefined): string => (value === undefined ? '-' : `${value}ms`);

/**
 * The table (periods with data only, oldest first), the p50 sparkline over every period (gaps where there
 * is no data) and the window's uptime. `uptimeOf` is the one uptime function (uptime.ts uptimeFigure).
 */
export function renderHistory(
  window: HistoryWindow,
  periods: readonly HistoryPeriod[],
  uptimeOf: (totals: TimeTotals) => UptimeFigure,
  sparkWidth: number,
): string {
  const withData = periods.filter((entry) => entry.rollup !== undefined);
  const unit = window.period === 'hour' ? 'hour' : 'day';
  const lines: string[] = [];
  if (withData.length === 0) {
    lines.push(
      `no history for ${window.siteId} since ${formatTimestamp(window.fromMs)} (history appears after the first compaction: a minute locally, about an hour on AWS)`,
    );
  } else {
    // Only a site that was REGIONAL (issue 15) gets the column and the strip: other histories read as before.
    const hasRegional = withData.some(({ rollup }) => (rollup?.regional ?? 0) > 0);
    lines.push(
      renderTable(
        [
          unit === 'hour' ? 'HOUR (UTC)' : 'DAY (UTC)',
          'CHECKS',
          'FAILURES',
          ...(hasRegional ? ['REGIONAL'] : []),
          'UPTIME',
          'P50',
          'P95',
          'MAX',
        ],
        withData.map(({ startMs, rollup }) => [
          periodLabel(window.period, startMs),
          String(rollup?.checks ?? 0),
          String(rollup?.failures ?? 0),
          ...(hasRegional ? [String(rollup?.regional ?? 0)] : []),
          describeFigure(uptimeOf(rollup?.totals ?? EMPTY_TOTALS)),
          ms(rollup?.latency?.p50Ms),
          ms(rollup?.latency?.p95Ms),
          ms(rollup?.latency?.maxMs),
        ]),
      ),
    );
    const hidden = periods.length - withData.length;
    if (hidden > 0) lines.push(`(${hidden} ${unit}${hidden === 1 ? '' : 's'} without data not shown)`);
    const spark = sparkline(
      periods.map(({ rollup }) => rollup?.latency?.p50Ms),
      sparkWidth,
    );
    const sparkLabel = `p50 response time per ${unit}: `;
    if (spark !== '') {
      const p50s = withData.flatMap(({ rollup }) => (rollup?.latency ? [rollup.latency.p50Ms] : []));
      lines.push('', `${sparkLabel}${spark}  (${Math.min(...p50s)}-${Math.max(...p50s)}ms)`);
    }
    if (hasRegional) {
      // Under the sparkline, column for column: a REGIONAL hour has no p50 from home (its checks failed there).
      const strip = markStrip(
        periods.map(({ rollup }) => (rollup === undefined ? undefined : (rollup.regional ?? 0) > 0 ? 1 : 0)),
        REGIONAL_MARKS,
        sparkWidth,
      );
      lines.push(
        ...(spark === '' ? [''] : []),
        `${`REGIONAL per ${unit}: `.padEnd(sparkLabel.length)}${strip}  (${REGIONAL_LEGEND})`,
      );
    }
  }
  lines.push(
    '',
    `uptime since ${formatTimestamp(window.fromMs)}: ${describeFigure(window.uptime)}${describeApart(window.uptime)}`,
  );
  // The rows stop at the last compaction; the line above goes on to now, from the site's state: say so, or the
  // two disagree without a reason.
  if (window.liveFromMs !== undefined && window.liveFromMs < window.toMs && withData.length > 0) {
    lines.push(
      `(the rows are compacted until ${formatTimestamp(window.liveFromMs)}; the uptime adds the site's live state since)`,
    );
  }
  return lines.join('\n');
}

/** A period with data and no REGIONAL check, and one with some. */
const REGIONAL_MARKS = ['·', 'R'] as const;
const REGIONAL_LEGEND =
  'R: REGIONAL, failing from a minority of locations only; counted as up, not an outage';

/** "97.50 %" or "—". */
export const describeFigure = (figure: UptimeFigure): string =>
  figure.percent === null ? figure.text : `${figure.text} %`;

/** "; apart: 2m blocked, 5m maintenance": time that is neither up nor down, said so it is not missed. */
function describeApart(figure: UptimeFigure): string {
  const parts = [
    [figure.blockedMs, 'blocked'],
    [figure.faultMs, 'not checked (faults)'],
    [figure.maintenanceMs, 'maintenance'],
  ] as const;
  const shown = parts
    .filter(([value]) => value > 0)
    .map(([value, what]) => `${Math.round(value / 60_000)}m ${what}`);
  return shown.length === 0 ? '' : ` (not counted: ${shown.join(', ')})`;
}

/** `history --json`: one line per period with data, then one for the window. */
export function historyJson(
  window: HistoryWindow,
  periods: readonly HistoryPeriod[],
  uptimeOf: (totals: TimeTotals) => UptimeFigure,
): string[] {
  const lines = periods.flatMap(({ startMs, rollup }) =>
    rollup === undefined
      ? []
      : [
          toJsonLine({
            kind: 'period',
            siteId: window.siteId,
            period: window.period,
            startMs,
            start: new Date(startMs).toISOString(),
            checks: rollup.checks,
            failures: rollup.failures,
            blocked: rollup.blocked,
            faults: rollup.faults,
            inMaintenance: rollup.inMaintenance,
            // Checks while REGIONAL (issue 15): only for a period that had some.
            ...(rollup.regional === undefined ? {} : { regional: rollup.regional }),
            uptime: uptimeOf(rollup.totals),
            latency:
              rollup.latency === undefined
                ? null
                : { p50Ms: rollup.latency.p50Ms, p95Ms: rollup.latency.p95Ms, maxMs: rollup.latency.maxMs },
          }),
        ],
  );
  lines.push(
    toJsonLine({
      kind: 'window',
      siteId: window.siteId,
      period: window.period,
      fromMs: window.fromMs,
      from: new Date(window.fromMs).toISOString(),
      toMs: window.toMs,
      uptime: window.uptime,
    }),
  );
  return lines;
}
