import * as v from 'valibot';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createJsonLogger } from '../../functions/adapters/logger.ts';
import type { SiteRecord } from '../../functions/adapters/site-store.ts';
import { type StatusDocument, StatusDocumentSchema } from '../../functions/domain/history/status-document.ts';
import { publicIdOf } from '../../functions/domain/history/status-document-builder.ts';
import type { HistorySummary } from '../../functions/domain/history/summary.ts';
import { INITIAL_STATE } from '../../functions/domain/site-state.ts';
import {
  MAX_PUBLISH_MS,
  PUBLISH_MARGIN_MS,
  StatusPublisher,
  type StatusPublisherDeps,
} from '../../functions/services/status-publisher.ts';
import { aSite } from '../support/fixtures.ts';

const NOW = Date.UTC(2026, 11, 6, 12);
const PAGE = '<!doctype html><title>Status</title>';
const timing = { nowMs: () => NOW, timeLeftMs: 45_000 };
const summary: HistorySummary = { v: 1, generatedAtMs: NOW, compactedUntilMs: NOW - 3_600_000, sites: [] };

const site = (siteId: string, owner: string, isPublic?: boolean): SiteRecord => ({
  config: aSite({ siteId, name: siteId, owner, ...(isPublic === undefined ? {} : { public: isPublic }) }),
  state: { ...INITIAL_STATE, status: 'UP', statusSinceMs: NOW - 86_400_000 },
});
const PUBLIC_SITES = [site('shop', 'team-a', true), site('api', 'team-public')];
const PRIVATE_SITES = [site('intranet', 'team-a'), site('hidden', 'team-public', false)];

type PublisherHistory = StatusPublisherDeps['history'];

/** The history bucket as the publisher sees it, in memory, recording each call in order. */
class FakeHistory implements PublisherHistory {
  readonly calls: string[] = [];
  readonly documents: StatusDocument[] = [];
  failPuts = 0;
  hang = false;
  /** The public summary in the bucket, and its ETag (a new one each time the compactor writes it). */
  summary: HistorySummary | undefined = summary;
  eTag = '"etag-1"';
  failGets = 0;

  async getPublicSummaryIfChanged(knownETag: string | undefined) {
    if (this.failGets > 0) {
      this.failGets--;
      this.calls.push('GET summary (failed)');
      throw new Error('AccessDenied');
    }
    if (this.summary !== undefined && knownETag === this.eTag) {
      this.calls.push('GET summary (304)');
      return 'unchanged' as const;
    }
    this.calls.push('GET summary');
    return this.summary === undefined ? undefined : { summary: this.summary, eTag: this.eTag };
  }

  async putPublicDocument(document: StatusDocument) {
    await this.#answer('PUT status.json');
    this.documents.push(document);
  }

  async putPublicPage(html: string) {
    await this.#answer(`PUT index.html (${html.length} chars)`);
  }

  async #answer(call: string): Promise<void> {
    this.calls.push(call);
    if (this.hang) await new Promise(() => {});
    if (this.failPuts > 0) {
      this.failPuts--;
      throw new Error('SlowDown: Please reduce your request rate.');
    }
  }
}

function setup(options: { maxPublishMs?: number } = {}) {
  const history = new FakeHistory();
  const lines: Record<string, unknown>[] = [];
  const log = createJsonLogger((line) => lines.push(JSON.parse(line)));
  const publisher = new StatusPublisher(
    { history, log, pageHtml: PAGE },
    { title: 'Example', publicOwners: ['team-public'], ...options },
  );
  /** One sweep: the scan shows these pages, then the publisher runs with the sweep's outcome. */
  const sweep = (
    outcome: 'swept' | 'resumed' | 'duplicate' | 'too-late',
    pages: readonly SiteRecord[][],
    at = timing,
  ) => {
    const collector = publisher.collector();
    for (const page of pages) collector.observePage(page);
    return publisher.publishAfter({ outcome }, collector, at);
  };
  return { history, lines, sweep };
}

