import { createHash } from 'node:crypto';
import type { SiteConfig } from '../site.ts';
import { type SiteState, shownStatusOf, statusSinceOf } from '../site-state.ts';
import { defaultSiteName } from '../site-url.ts';
import { DAY_MS, dayStartOf } from './history-keys.ts';
import { durationOf, type Incident } from './incident.ts';
import { liveIncidentsOf, viewIncidents } from './incident-view.ts';
import {
  type Audience,
  STATUS_DOCUMENT_VERSION,
  type StatusDocument,
  type StatusSite,
} from './status-document.ts';
import { type HistorySummary, type SiteSummary, SUMMARY_DAYS } from './summary.ts';
import { addTotals, EMPTY_TOTALS, type TimeTotals } from './time-totals.ts';
import { type LiveSite, liveSegments, siteUptime, totalsWithin, uptimeFigure } from './uptime.ts';

// status.json for both audiences from one function (CONTRACT-13 item 4). Pure: the caller reads the table and
// the summary and passes the clock.

export interface StatusDocumentInput {
  readonly audience: Audience;
  readonly title: string;
  readonly sites: readonly { readonly config: SiteConfig; readonly state: SiteState }[];
  readonly summary: HistorySummary | undefined;
  /** Owners whose sites are public unless a site says otherwise. */
  readonly publicOwners: readonly string[];
  readonly nowMs: number;
}

/** Incidents listed per site: the page shows recent ones; the CLI reads the full files. */
export const MAX_LISTED_INCIDENTS = 10;

/**
 * Sites per document, by audience. A site with full history is ~30 KiB of JSON (90 daily figures, 168 hourly
 * points, 10 incidents; a test holds it under 38 KiB). The public document goes through CloudFront, which
 * compresses only objects up to 10,000,000 bytes: 250 sites stay under that (~7 MiB measured, ≤ 9.7 MB at the
 * tested bound), so a phone downloads a few hundred KiB. The private one is served on loopback only: 1,000
 * sites (~30 MiB) still load there. Beyond the bound the document lists the first sites in its order and says
 * how many it left out (omittedSites): a bounded page rather than one nobody can load.
 */
export const MAX_STATUS_SITES: Readonly<Record<Audience, number>> = { public: 250, private: 1_000 };

/** Whether a site is on the public page: its own `public` setting, else its owner's. */
export function isPublicSite(
  config: Pick<SiteConfig, 'public' | 'owner'>,
  publicOwners: readonly string[],
): boolean {
  return config.public ?? publicOwners.includes(config.owner);
}

/** status.json for an audience: the public one holds only public sites, without URLs or failure details. */
export function buildStatusDocument(input: StatusDocumentInput): StatusDocument {
  const { audience, summary, nowMs } = input;
  const listed = input.sites
    .filter((site) => audience === 'private' || isPublicSite(site.config, input.publicOwners))
    .sort(compareSites);
  const summaries = new Map(summary?.sites.map((site) => [site.siteId, site]));
  const sites = listed
    .slice(0, MAX_STATUS_SITES[audience])
    .map((site) => statusSiteOf(site, summaries.get(site.config.siteId), audience, summary, nowMs));
  return {
    v: STATUS_DOCUMENT_VERSION,
    audience,
    title: input.title,
    generatedAtMs: nowMs,
    ...(summary === undefined ? {} : { compactedUntilMs: summary.compactedUntilMs }),
    sites,
    ...(listed.length > sites.length ? { omittedSites: listed.length - sites.length } : {}),
  };
}

const compareSites = (a: { config: SiteConfig }, b: { config: SiteConfig }): number =>
  compareSiteOrder(a.config, b.config);

/**
 * The documents' order: by name as people read it, then by id, so it never depends on the table's scan order.
 * The compactor caps the public summary in this same order.
 */
export function compareSiteOrder(
  a: Pick<SiteConfig, 'name' | 'siteId'>,
  b: Pick<SiteConfig, 'name' | 'siteId'>,
): number {
  return (
    compareText(a.name.toLowerCase(), b.name.toLowerCase()) ||
    compareText(a.name, b.name) ||
    compareText(a.siteId, b.siteId)
  );
}

// Code-unit order: the same on every machine, whatever its locale data.
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function statusSiteOf(
  site: { readonly config: SiteConfig; readonly state: SiteState },
  siteSummary: SiteSummary | undefined,
  audience: Audience,
  summary: HistorySummary | undefined,
  nowMs: number,
): StatusSite {
  const { config, state } = site;
  const isPrivate = audience === 'private';
  const compactedUntilMs = summary?.compactedUntilMs;
  const sinceMs = config.enabled ? statusSinceOf(state) : undefined;
  const incidents = incidentsOf(site, siteSummary, compactedUntilMs, nowMs);
  return {
    id: isPrivate ? config.siteId : publicIdOf(config.siteId),
    name: isPrivate ? config.name : publicNameOf(config),
    ...(isPrivate ? { url: config.url, owner: config.owner } : {}),
    status: config.enabled ? shownStatusOf(state) : 'PAUSED',
    ...locationsOf(site, audience),
    ...(sinceMs === undefined ? {} : { sinceMs }),
    ...(state.lastCheck === undefined
      ? {}
      : {
          lastCheck: {
            atMs: state.lastCheck.atMs,
            latencyMs: state.lastCheck.latencyMs,
            ...(state.lastCheck.status === undefined ? {} : { status: state.lastCheck.status }),
          },
        }),
    uptime: siteUptime(siteSummary, site, compactedUntilMs, nowMs),
    days: daysOf(site, siteSummary, incidents, compactedUntilMs, nowMs),
    responseTimes: (siteSummary?.hours ?? []).flatMap((hour) =>
      hour.p50Ms === undefined || hour.p95Ms === undefined || hour.maxMs === undefined
        ? []
        : [{ hourStartMs: hour.hourStartMs, p50Ms: hour.p50Ms, p95Ms: hour.p95Ms, maxMs: hour.maxMs }],
    ),
    incidents: incidents.slice(0, MAX_LISTED_INCIDENTS).map((incident) => ({
      startMs: incident.startMs,
      confirmedMs: incident.confirmedMs,
      ...(incident.endMs === undefined ? {} : { endMs: incident.endMs }),
      ...(incident.endKnown === false ? { endKnown: false as const } : {}),
      durationMs: Math.max(0, durationOf(incident, nowMs)),
      reason: incident.reason,
      ...(isPrivate ? { detail: incident.detail } : {}),
    })),
  };
}

