import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createJsonLogger } from '../../functions/adapters/logger.ts';
import type { Alert } from '../../functions/domain/alert.ts';
import {
  type CheckTask,
  MAX_TASK_ATTEMPTS,
  packCheckMessages,
} from '../../functions/domain/check-message.ts';
import type { CheckResult } from '../../functions/domain/check-result.ts';
import type { SiteConfig } from '../../functions/domain/site.ts';
import { INITIAL_STATE, type SiteState } from '../../functions/domain/site-state.ts';
import {
  type CheckerDeps,
  processCheckBatch,
  type QueueRecord,
} from '../../functions/services/check-batch.ts';
import { expectedRunMs } from '../../functions/services/check-run.ts';
import { OUT_OF_TIME } from '../../functions/services/check-verifier.ts';
import {
  VERIFY_OVERHEAD_MS,
  type VerifierAnswer,
  type Verifiers,
} from '../../functions/services/verifiers.ts';
import { aSite } from '../support/fixtures.ts';
import { InMemorySiteStore } from '../support/in-memory-site-store.ts';
import { type SentToQueue, takeEnqueued } from '../support/sent-back.ts';

// The checker deciding with a verification (issue 15): asked once per check, whatever happens to the commit.

const site = aSite({
  siteId: 'shop',
  url: 'https://shop.example.com/',
  failureThreshold: 2,
  timeoutMs: 5_000,
});
const UP: SiteState = { ...INITIAL_STATE, status: 'UP', version: 1, statusSinceMs: 0 };
/** One failure counted: the next failing check confirms (and is verified). */
const PENDING: SiteState = {
  ...UP,
  status: 'PENDING',
  version: 2,
  consecutiveFailures: 1,
  outage: { sinceMs: 900_000, reason: 'http-5xx', detail: 'HTTP 503', status: 503 },
};
const down: CheckResult = {
  kind: 'down',
  reason: 'http-5xx',
  status: 503,
  detail: 'HTTP 503',
  latencyMs: 40,
};
const up: CheckResult = { kind: 'up', status: 200, latencyMs: 30 };

/** The Verifiers port in memory: each region answers what the test says, and every call is recorded. */
class RegionsInMemory implements Verifiers {
  readonly home = 'us-east-1';
  readonly regions = ['us-west-2', 'eu-west-1'];
  readonly calls: { siteId: string; fullGet: boolean; deadlineMs: number }[] = [];
  answers: Record<string, CheckResult | string> = { 'us-west-2': up, 'eu-west-1': up };
  /** When set, the regions answer only once it resolves (a verification in progress). */
  gate?: Promise<void>;

  async verify(siteToCheck: SiteConfig, fullGet: boolean, deadlineMs: number): Promise<VerifierAnswer[]> {
    this.calls.push({ siteId: siteToCheck.siteId, fullGet, deadlineMs });
    await (this.gate ?? Promise.resolve());
    return this.regions.map((location) => {
      const answer = this.answers[location] ?? 'no such region';
      return typeof answer === 'string' ? { location, noAnswer: answer } : { location, result: answer };
    });
  }
}

class Harness {
  readonly store = new InMemorySiteStore();
  readonly regions = new RegionsInMemory();
  readonly published: Alert[] = [];
  readonly enqueued: SentToQueue[] = [];
  nowMs = 1_000_000;
  probeCalls = 0;
  result: CheckResult = down;
  /** Results by site URL, over `result`. */
  resultByUrl: Record<string, CheckResult> = {};
  /** Commits that fail before writing anything (a throttled UpdateItem). */
  commitErrors = 0;
  withVerifiers = true;

