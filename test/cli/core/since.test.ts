import { describe, expect, it } from 'vitest';
import { parseSince } from '../../../cli/core/since.ts';
import { InputError } from '../../../cli/errors.ts';

describe('parseSince', () => {
  it.each([
    ['1h', 3_600_000],
    ['36h', 36 * 3_600_000],
    ['7d', 7 * 86_400_000],
    [' 2W ', 14 * 86_400_000],
    ['400d', 400 * 86_400_000],
  ])('reads %j', (raw, ms) => {
    expect(parseSince(raw)).toBe(ms);
  });

  it.each(['0h', '401d', '58w', '7', 'd', '1.5d', '-1d', '7m', ''])('refuses %j naming the range', (raw) => {
    expect(() => parseSince(raw)).toThrow(InputError);
    expect(() => parseSince(raw)).toThrow(`from 1h to 400d, got "${raw}"`);
  });
});
