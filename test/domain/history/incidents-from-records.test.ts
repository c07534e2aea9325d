import { describe, expect, it } from 'vitest';
import type { CheckRecord } from '../../../functions/domain/history/check-record.ts';
import type { Incident } from '../../../functions/domain/history/incident.ts';
import { followIncidents, mergeIncidents } from '../../../functions/domain/history/incidents-from-records.ts';
import { aRecord } from '../../support/raw-history.ts';

const MINUTE = 60_000;
const T = Date.UTC(2026, 11, 5, 10);
const at = (minutes: number) => T + minutes * MINUTE;
const down = (minutes: number, shown: CheckRecord['shown'] = 'DOWN', sinceMinutes = 0) =>
  aRecord({
    siteId: 'shop',
    atMs: at(minutes),
    kind: 'down',
    reason: 'timeout',
    status: undefined,
    shown,
    outageSinceMs: at(sinceMinutes),
    detail: 'no response within 10 s',
  });
const up = (minutes: number, shown: CheckRecord['shown'] = 'UP') =>
  aRecord({ siteId: 'shop', atMs: at(minutes), shown });
const incident = (overrides: Partial<Incident> = {}): Incident => ({
  siteId: 'shop',
  startMs: at(0),
  confirmedMs: at(0.5),
  reason: 'timeout',
  detail: 'no response within 10 s',
  ...overrides,
});

describe('followIncidents', () => {
  it.each<[string, CheckRecord[], Incident | undefined, Incident[], Incident | undefined]>([
    ['a failure never confirmed is no incident', [down(0, 'PENDING'), up(1)], undefined, [], undefined],
    [
      'confirmed by the re-check, closed by the first UP',
      [down(0, 'PENDING'), down(0.5), down(1), up(2, 'RECOVERING'), up(3)],
      undefined,
      [incident({ endMs: at(3) })],
      undefined,
    ],
    [
      'still open after the last record',
      [down(0, 'PENDING'), down(0.5), down(1)],
      undefined,
      [incident()],
      incident(),
    ],
    [
      'open from an earlier run, closed by BLOCKED (a confirmed status other than DOWN)',
      [down(5), aRecord({ siteId: 'shop', atMs: at(6), kind: 'blocked', shown: 'BLOCKED' })],
      incident(),
      [incident({ endMs: at(6) })],
      undefined,
    ],
    [
      'UNCHECKED and faults neither close nor open one',
      [
        aRecord({ siteId: 'shop', atMs: at(5), kind: 'fault', reason: 'checker-fault', shown: 'UP' }),
        up(6, 'UNCHECKED'),
      ],
      incident(),
      [],
      incident(),
    ],
    [
      'two outages in a row',
      [down(0.5), up(2), down(10, 'PENDING', 10), down(10.5, 'DOWN', 10)],
      undefined,
      [incident({ endMs: at(2) }), incident({ startMs: at(10), confirmedMs: at(10.5) })],
      incident({ startMs: at(10), confirmedMs: at(10.5) }),
    ],
  ])('%s', (_, records, open, touched, stillOpen) => {
    const progress = followIncidents(records, open && { incident: open, seenUntilMs: undefined });

    expect(progress.touched).toEqual(touched);
    expect(progress.open?.incident).toEqual(stillOpen);
  });

  it('starts at the record when the outage start is missing, in maintenance when it was', () => {
    const record = aRecord({
      siteId: 'shop',
      atMs: at(1),
      kind: 'down',
      reason: 'dns',
      shown: 'DOWN',
      inMaintenance: true,
      status: undefined,
    });

    const progress = followIncidents([record], undefined);

    expect(progress.open?.incident).toEqual({
      siteId: 'shop',
      startMs: at(1),
      confirmedMs: at(1),
      reason: 'dns',
      detail: '',
      inMaintenance: true,
    });
  });
});

