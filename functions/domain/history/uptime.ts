import type { SiteConfig } from '../site.ts';
import { type SiteState, shownStatusOf } from '../site-state.ts';
import { maintenanceSpans, type Span } from './maintenance-spans.ts';
import type { UptimeFigure } from './status-document.ts';
import { type SiteSummary, UPTIME_WINDOWS, type UptimeWindow, WINDOW_MS } from './summary.ts';
import { addTotals, EMPTY_TOTALS, type TimeTotals } from './time-totals.ts';

// The one place uptime is computed: the CLI, the page and status.json all call siteUptime (CONTRACT-13 item 3).

/** What a reader knows of a site now: its config and its item's state. */
export interface LiveSite {
  readonly config: Pick<SiteConfig, 'enabled' | 'maintenance' | 'treatBlockedAsDown'>;
  readonly state: SiteState;
}

/** How one stretch of live time counts (the TimeTotals bucket it adds to). */
export type LiveKind = 'up' | 'down' | 'blocked' | 'fault' | 'maintenance';

export interface LiveSegment extends Span {
  readonly kind: LiveKind;
}

/** Shown when a window holds no up or down time. */
export const NO_UPTIME_TEXT = '—';

/**
 * Totals → the figure people read: upMs / (upMs + downMs), floored to 0.01 %, "—" without data. The text is
 * computed in whole numbers, so 1 ms down in a year reads "99.99", never "100.00" by a rounding float.
 */
export function uptimeFigure(totals: TimeTotals): UptimeFigure {
  const countedMs = totals.upMs + totals.downMs;
  if (countedMs === 0) return { ...pickTotals(totals), percent: null, text: NO_UPTIME_TEXT };
  const basisPoints = flooredBasisPoints(totals.upMs, countedMs);
  return {
    ...pickTotals(totals),
    percent: (totals.upMs * 100) / countedMs,
    text: `${Math.trunc(basisPoints / 100)}.${String(basisPoints % 100).padStart(2, '0')}`,
  };
}

/** floor(part × 10,000 / whole), exact: a float quotient corrected by whole-number products. */
function flooredBasisPoints(part: number, whole: number): number {
  const scaled = part * 10_000;
  // Past 2^53 the products below are no longer exact (windows of centuries): BigInt, slower but exact.
  if (!Number.isSafeInteger(scaled) || !Number.isSafeInteger(whole * 10_001)) {
    return Number((BigInt(part) * 10_000n) / BigInt(whole));
  }
  let quotient = Math.floor(scaled / whole);
  if (quotient * whole > scaled) quotient--;
  else if ((quotient + 1) * whole <= scaled) quotient++;
  return quotient;
}

const pickTotals = (totals: TimeTotals): TimeTotals => ({
  upMs: totals.upMs,
  downMs: totals.downMs,
  blockedMs: totals.blockedMs,
  faultMs: totals.faultMs,
  maintenanceMs: totals.maintenanceMs,
});

/**
 * How [fromMs, toMs) is counted from the live state alone (the time since the last compaction). The state's
 * own instants bound what it vouches for: DOWN and RECOVERING are down since the outage's first failed check;
 * PENDING is down since then and up before it (since the last confirmed change); UP and DEGRADED are up since
 * they were confirmed; REGIONAL (failing from home only) is up since it was confirmed, its PENDING checks before
 * down; BLOCKED is blocked (down when the site treats blocked as down); UNCHECKED is a fault
 * since its first faulted check; the outage that ended last (state.lastIncident) is down. A paused or never
 * checked site counts nothing, and so does time the state says nothing about (before its earliest instant,
 * or between a past incident and the current status): unknown time is never up or down. A status without
 * its instant (items written before these fields existed) counts from fromMs. Inside a maintenance window
 * every counted stretch is maintenance, split exactly at the window's boundaries.
 */
export function liveTotals(live: LiveSite, fromMs: number, toMs: number): TimeTotals {
  return totalsWithin(liveSegments(live, fromMs, toMs), fromMs, toMs);
}

/** The live state's stretches within [fromMs, toMs), disjoint and in time order (liveTotals' rules). */
export function liveSegments(live: LiveSite, fromMs: number, toMs: number): readonly LiveSegment[] {
  if (!(toMs > fromMs) || !live.config.enabled) return [];
  const painted = paint(stateSegments(live), fromMs, toMs);
  const windows = live.config.maintenance ?? [];
  if (windows.length === 0 || painted.length === 0) return painted;
  const maintenance = maintenanceSpans(windows, fromMs, toMs);
  return painted.flatMap((segment) => splitByMaintenance(segment, maintenance));
}

/** Sums the segments' parts inside [fromMs, toMs). */
export function totalsWithin(segments: readonly LiveSegment[], fromMs: number, toMs: number): TimeTotals {
  const totals = { upMs: 0, downMs: 0, blockedMs: 0, faultMs: 0, maintenanceMs: 0 };
  for (const segment of segments) {
    const ms = Math.min(segment.endMs, toMs) - Math.max(segment.startMs, fromMs);
    if (ms > 0) totals[`${segment.kind}Ms`] += ms;
  }
  return totals;
}

/**
 * Uptime per window: the summary's compacted totals of [compactedUntilMs - W, compactedUntilMs) plus the live
 * stretch [compactedUntilMs, nowMs). When nothing was compacted yet, or the compaction is older than the
 * window itself, the window is [nowMs - W, nowMs) from the live state alone.
 */
