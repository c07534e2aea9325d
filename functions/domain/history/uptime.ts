import type { SiteConfig } from '../site.ts';
import type { SiteState } from '../site-state.ts';
import type { UptimeFigure } from './status-document.ts';
import type { SiteSummary, UptimeWindow } from './summary.ts';
import type { TimeTotals } from './time-totals.ts';

// CONTRACT SKELETON (issue 13): signatures are the contract; the status-document helper writes the bodies.
// The one place uptime is computed: the CLI, the page and status.json all call siteUptime.

/** What a reader knows of a site now: its config and its item's state. */
export interface LiveSite {
  readonly config: Pick<SiteConfig, 'enabled' | 'maintenance' | 'treatBlockedAsDown'>;
  readonly state: SiteState;
}

/** Totals → the figure people read: upMs / (upMs + downMs), floored to 0.01 %, "—" without data. */
export function uptimeFigure(_totals: TimeTotals): UptimeFigure {
  throw new Error('not yet implemented');
}

/** How [fromMs, toMs) is counted from the live state alone (the time since the last compaction). */
export function liveTotals(_live: LiveSite, _fromMs: number, _toMs: number): TimeTotals {
  throw new Error('not yet implemented');
}

/**
 * Uptime per window: the summary's compacted totals plus the live stretch since compactedUntilMs (or since
 * nowMs - W when nothing was compacted yet).
 */
export function siteUptime(
  _summary: SiteSummary | undefined,
  _live: LiveSite | undefined,
  _compactedUntilMs: number | undefined,
  _nowMs: number,
): Record<UptimeWindow, UptimeFigure> {
  throw new Error('not yet implemented');
}
