import Table from 'cli-table3';
import { failingCountOf, shownVerificationOf, whereOf } from '../cli/core/location-summary.ts';
import { redactUrl } from '../functions/adapters/logger.ts';
import type { SiteRecord } from '../functions/adapters/site-store.ts';
import { formatDuration } from '../functions/domain/duration.ts';
import { type ShownStatus, shownStatusOf, statusSinceOf } from '../functions/domain/site-state.ts';
import { AlertPrinter, clockTime } from './alert-printer.ts';
import type { LocalRuntime, Notice, QueueDepths, RuntimeStats } from './runtime.ts';

export interface ConsoleViewProps {
  readonly runtime: LocalRuntime;
  readonly output: NodeJS.WriteStream;
  /** TTY: redraw the status block in place this often. */
  readonly refreshMs: number;
  /** Not a TTY (a log file, CI): print a status summary this often. */
  readonly summaryEveryMs: number;
  /** Shown in the footer: where the handlers' logs go. */
  readonly logsDir: string;
  /** How to call the CLI so it finds this runtime (`npx squirrel --data-dir …`): shown in the hints. */
  readonly squirrel: string;
}

// The same warning for every check of a broken site would bury everything else.
const NOTICE_REPEAT_MS = 60_000;
const SITE_LINES_RESERVED = 12;

/**
 * What a person sees while the runtime runs. On a terminal: alerts and notices scroll above a status table that
 * redraws in place. Otherwise: alerts, notices and a periodic plain-text summary, one line per site that changed.
 */
export class ConsoleView {
  readonly #props: ConsoleViewProps;
  readonly #isTty: boolean;
  readonly #isColored: boolean;
  readonly #unsubscribe: Array<() => void> = [];
  readonly #noticeSeenAtMs = new Map<string, number>();
  readonly #printedStates = new Map<string, string>();
  readonly #alertPrinter: AlertPrinter;
  #timer: NodeJS.Timeout | undefined;
  #liveRows = 0;
  #liveText = '';
  #isRendering = false;
  #isStopped = false;

