import { describe, expect, it } from 'vitest';
import { judgeCheck } from '../../../cli/core/check-verdict.ts';
import type { CheckResult } from '../../../functions/domain/check-result.ts';
import { parseSiteConfig, type SiteConfigInput } from '../../../functions/domain/site.ts';

const NOW_MS = Date.UTC(2026, 10, 25, 12, 0, 0);
const DAY_MS = 86_400_000;

const site = (settings: Partial<SiteConfigInput> = {}) =>
  parseSiteConfig({ siteId: 'shop', url: 'https://shop.example/', ...settings });

const up = (latencyMs: number): CheckResult => ({ kind: 'up', status: 200, latencyMs });
const refusal: CheckResult = {
  kind: 'blocked',
  status: 429,
  detail: 'HTTP 429 Too Many Requests',
  latencyMs: 9,
};
const outage: CheckResult = {
  kind: 'down',
  reason: 'keyword',
  status: 200,
  detail: 'no "Welcome"',
  latencyMs: 40,
};
const fault: CheckResult = { kind: 'fault', reason: 'checker-fault', detail: 'EMFILE', latencyMs: 0 };

describe('judgeCheck', () => {
  it.each([
    ['an up result', {}, up(100), 'UP', 'up'],
    ['an up result at the limit', { maxResponseMs: 100 }, up(100), 'UP', 'up'],
    ['an up result over maxResponseMs', { maxResponseMs: 100 }, up(101), 'DEGRADED', 'up'],
    ['a refusal', {}, refusal, 'BLOCKED', 'blocked'],
    ['a refusal under treatBlockedAsDown', { treatBlockedAsDown: true }, refusal, 'DOWN', 'down'],
    ['a down result, however fast', { maxResponseMs: 100 }, outage, 'DOWN', 'down'],
    ['a checker fault', {}, fault, 'NOT CHECKED', 'fault'],
  ] as const)('reads %s with %j as %s', (_name, settings, result, verdict, kind) => {
    // Act
    const judged = judgeCheck(site(settings), result, NOW_MS);

    // Assess
    expect(judged).toMatchObject({ url: 'https://shop.example/', verdict, result: { kind } });
  });

  it("turns a refusal under treatBlockedAsDown into the checker's DOWN http-4xx, keeping status and detail", () => {
    // Act
    const judged = judgeCheck(site({ treatBlockedAsDown: true }), refusal, NOW_MS);

    // Assess
    expect(judged.result).toEqual({
      kind: 'down',
      reason: 'http-4xx',
      status: 429,
      detail: 'HTTP 429 Too Many Requests',
      latencyMs: 9,
    });
  });

  it.each([
    [20, [14, 7, 1], []],
    [13, [14, 7, 1], [14]],
    [6, [14, 7, 1], [14, 7]],
    [6, [], []],
    [6, [30], [30]],
  ])(
    'reads a certificate %d days from expiry against tlsWarnDays %j: under %j',
    (daysLeft, tlsWarnDays, warnDays) => {
      // Prepare
      const tls = { validToMs: NOW_MS + daysLeft * DAY_MS + 60_000, fingerprint: 'AB' };

      // Act
      const judged = judgeCheck(site({ tlsWarnDays }), { ...up(10), tls } as CheckResult, NOW_MS);

      // Assess
      expect(judged.certificate).toEqual({ certificate: tls, daysLeft, warnDays });
    },
  );

  it('keeps the limit a DEGRADED went over, and has no certificate for http', () => {
    // Act
    const judged = judgeCheck(site({ url: 'http://shop.example/', maxResponseMs: 50 }), up(80), NOW_MS);

    // Assess
    expect(judged).toEqual({
      url: 'http://shop.example/',
      verdict: 'DEGRADED',
      result: up(80),
      maxResponseMs: 50,
    });
  });
});
