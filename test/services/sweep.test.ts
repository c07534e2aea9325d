import { describe, expect, it } from 'vitest';
import { createJsonLogger } from '../../functions/adapters/logger.ts';
import { parseCheckMessage } from '../../functions/domain/check-message.ts';
import { INITIAL_STATE } from '../../functions/domain/site-state.ts';
import { runSweep, type SweepDeps } from '../../functions/services/sweep.ts';
import { aSite } from '../support/fixtures.ts';

const MINUTE_MS = 60_000;

describe('runSweep', () => {
  it('packs each page by owner, then host, so one owner’s sites share messages and their alerts can group', async () => {
    // Prepare: every site checked every minute, scanned in an order that mixes owners
    const sites = [
      { siteId: 'z-shop', url: 'https://shop.zoe.example/', owner: 'zoe' },
      { siteId: 'a-blog', url: 'https://blog.alice.example/', owner: 'alice' },
      { siteId: 'b-api', url: 'https://api.bob.example/', owner: 'bob' },
      { siteId: 'a-api-2', url: 'https://api.alice.example/v2', owner: 'alice' },
      { siteId: 'z-api', url: 'https://api.zoe.example/', owner: 'zoe' },
      { siteId: 'a-api-1', url: 'https://api.alice.example/v1', owner: 'alice' },
    ].map((site) => ({ config: aSite({ ...site, intervalMinutes: 1 }), state: INITIAL_STATE }));
    const sent: string[] = [];
    const deps: SweepDeps = {
      store: {
        acquireSweep: async () => true,
        completeSweep: async () => {},
        scanSites: async (_segments, onPage) => onPage({ sites, invalid: [] }),
      },
      queue: { send: async (bodies) => void sent.push(...bodies) },
      log: createJsonLogger(() => {}),
    };

    // Act
    await runSweep(100 * MINUTE_MS, 100 * MINUTE_MS, deps, {
      scanSegments: 1,
      checksPerMessage: 4,
      leaseMs: 50_000,
    });

    // Assess
    const messages = sent.map((body) => parseCheckMessage(body).tasks.map((task) => task.site.siteId));
    expect(messages).toEqual([
      ['a-api-1', 'a-api-2', 'a-blog', 'b-api'],
      ['z-api', 'z-shop'],
    ]);
  });
});
