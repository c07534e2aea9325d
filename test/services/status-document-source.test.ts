import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import type { ScanPage, SiteRecord } from '../../functions/adapters/site-store.ts';
import { StatusDocumentSchema } from '../../functions/domain/history/status-document.ts';
import { publicIdOf } from '../../functions/domain/history/status-document-builder.ts';
import type { HistorySummary } from '../../functions/domain/history/summary.ts';
import { INITIAL_STATE } from '../../functions/domain/site-state.ts';
import { keptSummary, readStatusDocument } from '../../functions/services/status-document-source.ts';
import { aSite } from '../support/fixtures.ts';

const NOW = Date.UTC(2026, 11, 6, 12);
const site = (siteId: string, owner: string, isPublic?: boolean): SiteRecord => ({
  config: aSite({
    siteId,
    name: siteId,
    owner,
    url: `https://${siteId}.internal/`,
    ...(isPublic === undefined ? {} : { public: isPublic }),
  }),
  state: { ...INITIAL_STATE, status: 'UP', statusSinceMs: NOW - 3_600_000 },
});

/** scanSites as the table answers it: pages per segment, in parallel, with an invalid item on the way. */
function fakeTable(segments: readonly (readonly SiteRecord[])[]) {
  const calls: number[] = [];
  return {
    calls,
    async scanSites(count: number, onPage: (page: ScanPage) => Promise<void>): Promise<void> {
      calls.push(count);
      await Promise.all(
        segments.map(async (sites, segment) => {
          const page: ScanPage = {
            segment,
            next: 'done',
            sites,
            invalid: [{ siteId: `broken-${segment}`, reason: 'url is not an absolute URL' }],
            leases: [],
          };
          await onPage(page);
        }),
      );
    },
  };
}

const summary: HistorySummary = {
  v: 1,
  generatedAtMs: NOW - 60_000,
  compactedUntilMs: NOW - 1_800_000,
  sites: [],
};

describe('readStatusDocument', () => {
  it('builds the private document from every site of every segment and the summary', async () => {
    // Prepare
    const table = fakeTable([[site('b', 'team-a'), site('a', 'team-b')], [site('c', 'ops', false)]]);

    // Act
    const document = await readStatusDocument(
      { sites: table, history: { getSummary: async () => summary }, nowMs: () => NOW },
      { audience: 'private', title: 'Ours', publicOwners: [], scanSegments: 2 },
    );

    // Assess
    v.parse(StatusDocumentSchema, document);
    expect(table.calls).toEqual([2]);
    expect(document).toMatchObject({
      audience: 'private',
      title: 'Ours',
      generatedAtMs: NOW,
      compactedUntilMs: summary.compactedUntilMs,
    });
    expect(document.sites.map((listed) => [listed.id, listed.url])).toEqual([
      ['a', 'https://a.internal/'],
      ['b', 'https://b.internal/'],
      ['c', 'https://c.internal/'],
    ]);
    // The live stretch since the compaction counts: 30 minutes up.
    expect(document.sites[0]?.uptime['24h']).toMatchObject({ upMs: 1_800_000, text: '100.00' });
  });

  it('builds the public document with public sites only', async () => {
    // Prepare
    const table = fakeTable([[site('b', 'team-a'), site('a', 'team-b', true)], [site('c', 'team-a', false)]]);

    // Act
    const document = await readStatusDocument(
      { sites: table, history: { getSummary: async () => undefined }, nowMs: () => NOW },
      { audience: 'public', title: 'Ours', publicOwners: ['team-a'], scanSegments: 2 },
    );

    // Assess
    expect(document.sites.map((listed) => listed.id)).toEqual(['a', 'b'].map(publicIdOf));
    expect(document.sites.every((listed) => listed.url === undefined)).toBe(true);
    expect(document.compactedUntilMs).toBeUndefined();
  });

  it('rejects when the summary cannot be read, rather than showing a page without its history', async () => {
    const table = fakeTable([[site('a', 'team-a')]]);
    await expect(
      readStatusDocument(
        {
          sites: table,
          history: { getSummary: async () => Promise.reject(new Error('AccessDenied')) },
          nowMs: () => NOW,
        },
        { audience: 'private', title: 'Ours', publicOwners: [] },
      ),
    ).rejects.toThrow('AccessDenied');
  });
});

describe('keptSummary', () => {
  it('downloads the summary once per change: a 304 answers from the kept one', async () => {
    // Prepare: S3 as seen through getSummaryIfChanged, with an ETag that changes on the second compaction
    let eTag = '"v1"';
    const asked: (string | undefined)[] = [];
    const history = {
      getSummaryIfChanged: async (known: string | undefined) => {
        asked.push(known);
        return known === eTag
          ? ('unchanged' as const)
          : { summary: { ...summary, generatedAtMs: eTag.length }, eTag };
      },
    };
    const reader = keptSummary(history);

    // Act
    const first = await reader.getSummary();
    const second = await reader.getSummary();
    eTag = '"v22"';
    const third = await reader.getSummary();

    // Assess
    expect(asked).toEqual([undefined, '"v1"', '"v1"']);
    expect(second).toBe(first);
    expect(third?.generatedAtMs).toBe(5);
  });
});
