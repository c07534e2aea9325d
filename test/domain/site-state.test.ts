import { describe, expect, it } from 'vitest';
import { ALERT_CLAIM_MS, INITIAL_STATE } from '../../functions/domain/site-state.ts';

describe('INITIAL_STATE', () => {
  it('is a never-checked site: UNKNOWN, version 0, no counters, no outage, nothing pending', () => {
    // Prepare
    // Act
    const state = INITIAL_STATE;

    // Assess
    expect(state).toStrictEqual({
      status: 'UNKNOWN',
      version: 0,
      consecutiveFailures: 0,
      consecutiveSuccesses: 0,
    });
  });
});

describe('ALERT_CLAIM_MS', () => {
  it('outlasts SNS and SDK retries (30 s) yet lets a stuck alert be retried within minutes (5 min)', () => {
    // Prepare
    // Act
    const claimMs = ALERT_CLAIM_MS;

    // Assess
    expect(claimMs).toBeGreaterThanOrEqual(30_000);
    expect(claimMs).toBeLessThanOrEqual(300_000);
  });
});
