import { describe, expect, it } from 'vitest';
import {
  decideCheckerReservation,
  describeReservation,
  minimumUnreserved,
} from '../../functions/domain/checker-reservation.ts';

describe('minimumUnreserved', () => {
  it.each([
    [10, 10],
    [50, 50],
    [100, 100],
    [1000, 100],
  ])('a quota of %i keeps %i unreserved', (quota, kept) => {
    // Act + Assess
    expect(minimumUnreserved(quota)).toBe(kept);
  });
});

describe('decideCheckerReservation', () => {
  it.each([
    {
      name: 'a new account of 10 cannot reserve anything',
      account: { quota: 10, unreserved: 10 },
      wanted: 10,
      summary: 'none: account quota 10 leaves no room; Lambda keeps 10 unreserved',
    },
    {
      name: 'a new account of 50 cannot reserve anything',
      account: { quota: 50, unreserved: 50 },
      wanted: 2,
      summary: 'none: account quota 50 leaves no room; Lambda keeps 50 unreserved',
    },
    {
      name: 'an account of 1000 reserves 10 and keeps 890 spare',
      account: { quota: 1000, unreserved: 1000 },
      wanted: 10,
      summary: '10: account quota 1000; Lambda keeps 100 unreserved, 890 spare after this',
    },
    {
      name: 'an account of 1000 can give exactly 900',
      account: { quota: 1000, unreserved: 1000 },
      wanted: 900,
      summary: '900: account quota 1000; Lambda keeps 100 unreserved, 0 spare after this',
    },
    {
      name: 'an account of 1000 cannot give 901',
      account: { quota: 1000, unreserved: 1000 },
      wanted: 901,
      summary:
        'none: account quota 1000; Lambda keeps 100 unreserved, so 900 could be reserved and the checker needs 901',
    },
    {
      name: 'other functions reserving 895 of 1000 leave 5, too few for 10',
      account: { quota: 1000, unreserved: 105 },
      wanted: 10,
      summary:
        'none: account quota 1000, 895 reserved by other functions; Lambda keeps 100 unreserved, so 5 could be reserved and the checker needs 10',
    },
    {
      name: 'other functions reserving 890 of 1000 leave exactly 10',
      account: { quota: 1000, unreserved: 110 },
      wanted: 10,
      summary:
        '10: account quota 1000, 890 reserved by other functions; Lambda keeps 100 unreserved, 0 spare after this',
    },
    {
      name: 'other functions reserving all that is reservable leave nothing (0, never negative)',
      account: { quota: 1000, unreserved: 100 },
      wanted: 10,
      summary:
        'none: account quota 1000, 900 reserved by other functions; Lambda keeps 100 unreserved, so 0 could be reserved and the checker needs 10',
    },
    {
      name: "the checker's own 10 count back: a redeploy keeps them at the edge",
      account: { quota: 1000, unreserved: 100, checkerReserved: 10 },
      wanted: 10,
      summary:
        '10: account quota 1000, 890 reserved by other functions; Lambda keeps 100 unreserved, 0 spare after this',
    },
    {
      name: "the checker's own 10 count back when it grows to 20",
      account: { quota: 1000, unreserved: 990, checkerReserved: 10 },
      wanted: 20,
      summary: '20: account quota 1000; Lambda keeps 100 unreserved, 880 spare after this',
    },
    {
      name: "the checker's own 10 are not enough to grow to 20 at the edge",
      account: { quota: 1000, unreserved: 100, checkerReserved: 10 },
      wanted: 20,
      summary:
        'none: account quota 1000, 890 reserved by other functions; Lambda keeps 100 unreserved, so 10 could be reserved and the checker needs 20',
    },
    {
      name: 'a quota of 110 gives exactly 10',
      account: { quota: 110, unreserved: 110 },
      wanted: 10,
      summary: '10: account quota 110; Lambda keeps 100 unreserved, 0 spare after this',
    },
  ])('$name', ({ account, wanted, summary }) => {
    // Act
    const decision = decideCheckerReservation(account, wanted);

    // Assess
    expect(describeReservation(decision)).toBe(summary);
    expect(decision).toMatchObject(
      summary.startsWith('none') ? { kind: 'none' } : { kind: 'reserve', concurrency: wanted },
    );
  });
});
