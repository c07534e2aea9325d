import { beforeEach, describe, expect, it } from 'vitest';
import { createJsonLogger } from '../../functions/adapters/logger.ts';
import type { Alert } from '../../functions/domain/alert.ts';
import {
  type CheckTask,
  MAX_TASK_ATTEMPTS,
  packCheckMessages,
} from '../../functions/domain/check-message.ts';
import type { CheckResult } from '../../functions/domain/check-result.ts';
import type { RawBatch } from '../../functions/domain/history/check-record.ts';
import type { SiteConfig } from '../../functions/domain/site.ts';
import { INITIAL_STATE, type SiteState } from '../../functions/domain/site-state.ts';
import { CLAIM_LAPSE_SECONDS } from '../../functions/services/alert-outbox.ts';
import type { BatchReport } from '../../functions/services/batch-report.ts';
import {
  type CheckerDeps,
  processCheckBatch,
  type QueueRecord,
} from '../../functions/services/check-batch.ts';
import { HISTORY_RESPONSE_MARGIN_MS } from '../../functions/services/history-recorder.ts';
import { aSite } from '../support/fixtures.ts';
import { InMemorySiteStore } from '../support/in-memory-site-store.ts';
import { type SentToQueue, takeEnqueued } from '../support/sent-back.ts';

// The checker's raw history: one batch per invocation with a record per applied check, written after everything
// else, and never able to change a verdict, an alert or what SQS is told.

const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);
const UP: SiteState = { ...INITIAL_STATE, status: 'UP', version: 1, statusSinceMs: T0 - 3_600_000 };
const up: CheckResult = { kind: 'up', status: 200, latencyMs: 30 };
const down: CheckResult = {
  kind: 'down',
  reason: 'http-5xx',
  status: 503,
  detail: 'HTTP 503',
  latencyMs: 40,
};
const blocked: CheckResult = { kind: 'blocked', status: 403, detail: 'HTTP 403', latencyMs: 20 };
const checkerFault: CheckResult = { kind: 'fault', reason: 'checker-fault', detail: 'EMFILE', latencyMs: 1 };
const blockedAddress: CheckResult = {
  kind: 'fault',
  reason: 'blocked-address',
  detail: 'blocked connection at 10.0.0.5: not an allowed (public) address',
  latencyMs: 3,
};

const siteNamed = (siteId: string, overrides: Partial<SiteConfig> = {}): SiteConfig => ({
  ...aSite({ siteId, url: `https://${siteId}.example.com/` }),
  ...overrides,
});

/** A history store double: records the batches it was given; each call takes the next behaviour (then 'ok'). */
class FakeHistory {
  readonly batches: RawBatch[] = [];
  calls = 0;
  constructor(readonly behaviours: ('ok' | 'fail' | 'hang')[] = []) {}

  async putRawBatch(batch: RawBatch): Promise<string> {
    const behaviour = this.behaviours[this.calls++] ?? 'ok';
    if (behaviour === 'fail') throw new Error('InternalError: We encountered an internal error');
    if (behaviour === 'hang') return new Promise<string>(() => {});
    this.batches.push(batch);
    return `history/raw/${this.calls}`;
  }
}

class Harness {
  readonly store = new InMemorySiteStore();
  readonly published: Alert[] = [];
  readonly enqueued: SentToQueue[] = [];
  readonly logLines: Record<string, unknown>[] = [];
  readonly results = new Map<string, CheckResult>();
  nowMs = T0;
  /** Replaces the fixed `nowMs` (a clock that moves on its own). */
  clock: (() => number) | undefined;
  /** The deadline the last run was given. */
  deadlineMs = 0;
  publishFailures = 0;
  /** Run by the probe before it answers (move the clock). */
  beforeAnswer: () => void = () => {};

  constructor(readonly history?: FakeHistory) {}