describe('followIncidents when the records stop (interval 1 min: a record covers 1.5 min)', () => {
  const lastSeen = (endMinutes: number, overrides: Partial<Incident> = {}) =>
    incident({ endMs: at(endMinutes), endKnown: false, ...overrides });

  it.each<
    [
      string,
      CheckRecord[],
      { incident: Incident; seenUntilMs: number | undefined } | undefined,
      number,
      Incident[],
      { incident: Incident; seenUntilMs: number | undefined } | undefined,
    ]
  >([
    [
      'a period without records closes an open incident where its last record stopped covering it',
      [],
      { incident: incident(), seenUntilMs: at(6.5) },
      at(60),
      [lastSeen(6.5)],
      undefined,
    ],
    [
      'a period without records that ends inside the coverage keeps it open',
      [],
      { incident: incident(), seenUntilMs: at(61) },
      at(60),
      [],
      { incident: incident(), seenUntilMs: at(61) },
    ],
    [
      'a state written before coverage was kept: open until a record comes',
      [],
      { incident: incident(), seenUntilMs: undefined },
      at(60),
      [],
      { incident: incident(), seenUntilMs: undefined },
    ],
    [
      'paused while DOWN, resumed UP: the UP does not stretch it over the pause',
      [down(0.5), down(1.5), down(2.5), up(40)],
      undefined,
      at(60),
      [lastSeen(4)],
      undefined,
    ],
    [
      'records that keep coming (faults too) keep it open',
      [
        down(0.5),
        aRecord({ siteId: 'shop', atMs: at(2), kind: 'fault', reason: 'checker-fault', shown: 'DOWN' }),
        down(3),
      ],
      undefined,
      at(4),
      [incident()],
      { incident: incident(), seenUntilMs: at(4.5) },
    ],
    [
      'a record exactly at the end of the coverage still continues it',
      [down(0.5), up(2)],
      undefined,
      at(60),
      [incident({ endMs: at(2) })],
      undefined,
    ],
    [
      'resumed still DOWN with the same outage: the live state kept it, so it is open again',
      [down(0.5), down(30, 'DOWN', 0)],
      undefined,
      at(31),
      [incident({ confirmedMs: at(30) })],
      { incident: incident({ confirmedMs: at(30) }), seenUntilMs: at(31.5) },
    ],
    [
      'resumed DOWN with a new outage: the old one ends where last seen, the new one opens',
      [down(0.5), down(30, 'DOWN', 29)],
      undefined,
      at(31),
      [lastSeen(2), incident({ startMs: at(29), confirmedMs: at(30) })],
      { incident: incident({ startMs: at(29), confirmedMs: at(30) }), seenUntilMs: at(31.5) },
    ],
  ])('%s', (_, records, open, periodEndMs, touched, stillOpen) => {
    const progress = followIncidents(records, open, periodEndMs);

    expect(progress.touched).toEqual(touched);
    expect(progress.open).toEqual(stillOpen);
  });

  it('gives the same result whether the period is followed in one piece or hour by hour', () => {
    const records = [down(0.5), down(1.5), up(100)];

    const whole = followIncidents(records, undefined, at(120));
    const first = followIncidents(records.slice(0, 2), undefined, at(60));
    const second = followIncidents(records.slice(2), first.open, at(120));

    expect([...first.touched, ...second.touched].at(-1)).toEqual(whole.touched.at(-1));
    expect(whole.touched.at(-1)).toEqual(lastSeen(3));
  });
});

describe('mergeIncidents', () => {
  it('replaces an incident by its start, newest first, and gives the same file when merged twice', () => {
    const older = incident({ startMs: at(-100), confirmedMs: at(-99), endMs: at(-90) });
    const existing = { v: 1 as const, siteId: 'shop', incidents: [incident(), older] };
    const update = incident({ endMs: at(36) });
    const newer = incident({ startMs: at(50), confirmedMs: at(51) });

    const once = mergeIncidents('shop', existing, [update, newer]);
    const twice = mergeIncidents('shop', once, [update, newer]);

    expect(once.incidents).toEqual([newer, update, older]);
    expect(twice).toEqual(once);
  });
});
