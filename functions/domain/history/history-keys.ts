// Where each history object lives in the history bucket (CONTRACT of issue 13). Keys sort by time, so a
// listing of one hour's prefix is that hour's raw objects in write order. All times UTC.

/** Raw batches: one per checker invocation. Lifecycle: expire after RAW_RETENTION_DAYS. */
export const RAW_PREFIX = 'history/raw/';
/** Hourly and daily rollups. Lifecycle: expire after ROLLUP_RETENTION_DAYS. */
export const HOURLY_PREFIX = 'history/hourly/';
export const DAILY_PREFIX = 'history/daily/';
/** One file per site, kept as long as the site exists (no lifecycle). */
export const INCIDENTS_PREFIX = 'history/incidents/';
/** The compactor's summary for readers (page, CLI, fan-out). */
export const SUMMARY_KEY = 'history/summary.json.gz';
/**
 * The same summary holding only the sites public when the compactor ran: what the fan-out's public page reads every
 * minute (a few sites' history, not the whole fleet's ~33 MB of JSON). Private like every history/ object.
 */
export const PUBLIC_SUMMARY_KEY = 'history/summary-public.json.gz';
/** The compactor's own bookkeeping (what it compacted, carried coverage). */
export const COMPACTOR_STATE_KEY = 'history/compactor-state.json.gz';
/** The public status page: the only prefix the CDN may read. */
export const PUBLIC_PAGE_PREFIX = 'status/public/';
export const PUBLIC_PAGE_KEYS = {
  page: `${PUBLIC_PAGE_PREFIX}index.html`,
  document: `${PUBLIC_PAGE_PREFIX}status.json`,
} as const;

export const RAW_RETENTION_DAYS = 35;
export const ROLLUP_RETENTION_DAYS = 800;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `YYYY/MM/DD/HH` of the UTC hour holding `ms`. */
export function hourPath(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCHours())}`;
}

/** `YYYY/MM/DD` of the UTC day holding `ms`. */
export function dayPath(ms: number): string {
  return hourPath(ms).slice(0, 10);
}

/** A raw batch written at `writtenAtMs`; `unique` tells apart two invocations writing in the same ms. */
export function rawBatchKey(writtenAtMs: number, unique: string): string {
  const d = new Date(writtenAtMs);
  return `${RAW_PREFIX}${hourPath(writtenAtMs)}/${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}${pad(d.getUTCMilliseconds(), 3)}-${unique}.json.gz`;
}

/** The prefix listing every raw batch written in the UTC hour holding `ms`. */
export const rawHourPrefix = (ms: number): string => `${RAW_PREFIX}${hourPath(ms)}/`;
export const hourlyRollupKey = (hourStartMs: number): string =>
  `${HOURLY_PREFIX}${hourPath(hourStartMs)}.json.gz`;
export const dailyRollupKey = (dayStartMs: number): string => `${DAILY_PREFIX}${dayPath(dayStartMs)}.json.gz`;
export const siteIncidentsKey = (siteId: string): string => `${INCIDENTS_PREFIX}${siteId}.json.gz`;

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const hourStartOf = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;
export const dayStartOf = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;
