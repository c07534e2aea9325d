import { describe, expect, it } from 'vitest';
import { decideTransition } from '../../functions/domain/alert-policy.ts';
import type { CheckResult } from '../../functions/domain/check-result.ts';
import type { SiteConfig } from '../../functions/domain/site.ts';
import { INITIAL_STATE, type SiteState } from '../../functions/domain/site-state.ts';
import { aSite, seededRandom, T0 } from './fixtures.ts';
import { decideTransition as decideBeforeVerification } from './support/alert-policy-before-verification.ts';

// Without a verification, issue 15 changes nothing: random sites and random runs of checks (duplicates, faults,
// blocked, slow, certificates, maintenance windows) are decided exactly as the machine before it decided them.

const MINUTE = 60_000;
const DAY = 86_400_000;

function randomSite(random: () => number, index: number): SiteConfig {
  const pick = <T>(options: readonly T[]): T => options[Math.floor(random() * options.length)] as T;
  const windowStartMs = T0 + Math.floor(random() * 60) * MINUTE;
  return aSite({
    siteId: `site-${index}`,
    failureThreshold: pick([1, 2, 3]),
    recoveryThreshold: pick([1, 2, 3]),
    reminderMinutes: pick([0, 5, 30]),
    treatBlockedAsDown: pick([false, true]),
    ...(random() < 0.5 ? { maxResponseMs: pick([200, 1_000]) } : {}),
    ...(random() < 0.3
      ? {
          maintenance: [
            {
              kind: 'once' as const,
              start: new Date(windowStartMs).toISOString(),
              end: new Date(windowStartMs + pick([5, 30]) * MINUTE).toISOString(),
            },
          ],
        }
      : {}),
  });
}

function randomResult(random: () => number, nowMs: number): CheckResult {
  const roll = random();
  const tls =
    random() < 0.3
      ? {
          tls: {
            validToMs: nowMs + Math.floor(random() * 20) * DAY,
            fingerprint: random() < 0.5 ? 'AA' : 'BB',
          },
        }
      : {};
  if (roll < 0.35) return { kind: 'up', status: 200, latencyMs: Math.floor(random() * 1_500), ...tls };
  if (roll < 0.7) {
    return random() < 0.5
      ? { kind: 'down', reason: 'timeout', detail: 'no answer in 5000 ms', latencyMs: 5_000 }
      : { kind: 'down', reason: 'http-5xx', detail: 'HTTP 503', status: 503, latencyMs: 30 };
  }
  if (roll < 0.85) return { kind: 'blocked', status: 403, detail: 'HTTP 403', latencyMs: 25, ...tls };
  return { kind: 'fault', reason: 'checker-fault', detail: 'out of descriptors', latencyMs: 0 };
}

describe('decideTransition without a verification', () => {
  it('decides every check of 200 random runs exactly as before issue 15', () => {
    const random = seededRandom(15);
    let decisions = 0;
    let transitions = 0;
    for (let run = 0; run < 200; run++) {
      // Prepare
      const site = randomSite(random, run);
      let state: SiteState =
        random() < 0.5 ? INITIAL_STATE : { ...INITIAL_STATE, status: 'UP', version: 4, statusSinceMs: T0 };
      let nowMs = T0;
      for (let check = 0; check < 60; check++) {
        nowMs += Math.floor(random() * 10) * MINUTE + 30_000;
        // A redelivered check now and then: the same id again.
        const checkId = random() < 0.1 && check > 0 ? `m${check - 1}` : `m${check}`;
        const result = randomResult(random, nowMs);

        // Act
        const decision = decideTransition(site, state, result, checkId, nowMs);
        const before = decideBeforeVerification(site, state, result, checkId, nowMs);

        // Assess
        expect(decision).toEqual(before);
        decisions++;
        if (decision.next) {
          transitions++;
          // Published and cleared most of the time; now and then SNS refused and the outbox keeps them.
          state = random() < 0.8 ? { ...decision.next, pendingAlerts: undefined } : decision.next;
        }
      }
    }
    // The runs did move the machine (not a comparison of empty decisions).
    expect(decisions).toBe(200 * 60);
    expect(transitions).toBeGreaterThan(1_300);
  });
});
