import { describe, expect, it } from 'vitest';
import { isVerdict } from '../../functions/domain/check-result.ts';
import { downResult, faultResult, upResult } from './fixtures.ts';

describe('isVerdict', () => {
  it.each([
    { label: 'up', result: upResult(), expected: true },
    { label: 'down', result: downResult('http-5xx', '503', 503), expected: true },
    { label: 'checker fault', result: faultResult('checker-fault'), expected: false },
    { label: 'blocked address', result: faultResult('blocked-address'), expected: false },
  ])('$label says something about the site: $expected', ({ result, expected }) => {
    // Prepare
    // Act
    const actual = isVerdict(result);

    // Assess
    expect(actual).toBe(expected);
  });
});