  deps(): CheckerDeps {
    return {
      store: this.store,
      probe: {
        check: async (target) => {
          this.beforeAnswer();
          return this.results.get(target.url) ?? up;
        },
      },
      publisher: {
        publish: async (alert) => {
          if (this.publishFailures > 0) {
            this.publishFailures--;
            throw new Error('SNS is unavailable');
          }
          this.published.push(alert);
        },
      },
      queue: {
        send: async (bodies, delaySeconds) => {
          this.enqueued.push({ bodies, delaySeconds });
        },
      },
      log: createJsonLogger((line) => this.logLines.push(JSON.parse(line))),
      nowMs: () => this.clock?.() ?? this.nowMs,
      ...(this.history === undefined ? {} : { history: this.history }),
    };
  }

  run(records: readonly QueueRecord[], deadlineInMs = 60_000): Promise<BatchReport> {
    const deps = this.deps();
    this.deadlineMs = deps.nowMs() + deadlineInMs;
    return processCheckBatch(records, deps, { deadlineMs: this.deadlineMs, concurrency: 16 });
  }

  /** Takes what the checker sent back with `delaySeconds`, as the records a later receive gets. */
  takeEnqueued(delaySeconds: number): QueueRecord[] {
    return takeEnqueued(this.enqueued, delaySeconds);
  }

  /** One message checking each site, from its stored state. */
  message(id: string, checkId: string, sites: readonly SiteConfig[], attempt?: number): QueueRecord {
    const tasks: CheckTask[] = sites.map((site) => ({
      checkId,
      site,
      state: this.store.state(site.siteId) ?? INITIAL_STATE,
      ...(attempt === undefined ? {} : { attempt }),
    }));
    return { messageId: id, body: packCheckMessages(tasks, { maxTasks: 500 })[0] ?? '' };
  }
}

const recordsOf = (history: FakeHistory) => history.batches.flatMap((batch) => batch.records);

