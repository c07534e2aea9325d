import * as v from 'valibot';
import { describe, expect, it, vi } from 'vitest';
import { createJsonLogger } from '../../functions/adapters/logger.ts';
import type { CheckResult } from '../../functions/domain/check-result.ts';
import {
  type CheckRecord,
  CheckRecordSchema,
  MAX_RECORD_DETAIL_CHARS,
  type RawBatch,
  RawBatchSchema,
} from '../../functions/domain/history/check-record.ts';
import { INITIAL_STATE, type SiteState } from '../../functions/domain/site-state.ts';
import {
  type AppliedCheck,
  checkRecordOf,
  HISTORY_ATTEMPT_MS,
  HISTORY_RESPONSE_MARGIN_MS,
  HistoryRecorder,
  writeHistory,
} from '../../functions/services/history-recorder.ts';
import { aSite } from '../support/fixtures.ts';

const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);
const site = aSite({ siteId: 'shop', url: 'https://shop.example.com/', intervalMinutes: 5 });
const UP: SiteState = { ...INITIAL_STATE, status: 'UP', version: 3, statusSinceMs: T0 - 60_000 };
const outage = { sinceMs: T0 - 30_000, reason: 'http-5xx' as const, detail: 'HTTP 503' };
const PENDING: SiteState = { ...UP, status: 'PENDING', consecutiveFailures: 1, outage };
const DOWN: SiteState = { ...UP, status: 'DOWN', consecutiveFailures: 2, outage };
const RECOVERING: SiteState = { ...DOWN, status: 'RECOVERING', consecutiveSuccesses: 1 };
// Issue 15: home fails, most locations reach it; the state keeps the first failure from home.
const REGIONAL: SiteState = { ...UP, status: 'REGIONAL', statusSinceMs: T0, outage };
const UNCHECKED: SiteState = {
  ...UP,
  checkFault: {
    sinceMs: T0,
    reason: 'blocked-address',
    detail: 'resolves to 10.0.0.1',
    faults: 1,
    isAnnounced: true,
  },
};

const up: CheckResult = { kind: 'up', status: 200, latencyMs: 120 };
const down: CheckResult = {
  kind: 'down',
  reason: 'http-5xx',
  status: 503,
  detail: 'HTTP 503',
  latencyMs: 80,
};
const blocked: CheckResult = {
  kind: 'blocked',
  status: 403,
  detail: 'HTTP 403 (bot challenge)',
  latencyMs: 40,
};

const applied = (
  result: CheckResult,
  state: SiteState,
  overrides: Partial<AppliedCheck> = {},
): AppliedCheck => ({
  site,
  checkId: 'm29000000',
  result,
  state,
  atMs: T0,
  ...overrides,
});

const common = { siteId: 'shop', checkId: 'm29000000', atMs: T0, intervalMinutes: 5 };

