import { describe, expect, it } from 'vitest';
import { failingCountOf, shownVerificationOf } from '../../../cli/core/location-summary.ts';
import { describeLocations } from '../../../functions/domain/location-text.ts';
import type { LocationAnswer, Verification } from '../../../functions/domain/verification.ts';

const AT_MS = Date.UTC(2026, 11, 6, 12, 0, 0);
const homeTimeout: LocationAnswer = {
  outcome: 'down',
  location: 'us-east-1',
  reason: 'timeout',
  detail: 'no answer in 10000 ms',
  latencyMs: 10_000,
};
const up = (location: string): LocationAnswer => ({ outcome: 'up', location, status: 200, latencyMs: 80 });
const silent = (location: string): LocationAnswer => ({
  outcome: 'no-answer',
  location,
  detail: 'verifier timed out',
});
const verification = (...locations: LocationAnswer[]): Verification => ({ atMs: AT_MS, locations });

describe('describeLocations, names only when up (status and the console)', () => {
  it.each([
    [
      verification(homeTimeout, up('us-west-2'), up('eu-west-1')),
      'down from us-east-1 (timeout); up from us-west-2, eu-west-1',
    ],
    [
      verification(
        homeTimeout,
        {
          outcome: 'down',
          location: 'us-west-2',
          reason: 'http-5xx',
          status: 503,
          detail: 'HTTP 503',
          latencyMs: 12,
        },
        up('eu-west-1'),
      ),
      'down from us-east-1 (timeout), us-west-2 (http-5xx, HTTP 503); up from eu-west-1',
    ],
    [
      verification(homeTimeout, up('us-west-2'), silent('eu-west-1')),
      'down from us-east-1 (timeout); up from us-west-2; no answer from eu-west-1 (verifier timed out)',
    ],
    [verification(homeTimeout), 'down from us-east-1 (timeout)'],
  ])('says where it failed, where it did not and who did not answer (%#)', (given, text) => {
    expect(describeLocations(given.locations, { namesOnlyWhenUp: true })).toBe(text);
  });
});

describe('failingCountOf', () => {
  it.each([
    [verification(homeTimeout, up('us-west-2'), up('eu-west-1')), '1 of 3 locations'],
    [
      verification(homeTimeout, { ...homeTimeout, location: 'us-west-2' }, up('eu-west-1')),
      '2 of 3 locations',
    ],
    // A location that did not answer counts neither way, as in quorumOf.
    [verification(homeTimeout, silent('us-west-2'), silent('eu-west-1')), '1 of 1 location'],
  ])('counts the failing locations among those that answered (%#)', (given, text) => {
    expect(failingCountOf(given)).toBe(text);
  });
});

describe('shownVerificationOf', () => {
  const checked = verification(homeTimeout, up('us-west-2'));

  it.each([
    ['REGIONAL', true],
    ['DOWN', true],
    ['RECOVERING', true],
    ['UP', false],
    ['PENDING', false],
  ] as const)('shows the verification of a %s site: %s', (status, isShown) => {
    expect(shownVerificationOf({ status, verification: checked })).toBe(isShown ? checked : undefined);
  });

  it('has nothing to show without a verification (no verifiers configured)', () => {
    expect(shownVerificationOf({ status: 'DOWN' })).toBeUndefined();
  });
});