export function siteUptime(
  summary: SiteSummary | undefined,
  live: LiveSite | undefined,
  compactedUntilMs: number | undefined,
  nowMs: number,
): Record<UptimeWindow, UptimeFigure> {
  const parts = UPTIME_WINDOWS.map((window) => {
    const isCompactionInWindow =
      compactedUntilMs !== undefined && compactedUntilMs > nowMs - WINDOW_MS[window];
    return {
      window,
      compacted: isCompactionInWindow ? (summary?.windows[window] ?? EMPTY_TOTALS) : EMPTY_TOTALS,
      liveFromMs: isCompactionInWindow ? compactedUntilMs : nowMs - WINDOW_MS[window],
    };
  });
  // One pass over the state for the widest live stretch; each window sums its part.
  const earliestMs = Math.min(...parts.map((part) => part.liveFromMs));
  const segments = live === undefined ? [] : liveSegments(live, earliestMs, nowMs);
  return Object.fromEntries(
    parts.map(({ window, compacted, liveFromMs }) => [
      window,
      uptimeFigure(addTotals(compacted, totalsWithin(segments, liveFromMs, nowMs))),
    ]),
  ) as Record<UptimeWindow, UptimeFigure>;
}

interface StateSegment {
  readonly startMs: number;
  readonly endMs: number;
  readonly kind: Exclude<LiveKind, 'maintenance'>;
}

/** What the state says, oldest first; a later segment overrides an earlier one where they overlap. */
function stateSegments({ config, state }: LiveSite): StateSegment[] {
  const segments: StateSegment[] = [];
  const since = state.statusSinceMs ?? Number.NEGATIVE_INFINITY;
  if (state.lastIncident !== undefined) {
    segments.push({ startMs: state.lastIncident.startMs, endMs: state.lastIncident.endMs, kind: 'down' });
  }
  switch (state.status) {
    case 'UNKNOWN':
      break;
    case 'UP':
    case 'DEGRADED':
      segments.push({ startMs: since, endMs: Number.POSITIVE_INFINITY, kind: 'up' });
      break;
    case 'BLOCKED':
      segments.push({
        startMs: since,
        endMs: Number.POSITIVE_INFINITY,
        kind: config.treatBlockedAsDown ? 'down' : 'blocked',
      });
      break;
    case 'PENDING': {
      // Not confirmed yet: up until the first failed check (what the confirmed status was), down since.
      // Without a confirmed change (the very first checks failing) there was no up time to count.
      const failingSinceMs = state.outage?.sinceMs ?? Number.POSITIVE_INFINITY;
      if (state.statusSinceMs !== undefined) {
        segments.push({ startMs: state.statusSinceMs, endMs: failingSinceMs, kind: 'up' });
      }
      segments.push({ startMs: failingSinceMs, endMs: Number.POSITIVE_INFINITY, kind: 'down' });
      break;
    }
    case 'REGIONAL':
      // Not an outage (issue 15: most locations reach it): up since it was confirmed REGIONAL. The failed checks
      // before that were PENDING, down like a blip that recovers, as the raw history counts them.
      if (state.outage !== undefined && state.statusSinceMs !== undefined) {
        segments.push({ startMs: state.outage.sinceMs, endMs: state.statusSinceMs, kind: 'down' });
      }
      segments.push({ startMs: since, endMs: Number.POSITIVE_INFINITY, kind: 'up' });
      break;
    case 'DOWN':
    case 'RECOVERING':
      segments.push({
        startMs: state.outage?.sinceMs ?? since,
        endMs: Number.POSITIVE_INFINITY,
        kind: 'down',
      });
      break;
  }
  if (shownStatusOf(state) === 'UNCHECKED' && state.checkFault !== undefined) {
    segments.push({ startMs: state.checkFault.sinceMs, endMs: Number.POSITIVE_INFINITY, kind: 'fault' });
  }
  return segments;
}

/** Flattens overlapping segments (the later one wins) into disjoint ones within [fromMs, toMs). */
function paint(segments: readonly StateSegment[], fromMs: number, toMs: number): LiveSegment[] {
  const clipped = segments
    .map((segment) => ({
      ...segment,
      startMs: Math.max(segment.startMs, fromMs),
      endMs: Math.min(segment.endMs, toMs),
    }))
    .filter((segment) => segment.endMs > segment.startMs);
  const cuts = [...new Set(clipped.flatMap((segment) => [segment.startMs, segment.endMs]))].sort(
    (a, b) => a - b,
  );
  const flat: LiveSegment[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const startMs = cuts[i] as number;
    const endMs = cuts[i + 1] as number;
    const winner = clipped.findLast((segment) => segment.startMs <= startMs && segment.endMs >= endMs);
    if (winner === undefined) continue;
    const last = flat.at(-1);
    if (last !== undefined && last.kind === winner.kind && last.endMs === startMs) {
      flat[flat.length - 1] = { ...last, endMs };
    } else {
      flat.push({ startMs, endMs, kind: winner.kind });
    }
  }
  return flat;
}

/** A counted segment with the parts inside maintenance windows counted as maintenance. */
function splitByMaintenance(segment: LiveSegment, maintenance: readonly Span[]): LiveSegment[] {
  const parts: LiveSegment[] = [];
  let cursorMs = segment.startMs;
  for (const span of maintenance) {
    if (span.endMs <= cursorMs || span.startMs >= segment.endMs) continue;
    if (span.startMs > cursorMs) parts.push({ ...segment, startMs: cursorMs, endMs: span.startMs });
    const endMs = Math.min(span.endMs, segment.endMs);
    parts.push({ startMs: Math.max(span.startMs, cursorMs), endMs, kind: 'maintenance' });
    cursorMs = endMs;
  }
  if (cursorMs < segment.endMs) parts.push({ ...segment, startMs: cursorMs });
  return parts;
}