describe('checkRecordOf', () => {
  it.each<[string, AppliedCheck, CheckRecord]>([
    ['an up check', applied(up, UP), { ...common, kind: 'up', status: 200, latencyMs: 120, shown: 'UP' }],
    [
      'an up check over maxResponseMs is slow (still up)',
      applied(up, UP, { site: { ...site, maxResponseMs: 100 } }),
      { ...common, kind: 'up', status: 200, latencyMs: 120, slow: true, shown: 'UP' },
    ],
    [
      'a failure starting an outage',
      applied(down, PENDING),
      {
        ...common,
        kind: 'down',
        reason: 'http-5xx',
        status: 503,
        detail: 'HTTP 503',
        latencyMs: 80,
        shown: 'PENDING',
        outageSinceMs: outage.sinceMs,
      },
    ],
    [
      'a failure without an HTTP status',
      applied({ kind: 'down', reason: 'dns', detail: 'no such host', latencyMs: 3 }, DOWN),
      {
        ...common,
        kind: 'down',
        reason: 'dns',
        detail: 'no such host',
        latencyMs: 3,
        shown: 'DOWN',
        outageSinceMs: outage.sinceMs,
      },
    ],
    [
      'a success while RECOVERING still belongs to the outage',
      applied(up, RECOVERING),
      {
        ...common,
        kind: 'up',
        status: 200,
        latencyMs: 120,
        shown: 'RECOVERING',
        outageSinceMs: outage.sinceMs,
      },
    ],
    [
      'a failure from home while REGIONAL: its own status, and no outage start (REGIONAL is not one)',
      applied(down, REGIONAL),
      {
        ...common,
        kind: 'down',
        reason: 'http-5xx',
        status: 503,
        detail: 'HTTP 503',
        latencyMs: 80,
        shown: 'REGIONAL',
      },
    ],
    [
      'a refusal is blocked',
      applied(blocked, UP),
      { ...common, kind: 'blocked', status: 403, latencyMs: 40, shown: 'UP' },
    ],
    [
      'a refusal of a site with treatBlockedAsDown is down (http-4xx)',
      applied(blocked, PENDING, { site: { ...site, treatBlockedAsDown: true } }),
      {
        ...common,
        kind: 'down',
        reason: 'http-4xx',
        status: 403,
        detail: 'HTTP 403 (bot challenge)',
        latencyMs: 40,
        shown: 'PENDING',
        outageSinceMs: outage.sinceMs,
      },
    ],
    [
      'a blocked address is a fault, shown UNCHECKED',
      applied(
        { kind: 'fault', reason: 'blocked-address', detail: 'resolves to 10.0.0.1', latencyMs: 2 },
        UNCHECKED,
      ),
      {
        ...common,
        kind: 'fault',
        reason: 'blocked-address',
        detail: 'resolves to 10.0.0.1',
        latencyMs: 2,
        shown: 'UNCHECKED',
      },
    ],
    [
      'a checker fault on a DOWN site keeps the outage',
      applied({ kind: 'fault', reason: 'checker-fault', detail: 'EMFILE', latencyMs: 0 }, DOWN),
      {
        ...common,
        kind: 'fault',
        reason: 'checker-fault',
        detail: 'EMFILE',
        latencyMs: 0,
        shown: 'DOWN',
        outageSinceMs: outage.sinceMs,
      },
    ],
  ])('%s', (_name, check, expected) => {
    // Act
    const record = checkRecordOf(check);

    // Assess: exactly these fields, and a record the compactor's schema reads back unchanged
    expect(record).toEqual(expected);
    expect(v.parse(CheckRecordSchema, record)).toEqual(record);
  });

  it('marks a check inside one of the site maintenance windows, and only inside', () => {
    // Prepare: a window of one hour from T0
    const window = {
      kind: 'once' as const,
      start: new Date(T0).toISOString(),
      end: new Date(T0 + 3_600_000).toISOString(),
    };
    const inWindows = { ...site, maintenance: [window] };

    // Act
    const inside = checkRecordOf(applied(up, UP, { site: inWindows, atMs: T0 + 60_000 }));
    const after = checkRecordOf(applied(up, UP, { site: inWindows, atMs: T0 + 3_600_000 }));

    // Assess
    expect(inside.inMaintenance).toBe(true);
    expect('inMaintenance' in after).toBe(false);
  });

  it(`cuts a long detail to ${MAX_RECORD_DETAIL_CHARS} characters, as the schema bounds it`, () => {
    // Prepare
    const detail = `HTTP 503: ${'the upstream said no '.repeat(30)}`;

    // Act
    const record = checkRecordOf(applied({ ...down, detail }, PENDING));

    // Assess
    expect(record.detail?.length).toBeLessThanOrEqual(MAX_RECORD_DETAIL_CHARS);
    expect(record.detail).toMatch(/^HTTP 503: the upstream said no .*…$/);
    expect(v.parse(CheckRecordSchema, record)).toEqual(record);
  });
});

describe('HistoryRecorder', () => {
  it('records a check applied twice in one invocation once, and keeps other checks and other sites apart', () => {
    // Prepare
    const recorder = new HistoryRecorder();
    const other = { ...site, siteId: 'blog' };

    // Act
    recorder.add(applied(down, PENDING));
    recorder.add(applied(down, DOWN, { atMs: T0 + 5 }));
    recorder.add(applied(down, DOWN, { checkId: 'm29000000:r', atMs: T0 + 30_000 }));
    recorder.add(applied(up, UP, { site: other }));
    const batch = recorder.batchAt(T0 + 31_000);

    // Assess: the first application of a check stands
    expect(recorder.size).toBe(3);
    expect(recorder.siteCount).toBe(2);
    expect(batch.records.map((record) => [record.siteId, record.checkId, record.shown])).toEqual([
      ['shop', 'm29000000', 'PENDING'],
      ['shop', 'm29000000:r', 'DOWN'],
      ['blog', 'm29000000', 'UP'],
    ]);
    expect(v.parse(RawBatchSchema, batch)).toEqual({
      v: 1,
      writtenAtMs: T0 + 31_000,
      records: batch.records,
    });
  });
});

/** A history store that records what it was given; each call runs the next behaviour (then 'ok'). */
class FakeHistory {
  readonly batches: RawBatch[] = [];
  calls = 0;
  constructor(private readonly behaviours: ('ok' | 'fail' | 'hang')[] = []) {}

  async putRawBatch(batch: RawBatch): Promise<string> {
    const behaviour = this.behaviours[this.calls++] ?? 'ok';
    if (behaviour === 'fail') throw new Error('SlowDown: Please reduce your request rate');
    if (behaviour === 'hang') return new Promise<string>(() => {});
    this.batches.push(batch);
    return `history/raw/key-${this.calls}`;
  }
}

const recorderOf = (...checks: AppliedCheck[]): HistoryRecorder => {
  const recorder = new HistoryRecorder();
  for (const check of checks) recorder.add(check);
  return recorder;
};

const logLines = () => {
  const lines: Record<string, unknown>[] = [];
  return { lines, log: createJsonLogger((line) => lines.push(JSON.parse(line))) };
};

