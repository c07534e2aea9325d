import { describe, expect, it } from 'vitest';
import { showValue, withoutUndefined } from '../../functions/domain/values.ts';

describe('showValue', () => {
  it.each([
    ['5', '"5"'],
    [5, '5'],
    [Number.NaN, 'NaN'],
    [null, 'null'],
    [undefined, 'undefined'],
    [{ kind: 'daily' }, '{"kind":"daily"}'],
    ['x'.repeat(100), `"${'x'.repeat(76)}...`],
  ])('shows %j as %s', (input, expected) => {
    expect(showValue(input)).toBe(expected);
  });
});

describe('withoutUndefined', () => {
  it('drops fields set to undefined and keeps falsy values', () => {
    expect(withoutUndefined({ a: undefined, b: 0, c: false, d: null, e: '' })).toStrictEqual({
      b: 0,
      c: false,
      d: null,
      e: '',
    });
  });
});
