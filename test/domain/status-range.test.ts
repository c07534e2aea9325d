import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EXPECT_STATUS,
  isStatusExpected,
  parseStatusRanges,
  StatusRangeError,
} from '../../functions/domain/status-range.ts';

describe('parseStatusRanges', () => {
  it.each([
    { spec: '200-399', ranges: [[200, 399]] },
    { spec: '200', ranges: [[200, 200]] },
    { spec: '100-599', ranges: [[100, 599]] },
    {
      spec: '200-299,301',
      ranges: [
        [200, 299],
        [301, 301],
      ],
    },
    {
      spec: ' 200-299 , 301 , 404 ',
      ranges: [
        [200, 299],
        [301, 301],
        [404, 404],
      ],
    },
    { spec: '204-204', ranges: [[204, 204]] },
  ])('parses "$spec"', ({ spec, ranges }) => {
    // Prepare
    // Act
    const actual = parseStatusRanges(spec);

    // Assess
    expect(actual).toEqual(ranges);
  });

  it.each([
    { spec: '', shows: '""' },
    { spec: ' ', shows: '" "' },
    { spec: '200,', shows: '"200,"' },
    { spec: ',200', shows: '",200"' },
    { spec: '200,,300', shows: '"200,,300"' },
    { spec: '99', shows: '"99"' },
    { spec: '099', shows: '"099"' },
    { spec: '600', shows: '"600"' },
    { spec: '200-600', shows: '"200-600"' },
    { spec: '200-100', shows: '"200-100"' },
    { spec: '2xx', shows: '"2xx"' },
    { spec: '1000', shows: '"1000"' },
    { spec: '200-', shows: '"200-"' },
    { spec: '-200', shows: '"-200"' },
    { spec: '200--300', shows: '"200--300"' },
    { spec: '200-299,abc', shows: '"abc"' },
    { spec: '２００', shows: '"２００"' },
  ])('rejects "$spec", naming expectStatus and showing $shows', ({ spec, shows }) => {
    // Prepare
    // Act
    const attempt = () => parseStatusRanges(spec);

    // Assess
    expect(attempt).toThrow(StatusRangeError);
    expect(attempt).toThrow(/expectStatus/);
    expect(attempt).toThrow(shows);
  });

  it('throws an Error named StatusRangeError', () => {
    // Prepare
    let caught: unknown;

    // Act
    try {
      parseStatusRanges('nope');
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).name).toBe('StatusRangeError');
  });
});

describe('isStatusExpected', () => {
  it.each([
    { status: 199, spec: DEFAULT_EXPECT_STATUS, expected: false },
    { status: 200, spec: DEFAULT_EXPECT_STATUS, expected: true },
    { status: 301, spec: DEFAULT_EXPECT_STATUS, expected: true },
    { status: 399, spec: DEFAULT_EXPECT_STATUS, expected: true },
    { status: 400, spec: DEFAULT_EXPECT_STATUS, expected: false },
    { status: 503, spec: DEFAULT_EXPECT_STATUS, expected: false },
    { status: 301, spec: '200-299,301', expected: true },
    { status: 302, spec: '200-299,301', expected: false },
    { status: 401, spec: '200,401', expected: true },
    { status: 404, spec: '404', expected: true },
    { status: 200, spec: '404', expected: false },
  ])('$status against "$spec" is $expected', ({ status, spec, expected }) => {
    // Prepare
    const ranges = parseStatusRanges(spec);

    // Act
    const actual = isStatusExpected(status, ranges);

    // Assess
    expect(actual).toBe(expected);
  });

  it('the default is 200-399', () => {
    // Prepare
    // Act
    const ranges = parseStatusRanges(DEFAULT_EXPECT_STATUS);

    // Assess
    expect(ranges).toEqual([[200, 399]]);
  });
});