describe('writeHistory', () => {
  it('writes one batch with every record', async () => {
    // Prepare
    const history = new FakeHistory();
    const { log } = logLines();

    // Act
    const outcome = await writeHistory(
      recorderOf(applied(up, UP), applied(down, PENDING, { site: { ...site, siteId: 'blog' } })),
      { history, log, nowMs: () => T0 },
      T0 + 10_000,
    );

    // Assess
    expect(outcome).toEqual({ recordsWritten: 2, batchesLost: 0 });
    expect(history.batches).toHaveLength(1);
    expect(history.batches[0]?.writtenAtMs).toBe(T0);
    expect(history.batches[0]?.records.map((record) => record.siteId)).toEqual(['shop', 'blog']);
  });

  it('writes nothing when no check was applied, or when history is off', async () => {
    // Prepare
    const history = new FakeHistory();
    const { log } = logLines();

    // Act
    const empty = await writeHistory(new HistoryRecorder(), { history, log, nowMs: () => T0 }, T0 + 10_000);
    const off = await writeHistory(recorderOf(applied(up, UP)), { log, nowMs: () => T0 }, T0 + 10_000);

    // Assess
    expect([empty, off]).toEqual([
      { recordsWritten: 0, batchesLost: 0 },
      { recordsWritten: 0, batchesLost: 0 },
    ]);
    expect(history.calls).toBe(0);
  });

  it('tries once more after a failure', async () => {
    // Prepare
    const history = new FakeHistory(['fail']);
    const { log, lines } = logLines();

    // Act
    const outcome = await writeHistory(
      recorderOf(applied(up, UP)),
      { history, log, nowMs: () => T0 },
      T0 + 10_000,
    );

    // Assess
    expect(outcome).toEqual({ recordsWritten: 1, batchesLost: 0 });
    expect(history.calls).toBe(2);
    expect(lines).toEqual([]);
  });

  it('counts and logs a batch that fails twice: how many records and sites, and why', async () => {
    // Prepare
    const history = new FakeHistory(['fail', 'fail', 'ok']);
    const { log, lines } = logLines();

    // Act
    const outcome = await writeHistory(
      recorderOf(
        applied(up, UP),
        applied(up, UP, { checkId: 'm2' }),
        applied(up, UP, { site: { ...site, siteId: 'blog' } }),
      ),
      { history, log, nowMs: () => T0 },
      T0 + 10_000,
    );

    // Assess
    expect(outcome).toEqual({ recordsWritten: 0, batchesLost: 1 });
    expect(history.calls).toBe(2);
    expect(lines).toEqual([
      {
        level: 'ERROR',
        message: 'history batch not written: its checks are a gap in the history',
        records: 3,
        sites: 2,
        error: 'SlowDown: Please reduce your request rate',
      },
    ]);
  });

  it('abandons a hung write in time for the response, and does not start a retry without time for it', async () => {
    // Prepare: 150 ms left for history before the response margin
    const history = new FakeHistory(['hang']);
    const { log, lines } = logLines();
    const deadlineMs = Date.now() + HISTORY_RESPONSE_MARGIN_MS + 150;

    // Act
    const outcome = await writeHistory(
      recorderOf(applied(up, UP)),
      { history, log, nowMs: Date.now },
      deadlineMs,
    );
    const returnedAtMs = Date.now();

    // Assess
    expect(outcome).toEqual({ recordsWritten: 0, batchesLost: 1 });
    expect(history.calls).toBe(1);
    expect(returnedAtMs).toBeLessThan(deadlineMs);
    expect(lines[0]?.error).toMatch(/^history write took longer than 1[0-5][0-9] ms$/);
  });

  it('gives a hung write HISTORY_ATTEMPT_MS in all, and no retry after it timed out (however much time is left)', async () => {
    // Prepare: a fake clock; the invocation has a minute left
    vi.useFakeTimers({ now: T0 });
    try {
      const history = new FakeHistory(['hang', 'ok']);
      const { log } = logLines();

      // Act
      const writing = writeHistory(
        recorderOf(applied(up, UP)),
        { history, log, nowMs: Date.now },
        T0 + 60_000,
      );
      await vi.advanceTimersByTimeAsync(HISTORY_ATTEMPT_MS);
      const outcome = await writing;

      // Assess
      expect(outcome).toEqual({ recordsWritten: 0, batchesLost: 1 });
      expect(history.calls).toBe(1);
      expect(Date.now() - T0).toBe(HISTORY_ATTEMPT_MS);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not even start when the invocation has no time left for it', async () => {
    // Prepare
    const history = new FakeHistory();
    const { log, lines } = logLines();

    // Act
    const outcome = await writeHistory(
      recorderOf(applied(up, UP)),
      { history, log, nowMs: () => T0 },
      T0 + HISTORY_RESPONSE_MARGIN_MS,
    );

    // Assess
    expect(outcome).toEqual({ recordsWritten: 0, batchesLost: 1 });
    expect(history.calls).toBe(0);
    expect(lines[0]?.error).toBe('no time left before the invocation deadline');
  });
});
