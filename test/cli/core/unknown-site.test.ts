import { describe, expect, it } from 'vitest';
import { unknownSiteError } from '../../../cli/core/unknown-site.ts';
import type { ScanPage } from '../../../functions/adapters/site-store.ts';
import { INITIAL_STATE } from '../../../functions/domain/site-state.ts';
import { aSite } from '../../support/fixtures.ts';

const storeOf = (...sites: ReturnType<typeof aSite>[]) => ({
  scanSites: async (_segments: number, onPage: (page: ScanPage) => Promise<void>) => {
    await onPage({
      segment: 0,
      next: 'done',
      sites: sites.map((config) => ({ config, state: INITIAL_STATE })),
      invalid: [],
      leases: [],
    });
  },
});

describe('unknownSiteError', () => {
  it('names the id of the site whose name was given instead of its id', async () => {
    // Act
    const error = await unknownSiteError(
      storeOf(aSite({ siteId: '127-0-0-1-8080-0bc3c2', name: 'demo' }), aSite({ siteId: 'shop' })),
      'demo',
    );

    // Assess
    expect(error.message).toBe(
      'no site with id "demo": the site named "demo" has the id 127-0-0-1-8080-0bc3c2',
    );
  });

  it('says where the ids are when no site has that name either', async () => {
    // Act
    const error = await unknownSiteError(storeOf(aSite({ siteId: 'shop' })), 'nope');

    // Assess
    expect(error.message).toBe('no site with id "nope" (`squirrel sites list` shows every site\'s id)');
  });
});