/**
 * Where a REGIONAL or verified DOWN site fails (issue 15): counts for everyone, names for the private audience only
 * (they are the deployment's regions). Nothing for any other status, a paused site, or without a verification.
 */
function locationsOf(
  { config, state }: { readonly config: SiteConfig; readonly state: SiteState },
  audience: Audience,
): Pick<StatusSite, 'locations'> {
  const shown = shownStatusOf(state);
  if (!config.enabled || state.verification === undefined || (shown !== 'REGIONAL' && shown !== 'DOWN')) {
    return {};
  }
  const answered = state.verification.locations.filter((answer) => answer.outcome !== 'no-answer');
  const failing = answered.filter((answer) => answer.outcome === 'down');
  return {
    locations: {
      failing: failing.length,
      answered: answered.length,
      ...(audience === 'private' ? { failingFrom: failing.map((answer) => answer.location) } : {}),
    },
  };
}

/**
 * The id the public document shows: stable (badges can rely on it) but opaque, because site ids are made from the
 * URL's host and path by default, and the public page shows no URLs.
 */
export const publicIdOf = (siteId: string): string =>
  `s-${createHash('sha256').update(siteId).digest('hex').slice(0, 16)}`;

/**
 * The name the public document shows: the name its owner gave it, else only the URL's host. The default name is
 * the URL without its scheme (path and query included), and a query can carry a token.
 */
export function publicNameOf(config: Pick<SiteConfig, 'name' | 'url'>): string {
  return config.name === defaultSiteName(config.url) ? new URL(config.url).host : config.name;
}

/** The site's incidents as every view shows them (incident-view.ts), none starting after now. */
function incidentsOf(
  site: { readonly config: SiteConfig; readonly state: SiteState },
  siteSummary: SiteSummary | undefined,
  historyUntilMs: number | undefined,
  nowMs: number,
): Incident[] {
  return viewIncidents({
    history: siteSummary?.incidents ?? [],
    live: liveIncidentsOf(site),
    historyUntilMs,
  }).filter((incident) => incident.startMs <= nowMs);
}

/**
 * SUMMARY_DAYS days, oldest first, ending today (UTC): each day's compacted totals plus its part of the live
 * stretch (the same rules as the uptime windows); null uptime for a day nothing was recorded.
 */
function daysOf(
  live: LiveSite,
  siteSummary: SiteSummary | undefined,
  incidents: readonly Incident[],
  compactedUntilMs: number | undefined,
  nowMs: number,
): StatusSite['days'] {
  const todayStartMs = dayStartOf(nowMs);
  const firstDayMs = todayStartMs - (SUMMARY_DAYS - 1) * DAY_MS;
  const liveFromMs = Math.max(firstDayMs, compactedUntilMs ?? firstDayMs);
  const segments = liveSegments(live, liveFromMs, nowMs);
  const bars = new Map(siteSummary?.days.map((bar) => [bar.dayStartMs, bar]));
  // Incidents the summary does not count yet: the live ones (its own are in its bars).
  const compacted = new Set(siteSummary?.incidents.map((incident) => incident.startMs));
  const uncounted = incidents.filter((incident) => !compacted.has(incident.startMs));
  return Array.from({ length: SUMMARY_DAYS }, (_, index) => {
    const dayStartMs = firstDayMs + index * DAY_MS;
    const dayEndMs = dayStartMs + DAY_MS;
    const bar = bars.get(dayStartMs);
    const totals: TimeTotals = addTotals(
      bar?.totals ?? EMPTY_TOTALS,
      totalsWithin(segments, Math.max(dayStartMs, liveFromMs), Math.min(dayEndMs, nowMs)),
    );
    const incidentsThatDay =
      (bar?.incidents ?? 0) +
      uncounted.filter((incident) => incident.startMs >= dayStartMs && incident.startMs < dayEndMs).length;
    return {
      dayStartMs,
      uptime: hasAnyTime(totals) ? uptimeFigure(totals) : null,
      incidents: incidentsThatDay,
    };
  });
}

const hasAnyTime = (totals: TimeTotals): boolean =>
  totals.upMs + totals.downMs + totals.blockedMs + totals.faultMs + totals.maintenanceMs > 0;
