import type { HistoryStore } from '../adapters/history-store.ts';
import type { Logger } from '../adapters/logger.ts';
import type { SiteRecord } from '../adapters/site-store.ts';
import { buildStatusDocument, isPublicSite } from '../domain/history/status-document-builder.ts';
import type { HistorySummary } from '../domain/history/summary.ts';
import type { SweepReport } from './sweep.ts';

// The public status page on AWS (CONTRACT-13 item 5): the fan-out already reads every site each minute, so after
// a sweep that saw them all it builds the public status.json from what the scan showed it plus the public sites'
// summary (the compactor's PUBLIC_SUMMARY_KEY): one conditional GET and one PUT a minute, no second scan. The
// summary is kept between invocations with its ETag, so S3 answers 304 without a body and it is parsed once per
// compaction. The page shell is PUT once per cold start.

/** Longest the publishing may take after the sweep's sends (the fan-out's Lambda has 50 s; a sweep takes ~1). */
export const MAX_PUBLISH_MS = 5_000;
/** Kept back before the invocation's deadline: the handler must still return its report. */
export const PUBLISH_MARGIN_MS = 1_000;

export interface StatusPublisherDeps {
  readonly history: Pick<HistoryStore, 'getPublicSummaryIfChanged' | 'putPublicDocument' | 'putPublicPage'>;
  readonly log: Logger;
  /** The page shell (STATUS_PAGE_HTML). */
  readonly pageHtml: string;
}

export interface StatusPublisherOptions {
  readonly title: string;
  readonly publicOwners: readonly string[];
  /** @default MAX_PUBLISH_MS */
  readonly maxPublishMs?: number;
}

/** The public sites one sweep's scan showed; a fresh one per sweep. */
export interface PublicSitesCollector {
  /** For SweepDeps.observePage: keeps only the public sites. */
  readonly observePage: (sites: readonly SiteRecord[]) => void;
  readonly sites: readonly SiteRecord[];
}

/** Where a published document's history came from: read (changed), kept (304), none, or stale (read failed, the last one kept). */
export type HistorySource = 'read' | 'kept' | 'none' | 'stale';

/** What a publish attempt did (returned for tests; every outcome but `published` and skips is logged). */
export type PublishOutcome =
  | {
      readonly kind: 'published';
      readonly sites: number;
      readonly pagePublished: boolean;
      readonly history: HistorySource;
    }
  | { readonly kind: 'skipped'; readonly reason: 'not-a-full-sweep' | 'no-public-sites' | 'no-time-left' }
  | { readonly kind: 'failed'; readonly error: string }
  | { readonly kind: 'timed-out'; readonly afterMs: number };

export interface PublishTiming {
  readonly nowMs: () => number;
  /** The invocation's time left (context.getRemainingTimeInMillis()). */
  readonly timeLeftMs: number;
}

/**
 * Publishes the public page after full sweeps. Lives as long as the Lambda execution environment: it remembers
 * whether the page shell was uploaded, how many sites the last document it published held, and the last public
 * summary it read (with its ETag).
 */
export class StatusPublisher {
  readonly #deps: StatusPublisherDeps;
  readonly #options: StatusPublisherOptions;
  #isPagePublished = false;
  // Unknown after a cold start: another environment may have published sites, so "none" is published once.
  #lastPublishedSites: number | undefined;
  #summary: { readonly summary: HistorySummary; readonly eTag: string | undefined } | undefined;

  constructor(deps: StatusPublisherDeps, options: StatusPublisherOptions) {
    this.#deps = deps;
    this.#options = options;
  }

  /** A collector for one sweep's pages. */
  collector(): PublicSitesCollector {
    const sites: SiteRecord[] = [];
    const { publicOwners } = this.#options;
    return {
      sites,
      observePage: (page) => {
        for (const site of page) if (isPublicSite(site.config, publicOwners)) sites.push(site);
      },
    };
  }

