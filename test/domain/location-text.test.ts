import { describe, expect, it } from 'vitest';
import {
  describeAnswer,
  describeLocations,
  describeLocationsShort,
  failingText,
  locationLabel,
  locationLines,
  namesWith,
  notPagingText,
  quorumText,
} from '../../functions/domain/location-text.ts';
import { countLocations, type LocationAnswer } from '../../functions/domain/verification.ts';

const homeDown: LocationAnswer = {
  outcome: 'down',
  location: 'us-east-1',
  reason: 'timeout',
  detail: 'no response headers within 10000 ms',
  latencyMs: 10_000,
};
const westRefused: LocationAnswer = {
  outcome: 'down',
  location: 'us-west-2',
  reason: 'refused',
  detail: 'connect ECONNREFUSED 203.0.113.7:443',
  latencyMs: 3,
};
const euUp: LocationAnswer = { outcome: 'up', location: 'eu-west-1', status: 200, latencyMs: 120 };
const apSilent: LocationAnswer = { outcome: 'no-answer', location: 'ap-south-1', detail: 'invoke timed out' };

describe('describeLocations', () => {
  it('names every location by outcome, failures first, each with its reason or answer', () => {
    expect(describeLocations([homeDown, westRefused, euUp, apSilent])).toBe(
      'down from us-east-1 (timeout), us-west-2 (refused); up from eu-west-1 (HTTP 200 in 120 ms); ' +
        'no answer from ap-south-1 (invoke timed out)',
    );
  });

  it('keeps the given order (home first) within each outcome, and gives a failure its HTTP status', () => {
    // Prepare
    const west5xx: LocationAnswer = { ...homeDown, location: 'us-west-2', reason: 'http-5xx', status: 503 };

    // Act + Assess
    expect(describeLocations([homeDown, euUp, west5xx])).toBe(
      'down from us-east-1 (timeout), us-west-2 (http-5xx, HTTP 503); up from eu-west-1 (HTTP 200 in 120 ms)',
    );
  });

  it('cuts a long no-answer detail to 80 characters', () => {
    // Act
    const text = describeLocations([homeDown, { ...apSilent, detail: 'x'.repeat(500) }]);

    // Assess
    expect(text).toBe(`down from us-east-1 (timeout); no answer from ap-south-1 (${'x'.repeat(79)}…)`);
  });
});

describe('describeLocationsShort', () => {
  it('names the locations of each outcome', () => {
    expect(describeLocationsShort([homeDown, westRefused, euUp])).toBe(
      'down: us-east-1, us-west-2; up: eu-west-1',
    );
    expect(describeLocationsShort([homeDown, euUp, apSilent])).toBe(
      'down: us-east-1; up: eu-west-1; no answer: ap-south-1',
    );
  });

  it('counts instead of naming when the names do not fit', () => {
    expect(describeLocationsShort([homeDown, westRefused, euUp, apSilent], 40)).toBe(
      'down 2, up 1, no answer 1',
    );
  });
});

describe('counts and phrases', () => {
  it.each([
    {
      label: 'all answered',
      locations: [homeDown, westRefused, euUp],
      counts: [2, 3, 0],
      text: '2 of 3 answering locations',
    },
    {
      label: 'one silent',
      locations: [homeDown, westRefused, apSilent],
      counts: [2, 2, 1],
      text: '2 of 2 answering locations (1 more did not answer)',
    },
    {
      label: 'home alone answered',
      locations: [homeDown, { ...apSilent, location: 'us-west-2' }, apSilent],
      counts: [1, 1, 2],
      text: '1 of 1 answering location (2 more did not answer)',
    },
  ])('$label: $text', ({ locations, counts, text }) => {
    const { failed, answered, silent } = countLocations(locations);
    expect([failed, answered, silent]).toEqual(counts);
    expect(quorumText(locations)).toBe(text);
  });

  it('lists names in prose and says "only" when one location fails', () => {
    expect(namesWith([homeDown, euUp, { ...euUp, location: 'us-west-2' }], 'up')).toBe(
      'eu-west-1 and us-west-2',
    );
    expect(namesWith([homeDown, euUp, { ...euUp, location: 'b' }, { ...euUp, location: 'c' }], 'up')).toBe(
      'eu-west-1, b and c',
    );
    expect(namesWith([homeDown], 'up')).toBe('');
    expect(failingText([homeDown, euUp, euUp])).toBe('us-east-1 only');
    expect(failingText([homeDown, westRefused, euUp, euUp, euUp])).toBe('us-east-1 and us-west-2');
  });

  it('explains not paging: most reach it, or a tie, which needs more than half', () => {
    expect(notPagingText([homeDown, euUp, euUp])).toBe('Not paging: most locations reach it.');
    expect(notPagingText([homeDown, euUp, apSilent])).toBe(
      'Not paging: only 1 of 2 answering locations fail, and a page needs more than half.',
    );
    expect(notPagingText([])).toBe('Not paging: most locations reach it.');
  });
});

describe('one location per line', () => {
  it('labels home, and describes each answer with its whole detail', () => {
    expect(locationLabel(homeDown, 0)).toBe('us-east-1 (home)');
    expect(locationLabel(euUp, 1)).toBe('eu-west-1');
    expect(describeAnswer(westRefused)).toBe('down: refused - connect ECONNREFUSED 203.0.113.7:443');
    expect(describeAnswer(euUp)).toBe('up: HTTP 200 in 120 ms');
    expect(describeAnswer(apSilent)).toBe('no answer: invoke timed out');
    expect(describeAnswer({ ...apSilent, detail: 'y'.repeat(300) }, 20)).toBe(
      `no answer: ${'y'.repeat(19)}…`,
    );
  });

  it('lines the outcomes up after the longest label', () => {
    expect(locationLines([homeDown, euUp, apSilent])).toEqual([
      'us-east-1 (home)  down: timeout - no response headers within 10000 ms',
      'eu-west-1         up: HTTP 200 in 120 ms',
      'ap-south-1        no answer: invoke timed out',
    ]);
  });
});