  constructor(props: ConsoleViewProps) {
    this.#props = props;
    this.#isTty = props.output.isTTY === true;
    this.#isColored = this.#isTty && process.env.NO_COLOR === undefined;
    this.#alertPrinter = new AlertPrinter({
      print: (text) => this.#write(text),
      width: () => this.#width(),
      isColored: this.#isColored,
    });
  }

  start(): void {
    const { runtime } = this.#props;
    this.#unsubscribe.push(
      runtime.on('alert', (alert) => this.#alertPrinter.alert(alert)),
      runtime.on('delivery', (attempt) => this.#alertPrinter.delivery(attempt)),
      runtime.on('notice', (notice) => this.#printNotice(notice)),
    );
    const everyMs = this.#isTty ? this.#props.refreshMs : this.#props.summaryEveryMs;
    this.#timer = setInterval(() => void this.#render(), everyMs);
    void this.#render();
  }

  /** Prints above the live block (which is then drawn again below it). */
  print(text: string): void {
    this.#alertPrinter.interrupted();
    this.#write(text);
  }

  #write(text: string): void {
    if (this.#isStopped) {
      this.#props.output.write(`${text}\n`);
      return;
    }
    this.#erase();
    this.#props.output.write(`${text}\n`);
    this.#draw(this.#liveText);
  }

  /** Stops refreshing (the last status block stays on screen); alerts and notices are still printed. */
  stop(): void {
    this.#isStopped = true;
    clearInterval(this.#timer);
  }

  /** Stops printing altogether (after the delivery outcomes still waiting for their alert). */
  detach(): void {
    this.#alertPrinter.flush();
    this.stop();
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }

  async #render(): Promise<void> {
    if (this.#isRendering || this.#isStopped) return;
    this.#isRendering = true;
    try {
      const sites = await this.#readSites();
      const depths = await this.#props.runtime.queueDepths();
      if (this.#isStopped) return;
      const stats = this.#props.runtime.stats();
      const nowMs = Date.now();
      if (this.#isTty) {
        this.#erase();
        this.#draw(this.#statusBlock(sites, stats, depths, nowMs));
      } else {
        this.#printSummary(sites, stats, depths, nowMs);
      }
    } catch (error) {
      // The emulators stop before the view on shutdown; anything else is worth a line.
      if (!this.#isStopped)
        this.#printNotice({ level: 'warn', message: `status view: ${(error as Error).message}` });
    } finally {
      this.#isRendering = false;
    }
  }

  async #readSites(): Promise<SiteRecord[]> {
    const sites: SiteRecord[] = [];
    await this.#props.runtime.store.scanSites(1, async (page) => {
      sites.push(...page.sites);
    });
    return sites.sort((a, b) => a.config.name.localeCompare(b.config.name));
  }

  #statusBlock(
    sites: readonly SiteRecord[],
    stats: RuntimeStats,
    depths: QueueDepths,
    nowMs: number,
  ): string {
    const width = this.#width();
    const rows = this.#props.output.rows ?? 40;
    const shown = sites.slice(0, Math.max(3, rows - SITE_LINES_RESERVED));
    const table = new Table({
      head: ['Site', 'URL', 'State', 'Since', 'Last change (time · latency · result)', 'Every'],
      style: { head: this.#isColored ? ['cyan'] : [], border: this.#isColored ? ['grey'] : [] },
      colWidths: columnWidths(width),
      wordWrap: false,
    });
    for (const site of shown) {
      table.push([
        site.config.name,
        redactUrl(site.config.url),
        this.#paint(stateLabel(site), stateColor(site)),
        sinceLabel(site, nowMs),
        lastChangeLabel(site),
        `${site.config.intervalMinutes} min`,
      ]);
    }
    const lines = [table.toString()];
    const { squirrel } = this.#props;
    if (sites.length === 0) lines.push(`No sites yet. Add one: ${squirrel} sites add https://example.org/`);
    if (sites.length > shown.length) {
      lines.push(`… and ${sites.length - shown.length} more: ${squirrel} status`);
    }
    lines.push(...footerLines(stats, depths, nowMs));
    lines.push(
      this.#paint(
        `logs: ${this.#props.logsDir} · add a site: ${squirrel} sites add URL · Ctrl-C to stop`,
        'grey',
      ),
    );
    return lines.join('\n');
  }

  #printSummary(sites: readonly SiteRecord[], stats: RuntimeStats, depths: QueueDepths, nowMs: number): void {
    const counts = new Map<string, number>();
    for (const site of sites) counts.set(stateLabel(site), (counts.get(stateLabel(site)) ?? 0) + 1);
    const states = [...counts].map(([state, count]) => `${count} ${state}`).join(', ');
    const lines = [
      `[${clockTime(nowMs)}] status: ${sites.length} site(s)${states ? ` (${states})` : ''} · ${footerLines(stats, depths, nowMs).join(' · ')}`,
    ];
    for (const site of sites) {
      const line = `  ${site.config.name} ${stateLabel(site)} since ${sinceLabel(site, nowMs)}; last change ${lastChangeLabel(site)}`;
      const key = `${stateLabel(site)} ${site.state.version}`;
      if (this.#printedStates.get(site.config.siteId) === key) continue;
      this.#printedStates.set(site.config.siteId, key);
      lines.push(line);
    }
    this.print(lines.join('\n'));
  }

  #printNotice(notice: Notice): void {
    const nowMs = Date.now();
    const seenAtMs = this.#noticeSeenAtMs.get(notice.message);
    if (seenAtMs !== undefined && nowMs - seenAtMs < NOTICE_REPEAT_MS) return;
    this.#noticeSeenAtMs.set(notice.message, nowMs);
    const text = `[${clockTime(nowMs)}] ${notice.level}: ${notice.message}`;
    this.print(this.#paint(truncate(text, this.#width() * 3), notice.level === 'error' ? 'red' : 'yellow'));
  }

  #draw(text: string): void {
    this.#liveText = text;
    if (!this.#isTty || text === '') return;
    this.#props.output.write(`${text}\n`);
    const width = this.#width();
    this.#liveRows = text
      .split('\n')
      .reduce((rows, line) => rows + Math.max(1, Math.ceil(visibleLength(line) / width)), 0);
  }

  #erase(): void {
    if (!this.#isTty || this.#liveRows === 0) return;
    // Up to the first row of the block, then clear everything below.
    this.#props.output.write(`\x1b[${this.#liveRows}F\x1b[0J`);
    this.#liveRows = 0;
  }

  #width(): number {
    return Math.max(60, this.#props.output.columns ?? 120);
  }

  #paint(text: string, color: Color): string {
    return this.#isColored ? `${COLORS[color]}${text}\x1b[0m` : text;
  }
}

type Color = 'green' | 'red' | 'yellow' | 'grey' | 'cyan';
const COLORS: Record<Color, string> = {
  green: '\x1b[32m',
  red: '\x1b[31m',
  yellow: '\x1b[33m',
  grey: '\x1b[90m',
  cyan: '\x1b[36m',
};