describe('StatusPublisher', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('after a full sweep: GETs the summary, PUTs status.json with the public sites only, and the page once', async () => {
    // Prepare
    const { history, sweep, lines } = setup();

    // Act
    const first = await sweep('swept', [
      [PUBLIC_SITES[0] as SiteRecord, ...PRIVATE_SITES],
      [PUBLIC_SITES[1] as SiteRecord],
    ]);
    const second = await sweep('swept', [[...PUBLIC_SITES, ...PRIVATE_SITES]]);

    // Assess
    expect(first).toEqual({ kind: 'published', sites: 2, pagePublished: true, history: 'read' });
    expect(second).toEqual({ kind: 'published', sites: 2, pagePublished: false, history: 'kept' });
    expect(history.calls).toEqual([
      'GET summary',
      'PUT status.json',
      `PUT index.html (${PAGE.length} chars)`,
      'GET summary (304)',
      'PUT status.json',
    ]);
    const document = v.parse(StatusDocumentSchema, history.documents[0]);
    expect(document).toMatchObject({
      audience: 'public',
      title: 'Example',
      compactedUntilMs: summary.compactedUntilMs,
    });
    expect(document.sites.map((listed) => listed.id)).toEqual(['api', 'shop'].map(publicIdOf));
    expect(document.sites.every((listed) => listed.url === undefined && listed.owner === undefined)).toBe(
      true,
    );
    expect(lines.at(-1)).toMatchObject({ level: 'INFO', message: 'status page published', sites: 2 });
  });

  it.each(['resumed', 'duplicate', 'too-late'] as const)(
    'publishes nothing after a %s sweep (it did not see every site)',
    async (outcome) => {
      const { history, sweep } = setup();
      expect(await sweep(outcome, [PUBLIC_SITES])).toEqual({ kind: 'skipped', reason: 'not-a-full-sweep' });
      expect(history.calls).toEqual([]);
    },
  );

  it('with no public site: an empty document once per cold start (the page may show stale sites), then nothing', async () => {
    // Prepare
    const { history, sweep } = setup();

    // Act
    const first = await sweep('swept', [PRIVATE_SITES]);
    const second = await sweep('swept', [PRIVATE_SITES]);

    // Assess: no summary needed for no site.
    expect(first).toEqual({ kind: 'published', sites: 0, pagePublished: true, history: 'none' });
    expect(second).toEqual({ kind: 'skipped', reason: 'no-public-sites' });
    expect(history.calls).toEqual(['PUT status.json', `PUT index.html (${PAGE.length} chars)`]);
    expect(history.documents[0]?.sites).toEqual([]);
  });

  it('when the last public site goes private: one empty document, then nothing until a site is public again', async () => {
    // Prepare
    const { history, sweep } = setup();
    await sweep('swept', [PUBLIC_SITES]);
    history.calls.length = 0;

    // Act
    const gone = await sweep('swept', [PRIVATE_SITES]);
    const still = await sweep('swept', [PRIVATE_SITES]);
    const back = await sweep('swept', [[PUBLIC_SITES[0] as SiteRecord]]);

    // Assess
    expect([gone.kind, still.kind, back.kind]).toEqual(['published', 'skipped', 'published']);
    expect(history.calls).toEqual(['PUT status.json', 'GET summary (304)', 'PUT status.json']);
    expect(history.documents.map((document) => document.sites.length)).toEqual([2, 0, 1]);
  });

  it('reads the public summary again only when the compactor wrote a new one (S3 answers 304 otherwise)', async () => {
    // Prepare
    const { history, sweep } = setup();
    await sweep('swept', [PUBLIC_SITES]);
    const unchanged = await sweep('swept', [PUBLIC_SITES]);
    const compacted = { ...summary, generatedAtMs: NOW + 3_600_000, compactedUntilMs: NOW };
    history.summary = compacted;
    history.eTag = '"etag-2"';

    // Act
    const changed = await sweep('swept', [PUBLIC_SITES]);
    const afterwards = await sweep('swept', [PUBLIC_SITES]);

    // Assess
    expect(
      [unchanged, changed, afterwards].map((outcome) => outcome.kind === 'published' && outcome.history),
    ).toEqual(['kept', 'read', 'kept']);
    expect(history.calls.filter((call) => call.startsWith('GET'))).toEqual([
      'GET summary',
      'GET summary (304)',
      'GET summary',
      'GET summary (304)',
    ]);
    expect(history.documents.map((document) => document.compactedUntilMs)).toEqual([
      summary.compactedUntilMs,
      summary.compactedUntilMs,
      NOW,
      NOW,
    ]);
  });

  it('leaves the last page when the summary cannot be read before any was, else publishes with the last one read', async () => {
    // Prepare
    const { history, sweep, lines } = setup();
    history.failGets = 1;

    // Act
    const first = await sweep('swept', [PUBLIC_SITES]);
    const read = await sweep('swept', [PUBLIC_SITES]);
    history.failGets = 1;
    const stale = await sweep('swept', [PUBLIC_SITES]);

    // Assess: no document without history (an old site would read 100.00 % for a year), then read, then stale
    expect([first, read, stale]).toEqual([
      { kind: 'failed', error: 'AccessDenied' },
      { kind: 'published', sites: 2, pagePublished: true, history: 'read' },
      { kind: 'published', sites: 2, pagePublished: false, history: 'stale' },
    ]);
    expect(history.documents).toHaveLength(2);
    const [withHistory, withStale] = history.documents;
    expect(withHistory?.sites.map((listed) => [listed.id, listed.status])).toEqual([
      [publicIdOf('api'), 'UP'],
      [publicIdOf('shop'), 'UP'],
    ]);
    expect(withStale?.compactedUntilMs).toBe(summary.compactedUntilMs);
    expect(lines.filter((line) => line.level === 'WARN')).toEqual([
      expect.objectContaining({ message: 'status page not published: the next full sweep tries again' }),
      expect.objectContaining({
        message: 'public history summary unreadable: publishing the live states with the last one read',
        error: 'AccessDenied',
      }),
    ]);
  });

  it('publishes without history before the first compaction (no public summary yet)', async () => {
    // Prepare
    const { history, sweep } = setup();
    history.summary = undefined;

    // Act
    const outcome = await sweep('swept', [PUBLIC_SITES]);

    // Assess
    expect(outcome).toEqual({ kind: 'published', sites: 2, pagePublished: true, history: 'none' });
    expect(history.documents[0]?.sites).toHaveLength(2);
    expect(history.documents[0]?.compactedUntilMs).toBeUndefined();
  });

  it('a failed PUT is logged, never thrown, and the next full sweep tries again (the page too)', async () => {
    // Prepare
    const { history, sweep, lines } = setup();
    history.failPuts = 1;

    // Act
    const failed = await sweep('swept', [PUBLIC_SITES]);
    const retried = await sweep('swept', [PUBLIC_SITES]);

    // Assess
    expect(failed).toEqual({ kind: 'failed', error: 'SlowDown: Please reduce your request rate.' });
    expect(lines.find((line) => line.level === 'WARN')).toMatchObject({
      message: 'status page not published: the next full sweep tries again',
      kind: 'failed',
      sites: 2,
    });
    expect(retried).toEqual({ kind: 'published', sites: 2, pagePublished: true, history: 'kept' });
  });

  it(`gives up on a hung S3 after ${MAX_PUBLISH_MS} ms, so the handler returns its report`, async () => {
    // Prepare
    vi.useFakeTimers();
    const { history, sweep } = setup();
    history.hang = true;

    // Act
    const publishing = sweep('swept', [PUBLIC_SITES]);
    await vi.advanceTimersByTimeAsync(MAX_PUBLISH_MS - 1);
    let settled = false;
    void publishing.then(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    const beforeBound = settled;
    await vi.advanceTimersByTimeAsync(1);

    // Assess
    expect(beforeBound).toBe(false);
    expect(await publishing).toEqual({ kind: 'timed-out', afterMs: MAX_PUBLISH_MS });
  });

  it('keeps within the invocation deadline: a shorter budget when little time is left, none when too little', async () => {
    // Prepare
    vi.useFakeTimers();
    const { history, sweep } = setup();
    history.hang = true;

    // Act
    const short = sweep('swept', [PUBLIC_SITES], { nowMs: () => NOW, timeLeftMs: PUBLISH_MARGIN_MS + 700 });
    await vi.advanceTimersByTimeAsync(700);
    const none = await sweep('swept', [PUBLIC_SITES], { nowMs: () => NOW, timeLeftMs: PUBLISH_MARGIN_MS });

    // Assess
    expect(await short).toEqual({ kind: 'timed-out', afterMs: 700 });
    expect(none).toEqual({ kind: 'skipped', reason: 'no-time-left' });
  });
});