  /**
   * After a sweep: publishes when the sweep saw every site (outcome `swept`; a resumed one saw part, a duplicate
   * none) and some are public, or none are any more but the page may still show some (an empty document, once).
   * Bounded by maxPublishMs and the invocation's deadline; never throws.
   */
  async publishAfter(
    report: Pick<SweepReport, 'outcome'>,
    collected: PublicSitesCollector,
    timing: PublishTiming,
  ): Promise<PublishOutcome> {
    if (report.outcome !== 'swept') return { kind: 'skipped', reason: 'not-a-full-sweep' };
    const sites = collected.sites;
    if (sites.length === 0 && this.#lastPublishedSites === 0)
      return { kind: 'skipped', reason: 'no-public-sites' };
    const budgetMs = Math.min(
      this.#options.maxPublishMs ?? MAX_PUBLISH_MS,
      timing.timeLeftMs - PUBLISH_MARGIN_MS,
    );
    if (budgetMs <= 0) {
      this.#deps.log.warn('status page not published: no time left in the invocation', {
        timeLeftMs: timing.timeLeftMs,
      });
      return { kind: 'skipped', reason: 'no-time-left' };
    }
    const startedMs = timing.nowMs();
    // A publish that outlives its budget goes on after the handler returns (the next thaw resumes it): it must not
    // PUT then, over a newer document.
    const run = { isAbandoned: false };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<PublishOutcome>((resolve) => {
      timer = setTimeout(() => {
        run.isAbandoned = true;
        resolve({ kind: 'timed-out', afterMs: budgetMs });
      }, budgetMs);
    });
    const outcome = await Promise.race([this.#publish(sites, timing, run), timeout])
      .catch((error: unknown): PublishOutcome => ({ kind: 'failed', error: (error as Error).message }))
      .finally(() => clearTimeout(timer));
    const fields = { sites: sites.length, ms: timing.nowMs() - startedMs };
    if (outcome.kind === 'published') this.#deps.log.info('status page published', { ...fields, ...outcome });
    else
      this.#deps.log.warn('status page not published: the next full sweep tries again', {
        ...fields,
        ...outcome,
      });
    return outcome;
  }

  async #publish(
    sites: readonly SiteRecord[],
    timing: PublishTiming,
    run: { readonly isAbandoned: boolean },
  ): Promise<PublishOutcome> {
    // No site to show needs no history.
    const { summary, history } =
      sites.length === 0 ? { summary: undefined, history: 'none' as const } : await this.#readSummary();
    const document = buildStatusDocument({
      audience: 'public',
      title: this.#options.title,
      sites,
      summary,
      publicOwners: this.#options.publicOwners,
      nowMs: timing.nowMs(),
    });
    if (run.isAbandoned) return { kind: 'failed', error: 'abandoned after its time budget' };
    const isPageDue = !this.#isPagePublished;
    await Promise.all([
      this.#deps.history.putPublicDocument(document),
      isPageDue ? this.#deps.history.putPublicPage(this.#deps.pageHtml) : undefined,
    ]);
    if (isPageDue) this.#isPagePublished = true;
    this.#lastPublishedSites = sites.length;
    return { kind: 'published', sites: sites.length, pagePublished: isPageDue, history };
  }

  /**
   * The public summary, read again only when the compactor wrote a new one. A failed read does not stop the page
   * when a summary was read before: it publishes with that one (stale by at most the failure's length: the live
   * stretch covers the time since). With none read yet, the failure fails this publish (the last page stays).
   */
  async #readSummary(): Promise<{
    readonly summary: HistorySummary | undefined;
    readonly history: HistorySource;
  }> {
    try {
      const read = await this.#deps.history.getPublicSummaryIfChanged(this.#summary?.eTag);
      if (read === 'unchanged') return { summary: this.#summary?.summary, history: 'kept' };
      this.#summary = read;
      return read === undefined
        ? { summary: undefined, history: 'none' }
        : { summary: read.summary, history: 'read' };
    } catch (error) {
      // Without any summary, every figure would come from the live state alone: an old site would read 100.00 %
      // for a year and lose its incidents. The page published before stays until the summary can be read.
      if (this.#summary === undefined) throw error;
      this.#deps.log.warn(
        'public history summary unreadable: publishing the live states with the last one read',
        {
          error: (error as Error).message,
        },
      );
      return { summary: this.#summary.summary, history: 'stale' };
    }
  }
}