  deps(): CheckerDeps {
    const { store } = this;
    return {
      store: {
        getSite: (siteId) => store.getSite(siteId),
        claimAlert: (siteId, entry, untilMs) => store.claimAlert(siteId, entry, untilMs),
        clearAlert: (siteId, alertId) => store.clearAlert(siteId, alertId),
        commitState: async (siteId, version, next) => {
          if (this.commitErrors > 0) {
            this.commitErrors--;
            throw new Error('ProvisionedThroughputExceededException');
          }
          return store.commitState(siteId, version, next);
        },
      },
      probe: {
        check: async (target) => {
          this.probeCalls++;
          return this.resultByUrl[target.url] ?? this.result;
        },
      },
      publisher: {
        publish: async (alert) => {
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
      ...(this.withVerifiers ? { verifiers: this.regions } : {}),
    };
  }

  takeEnqueued(delaySeconds: number): QueueRecord[] {
    return takeEnqueued(this.enqueued, delaySeconds);
  }

  run(records: readonly QueueRecord[], deadlineInMs = 60_000) {
    return processCheckBatch(records, this.deps(), {
      deadlineMs: this.nowMs + deadlineInMs,
      concurrency: 16,
    });
  }
}

const message = (checkId: string, state: SiteState, extra: Partial<CheckTask> = {}): QueueRecord => {
  const task: CheckTask = { checkId, site, state, ...extra };
  return { messageId: `msg-${checkId}`, body: packCheckMessages([task], { maxTasks: 1 })[0] ?? '' };
};
const tasksIn = (record: QueueRecord | undefined): CheckTask[] =>
  JSON.parse(record?.body ?? '{"tasks":[]}').tasks;

describe('processCheckBatch with verifier regions', () => {
  let harness: Harness;
  beforeEach(() => {
    harness = new Harness();
  });

  it('asks the regions once at the confirming check: up elsewhere → REGIONAL, one informational alert', async () => {
    // Prepare
    harness.store.put(site, PENDING);

    // Act
    const report = await harness.run([message('m5:r', PENDING)]);

    // Assess
    expect(harness.regions.calls).toEqual([
      { siteId: 'shop', fullGet: false, deadlineMs: 1_000_000 + 5_000 + VERIFY_OVERHEAD_MS },
    ]);
    expect(harness.published.map((alert) => alert.event)).toEqual(['REGIONAL']);
    expect(harness.published[0]?.locations?.map((answer) => answer.outcome)).toEqual(['down', 'up', 'up']);
    expect(harness.store.state('shop')).toMatchObject({ status: 'REGIONAL', outage: { sinceMs: 900_000 } });
    expect(report).toMatchObject({
      verifications: 1,
      regionalVerdicts: 1,
      verificationsDeferred: 0,
      tasksRetried: 0,
    });
  });

  it('pages DOWN naming the locations when the majority fails', async () => {
    // Prepare
    harness.store.put(site, PENDING);
    harness.regions.answers = { 'us-west-2': down, 'eu-west-1': 'invoke timed out' };

    // Act
    const report = await harness.run([message('m5:r', PENDING)]);

    // Assess
    expect(harness.published).toHaveLength(1);
    expect(harness.published[0]).toMatchObject({ event: 'DOWN', outageSinceMs: 900_000 });
    expect(harness.published[0]?.locations?.map((answer) => answer.outcome)).toEqual([
      'down',
      'down',
      'no-answer',
    ]);
    expect(report).toMatchObject({ verifications: 1, regionalVerdicts: 0 });
  });

  it('asks nobody for a first failure (PENDING) or a recovery from DOWN', async () => {
    // Prepare
    const downState: SiteState = { ...PENDING, status: 'DOWN', version: 4, statusSinceMs: 950_000 };
    harness.store.put(site, UP);
    harness.store.put(aSite({ ...site, siteId: 'blog', url: 'https://blog.example.com/' }), downState);

    // Act
    await harness.run([message('m5', UP)]);
    harness.result = up;
    const blog = aSite({ ...site, siteId: 'blog', url: 'https://blog.example.com/' });
    await harness.run([
      {
        messageId: 'blog',
        body: packCheckMessages([{ checkId: 'm6', site: blog, state: downState }], { maxTasks: 1 })[0] ?? '',
      },
    ]);

    // Assess
    expect(harness.regions.calls).toEqual([]);
    expect(harness.store.state('shop')?.status).toBe('PENDING');
    expect(harness.published.map((alert) => `${alert.siteId}:${alert.event}`)).toEqual(['blog:UP']);
  });

  it('re-decides after a version conflict with the same verification: the regions are asked once', async () => {
    // Prepare: the item moves on between the read before verifying and the commit (an outbox claim elsewhere)
    harness.store.put(site, PENDING);
    const verify = harness.regions.verify.bind(harness.regions);
    harness.regions.verify = async (...args) => {
      const answers = await verify(...args);
      harness.store.put(site, { ...PENDING, version: PENDING.version + 1 });
      return answers;
    };

    // Act
    const report = await harness.run([message('m5:r', PENDING)]);

    // Assess
    expect(harness.regions.calls).toHaveLength(1);
    expect(harness.published.map((alert) => alert.event)).toEqual(['REGIONAL']);
    // Bumped, committed on top of it, then the alert cleared from the outbox.
    expect(harness.store.state('shop')).toMatchObject({ status: 'REGIONAL', version: PENDING.version + 3 });
    expect(report.verifications).toBe(1);
  });

  it('a duplicate delivery of a check already committed asks nobody and alerts nothing', async () => {
    // Prepare
    harness.store.put(site, PENDING);
    await harness.run([message('m5:r', PENDING)]);

    // Act: SQS delivers the same confirming check again
    const again = await harness.run([message('m5:r', PENDING)]);

    // Assess
    expect(harness.regions.calls).toHaveLength(1);
    expect(harness.published.map((alert) => alert.event)).toEqual(['REGIONAL']);
    expect(again).toMatchObject({ verifications: 0, tasksRetried: 0 });
  });

  it.each([
    {
      name: 'a commit whose answer was lost',
      lose: (h: Harness) => {
        h.store.lostCommitAnswers = 1;
      },
    },
    {
      name: 'a commit that failed before writing',
      lose: (h: Harness) => {
        h.commitErrors = 1;
      },
    },
  ])(
    'after $name, the task comes back carrying its verification and decides with it: one ask, one alert',
    async ({ lose }) => {
      // Prepare
      harness.store.put(site, PENDING);
      harness.regions.answers = { 'us-west-2': down, 'eu-west-1': up };
      lose(harness);

      // Act
      const first = await harness.run([message('m5:r', PENDING)]);
      const retried = harness.takeEnqueued(10);
      harness.nowMs += 10_000;
      const retry = await harness.run(retried);

      // Assess
      expect(first.tasksRetried).toBe(1);
      expect(
        tasksIn(retried[0])[0]?.carried?.verification?.locations.map((answer) => answer.outcome),
      ).toEqual(['down', 'down', 'up']);
      expect(retry).toMatchObject({ tasksRetried: 0, verifications: 0 });
      expect(harness.regions.calls).toHaveLength(1);
      expect(harness.probeCalls).toBe(1);
      expect(harness.published.map((alert) => alert.event)).toEqual(['DOWN']);
      expect(harness.store.state('shop')).toMatchObject({
        status: 'DOWN',
        verification: { atMs: 1_000_000 },
      });
    },
  );

  it('with too little time left, the check comes back at once carrying its result; the next invocation verifies it without probing', async () => {
    // Prepare: 9 s left: 6 s after the 3 s reserve, less than the 5 s timeout plus the overhead
    harness.store.put(site, PENDING);

    // Act
    const first = await harness.run([message('m5:r', PENDING)], 9_000);
    const retried = harness.takeEnqueued(0);
    const next = await harness.run(retried);

    // Assess
    expect(first).toMatchObject({ verificationsDeferred: 1, verifications: 0, tasksRetried: 1 });
    expect(tasksIn(retried[0])[0]).toMatchObject({ attempt: 2, carried: { result: down } });
    expect(tasksIn(retried[0])[0]?.carried).not.toHaveProperty('verification');
    expect(next).toMatchObject({ verifications: 1, verificationsDeferred: 0, tasksRetried: 0 });
    expect(harness.probeCalls).toBe(1);
    expect(harness.regions.calls).toHaveLength(1);
    expect(harness.published.map((alert) => alert.event)).toEqual(['REGIONAL']);
  });

  it('on its last attempt, verifies with what is left rather than coming back again', async () => {
    // Prepare: 2 s left for the verification
    harness.store.put(site, PENDING);
    const carried = { result: down, commitToken: 'abc123', sentAlertIds: [] };

    // Act
    const report = await harness.run(
      [message('m5:r', PENDING, { attempt: MAX_TASK_ATTEMPTS, carried })],
      5_000,
    );

    // Assess
    expect(harness.regions.calls).toEqual([
      { siteId: 'shop', fullGet: false, deadlineMs: 1_000_000 + 2_000 },
    ]);
    expect(report).toMatchObject({ verifications: 1, tasksRetried: 0 });
    expect(harness.store.state('shop')?.status).toBe('REGIONAL');
  });

  it('on its last attempt with no time left, decides with every region not asked: home alone, DOWN', async () => {
    // Prepare: the reserve is all that is left
    harness.store.put(site, PENDING);
    const carried = { result: down, commitToken: 'abc123', sentAlertIds: [] };

    // Act
    const report = await harness.run(
      [message('m5:r', PENDING, { attempt: MAX_TASK_ATTEMPTS, carried })],
      3_000,
    );

    // Assess
    expect(harness.regions.calls).toEqual([]);
    expect(report).toMatchObject({ verifications: 1, tasksRetried: 0 });
    expect(harness.published[0]?.event).toBe('DOWN');
    expect(harness.published[0]?.locations?.slice(1)).toEqual([
      { outcome: 'no-answer', location: 'us-west-2', detail: OUT_OF_TIME },
      { outcome: 'no-answer', location: 'eu-west-1', detail: OUT_OF_TIME },
    ]);
  });

  it('a REGIONAL site failing again asks again, and writes nothing while the story is the same', async () => {
    // Prepare
    harness.store.put(site, PENDING);
    await harness.run([message('m5:r', PENDING)]);
    const regional = harness.store.state('shop') ?? UP;
    const writes = harness.store.writes;

    // Act
    const report = await harness.run([message('m6', regional)]);

    // Assess
    expect(harness.regions.calls).toHaveLength(2);
    expect(harness.store.writes).toBe(writes);
    expect(harness.published.map((alert) => alert.event)).toEqual(['REGIONAL']);
    expect(report).toMatchObject({ verifications: 1, regionalVerdicts: 0 });
  });

  it('holds a REGIONAL alert like a DOWN one until the invocation has committed everything (for grouping), then sends it', async () => {
    // Prepare: one site confirms REGIONAL, another fails a first time (its re-check goes to the queue)
    const blog = aSite({ ...site, siteId: 'blog', url: 'https://blog.example.com/' });
    harness.store.put(site, PENDING);
    harness.store.put(blog, UP);
    const order: string[] = [];
    const deps = harness.deps();
    const both: QueueRecord = {
      messageId: 'both',
      body:
        packCheckMessages(
          [
            { checkId: 'm5:r', site, state: PENDING },
            { checkId: 'm5', site: blog, state: UP },
          ],
          { maxTasks: 2 },
        )[0] ?? '',
    };

    // Act
    await processCheckBatch(
      [both],
      {
        ...deps,
        publisher: { publish: async (alert) => void order.push(`publish ${alert.event}`) },
        queue: { send: async (_bodies, delaySeconds) => void order.push(`send +${delaySeconds ?? 0}s`) },
      },
      { deadlineMs: harness.nowMs + 60_000, concurrency: 16 },
    );

    // Assess
    expect(order).toEqual([`send +${site.confirmDelaySeconds}s`, 'publish REGIONAL']);
  });

  it('without verifiers configured, confirms DOWN as before: no locations', async () => {
    // Prepare
    harness.withVerifiers = false;
    harness.store.put(site, PENDING);

    // Act
    const report = await harness.run([message('m5:r', PENDING)]);

    // Assess
    expect(harness.published.map((alert) => alert.event)).toEqual(['DOWN']);
    expect(harness.published[0]).not.toHaveProperty('locations');
    expect(harness.store.state('shop')).not.toHaveProperty('verification');
    expect(report).toMatchObject({ verifications: 0, verificationsDeferred: 0, regionalVerdicts: 0 });
  });
});

describe('expectedRunMs', () => {
  const carried = { result: down, commitToken: 'abc123', sentAlertIds: [] };
  // A site failing with timeouts: expectedCheckMs orders it by its whole timeout (5 s).
  const timingOut: SiteState = {
    ...PENDING,
    outage: { sinceMs: 900_000, reason: 'timeout', detail: 'no answer' },
  };
  it.each([
    {
      name: 'a fresh check: its probe, as before',
      task: { checkId: 'm1', site, state: timingOut },
      canVerify: true,
      expected: 5_000,
    },
    {
      name: 'a failed check sent back to be verified: the whole verification',
      task: { checkId: 'm1', site, state: UP, carried },
      canVerify: true,
      expected: 5_000 + VERIFY_OVERHEAD_MS,
    },
    {
      name: 'the same without verifiers: as before',
      task: { checkId: 'm1', site, state: UP, carried },
      canVerify: false,
      expected: 0,
    },
    {
      name: 'a check that carries its verification already: as before',
      task: {
        checkId: 'm1',
        site,
        state: timingOut,
        carried: { ...carried, verification: { atMs: 1, locations: [] } },
      },
      canVerify: true,
      expected: 5_000,
    },
  ])('$name', ({ task, canVerify, expected }) => {
    // Act / Assess
    expect(expectedRunMs(task as CheckTask, canVerify)).toBe(expected);
  });
});

describe('while a check waits on the verifier regions', () => {
  const blog = aSite({ ...site, siteId: 'blog', url: 'https://blog.example.com/', recoveryThreshold: 2 });
  const RECOVERING: SiteState = {
    ...PENDING,
    status: 'RECOVERING',
    version: 7,
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
    statusSinceMs: 950_000,
  };
  const blogMessage = (checkId: string, state: SiteState): QueueRecord => ({
    messageId: `blog-${checkId}`,
    body: packCheckMessages([{ checkId, site: blog, state }], { maxTasks: 1 })[0] ?? '',
  });
  const gated = (harness: Harness): (() => void) => {
    let release = () => {};
    harness.regions.gate = new Promise((resolve) => {
      release = resolve;
    });
    return release;
  };

  it("sends a recovering site's confirming re-check at once: its UP does not wait for another site's verification", async () => {
    // Prepare: blog recovering (its first success schedules the confirming re-check), shop confirming its failure
    const harness = new Harness();
    harness.store.put(site, PENDING);
    harness.store.put(blog, { ...RECOVERING, status: 'DOWN' });
    harness.resultByUrl = { [blog.url]: up };
    const release = gated(harness);

    // Act
    const running = harness.run([
      message('m5:r', PENDING),
      blogMessage('m5', { ...RECOVERING, status: 'DOWN' }),
    ]);

    // Assess: the re-check is on the queue while shop's verification is still in progress
    await vi.waitFor(
      () =>
        expect(harness.enqueued.flatMap((sent) => sent.bodies).some((body) => body.includes('"blog"'))).toBe(
          true,
        ),
      { timeout: 5_000, interval: 50 },
    );
    expect(harness.regions.calls.map((call) => call.siteId)).toEqual(['shop']);
    expect(harness.published).toEqual([]);
    release();
    await running;
    expect(harness.published.map((alert) => alert.event)).toEqual(['REGIONAL']);
    expect(
      harness.enqueued.flatMap((sent) => sent.bodies).filter((body) => body.includes('"blog"')),
    ).toHaveLength(1);
  });

  it('publishes a held DOWN before its claim runs short, while another site is still being verified', async () => {
    // Prepare: blog's DOWN is confirmed without verifiers being needed again (the regions fail it too), shop waits
    const harness = new Harness();
    const blogPending: SiteState = { ...PENDING, version: 5 };
    harness.store.put(site, PENDING);
    harness.store.put(blog, blogPending);
    harness.regions.answers = { 'us-west-2': down, 'eu-west-1': down };
    let releaseShop = () => {};
    const shopGate = new Promise<void>((resolve) => {
      releaseShop = resolve;
    });
    const regions = harness.regions;
    const verify = regions.verify.bind(regions);
    regions.verify = async (siteToCheck, fullGet, deadlineMs) => {
      if (siteToCheck.siteId === 'shop') await shopGate;
      return verify(siteToCheck, fullGet, deadlineMs);
    };

    // Act: blog is confirmed and held; 40 s later (the checker's clock) shop is still being verified
    const running = harness.run([message('m5:r', PENDING), blogMessage('m5:r', blogPending)]);
    await vi.waitFor(() => expect(harness.store.state('blog')?.status).toBe('DOWN'), { timeout: 5_000 });
    expect(harness.published).toEqual([]);
    harness.nowMs += 40_000;

    // Assess: blog's DOWN goes out before shop's verification ends, not left to a retry minutes later
    await vi.waitFor(() => expect(harness.published.map((alert) => alert.siteId)).toEqual(['blog']), {
      timeout: 5_000,
      interval: 50,
    });
    releaseShop();
    const report = await running;
    expect(harness.published.map((alert) => `${alert.siteId}:${alert.event}`)).toEqual([
      'blog:DOWN',
      'shop:DOWN',
    ]);
    expect(report.tasksRetried).toBe(0);
  });
});
