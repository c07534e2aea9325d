import { beforeEach, describe, expect, it } from 'vitest';
import { createJsonLogger } from '../../functions/adapters/logger.ts';
import type { Alert } from '../../functions/domain/alert.ts';
import { type CheckTask, packCheckMessages } from '../../functions/domain/check-message.ts';
import type { CheckResult } from '../../functions/domain/check-result.ts';
import { INITIAL_STATE, type SiteState } from '../../functions/domain/site-state.ts';
import {
  type CheckerDeps,
  processCheckBatch,
  type QueueRecord,
} from '../../functions/services/check-batch.ts';
import { aSite } from '../support/fixtures.ts';
import { InMemorySiteStore } from '../support/in-memory-site-store.ts';

const site = aSite({ siteId: 'shop', url: 'https://shop.example.com/', failureThreshold: 2 });
const UP: SiteState = { ...INITIAL_STATE, status: 'UP', version: 1, statusSinceMs: 0 };
const down = (detail = 'HTTP 503'): CheckResult => ({
  kind: 'down',
  reason: 'http-5xx',
  status: 503,
  detail,
  latencyMs: 40,
});
const up: CheckResult = { kind: 'up', status: 200, latencyMs: 30 };

class Harness {
  readonly store = new InMemorySiteStore();
  readonly published: Alert[] = [];
  readonly enqueued: { bodies: readonly string[]; delaySeconds: number | undefined }[] = [];
  nowMs = 1_000_000;
  publishFailures = 0;
  probeCalls = 0;
  result: CheckResult = up;

  deps(): CheckerDeps {
    return {
      store: this.store,
      probe: {
        check: async () => {
          this.probeCalls++;
          return this.result;
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
      log: createJsonLogger(() => {}),
      nowMs: () => this.nowMs,
    };
  }

  run(records: readonly QueueRecord[], deadlineInMs = 60_000) {
    return processCheckBatch(records, this.deps(), {
      deadlineMs: this.nowMs + deadlineInMs,
      concurrency: 16,
    });
  }
}

const message = (id: string, checkId: string, state: SiteState): QueueRecord => {
  const task: CheckTask = { checkId, site, state };
  return { messageId: id, body: packCheckMessages([task], { maxTasks: 1 })[0] ?? '' };
};

describe('processCheckBatch', () => {
  let harness: Harness;
  beforeEach(() => {
    harness = new Harness();
  });

  it('sends one DOWN alert when the same confirming check is delivered three times', async () => {
    // Prepare
    const pending: SiteState = {
      ...UP,
      status: 'PENDING',
      version: 2,
      consecutiveFailures: 1,
      outage: { sinceMs: 970_000, reason: 'http-5xx', detail: 'HTTP 503' },
    };
    harness.store.put(site, pending);
    harness.result = down();
    const delivery = message('m', 'r2', pending);

    // Act
    const reports = [
      await harness.run([delivery]),
      await harness.run([delivery]),
      await harness.run([delivery]),
    ];

    // Assess
    expect(harness.published.map((alert) => alert.event)).toEqual(['DOWN']);
    expect(harness.published[0]?.outageSinceMs).toBe(970_000);
    expect(reports.flatMap((report) => report.failedMessageIds)).toEqual([]);
    expect(harness.store.state('shop')?.pendingAlerts).toEqual({});
  });

  it('commits one transition and one alert when two checkers race on the same site', async () => {
    // Prepare
    const pending: SiteState = { ...UP, status: 'PENDING', version: 2, consecutiveFailures: 1 };
    harness.store.put(site, pending);
    harness.result = down();

    // Act
    await Promise.all([
      harness.run([message('a', 'r2', pending)]),
      harness.run([message('b', 'm17', pending)]),
    ]);

    // Assess
    expect(harness.published).toHaveLength(1);
    expect(harness.store.state('shop')?.status).toBe('DOWN');
  });

  it('keeps a refused alert in the outbox, fails the message, and sends it exactly once after the claim expires', async () => {
    // Prepare
    const pending: SiteState = { ...UP, status: 'PENDING', version: 2, consecutiveFailures: 1 };
    harness.store.put(site, pending);
    harness.result = down();
    harness.publishFailures = 1;

    // Act
    const first = await harness.run([message('m', 'r2', pending)]);
    const earlyRetry = await harness.run([message('m', 'r2', pending)]);
    harness.nowMs += 61_000;
    const lateRetry = await harness.run([message('m', 'r2', pending)]);

    // Assess
    expect(first.failedMessageIds).toEqual(['m']);
    // Still claimed by the first publisher: nobody sends it twice while that claim holds.
    expect(earlyRetry.alertsPublished).toBe(0);
    expect(lateRetry.failedMessageIds).toEqual([]);
    expect(harness.published).toHaveLength(1);
    expect(harness.published[0]?.atMs).toBe(1_000_000);
    expect(harness.store.state('shop')?.pendingAlerts).toEqual({});
  });

  it('writes nothing for a check that changes nothing', async () => {
    // Prepare
    harness.store.put(site, UP);
    harness.result = up;

    // Act
    const report = await harness.run([message('m', 'm5', UP)]);

    // Assess
    expect(harness.store.writes).toBe(0);
    expect(report).toMatchObject({ checksCompleted: 1, checksDown: 0, failedMessageIds: [] });
  });

  it('never counts a checker fault (out of file descriptors) as the site being down', async () => {
    // Prepare
    harness.store.put(site, UP);
    harness.result = { kind: 'fault', reason: 'checker-fault', detail: 'EMFILE', latencyMs: 1 };

    // Act
    const report = await harness.run([message('m', 'm5', UP)]);

    // Assess
    expect(report.failedMessageIds).toEqual(['m']);
    expect(report).toMatchObject({ checksCompleted: 0, checkerFaults: 1 });
    expect(harness.store.state('shop')).toEqual(UP);
  });

  it('does not start a check it has no time left for, and asks for the message back', async () => {
    // Prepare
    harness.store.put(site, UP);

    // Act
    const report = await harness.run([message('m', 'm5', UP)], 2_000);

    // Assess
    expect(harness.probeCalls).toBe(0);
    expect(report.failedMessageIds).toEqual(['m']);
  });

  it('enqueues the confirming re-check with the site delay and the committed snapshot', async () => {
    // Prepare
    harness.store.put(site, UP);
    harness.result = down();

    // Act
    await harness.run([message('m', 'm5', UP)]);

    // Assess
    expect(harness.enqueued).toHaveLength(1);
    expect(harness.enqueued[0]?.delaySeconds).toBe(30);
    const recheck = JSON.parse(harness.enqueued[0]?.bodies[0] ?? '{}');
    expect(recheck.tasks[0]).toMatchObject({ checkId: 'r2', state: { status: 'PENDING', version: 2 } });
  });
});
