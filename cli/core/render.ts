import Table from 'cli-table3';
import type { SiteRecord } from '../../functions/adapters/site-store.ts';
import type { CertificateReading } from '../../functions/domain/alert-policy.ts';
import type { UptimeFigure } from '../../functions/domain/history/status-document.ts';
import type { UptimeWindow } from '../../functions/domain/history/summary.ts';
import type { MaintenanceWindow } from '../../functions/domain/maintenance-window.ts';
import { DEFAULT_TLS_WARN_DAYS, SITE_LIMITS, type SiteConfig } from '../../functions/domain/site.ts';
import { type ShownStatus, shownStatusOf, statusSinceOf } from '../../functions/domain/site-state.ts';
import type { JudgedCheck } from './check-verdict.ts';
import { failingCountOf, shownVerificationOf, whereOf } from './location-summary.ts';

const NO_BORDERS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

/** A plain, borderless, uncoloured table (greppable, like `kubectl get`), one row per line. */
export function renderTable(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const table = new Table({
    head: [...head],
    chars: NO_BORDERS,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  table.push(...rows.map((row) => [...row]));
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

/** One JSON object per line (JSON Lines): what every `--json` prints. */
export const toJsonLine = (value: unknown): string => JSON.stringify(value);

/** "45s", "12m", "3h 5m", "2d 4h": a rough duration for humans. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours}h` : `${hours}h ${minutes % 60}m`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days}d` : `${days}d ${hours % 24}h`;
}

/** UTC to the second: "2026-11-25T09:13:01Z". */
export const formatTimestamp = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** "12m ago (2026-11-25T09:13:01Z)", or "-" when there is no time. */
export const formatAgo = (atMs: number | undefined, nowMs: number): string =>
  atMs === undefined ? '-' : `${formatDuration(nowMs - atMs)} ago (${formatTimestamp(atMs)})`;

const byId = (a: SiteRecord, b: SiteRecord) => a.config.siteId.localeCompare(b.config.siteId);

/** `sites list` as a table. */
export function renderSiteList(records: readonly SiteRecord[]): string {
  const rows = [...records]
    .sort(byId)
    .map(({ config }) => [
      config.siteId,
      config.url,
      config.name,
      config.owner,
      `${config.intervalMinutes}m`,
      `${config.timeoutMs}ms`,
      config.method,
      config.expectStatus,
      config.enabled ? 'active' : 'paused',
      describeSiteExtras(config),
    ]);
  return renderTable(
    ['ID', 'URL', 'NAME', 'OWNER', 'EVERY', 'TIMEOUT', 'METHOD', 'EXPECT', 'ENABLED', 'ALSO'],
    rows,
  );
}

/**
 * The issue-6 settings that differ from the defaults, in a few words: `keyword "ok", slow > 800ms,
 * 2 headers, blocked = down, remind 30m, tls warn 30,7, full GET every 30m, 1 window`. Empty when all are
 * defaults.
 */
export function describeSiteExtras(config: SiteConfig): string {
  const parts: string[] = [];
  if (config.keyword) {
    parts.push(
      `${config.keyword.mode === 'absent' ? 'no keyword' : 'keyword'} ${JSON.stringify(config.keyword.text)}`,
    );
  }
  if (config.maxResponseMs !== undefined) parts.push(`slow > ${config.maxResponseMs}ms`);
  const headers = Object.keys(config.headers ?? {}).length;
  if (headers > 0) parts.push(`${headers} header${headers === 1 ? '' : 's'}`);
  if (config.treatBlockedAsDown) parts.push('blocked = down');
  if (config.reminderMinutes > 0) parts.push(`remind ${config.reminderMinutes}m`);
  const tls = config.tlsWarnDays.join(',');
  if (tls !== DEFAULT_TLS_WARN_DAYS.join(','))
    parts.push(tls === '' ? 'no tls warnings' : `tls warn ${tls}d`);
  if (config.fullGetMinutes !== SITE_LIMITS.fullGetMinutes.default) {
    parts.push(config.fullGetMinutes === 0 ? 'no full GET' : `full GET every ${config.fullGetMinutes}m`);
  }
  const windows = config.maintenance.length;
  if (windows > 0) parts.push(`${windows} maintenance window${windows === 1 ? '' : 's'}`);
  // Absent: as its owner is (the deploy setting statusPage.publicOwners), which the CLI does not know.
  if (config.public !== undefined) parts.push(config.public ? 'public page' : 'never public');
  return parts.join(', ');
}

/** "2026-03-28T22:00Z to 2026-03-29T02:00Z", "sat,sun 02:00 for 120 min (Europe/Berlin)". */
export function describeMaintenanceWindow(window: MaintenanceWindow): string {
  if (window.kind === 'once') return `${window.start} to ${window.end}`;
  return `${window.days.join(',')} ${window.start} for ${window.durationMinutes} min (${window.timeZone})`;
}

/** `sites list --json`: each site's configuration and version, sorted by id. */
export const siteListJson = (records: readonly SiteRecord[]): string[] =>
  [...records].sort(byId).map(({ config, state }) => toJsonLine({ ...config, version: state.version }));

// Worst first: what needs attention is at the top of `status`. REGIONAL after the failing statuses and before UP:
// most locations reach the site, but its home region does not.
const STATUS_ORDER: Readonly<Record<ShownStatus, number>> = {
  DOWN: 0,
  UNCHECKED: 1,
  PENDING: 2,
  RECOVERING: 3,
  BLOCKED: 4,
  DEGRADED: 5,
  REGIONAL: 6,
  UNKNOWN: 7,
  UP: 8,
};

const byStatusThenId = (a: SiteRecord, b: SiteRecord) =>
  STATUS_ORDER[shownStatusOf(a.state)] - STATUS_ORDER[shownStatusOf(b.state)] || byId(a, b);

/**
 * "up, HTTP 200 in 42ms", "down, http-5xx: HTTP 503 … (12ms)": the check that last changed the state. A slow
 * answer of a DEGRADED site names its limit; a refusal of a BLOCKED site says it is not an outage. A REGIONAL
 * site says where it fails and where it does not; a DOWN one confirmed by a verification adds every location.
 */
export function describeLastCheck(record: SiteRecord): string {
  const { config, state } = record;
  if (state.checkFault) return `not checked: ${state.checkFault.reason}: ${state.checkFault.detail}`;
  const verification = shownVerificationOf(state);
  const check = state.lastCheck;
  if (verification && (state.status === 'REGIONAL' || check === undefined)) return whereOf(verification);
  if (check === undefined) return 'never checked';
  if (check.up) {
    const isSlow = config.maxResponseMs !== undefined && check.latencyMs > config.maxResponseMs;
    return `up, HTTP ${check.status ?? '?'} in ${check.latencyMs}ms${isSlow ? ` (slower than ${config.maxResponseMs}ms)` : ''}`;
  }
  if (state.status === 'BLOCKED') {
    return `refused the monitor, HTTP ${check.status ?? '?'}${check.detail ? `: ${check.detail}` : ''} (allow-list our User-Agent, or --treat-blocked-as-down)`;
  }
  const down = `down, ${check.reason ?? 'unknown'}${check.detail ? `: ${check.detail}` : ''} (${check.latencyMs}ms)`;
  return verification ? `${down}; ${whereOf(verification)}` : down;
}

/**
 * "DOWN", "DEGRADED (slow)", "BLOCKED (refused)", "UP (maintenance)", "DOWN (paused)", "UNCHECKED (last UP)",
 * "DOWN (from 2 of 3 locations)" (confirmed by a verification).
 */
function describeState(record: SiteRecord): string {
  const { config, state } = record;
  const shown = shownStatusOf(state);
  const verification = shownVerificationOf(state);
  const notes = [
    ...(shown === 'UNCHECKED' ? [`last ${state.status}`] : []),
    ...(shown === 'DOWN' && verification ? [`from ${failingCountOf(verification)}`] : []),
    ...(state.status === 'DEGRADED' ? ['slow'] : []),
    ...(state.status === 'BLOCKED' ? ['refused'] : []),
    ...(state.maintenanceMark ? ['maintenance'] : []),
    ...(config.enabled ? [] : ['paused']),
  ];
  return notes.length === 0 ? shown : `${shown} (${notes.join(', ')})`;
}

/** Each site's uptime per window (siteUptime in functions/domain/history/uptime.ts), by site id. */
export type UptimeBySite = ReadonlyMap<string, Readonly<Record<UptimeWindow, UptimeFigure>>>;

/** The windows `status` shows as columns (all of them are in `status --json`). */
/** No history known (a target without a history bucket): every uptime is "—". */
export const NO_UPTIME: UptimeBySite = new Map();

export const STATUS_UPTIME_WINDOWS = ['24h', '30d'] as const satisfies readonly UptimeWindow[];

/**
 * `status` as a table: id and name, state, uptime over 24 h and 30 d ("—" without data), since when, and the
 * last change (the checker writes only on changes).
 */
export function renderStatus(
  records: readonly SiteRecord[],
  nowMs: number,
  uptime: UptimeBySite = NO_UPTIME,
): string {
  const rows = [...records].sort(byStatusThenId).map((record) => {
    const { config, state } = record;
    const changeAtMs = state.checkFault?.sinceMs ?? state.lastCheck?.atMs;
    const figures = uptime.get(config.siteId);
    return [
      config.siteId,
      shorten(config.name, STATUS_NAME_MAX_CHARS),
      describeState(record),
      ...STATUS_UPTIME_WINDOWS.map((window) => figures?.[window].text ?? '—'),
      // A DOWN site's SINCE is its first failed check, the "down since" of its alerts.
      formatAgo(statusSinceOf(state), nowMs),
      changeAtMs === undefined
        ? describeLastCheck(record)
        : `${formatDuration(nowMs - changeAtMs)} ago: ${describeLastCheck(record)}`,
    ];
  });
  return renderTable(
    [
      'ID',
      'NAME',
      'STATE',
      ...STATUS_UPTIME_WINDOWS.map((window) => `UP ${window.toUpperCase()}`),
      'SINCE',
      'LAST CHANGE',
    ],
    rows,
  );
}

// Names run to 100 characters; the id beside it already tells sites apart, the name only helps to read it.
const STATUS_NAME_MAX_CHARS = 40;

const shorten = (text: string, maxChars: number): string =>
  text.length <= maxChars ? text : `${text.slice(0, maxChars - 3)}...`;

/** "3 sites: 1 DOWN, 2 UP" (paused sites counted apart). */
export function summarizeStatus(records: readonly SiteRecord[]): string {
  const counts = new Map<string, number>();
  for (const { config, state } of records) {
    const key = config.enabled ? shownStatusOf(state) : 'paused';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const order = [...Object.keys(STATUS_ORDER), 'paused'];
  const parts = order.filter((key) => counts.has(key)).map((key) => `${counts.get(key)} ${key}`);
  const noun = records.length === 1 ? 'site' : 'sites';
  return `${records.length} ${noun}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`;
}

/** `status --json`: one object per site, times as epoch ms and ISO strings, uptime per window (null: unknown). */
export const statusJson = (records: readonly SiteRecord[], uptime: UptimeBySite = NO_UPTIME): string[] =>
  [...records].sort(byStatusThenId).map(({ config, state }) => {
    const sinceMs = statusSinceOf(state);
    return toJsonLine({
      siteId: config.siteId,
      name: config.name,
      url: config.url,
      owner: config.owner,
      enabled: config.enabled,
      state: state.status,
      sinceMs: sinceMs ?? null,
      since: sinceMs === undefined ? null : new Date(sinceMs).toISOString(),
      lastChange:
        state.lastCheck === undefined
          ? null
          : { ...state.lastCheck, at: new Date(state.lastCheck.atMs).toISOString() },
      outage: state.outage ?? null,
      unchecked: state.checkFault ?? null,
      inMaintenance: state.maintenanceMark !== undefined,
      maxResponseMs: config.maxResponseMs ?? null,
      pendingAlerts: Object.keys(state.pendingAlerts ?? {}).length,
      uptime: uptime.get(config.siteId) ?? null,
      version: state.version,
      // Only for a site verified from several locations: a monitor without verifiers prints what it always did.
      ...verificationJson(state),
    });
  });

/**
 * `verification`: where a REGIONAL or verified DOWN site failed, each location's answer (home first), and `where`
 * in words ("down from us-east-1 (timeout); up from us-west-2, eu-west-1"). Absent otherwise.
 */
function verificationJson(state: SiteRecord['state']): { verification?: unknown } {
  const verification = shownVerificationOf(state);
  if (verification === undefined) return {};
  return {
    verification: {
      atMs: verification.atMs,
      at: new Date(verification.atMs).toISOString(),
      where: whereOf(verification),
      locations: verification.locations,
    },
  };
}

/**
 * The line `check --json` prints for one URL. `up`: the site answered as expected (DEGRADED included: up but
 * slow); `verdict` says which; `reason` is `slow` for DEGRADED; `tls` is the certificate the check saw, or null.
 */
export const checkJson = (check: JudgedCheck): string => {
  const { url, verdict, result, certificate } = check;
  return toJsonLine({
    url,
    up: result.kind === 'up',
    kind: result.kind,
    verdict,
    status: 'status' in result ? (result.status ?? null) : null,
    reason: reasonOf(check),
    detail: detailOf(check) ?? null,
    latencyMs: result.latencyMs,
    tls:
      certificate === undefined
        ? null
        : {
            validToMs: certificate.certificate.validToMs,
            validTo: new Date(certificate.certificate.validToMs).toISOString(),
            daysLeft: certificate.daysLeft,
            fingerprint: certificate.certificate.fingerprint,
            warning: certificate.warnDays.length > 0,
            warnDays: certificate.warnDays,
          },
  });
};

/** Why the verdict is not UP: a down or fault reason, `blocked`, or `slow` for DEGRADED; null when UP. */
function reasonOf({ verdict, result }: JudgedCheck): string | null {
  if (verdict === 'DEGRADED') return 'slow';
  if (result.kind === 'up') return null;
  return result.kind === 'blocked' ? 'blocked' : result.reason;
}

/** The result's detail; a DEGRADED one leads with the limit it went over. An UP may say what led there. */
function detailOf({ verdict, result, maxResponseMs }: JudgedCheck): string | undefined {
  if (verdict !== 'DEGRADED') return result.detail;
  const slow = `${result.latencyMs} ms, slower than maxResponseMs ${maxResponseMs} ms`;
  return result.detail === undefined ? slow : `${slow}; ${result.detail}`;
}

/** "certificate expires 2027-01-04, in 29 days", marked when under one of the site's tlsWarnDays. */
function describeCertificate(reading: CertificateReading | undefined): string {
  if (reading === undefined) return '';
  const { certificate, daysLeft, warnDays } = reading;
  const date = new Date(certificate.validToMs).toISOString().slice(0, 10);
  const when =
    daysLeft < 0
      ? 'already expired'
      : daysLeft === 0
        ? 'in less than a day'
        : `in ${daysLeft} day${daysLeft === 1 ? '' : 's'}`;
  const text = `certificate expires ${date}, ${when}`;
  if (warnDays.length === 0) return text;
  const under = Math.min(...warnDays);
  return `WARNING: ${text} (under ${under} day${under === 1 ? '' : 's'})`;
}

/** `check` as a table, in the order the URLs were given. */
export function renderChecks(checks: readonly JudgedCheck[]): string {
  const rows = checks.map((check) => {
    const { url, verdict, result, certificate } = check;
    const reason = reasonOf(check);
    const detail = detailOf(check);
    return [
      url,
      verdict,
      'status' in result && result.status !== undefined ? String(result.status) : '-',
      `${result.latencyMs}ms`,
      reason === null ? (detail ?? '') : `${reason}: ${detail}`,
      describeCertificate(certificate),
    ];
  });
  return renderTable(['URL', 'VERDICT', 'STATUS', 'LATENCY', 'WHY', 'TLS'], rows);
}

/** A subscription as listed: the endpoint in full, because the user asked to see them. */
export interface SubscriptionView {
  /** Null while SNS lists the subscription as "PendingConfirmation" instead of an ARN. */
  readonly subscriptionArn: string | null;
  readonly protocol: string;
  readonly endpoint: string;
  readonly receives: string;
  readonly filterPolicy: string | null;
  readonly isPending: boolean;
}

/** A channel's row in `subscriptions list` (channel-render.ts makes it from the stored item). */
export interface ChannelRow {
  readonly kind: string;
  readonly channelId: string;
  readonly label: string;
  readonly receives: string;
  /** "ok", or "broken since …: detail". */
  readonly status: string;
}

/** `subscriptions list` as one table: SNS subscriptions, then alert channels. */
export const renderSubscriptions = (
  subscriptions: readonly SubscriptionView[],
  channels: readonly ChannelRow[] = [],
): string =>
  renderTable(
    ['KIND', 'ENDPOINT', 'RECEIVES', 'STATUS', 'ID / ARN'],
    [
      ...subscriptions.map((s) => [
        s.protocol,
        s.endpoint,
        s.receives,
        s.isPending ? 'pending confirmation' : 'confirmed',
        s.subscriptionArn ?? '-',
      ]),
      ...channels.map((c) => [c.kind, c.label, c.receives, c.status, c.channelId]),
    ],
  );