function columnWidths(width: number): number[] {
  // Borders take 7 columns (widths include padding); the URL and the last change share the rest.
  const fixed = { site: 22, state: 12, since: 16, every: 8 };
  const flexible = Math.max(30, width - 7 - fixed.site - fixed.state - fixed.since - fixed.every);
  const url = Math.floor(flexible * 0.45);
  return [fixed.site, url, fixed.state, fixed.since, flexible - url, fixed.every];
}

function stateLabel(site: SiteRecord): string {
  return site.config.enabled ? shownStatusOf(site.state) : `PAUSED`;
}

function stateColor(site: SiteRecord): Color {
  if (!site.config.enabled) return 'grey';
  const colors: Record<ShownStatus, Color> = {
    UNCHECKED: 'yellow',
    UP: 'green',
    DOWN: 'red',
    PENDING: 'yellow',
    RECOVERING: 'yellow',
    DEGRADED: 'yellow',
    BLOCKED: 'yellow',
    REGIONAL: 'yellow',
    UNKNOWN: 'grey',
  };
  return colors[shownStatusOf(site.state)];
}

function sinceLabel(site: SiteRecord, nowMs: number): string {
  const { state } = site;
  // A failing site (PENDING, DOWN, RECOVERING) since its first failed check, like its alerts and `status`.
  const sinceMs = statusSinceOf(state);
  if (sinceMs === undefined) return state.status === 'UNKNOWN' ? 'not checked' : '-';
  return `${formatDuration(Math.max(0, nowMs - sinceMs))} ago`;
}

/**
 * "12:00:01 · 35 ms · 200", "12:00:01 · 10000 ms · timeout: …"; a REGIONAL site says where it fails and where not
 * ("12:00:01 · down from local (timeout); up from local-west, local-east"), a verified DOWN from how many locations.
 */
export function lastChangeLabel(site: SiteRecord): string {
  const fault = site.state.checkFault;
  if (fault) return `${clockTime(fault.sinceMs).slice(11)} · not checked · ${fault.reason}: ${fault.detail}`;
  const verification = shownVerificationOf(site.state);
  const last = site.state.lastCheck;
  if (site.state.status === 'REGIONAL' && verification) {
    return `${clockTime(last?.atMs ?? verification.atMs).slice(11)} · ${whereOf(verification)}`;
  }
  if (!last) return '-';
  const result = last.up
    ? `${last.status ?? 'up'}`
    : `${last.reason ?? 'down'}${last.status ? ` ${last.status}` : ''}${last.detail ? `: ${last.detail}` : ''}`;
  const where =
    verification && !last.up ? ` · from ${failingCountOf(verification)}: ${whereOf(verification)}` : '';
  return `${clockTime(last.atMs).slice(11)} · ${last.latencyMs} ms · ${result}${where}`;
}

function footerLines(stats: RuntimeStats, depths: QueueDepths, nowMs: number): string[] {
  const last = stats.lastSweep;
  const lastSweep = last
    ? `last ${formatDuration(Math.max(0, nowMs - last.startedAtMs))} ago: minute ${last.minute}, ${
        last.report
          ? `${last.report.due} due, ${last.report.messages} msg${last.report.duplicate ? ', duplicate' : ''}`
          : 'failed'
      }`
    : 'none yet';
  return [
    `sweeps ${stats.sweeps} (${lastSweep}) · checks ${stats.checksCompleted} (${stats.checksDown} down, ${stats.checkerFaults} faults) · changes ${stats.stateChanges} · alerts ${stats.alertsReceived}`,
    `checks queue ${depths.checksVisible} waiting, ${depths.checksInFlight} in flight, ${depths.checksDelayed} delayed · DLQ ${depths.deadLetters} · handler warnings ${stats.handlerWarnings}, errors ${stats.handlerErrors}`,
    `channel deliveries ${describeDeliveries(stats.deliveries)} · ${depths.deliveriesPending} pending · DLQ ${depths.deliveryDeadLetters}`,
  ];
}

function describeDeliveries(byOutcome: Readonly<Record<string, number>>): string {
  const counts = Object.entries(byOutcome).filter(([, count]) => count > 0);
  return counts.length === 0
    ? 'none yet'
    : counts.map(([outcome, count]) => `${count} ${outcome}`).join(', ');
}

function visibleLength(line: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI colour codes is the point.
  return line.replace(/\x1b\[[0-9;]*m/g, '').length;
}

function truncate(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}
