import { describe, expect, it } from 'vitest';
import { expectedCheckMs } from '../../functions/domain/expected-check-time.ts';
import { INITIAL_STATE, type SiteState } from '../../functions/domain/site-state.ts';
import { aSite } from '../support/fixtures.ts';

const task = (state: Partial<SiteState>) => ({
  checkId: 'm1',
  site: aSite({ timeoutMs: 8_000 }),
  state: { ...INITIAL_STATE, ...state },
});

describe('expectedCheckMs', () => {
  it('expects the whole timeout from a site that is down with timeouts', () => {
    // Act
    const expected = expectedCheckMs(
      task({ status: 'DOWN', outage: { sinceMs: 1, reason: 'timeout', detail: 'timed out' } }),
    );

    // Assess
    expect(expected).toBe(8_000);
  });

  it('expects the whole timeout from a site whose last check timed out (PENDING, not yet an outage)', () => {
    // Act
    const expected = expectedCheckMs(
      task({ status: 'PENDING', lastCheck: { atMs: 1, up: false, reason: 'timeout', latencyMs: 8_001 } }),
    );

    // Assess
    expect(expected).toBe(8_000);
  });

  it('expects the last recorded latency of a site that answers, and nothing of one never checked', () => {
    // Act
    const slow = expectedCheckMs(task({ status: 'UP', lastCheck: { atMs: 1, up: true, latencyMs: 2_300 } }));
    const fresh = expectedCheckMs(task({}));

    // Assess
    expect(slow).toBe(2_300);
    expect(fresh).toBe(0);
  });

  it('expects little from a site down for a fast reason (refused), whatever it once took', () => {
    // Act
    const expected = expectedCheckMs(
      task({
        status: 'DOWN',
        outage: { sinceMs: 1, reason: 'refused', detail: 'connection refused' },
        lastCheck: { atMs: 1, up: false, reason: 'refused', latencyMs: 3 },
      }),
    );

    // Assess
    expect(expected).toBe(3);
  });
});