describe('processCheckBatch: the raw history', () => {
  let history: FakeHistory;
  let harness: Harness;
  beforeEach(() => {
    history = new FakeHistory();
    harness = new Harness(history);
  });

  it('writes one batch for the whole invocation: a record per applied check, as the site reads it', async () => {
    // Prepare: six sites across two messages
    const window = {
      kind: 'once' as const,
      start: new Date(T0 - 60_000).toISOString(),
      end: new Date(T0 + 60_000).toISOString(),
    };
    const sites = {
      steady: siteNamed('steady'),
      failing: siteNamed('failing'),
      refusing: siteNamed('refusing'),
      strict: siteNamed('strict', { treatBlockedAsDown: true }),
      private: siteNamed('private'),
      maintained: siteNamed('maintained', { maintenance: [window] }),
    };
    for (const site of Object.values(sites)) harness.store.put(site, UP);
    harness.results.set(sites.failing.url, down);
    harness.results.set(sites.refusing.url, blocked);
    harness.results.set(sites.strict.url, blocked);
    harness.results.set(sites.private.url, blockedAddress);
    harness.results.set(sites.maintained.url, down);

    // Act
    const report = await harness.run([
      harness.message('a', 'm1', [sites.steady, sites.failing, sites.refusing]),
      harness.message('b', 'm1', [sites.strict, sites.private, sites.maintained]),
    ]);

    // Assess
    expect(history.calls).toBe(1);
    expect(history.batches[0]?.writtenAtMs).toBe(T0);
    const bySite = Object.fromEntries(recordsOf(history).map(({ siteId, ...record }) => [siteId, record]));
    const common = { checkId: 'm1', atMs: T0, intervalMinutes: 1 };
    expect(bySite).toEqual({
      steady: { ...common, kind: 'up', status: 200, latencyMs: 30, shown: 'UP' },
      failing: {
        ...common,
        kind: 'down',
        reason: 'http-5xx',
        status: 503,
        detail: 'HTTP 503',
        latencyMs: 40,
        shown: 'PENDING',
        outageSinceMs: T0,
      },
      refusing: { ...common, kind: 'blocked', status: 403, latencyMs: 20, shown: 'UP' },
      strict: {
        ...common,
        kind: 'down',
        reason: 'http-4xx',
        status: 403,
        detail: 'HTTP 403',
        latencyMs: 20,
        shown: 'PENDING',
        outageSinceMs: T0,
      },
      private: {
        ...common,
        kind: 'fault',
        reason: 'blocked-address',
        detail: blockedAddress.kind === 'fault' ? blockedAddress.detail : '',
        latencyMs: 3,
        shown: 'UNCHECKED',
      },
      maintained: {
        ...common,
        kind: 'down',
        reason: 'http-5xx',
        status: 503,
        detail: 'HTTP 503',
        latencyMs: 40,
        shown: 'PENDING',
        outageSinceMs: T0,
        inMaintenance: true,
      },
    });
    expect(report).toMatchObject({ historyRecords: 6, historyBatchesLost: 0 });
    const metrics = harness.logLines.find((line) => '_aws' in line);
    expect(metrics).toMatchObject({ HistoryRecords: 6, HistoryBatchesLost: 0 });
  });

  it('records the confirming re-check in the invocation that runs it, with the status it confirmed', async () => {
    // Prepare
    const site = siteNamed('shop');
    harness.store.put(site, UP);
    harness.results.set(site.url, down);
    await harness.run([harness.message('a', 'm1', [site])]);
    const [recheck] = harness.takeEnqueued(site.confirmDelaySeconds);
    if (!recheck) throw new Error('no re-check was sent');
    harness.nowMs += site.confirmDelaySeconds * 1_000;

    // Act
    await harness.run([recheck]);

    // Assess: two invocations, two batches
    expect(
      history.batches.map((batch) =>
        batch.records.map((r) => [r.checkId, r.atMs, r.kind, r.shown, r.outageSinceMs]),
      ),
    ).toEqual([
      [['m1', T0, 'down', 'PENDING', T0]],
      [['m1:r', T0 + site.confirmDelaySeconds * 1_000, 'down', 'DOWN', T0]],
    ]);
  });

  it('records a fault only once it reaches the state machine: on the last attempt, not on those that retry', async () => {
    // Prepare
    const site = siteNamed('shop');
    harness.store.put(site, UP);
    harness.results.set(site.url, checkerFault);

    // Act
    const early = await harness.run([harness.message('a', 'm1', [site])]);
    await harness.run([harness.message('b', 'm1', [site], MAX_TASK_ATTEMPTS)]);

    // Assess: the first invocation applied nothing and wrote nothing
    expect(early).toMatchObject({ tasksRetried: 1, historyRecords: 0, historyBatchesLost: 0 });
    expect(history.calls).toBe(1);
    expect(recordsOf(history)).toMatchObject([
      { checkId: 'm1', kind: 'fault', reason: 'checker-fault', shown: 'UP' },
    ]);
  });

  it('writes nothing for a message none of whose checks could start before the deadline', async () => {
    // Prepare
    const site = siteNamed('shop');
    harness.store.put(site, UP);

    // Act: 1 s left, less than the checker's reserve
    const report = await harness.run([harness.message('a', 'm1', [site])], 1_000);

    // Assess
    expect(report).toMatchObject({ checkerFaults: 1, historyRecords: 0, historyBatchesLost: 0 });
    expect(history.calls).toBe(0);
  });

  it('records a check delivered twice in one invocation once', async () => {
    // Prepare
    const site = siteNamed('shop');
    harness.store.put(site, UP);
    harness.results.set(site.url, down);
    const message = harness.message('a', 'm1', [site]);

    // Act
    await harness.run([message, { ...message, messageId: 'a-again' }]);

    // Assess
    expect(recordsOf(history).map((record) => [record.checkId, record.shown])).toEqual([['m1', 'PENDING']]);
  });

  it('records a check again when its task comes back carrying it (same check id: the compactor counts it once)', async () => {
    // Prepare: the DOWN alert is refused, so the confirming task comes back for when its claim lapses
    const site = siteNamed('shop', { failureThreshold: 1 });
    harness.store.put(site, UP);
    harness.results.set(site.url, down);
    harness.publishFailures = 1;
    await harness.run([harness.message('a', 'm1', [site])]);
    const retried = harness.takeEnqueued(CLAIM_LAPSE_SECONDS);
    harness.nowMs += CLAIM_LAPSE_SECONDS * 1_000;

    // Act
    const report = await harness.run(retried);

    // Assess
    expect(report.alertsPublished).toBe(1);
    expect(history.batches.map((batch) => batch.records.map((r) => [r.checkId, r.shown]))).toEqual([
      [['m1', 'DOWN']],
      [['m1', 'DOWN']],
    ]);
  });

  it('does not record a check of a site paused while it ran', async () => {
    // Prepare: the message carries the snapshot from before the pause
    const site = siteNamed('shop');
    harness.store.put(site, UP);
    const message = harness.message('a', 'm1', [site]);
    harness.store.put({ ...site, enabled: false }, { ...UP, version: 2 });
    harness.results.set(site.url, down);

    // Act
    const report = await harness.run([message]);

    // Assess
    expect(report.failedMessageIds).toEqual([]);
    expect(history.calls).toBe(0);
  });
});

