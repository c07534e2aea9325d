import { beforeEach, describe, expect, it } from 'vitest';
import { createJsonLogger } from '../../functions/adapters/logger.ts';
import type { Alert } from '../../functions/domain/alert.ts';
import type { AlertGroup } from '../../functions/domain/alert-group.ts';
import {
  type CheckTask,
  MAX_TASK_ATTEMPTS,
  packCheckMessages,
} from '../../functions/domain/check-message.ts';
import type { CheckResult } from '../../functions/domain/check-result.ts';
import type { SiteConfig } from '../../functions/domain/site.ts';
import { INITIAL_STATE, type SiteState } from '../../functions/domain/site-state.ts';
import { CLAIM_LAPSE_SECONDS } from '../../functions/services/alert-outbox.ts';
import {
  type CheckerDeps,
  processCheckBatch,
  type QueueRecord,
} from '../../functions/services/check-batch.ts';
import { aSite } from '../support/fixtures.ts';
import { InMemorySiteStore } from '../support/in-memory-site-store.ts';
import { type SentToQueue, takeEnqueued } from '../support/sent-back.ts';

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
  readonly groups: AlertGroup[] = [];
  readonly enqueued: SentToQueue[] = [];
  nowMs = 1_000_000;
  publishFailures = 0;
  groupFailures = 0;
  sendFailures = 0;
  probeCalls = 0;
  result: CheckResult = up;
  /** Per URL, overriding `result`. */
  readonly results = new Map<string, CheckResult>();
  /** Per URL, something the probe does before it answers (move the clock, wait). */
  readonly beforeAnswer = new Map<string, () => Promise<void>>();

  deps(): CheckerDeps {
    return {
      store: this.store,
      probe: {
        check: async (target) => {
          this.probeCalls++;
          await this.beforeAnswer.get(target.url)?.();
          return this.results.get(target.url) ?? this.result;
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
        publishGroup: async (group) => {
          if (this.groupFailures > 0) {
            this.groupFailures--;
            throw new Error('SNS is unavailable');
          }
          this.groups.push(group);
        },
      },
      queue: {
        send: async (bodies, delaySeconds) => {
          if (this.sendFailures > 0) {
            this.sendFailures--;
            throw new Error('SQS is unavailable');
          }
          this.enqueued.push({ bodies, delaySeconds });
        },
      },
      log: createJsonLogger(() => {}),
      nowMs: () => this.nowMs,
    };
  }

  /** Takes what the checker sent back to the queue with `delaySeconds`, as records a later receive gets. */
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

const message = (id: string, checkId: string, state: SiteState): QueueRecord => {
  const task: CheckTask = { checkId, site, state };
  return { messageId: id, body: packCheckMessages([task], { maxTasks: 1 })[0] ?? '' };
};

/** One message carrying a check of each site, all with the same check id and snapshot. */
const messageOf = (
  id: string,
  checkId: string,
  sites: readonly SiteConfig[],
  state: SiteState = UP,
): QueueRecord => ({
  messageId: id,
  body:
    packCheckMessages(
      sites.map((each) => ({ checkId, site: each, state })),
      { maxTasks: 500 },
    )[0] ?? '',
});

/** `count` sites of `owner`, each on its own host (so only their shared reason can group them). */
const fleet = (owner: string, count: number, prefix = owner): SiteConfig[] =>
  Array.from({ length: count }, (_, i) =>
    aSite({
      siteId: `${prefix}-${i}`,
      url: `https://${prefix}-${i}.example.com/`,
      owner,
      failureThreshold: 1,
    }),
  );

const tasksIn = (body: string | undefined): CheckTask[] => JSON.parse(body ?? '{"tasks":[]}').tasks;

describe('processCheckBatch', () => {
  let harness: Harness;
  beforeEach(() => {
    harness = new Harness();
  });

  it('stops pacing once the longest site timeout would no longer fit before the deadline: every check starts', async () => {
    // Prepare: three checks that wait at the probe, one start slot held for a minute, and a deadline at which
    // a 5 s site timeout (plus the 3 s reserve) stops fitting 50 ms from now
    const sites = fleet('pia', 3).map((each) => ({ ...each, timeoutMs: 5_000 }));
    const started: string[] = [];
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    for (const each of sites) {
      harness.beforeAnswer.set(each.url, async () => {
        started.push(each.url);
        await gate;
      });
    }
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    // Act
    const done = processCheckBatch([messageOf('paced', 'm9', sites)], harness.deps(), {
      deadlineMs: harness.nowMs + 3_000 + 5_000 + 50,
      concurrency: 1,
      startSlotMs: 60_000,
    });
    await sleep(10);
    const whilePacing = started.length;
    await sleep(150);
    const afterPacing = started.length;
    release();
    const report = await done;

    // Assess
    expect(whilePacing).toBe(1);
    expect(afterPacing).toBe(3);
    expect(report.checksCompleted).toBe(3);
  });

  it('does not start a check once no time is left for it: each task comes back alone at once, nothing is judged', async () => {
    // Act: invoked with 1 s left, less than the 3 s reserve
    const report = await harness.run([messageOf('late', 'm9', fleet('lea', 2))], 1_000);

    // Assess
    expect(harness.probeCalls).toBe(0);
    expect(report).toMatchObject({ failedMessageIds: [], checkerFaults: 2, tasksRetried: 2 });
    const retried = harness.takeEnqueued(0).flatMap((record) => tasksIn(record.body));
    expect(retried.map((task) => [task.site.siteId, task.checkId, task.attempt])).toEqual([
      ['lea-0', 'm9', 2],
      ['lea-1', 'm9', 2],
    ]);
  });

  it('starts the checks of sites that timed out last time first, across messages, then the rest in message order', async () => {
    // Prepare: three fresh sites, then one whose outage is timeouts, in the second message
    const started: string[] = [];
    const deps = harness.deps();
    const probe = deps.probe;
    const [fresh1, fresh2, hung, fresh3] = fleet('olga', 4);
    const timingOut: SiteState = {
      ...INITIAL_STATE,
      status: 'DOWN',
      version: 4,
      outage: { sinceMs: 0, reason: 'timeout', detail: 'timed out after 5000 ms' },
    };
    const records: QueueRecord[] = [
      messageOf(
        'first',
        'm7',
        [fresh1, fresh2].filter((each) => each !== undefined),
      ),
      {
        messageId: 'second',
        body:
          packCheckMessages(
            [
              ...(hung ? [{ checkId: 'm7', site: hung, state: timingOut }] : []),
              ...(fresh3 ? [{ checkId: 'm7', site: fresh3, state: UP }] : []),
            ],
            { maxTasks: 10 },
          )[0] ?? '',
      },
    ];

    // Act: one check starting at a time, so the start order is the order
    await processCheckBatch(
      records,
      {
        ...deps,
        probe: {
          check: async (target, signal) => {
            started.push(target.url);
            return probe.check(target, signal);
          },
        },
      },
      { deadlineMs: harness.nowMs + 60_000, concurrency: 1 },
    );

    // Assess
    expect(started).toEqual([hung?.url, fresh1?.url, fresh2?.url, fresh3?.url]);
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

  it('still sends an alert left in the outbox of a site paused since its transition', async () => {
    // Prepare: the DOWN commit's publisher crashed; then the owner paused the site.
    const pending: SiteState = { ...UP, status: 'PENDING', version: 2, consecutiveFailures: 1 };
    harness.store.put(site, pending);
    harness.result = down();
    harness.publishFailures = 1;
    await harness.run([message('m', 'r2', pending)]);
    const stored = harness.store.state('shop');
    if (!stored) throw new Error('no state');
    harness.store.put({ ...site, enabled: false }, { ...stored, version: stored.version + 1 });
    harness.nowMs += 61_000;

    // Act: the message comes back with its stale snapshot.
    const retry = await harness.run([message('m', 'r2', pending)]);

    // Assess
    expect(harness.published.map((alert) => alert.event)).toEqual(['DOWN']);
    expect(retry.failedMessageIds).toEqual([]);
    expect(harness.store.state('shop')?.pendingAlerts).toEqual({});
  });

  it('keeps a refused alert in the outbox, sends its task back for when the claim lapses, and then sends it exactly once', async () => {
    // Prepare
    const pending: SiteState = { ...UP, status: 'PENDING', version: 2, consecutiveFailures: 1 };
    harness.store.put(site, pending);
    harness.result = down();
    harness.publishFailures = 1;

    // Act
    const first = await harness.run([message('m', 'r2', pending)]);
    const earlyDuplicate = await harness.run([message('m', 'r2', pending)]);
    const retried = harness.takeEnqueued(CLAIM_LAPSE_SECONDS);
    harness.nowMs += CLAIM_LAPSE_SECONDS * 1_000;
    const retry = await harness.run(retried);

    // Assess
    expect(first).toMatchObject({ failedMessageIds: [], tasksRetried: 1, alertsPublished: 0 });
    // Still claimed by the first publisher: nobody sends it twice while that claim holds.
    expect(earlyDuplicate.alertsPublished).toBe(0);
    // The duplicate leaves the alert to the publisher holding its claim: only that one's task comes back.
    expect(retried.flatMap((record) => tasksIn(record.body)).map((task) => task.attempt)).toEqual([2]);
    expect(retry).toMatchObject({ failedMessageIds: [], alertsPublished: 1, tasksRetried: 0 });
    expect(harness.published).toHaveLength(1);
    expect(harness.published[0]?.atMs).toBe(1_000_000);
    expect(harness.store.state('shop')?.pendingAlerts).toEqual({});
  });

  it('sends a task back once when an older alert of its outbox and its held DOWN both fail to go out', async () => {
    // Prepare: PENDING with an earlier certificate warning stuck in the outbox (claim lapsed); SNS refuses everything
    const warning: Alert = {
      alertId: 'shop:tls:1',
      event: 'TLS_EXPIRY',
      tlsValidToMs: 2_000_000,
      siteId: 'shop',
      siteName: site.name,
      url: site.url,
      owner: site.owner,
      atMs: 900_000,
      outageSinceMs: 800_000,
      reason: 'http-5xx',
      detail: 'HTTP 503',
      latencyMs: 40,
    };
    const pending: SiteState = {
      ...UP,
      status: 'PENDING',
      version: 2,
      consecutiveFailures: 1,
      pendingAlerts: { [warning.alertId]: { alert: warning, claimedUntilMs: 950_000 } },
    };
    harness.store.put(site, pending);
    harness.result = down();
    harness.publishFailures = 10;

    // Act
    const report = await harness.run([message('m', 'r2', pending)]);

    // Assess: one copy of the task comes back (it flushes both alerts), not one per failure
    const sentBack = harness.enqueued.flatMap((sent) => sent.bodies.flatMap(tasksIn));
    expect(report).toMatchObject({ failedMessageIds: [], tasksRetried: 1, alertsPublished: 0 });
    expect(sentBack.filter((task) => task.site.siteId === 'shop' && task.attempt === 2)).toHaveLength(1);

    // And that one copy sends both, once each, when SNS is back and the claims have lapsed
    harness.publishFailures = 0;
    harness.nowMs += CLAIM_LAPSE_SECONDS * 1_000;
    await harness.run(harness.takeEnqueued(CLAIM_LAPSE_SECONDS));
    expect(harness.published.map((alert) => alert.event).sort()).toEqual(['DOWN', 'TLS_EXPIRY']);
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

  it('never counts a checker fault (out of file descriptors) as the site being down: only its task comes back', async () => {
    // Prepare: the faulting site shares its message with a healthy one
    const healthy = aSite({ siteId: 'fine', url: 'https://fine.example.com/' });
    harness.store.put(site, UP);
    harness.store.put(healthy, UP);
    harness.results.set(site.url, { kind: 'fault', reason: 'checker-fault', detail: 'EMFILE', latencyMs: 1 });

    // Act
    const report = await harness.run([messageOf('m', 'm5', [site, healthy])]);

    // Assess
    expect(report).toMatchObject({
      failedMessageIds: [],
      checksCompleted: 1,
      checkerFaults: 1,
      tasksRetried: 1,
    });
    expect(harness.store.state('shop')).toEqual(UP);
    const retried = harness.takeEnqueued(10).flatMap((record) => tasksIn(record.body));
    expect(retried.map((task) => [task.site.siteId, task.attempt])).toEqual([['shop', 2]]);
  });

  it('marks a site UNCHECKED once 3 scheduled checks in a row fault on every attempt, tells its owner once, and clears it on the next verdict', async () => {
    // Prepare
    harness.store.put(site, UP);
    harness.result = {
      kind: 'fault',
      reason: 'checker-fault',
      detail: 'check failed: boom (EWEIRD)',
      latencyMs: 1,
    };

    // Act: three attempts each of minutes 5 to 8, then a healthy check
    const reports = [];
    for (const checkId of ['m5', 'm6', 'm7', 'm8']) {
      let records = [message('m', checkId, harness.store.state('shop') ?? UP)];
      for (let attempt = 1; attempt <= MAX_TASK_ATTEMPTS; attempt++) {
        reports.push(await harness.run(records));
        records = harness.takeEnqueued(10);
      }
    }
    const whileFaulting = harness.store.state('shop');
    harness.result = up;
    await harness.run([message('m', 'm9', harness.store.state('shop') ?? UP)]);

    // Assess: a fault of ours that passes within a check or two is counted, not told
    expect(reports.map((report) => report.tasksRetried)).toEqual([1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0]);
    expect(reports.map((report) => report.sitesUnchecked)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
    expect(whileFaulting?.checkFault).toMatchObject({
      faults: 3,
      isAnnounced: true,
      reason: 'checker-fault',
    });
    expect(harness.published.map((alert) => [alert.event, alert.reason])).toEqual([
      ['UNCHECKED', 'checker-fault'],
    ]);
    expect(harness.store.state('shop')).toMatchObject({ status: 'UP' });
    expect(harness.store.state('shop')?.checkFault).toBeUndefined();
  });

  it('recognises its own commit after an error that followed it: the task comes back with its verdict and token, and finishes (alert and re-check)', async () => {
    // Prepare: UP, a failure (threshold 2): the PENDING write lands but its answer is an error
    harness.store.put(site, UP);
    harness.result = down();
    harness.store.lostCommitAnswers = 1;

    // Act
    const first = await harness.run([message('m', 'm5', UP)]);
    const retried = harness.takeEnqueued(10);
    const retry = await harness.run(retried);

    // Assess
    expect(first).toMatchObject({ failedMessageIds: [], tasksRetried: 1 });
    expect(tasksIn(retried[0]?.body)[0]).toMatchObject({ attempt: 2, carried: { result: down() } });
    expect(retry).toMatchObject({ tasksRetried: 0 });
    expect(harness.probeCalls).toBe(1);
    expect(harness.store.state('shop')).toMatchObject({ status: 'PENDING', version: 2 });
    expect(
      harness.takeEnqueued(site.confirmDelaySeconds).flatMap((record) => tasksIn(record.body)),
    ).toMatchObject([{ checkId: 'm5:r' }]);
  });

  it('sends the re-check again when its message comes back because SQS refused it the first time', async () => {
    // Prepare
    harness.store.put(site, UP);
    harness.result = down();
    harness.sendFailures = 1;

    // Act: the first try commits PENDING but cannot send the re-check; SQS delivers the message again
    const first = await harness.run([message('m', 'm5', UP)]);
    const again = await harness.run([message('m', 'm5', UP)]);

    // Assess
    expect(first.failedMessageIds).toEqual(['m']);
    expect(again.failedMessageIds).toEqual([]);
    expect(harness.store.state('shop')).toMatchObject({ status: 'PENDING', version: 2 });
    expect(
      harness.takeEnqueued(site.confirmDelaySeconds).flatMap((record) => tasksIn(record.body)),
    ).toMatchObject([{ checkId: 'm5:r' }]);
  });

  it('never sends an alert twice when clearing it fails after SNS accepted it: the task comes back only to clear it', async () => {
    // Prepare: threshold 1; the UP alert's clear fails once
    const once = aSite({ siteId: 'shop', url: 'https://shop.example.com/', failureThreshold: 1 });
    const down1: SiteState = { ...UP, status: 'DOWN', version: 3, statusSinceMs: 900_000 };
    harness.store.put(once, down1);
    harness.result = up;
    harness.store.clearFailures = 1;
    const task: CheckTask = { checkId: 'm5', site: once, state: down1 };

    // Act
    const first = await harness.run([
      { messageId: 'm', body: packCheckMessages([task], { maxTasks: 1 })[0] ?? '' },
    ]);
    const retried = harness.takeEnqueued(10);
    harness.nowMs += 120_000;
    const retry = await harness.run(retried);
    const later = await harness.run([message('m', 'm7', harness.store.state('shop') ?? down1)]);

    // Assess
    expect(first).toMatchObject({ alertsPublished: 1, tasksRetried: 1 });
    expect(tasksIn(retried[0]?.body)[0]?.carried?.sentAlertIds).toEqual(['shop:4']);
    expect(retry).toMatchObject({ alertsPublished: 0, tasksRetried: 0 });
    expect(later.alertsPublished).toBe(0);
    expect(harness.published.map((alert) => alert.event)).toEqual(['UP']);
    expect(harness.store.state('shop')?.pendingAlerts).toEqual({});
  });

  it('keeps an UP alert back while the DOWN alert it follows is still with another publisher: the owner reads them in order', async () => {
    // Prepare: DOWN committed (claimed by a publisher still at work), then this check sees the site UP again
    const once = aSite({ siteId: 'shop', url: 'https://shop.example.com/', failureThreshold: 1 });
    const downAlert = {
      alertId: 'shop:4',
      event: 'DOWN' as const,
      siteId: 'shop',
      siteName: once.name,
      url: once.url,
      owner: once.owner,
      atMs: harness.nowMs - 1_000,
      outageSinceMs: harness.nowMs - 1_000,
      reason: 'http-5xx' as const,
      detail: 'HTTP 503',
      latencyMs: 40,
    };
    const down4: SiteState = {
      ...UP,
      status: 'DOWN',
      version: 4,
      statusSinceMs: downAlert.atMs,
      outage: { sinceMs: downAlert.atMs, reason: 'http-5xx', detail: 'HTTP 503', status: 503 },
      pendingAlerts: { 'shop:4': { alert: downAlert, claimedUntilMs: harness.nowMs + 59_000 } },
    };
    harness.store.put(once, down4);
    harness.result = up;
    const task: CheckTask = { checkId: 'm5', site: once, state: down4 };

    // Act: the UP waits; the other publisher sends the DOWN; the retry then sends the UP
    const first = await harness.run([
      { messageId: 'm', body: packCheckMessages([task], { maxTasks: 1 })[0] ?? '' },
    ]);
    await harness.store.clearAlert('shop', 'shop:4');
    harness.published.push(downAlert);
    harness.nowMs += CLAIM_LAPSE_SECONDS * 1_000;
    const retry = await harness.run(harness.takeEnqueued(CLAIM_LAPSE_SECONDS));

    // Assess
    expect(first).toMatchObject({ alertsPublished: 0, tasksRetried: 1 });
    expect(retry).toMatchObject({ alertsPublished: 1, tasksRetried: 0 });
    expect(harness.published.map((alert) => alert.event)).toEqual(['DOWN', 'UP']);
  });

  it('marks a site that resolves only to a blocked address UNCHECKED at once (retrying would not help)', async () => {
    // Prepare
    harness.store.put(site, UP);
    harness.result = {
      kind: 'fault',
      reason: 'blocked-address',
      detail: 'blocked connection to shop.example.com at 10.0.0.5: not an allowed (public) address',
      latencyMs: 3,
    };

    // Act
    const first = await harness.run([message('m', 'm5', UP)]);
    const next = await harness.run([message('m', 'm6', harness.store.state('shop') ?? UP)]);

    // Assess
    // Completed both times (the checker worked; the policy said no): "monitor stalled" must not fire for it
    expect(first).toMatchObject({
      tasksRetried: 0,
      sitesUnchecked: 1,
      failedMessageIds: [],
      checksCompleted: 1,
    });
    expect(next).toMatchObject({ tasksRetried: 0, sitesUnchecked: 0, checksCompleted: 1 });
    expect(harness.published.map((alert) => alert.event)).toEqual(['UNCHECKED']);
    expect(harness.published[0]?.detail).toContain('10.0.0.5');
    expect(harness.store.state('shop')?.checkFault).toMatchObject({ reason: 'blocked-address' });
  });

  it('gives up a task that could not even start on its last attempt: the next scheduled check takes over', async () => {
    // Prepare
    harness.store.put(site, UP);
    const lastTry: CheckTask = { checkId: 'm5', site, state: UP, attempt: MAX_TASK_ATTEMPTS };

    // Act
    const report = await harness.run(
      [{ messageId: 'm', body: packCheckMessages([lastTry], { maxTasks: 1 })[0] ?? '' }],
      2_000,
    );

    // Assess
    expect(harness.probeCalls).toBe(0);
    expect(report).toMatchObject({ failedMessageIds: [], tasksRetried: 1 });
    expect(harness.enqueued).toEqual([]);
  });

  it('sends an invalid task on alone (for the DLQ) and checks the rest of its message', async () => {
    // Prepare
    harness.store.put(site, UP);
    const good = packCheckMessages([{ checkId: 'm5', site, state: UP }], { maxTasks: 1 })[0] ?? '';
    const parsed = JSON.parse(good) as { v: number; tasks: unknown[] };
    const invalid = { checkId: 'm5', site: { ...site, url: 'file:///etc/passwd' }, state: UP };
    const body = JSON.stringify({ ...parsed, tasks: [...parsed.tasks, invalid] });

    // Act
    const report = await harness.run([{ messageId: 'm', body }]);
    const quarantined = harness.takeEnqueued(0);
    const alone = await harness.run(quarantined);

    // Assess
    expect(report).toMatchObject({ failedMessageIds: [], checksCompleted: 1, invalidTasks: 1 });
    expect(quarantined.map((record) => tasksIn(record.body))).toEqual([[invalid]]);
    expect(alone).toMatchObject({
      failedMessageIds: ['requeued-0'],
      malformedMessages: 1,
      checksCompleted: 0,
    });
  });

  it('asks for the whole message back only when its tasks cannot be sent back to the queue', async () => {
    // Prepare
    harness.store.put(site, UP);
    harness.result = { kind: 'fault', reason: 'checker-fault', detail: 'EMFILE', latencyMs: 1 };
    harness.sendFailures = 1;

    // Act
    const report = await harness.run([message('m', 'm5', UP)]);

    // Assess
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
    expect(recheck.tasks[0]).toMatchObject({ checkId: 'm5:r', state: { status: 'PENDING', version: 2 } });
  });

  describe('alert grouping', () => {
    const timeout: CheckResult = {
      kind: 'down',
      reason: 'timeout',
      detail: 'no response headers within 5000 ms',
      latencyMs: 5_000,
    };
    const put = (sites: readonly SiteConfig[], state: SiteState = UP) => {
      for (const each of sites) harness.store.put(each, state);
    };
    const outboxOf = (siteId: string) => Object.keys(harness.store.state(siteId)?.pendingAlerts ?? {});

    it('sends one grouped alert for five sites of one owner confirmed DOWN together, and clears every outbox', async () => {
      // Prepare
      const alice = fleet('alice', 5);
      put(alice);
      harness.result = timeout;

      // Act
      const report = await harness.run([messageOf('m', 'm9', alice)]);

      // Assess
      expect(harness.published).toEqual([]);
      expect(harness.groups).toHaveLength(1);
      expect(harness.groups[0]?.owner).toBe('alice');
      expect(harness.groups[0]?.key).toEqual({ kind: 'reason', reason: 'timeout' });
      expect(harness.groups[0]?.alerts.map((alert) => alert.siteId)).toEqual(alice.map((s) => s.siteId));
      expect(report).toMatchObject({ failedMessageIds: [], alertsPublished: 5, alertGroupsPublished: 1 });
      for (const each of alice) {
        expect(harness.store.state(each.siteId)?.status).toBe('DOWN');
        expect(outboxOf(each.siteId)).toEqual([]);
      }
    });

    it('groups alerts confirmed in different messages of the same invocation', async () => {
      // Prepare
      const alice = fleet('alice', 3);
      put(alice);
      harness.result = timeout;

      // Act
      const report = await harness.run(alice.map((each, i) => messageOf(`m${i}`, 'm9', [each])));

      // Assess
      expect(harness.groups).toHaveLength(1);
      expect(harness.published).toEqual([]);
      expect(report.failedMessageIds).toEqual([]);
    });

    it('sends two DOWN alerts one by one: two are not a group', async () => {
      // Prepare
      const alice = fleet('alice', 2);
      put(alice);
      harness.result = timeout;

      // Act
      const report = await harness.run([messageOf('m', 'm9', alice)]);

      // Assess
      expect(harness.groups).toEqual([]);
      expect(harness.published.map((alert) => alert.siteId).sort()).toEqual(['alice-0', 'alice-1']);
      expect(report).toMatchObject({ alertsPublished: 2, alertGroupsPublished: 0 });
    });

    it("never mixes owners: alice's three are grouped, bob's two go alone, carol's other reason too", async () => {
      // Prepare
      const alice = fleet('alice', 3);
      const bob = fleet('bob', 2);
      const carol = fleet('carol', 1);
      put([...alice, ...bob, ...carol]);
      harness.result = timeout;
      harness.results.set(carol[0]?.url ?? '', down());

      // Act
      await harness.run([messageOf('m', 'm9', [...bob, ...alice, ...carol])]);

      // Assess
      expect(harness.groups.map((group) => group.owner)).toEqual(['alice']);
      expect(harness.published.map((alert) => alert.siteId).sort()).toEqual(['bob-0', 'bob-1', 'carol-0']);
    });

    it('groups one host whose paths fail for different reasons', async () => {
      // Prepare
      const paths = ['/a', '/b', '/c'].map((path, i) =>
        aSite({
          siteId: `shop-${i}`,
          url: `https://shop.example.com${path}`,
          owner: 'alice',
          failureThreshold: 1,
        }),
      );
      put(paths);
      harness.results.set('https://shop.example.com/a', timeout);
      harness.results.set('https://shop.example.com/b', down());
      harness.results.set('https://shop.example.com/c', {
        ...timeout,
        reason: 'reset',
        detail: 'ECONNRESET',
      });

      // Act
      await harness.run([messageOf('m', 'm9', paths)]);

      // Assess
      expect(harness.groups.map((group) => group.key)).toEqual([{ kind: 'host', host: 'shop.example.com' }]);
      expect(harness.published).toEqual([]);
    });

    it('sends UP alerts one by one, as always', async () => {
      // Prepare
      const alice = fleet('alice', 4);
      const wasDown: SiteState = {
        ...UP,
        status: 'DOWN',
        version: 5,
        statusSinceMs: 900_000,
        outage: { sinceMs: 880_000, reason: 'timeout', detail: 'no response' },
      };
      put(alice, wasDown);
      harness.result = up;

      // Act
      await harness.run([messageOf('m', 'm9', alice, wasDown)]);

      // Assess
      expect(harness.groups).toEqual([]);
      expect(harness.published.map((alert) => alert.event)).toEqual(['UP', 'UP', 'UP', 'UP']);
    });

    it('keeps every member in its own outbox when the grouped alert is refused, sends each member task back, and retries each alone once', async () => {
      // Prepare
      const alice = fleet('alice', 3);
      put(alice);
      harness.result = timeout;
      harness.groupFailures = 1;
      const deliveries = [
        messageOf('m0', 'm9', [alice[0] as SiteConfig]),
        messageOf('m1', 'm9', [alice[1] as SiteConfig, alice[2] as SiteConfig]),
      ];

      // Act
      const first = await harness.run(deliveries);
      const earlyDuplicate = await harness.run(deliveries);
      const retried = harness.takeEnqueued(CLAIM_LAPSE_SECONDS);
      harness.nowMs += CLAIM_LAPSE_SECONDS * 1_000;
      const lateRetry = await harness.run(retried);
      const afterwards = await harness.run(deliveries);

      // Assess
      expect(first).toMatchObject({ failedMessageIds: [], alertsPublished: 0, tasksRetried: 3 });
      // Still claimed by the first invocation: nobody sends them while that claim holds.
      expect(earlyDuplicate).toMatchObject({ alertsPublished: 0 });
      // Expired claims are old entries, not this invocation's: each goes out alone, exactly once.
      expect(lateRetry).toMatchObject({ failedMessageIds: [], alertsPublished: 3, alertGroupsPublished: 0 });
      expect(afterwards.alertsPublished).toBe(0);
      expect(harness.groups).toEqual([]);
      expect(harness.published.map((alert) => alert.siteId).sort()).toEqual(alice.map((s) => s.siteId));
      expect(harness.published.every((alert) => alert.atMs === 1_000_000)).toBe(true);
    });

    it('keeps the refused members in their outboxes until the claim expires', async () => {
      // Prepare
      const alice = fleet('alice', 3);
      put(alice);
      harness.result = timeout;
      harness.groupFailures = 1;

      // Act
      await harness.run([messageOf('m', 'm9', alice)]);

      // Assess
      for (const each of alice) expect(outboxOf(each.siteId)).toEqual([`${each.siteId}:2`]);
    });

    it('sends a redelivered batch nothing twice once the group went out', async () => {
      // Prepare
      const alice = fleet('alice', 3);
      put(alice);
      harness.result = timeout;
      const delivery = messageOf('m', 'm9', alice);

      // Act
      await harness.run([delivery]);
      harness.nowMs += 120_000;
      const again = await harness.run([delivery]);

      // Assess
      expect(harness.groups).toHaveLength(1);
      expect(harness.published).toEqual([]);
      expect(again).toMatchObject({ failedMessageIds: [], alertsPublished: 0 });
    });

    it.each([
      [56_000, 4],
      [48_000, 12],
    ])(
      'leaves a DOWN alert whose claim is about to lapse in the outbox rather than risk sending it twice (%i ms later: %i s left, less than a publish may take + 5 s)',
      async (laterMs) => {
        // Prepare: the last probe of the invocation answers `laterMs` after the others committed
        const alice = fleet('alice', 3);
        const slow = aSite({ siteId: 'slow', url: 'https://slow.example.com/', owner: 'zed' });
        put([...alice, slow]);
        harness.result = timeout;
        harness.results.set(slow.url, up);
        harness.beforeAnswer.set(slow.url, async () => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          harness.nowMs += laterMs;
        });

        // Act
        const report = await harness.run([messageOf('fast', 'm9', alice), messageOf('slow', 'm9', [slow])]);
        harness.nowMs += 120_000;
        const retry = await harness.run(harness.takeEnqueued(CLAIM_LAPSE_SECONDS));

        // Assess
        expect(report).toMatchObject({ failedMessageIds: [], tasksRetried: 3 });
        expect(report.alertsPublished).toBe(0);
        expect(retry.alertsPublished).toBe(3);
        expect(harness.published).toHaveLength(3);
      },
    );

    it('publishes expired outbox entries of earlier invocations one by one, never as a group', async () => {
      // Prepare: three sites whose DOWN alerts an earlier publisher failed to send
      const alice = fleet('alice', 3);
      for (const each of alice) {
        const alert: Alert = {
          alertId: `${each.siteId}:4`,
          event: 'DOWN',
          siteId: each.siteId,
          siteName: each.name,
          url: each.url,
          owner: 'alice',
          atMs: 900_000,
          outageSinceMs: 890_000,
          reason: 'timeout',
          detail: 'no response',
          latencyMs: 5_000,
        };
        const stuck: SiteState = {
          ...UP,
          status: 'DOWN',
          version: 4,
          lastCheckId: 'm8',
          pendingAlerts: { [alert.alertId]: { alert, claimedUntilMs: 960_000 } },
        };
        harness.store.put(each, stuck);
      }
      harness.result = timeout;
      const stale = alice.map((each) => ({
        messageId: each.siteId,
        body: packCheckMessages(
          [{ checkId: 'm9', site: each, state: harness.store.state(each.siteId) as SiteState }],
          {
            maxTasks: 1,
          },
        )[0] as string,
      }));

      // Act
      const report = await harness.run(stale);

      // Assess
      expect(harness.groups).toEqual([]);
      expect(harness.published.map((alert) => alert.alertId).sort()).toEqual([
        'alice-0:4',
        'alice-1:4',
        'alice-2:4',
      ]);
      expect(report.failedMessageIds).toEqual([]);
    });

    it('sends the re-checks of sites that failed together in one message, one owner side by side', async () => {
      // Prepare
      const sites = [
        ...fleet('zoe', 2).map((each) => ({ ...each, failureThreshold: 2 })),
        ...fleet('alice', 2).map((each) => ({ ...each, failureThreshold: 2 })),
      ];
      put(sites);
      harness.result = timeout;

      // Act
      const report = await harness.run(sites.map((each, i) => messageOf(`m${i}`, 'm9', [each])));

      // Assess
      expect(report.failedMessageIds).toEqual([]);
      expect(harness.enqueued).toHaveLength(1);
      expect(harness.enqueued[0]?.delaySeconds).toBe(30);
      expect(harness.enqueued[0]?.bodies).toHaveLength(1);
      expect(tasksIn(harness.enqueued[0]?.bodies[0]).map((task) => [task.checkId, task.site.siteId])).toEqual(
        [
          ['m9:r', 'alice-0'],
          ['m9:r', 'alice-1'],
          ['m9:r', 'zoe-0'],
          ['m9:r', 'zoe-1'],
        ],
      );
    });

    it('fails the messages whose re-checks could not be sent', async () => {
      // Prepare
      const pendingSites = fleet('alice', 2).map((each) => ({ ...each, failureThreshold: 2 }));
      const healthy = fleet('bob', 1);
      put([...pendingSites, ...healthy]);
      harness.result = timeout;
      harness.results.set(healthy[0]?.url ?? '', up);
      harness.sendFailures = 1;

      // Act
      const report = await harness.run([
        messageOf('a0', 'm9', [pendingSites[0] as SiteConfig]),
        messageOf('a1', 'm9', [pendingSites[1] as SiteConfig]),
        messageOf('b', 'm9', healthy),
      ]);

      // Assess
      expect(report.failedMessageIds).toEqual(['a0', 'a1']);
    });
  });
});
