import * as v from 'valibot';
import { DOWN_REASONS } from '../check-result.ts';
import { wholeNumber } from '../schema-parts.ts';
import { SHOWN_STATUSES } from './check-record.ts';
import { UPTIME_WINDOWS } from './summary.ts';

// status.json: what the status page renders, and what anyone may use for badges or their own page. Versioned
// and documented (docs/status-page.md); a field is never renamed within a version. Built by one function for
// every audience (the public page on AWS, the private page served by `npm start` and `squirrel page`).

export const STATUS_DOCUMENT_VERSION = 1;

/** `public`: only sites made public, no URLs or failure details (they can name internal hosts); `private`: all. */
export const AUDIENCES = ['public', 'private'] as const;
export type Audience = (typeof AUDIENCES)[number];

/** A percentage as shown: two decimals, never rounded up (99.999 % is "99.99", not "100.00"); null: no data. */
const UptimeFigureSchema = v.object({
  /** Exact ratio ×100 (for charts and badges); null when the window holds no up or down time. */
  percent: v.nullable(v.number()),
  /** `percent` floored to 0.01 and printed with two decimals ("97.50"); "—" when null. */
  text: v.string(),
  upMs: wholeNumber,
  downMs: wholeNumber,
  /** Shown apart, never downtime. */
  blockedMs: wholeNumber,
  faultMs: wholeNumber,
  maintenanceMs: wholeNumber,
});
export type UptimeFigure = Readonly<v.InferOutput<typeof UptimeFigureSchema>>;

const StatusDaySchema = v.object({
  dayStartMs: wholeNumber,
  /** null: no data that day (before the site existed, or the monitor was off). */
  uptime: v.nullable(UptimeFigureSchema),
  incidents: wholeNumber,
});

const StatusIncidentSchema = v.object({
  startMs: wholeNumber,
  confirmedMs: wholeNumber,
  /** Absent while it lasts. */
  endMs: v.optional(wholeNumber),
  /** false: endMs is the last moment the history saw it (checks stopped), not its recovery. */
  endKnown: v.optional(v.literal(false)),
  durationMs: wholeNumber,
  reason: v.picklist(DOWN_REASONS),
  /** Private audience only. */
  detail: v.optional(v.string()),
});

export const StatusSiteSchema = v.object({
  id: v.string(),
  name: v.string(),
  /** Private audience only. */
  url: v.optional(v.string()),
  owner: v.optional(v.string()),
  /** Shown status, or PAUSED for a disabled site. */
  status: v.picklist([...SHOWN_STATUSES, 'PAUSED']),
  /**
   * REGIONAL, or DOWN confirmed from several locations (issue 15): of the locations that answered the last
   * verification, how many failed; the private audience also gets which (home first). Absent otherwise.
   */
  locations: v.optional(
    v.object({
      failing: wholeNumber,
      answered: wholeNumber,
      /** Private audience only. */
      failingFrom: v.optional(v.array(v.string())),
    }),
  ),
  /** Since when it has been in that status (statusSinceOf), when known. */
  sinceMs: v.optional(wholeNumber),
  /** The last check that changed something, when known (steady checks write nothing to the item). */
  lastCheck: v.optional(
    v.object({ atMs: wholeNumber, latencyMs: wholeNumber, status: v.optional(wholeNumber) }),
  ),
  uptime: v.object(
    Object.fromEntries(UPTIME_WINDOWS.map((window) => [window, UptimeFigureSchema])) as Record<
      (typeof UPTIME_WINDOWS)[number],
      typeof UptimeFigureSchema
    >,
  ),
  /** SUMMARY_DAYS entries, oldest first, ending today (UTC): every day present, null uptime without data. */
  days: v.array(StatusDaySchema),
  /** Hourly response times, oldest first (hours with data only). */
  responseTimes: v.array(
    v.object({ hourStartMs: wholeNumber, p50Ms: wholeNumber, p95Ms: wholeNumber, maxMs: wholeNumber }),
  ),
  /** Newest first: the ongoing outage (from live state) first, then the summary's, at most 10. */
  incidents: v.array(StatusIncidentSchema),
});
export type StatusSite = Readonly<v.InferOutput<typeof StatusSiteSchema>>;

export const StatusDocumentSchema = v.object({
  v: v.literal(STATUS_DOCUMENT_VERSION),
  audience: v.picklist(AUDIENCES),
  title: v.string(),
  generatedAtMs: wholeNumber,
  /** History before this is compacted; uptime after it is from each site's live state. */
  compactedUntilMs: v.optional(wholeNumber),
  sites: v.array(StatusSiteSchema),
  /** Sites left out to keep the document bounded (MAX_STATUS_SITES in status-document-builder.ts); absent: none. */
  omittedSites: v.optional(wholeNumber),
});
export type StatusDocument = Readonly<v.InferOutput<typeof StatusDocumentSchema>>;
