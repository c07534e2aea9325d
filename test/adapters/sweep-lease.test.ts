import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { sweepLeaseKey, toHolder, toLeaseItem, toProgress } from '../../functions/adapters/sweep-lease.ts';

describe('sweep lease items', () => {
  it.each([
    { key: sweepLeaseKey(29_000_000), expected: { kind: 'minute', minute: 29_000_000 } },
    { key: '#sweep', expected: { kind: 'legacy' } },
    { key: '#sweep#', expected: undefined },
    { key: '#sweep#12x', expected: undefined },
    { key: '#other', expected: undefined },
  ])('reads $key as $expected', ({ key, expected }) => {
    // Assess
    expect(toLeaseItem(key)).toEqual(expected);
  });

  it.each([
    { raw: undefined, expected: [] },
    {
      raw: ['start', 'done', { after: { siteId: 'a' } }],
      expected: ['start', 'done', { after: { siteId: 'a' } }],
    },
    { raw: ['done', 'half'], expected: [] },
    { raw: [{ after: 'a' }], expected: [] },
    { raw: 'done', expected: [] },
  ])('reads progress $raw as $expected (unreadable: sweep the whole minute)', ({ raw, expected }) => {
    // Assess
    expect(toProgress(raw)).toEqual(expected);
  });

  it('reads what a refused acquire lost to from the marshalled item, and nothing from garbage', () => {
    // Assess
    expect(toHolder(marshall({ completed: true, leaseUntilMs: 5 }))).toEqual({
      completed: true,
      leaseUntilMs: 5,
    });
    expect(toHolder(undefined)).toBeUndefined();
    expect(toHolder({ completed: 'yes' })).toBeUndefined();
  });
});