describe('processCheckBatch: a history store in trouble changes nothing else', () => {
  /** A mix: a confirmed DOWN (alert), a steady site, a fault that retries, a malformed message. */
  async function scenario(history: FakeHistory | undefined, prepare?: (harness: Harness) => void) {
    const harness = new Harness(history);
    const failing = siteNamed('failing', { failureThreshold: 1 });
    const steady = siteNamed('steady');
    const faulting = siteNamed('faulting');
    for (const site of [failing, steady, faulting]) harness.store.put(site, UP);
    harness.results.set(failing.url, down);
    harness.results.set(faulting.url, checkerFault);
    prepare?.(harness);
    const report = await harness.run([
      harness.message('a', 'm1', [failing, steady, faulting]),
      { messageId: 'garbage', body: 'not json' },
    ]);
    const { historyRecords, historyBatchesLost, ...rest } = report;
    return {
      harness,
      history: { historyRecords, historyBatchesLost },
      outcome: {
        report: rest,
        alerts: harness.published.map((alert) => [alert.siteId, alert.event]),
        enqueued: harness.enqueued.map((sent) => [sent.delaySeconds, sent.bodies.length]),
      },
    };
  }

  it.each([
    ['fails every time', ['fail', 'fail']],
    ['fails once, then writes', ['fail']],
  ] as const)(
    'a store that %s: the same verdicts, alerts and batchItemFailures as with history off',
    async (_name, behaviours) => {
      // Prepare
      const history = new FakeHistory([...behaviours]);

      // Act
      const off = await scenario(undefined);
      const troubled = await scenario(history);

      // Assess
      expect(troubled.outcome).toEqual(off.outcome);
      expect(troubled.outcome.report.failedMessageIds).toEqual(['garbage']);
      expect(troubled.outcome.alerts).toEqual([['failing', 'DOWN']]);
      expect(history.calls).toBe(2);
      expect(troubled.history).toEqual(
        behaviours.length === 2
          ? { historyRecords: 0, historyBatchesLost: 1 }
          : { historyRecords: 2, historyBatchesLost: 0 },
      );
      const metrics = troubled.harness.logLines.find((line) => '_aws' in line);
      expect(metrics).toMatchObject({ HistoryBatchesLost: troubled.history.historyBatchesLost });
    },
  );

  it('a store that hangs: the invocation answers before its deadline, with the same verdicts and alerts', async () => {
    // Prepare: a clock that runs, and checks that use the invocation up to 300 ms before the history's last moment
    const history = new FakeHistory(['hang', 'hang']);
    let skewMs = 0;
    const clock = () => Date.now() + skewMs;

    // Act
    const off = await scenario(undefined);
    const hung = await scenario(history, (harness) => {
      harness.clock = clock;
      let answered = 0;
      // Once every probe has started (each checks the time left before it starts), time jumps.
      harness.beforeAnswer = () => {
        if (++answered === 3) skewMs = harness.deadlineMs - HISTORY_RESPONSE_MARGIN_MS - 300 - Date.now();
      };
    });
    const answeredAtMs = clock();

    // Assess
    expect(answeredAtMs).toBeLessThan(hung.harness.deadlineMs);
    expect(hung.outcome).toEqual(off.outcome);
    expect(hung.history).toEqual({ historyRecords: 0, historyBatchesLost: 1 });
    // No retry was started without the time for it.
    expect(history.calls).toBe(1);
  });
});
