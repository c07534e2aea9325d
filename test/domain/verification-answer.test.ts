import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../functions/domain/check-result.ts';
import { MAX_TEXT_CHARS } from '../../functions/domain/schema-parts.ts';
import {
  type LocationAnswer,
  MAX_VERIFIER_REGIONS,
  quorumOf,
  VerificationSchema,
} from '../../functions/domain/verification.ts';
import {
  locationAnswerOf,
  unaskedReplies,
  verificationOf,
} from '../../functions/domain/verification-answer.ts';
import { aSite, downResult, T0, upResult } from './fixtures.ts';

const site = aSite();
const blocked: CheckResult = {
  kind: 'blocked',
  status: 429,
  detail: 'HTTP 429 Too Many Requests',
  latencyMs: 31,
};

describe('locationAnswerOf', () => {
  it.each<{ name: string; result: CheckResult; treatBlockedAsDown?: boolean; expected: LocationAnswer }>([
    {
      name: 'up is up',
      result: upResult(204, 55),
      expected: { outcome: 'up', location: 'eu-west-1', status: 204, latencyMs: 55 },
    },
    {
      name: 'blocked is up: the site answered from there',
      result: blocked,
      expected: { outcome: 'up', location: 'eu-west-1', status: 429, latencyMs: 31 },
    },
    {
      name: 'blocked is down (http-4xx) when the site treats refusals as outages',
      result: blocked,
      treatBlockedAsDown: true,
      expected: {
        outcome: 'down',
        location: 'eu-west-1',
        reason: 'http-4xx',
        status: 429,
        detail: 'HTTP 429 Too Many Requests',
        latencyMs: 31,
      },
    },
    {
      name: 'down keeps its reason, detail and status',
      result: downResult('http-5xx', 'HTTP 503 Service Unavailable', 503, 40),
      expected: {
        outcome: 'down',
        location: 'eu-west-1',
        reason: 'http-5xx',
        detail: 'HTTP 503 Service Unavailable',
        status: 503,
        latencyMs: 40,
      },
    },
    {
      name: 'a fault there is no answer, saying which fault',
      result: { kind: 'fault', reason: 'blocked-address', detail: 'resolves only to 10.0.0.8', latencyMs: 0 },
      expected: {
        outcome: 'no-answer',
        location: 'eu-west-1',
        detail: 'blocked-address: resolves only to 10.0.0.8',
      },
    },
  ])('$name', ({ result, treatBlockedAsDown, expected }) => {
    // Act
    const answer = locationAnswerOf(
      aSite({ treatBlockedAsDown: treatBlockedAsDown ?? false }),
      'eu-west-1',
      result,
    );

    // Assess
    expect(answer).toEqual(expected);
  });

  it('bounds a long detail, as every text that reaches the state and alerts', () => {
    // Act
    const answer = locationAnswerOf(site, 'eu-west-1', downResult('protocol', 'x'.repeat(5_000)));

    // Assess
    expect(answer.outcome === 'down' && answer.detail.length).toBe(MAX_TEXT_CHARS);
  });
});

describe('verificationOf', () => {
  it('lists home first (its failing verdict), then each region in the order given, and validates', () => {
    // Act
    const verification = verificationOf(
      site,
      { location: 'us-east-1', result: downResult() },
      [
        { location: 'us-west-2', result: upResult() },
        { location: 'eu-west-1', noAnswer: 'Rate exceeded (TooManyRequestsException)' },
      ],
      T0,
    );

    // Assess
    expect(verification.atMs).toBe(T0);
    expect(verification.locations.map((answer) => `${answer.location}:${answer.outcome}`)).toEqual([
      'us-east-1:down',
      'us-west-2:up',
      'eu-west-1:no-answer',
    ]);
    expect(verification.locations[2]).toMatchObject({ detail: 'Rate exceeded (TooManyRequestsException)' });
    expect(quorumOf(verification)).toBe('regional');
    expect(v.parse(VerificationSchema, verification)).toEqual(verification);
  });

  it('keeps at most MAX_VERIFIER_REGIONS regions: the state could not hold more', () => {
    // Act
    const regions = Array.from({ length: MAX_VERIFIER_REGIONS + 2 }, (_, i) => `region-${i}`);
    const verification = verificationOf(
      site,
      { location: 'us-east-1', result: downResult() },
      regions.map((location) => ({ location, result: upResult() })),
      T0,
    );

    // Assess
    expect(verification.locations).toHaveLength(1 + MAX_VERIFIER_REGIONS);
    expect(v.safeParse(VerificationSchema, verification).success).toBe(true);
  });

  it('with every region unasked, home alone answered: DOWN', () => {
    // Act
    const verification = verificationOf(
      site,
      { location: 'us-east-1', result: downResult() },
      unaskedReplies(['us-west-2', 'eu-west-1'], 'not asked: checker out of time'),
      T0,
    );

    // Assess
    expect(quorumOf(verification)).toBe('down');
    expect(verification.locations.slice(1)).toEqual([
      { outcome: 'no-answer', location: 'us-west-2', detail: 'not asked: checker out of time' },
      { outcome: 'no-answer', location: 'eu-west-1', detail: 'not asked: checker out of time' },
    ]);
  });
});
