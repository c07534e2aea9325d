import { SNSClient } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertPublisher } from '../../functions/adapters/alert-publisher.ts';
import { createProbe } from '../../functions/adapters/http-probe.ts';
import { createJsonLogger } from '../../functions/adapters/logger.ts';
import { GROUP_SITE_ID } from '../../functions/domain/alert-group.ts';
import { minuteOfEpoch } from '../../functions/domain/schedule.ts';
import {
  type BatchReport,
  type CheckerDeps,
  processCheckBatch,
} from '../../functions/services/check-batch.ts';
import { runSweep } from '../../functions/services/sweep.ts';
import type { ReceivedAlert } from '../../local/alert-inbox.ts';
import type { LocalRuntime } from '../../local/runtime.ts';
import {
  addSite,
  makeDataDir,
  startTestRuntime,
  stateOf,
  sweepAndSettle,
  waitFor,
} from '../helpers/local-runtime.ts';
import { startSwitchableSite } from '../helpers/switchable-site.ts';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function runtime(options: Parameters<typeof startTestRuntime>[1] = {}): Promise<LocalRuntime> {
  const dir = await makeDataDir();
  cleanups.push(dir.remove);
  const started = await startTestRuntime(dir.path, options);
  cleanups.push(() => started.stop());
  return started;
}

async function site(status = 200) {
  const started = await startSwitchableSite(status);
  cleanups.push(started.close);
  return started;
}

const alertsFor = (runtime: LocalRuntime, siteId: string): ReceivedAlert[] =>
  runtime.alerts.filter((alert) => alert.attributes.siteId === siteId);

/** Lets alerts already published reach the inbox, so "no more alerts" is not said too early. */
const settle = (ms = 500) => new Promise((resolve) => setTimeout(resolve, ms));

describe('issue-6 features end to end (local runtime: emulators, real handlers, real HTTP sites)', () => {
  it('a maintenance window suppresses the DOWN alert; leaving it while still down alerts once', {
    timeout: 30_000,
  }, async () => {
    // Prepare: a window from a minute ago to a few seconds from now, in the checker's own (real) time
    const local = await runtime();
    const web = await site(200);
    const windowEndMs = Date.now() + 9 * SECOND;
    await addSite(local, {
      siteId: 'planned',
      url: web.url,
      name: 'Planned',
      maintenance: [
        {
          kind: 'once',
          start: new Date(Date.now() - MINUTE).toISOString(),
          end: new Date(windowEndMs).toISOString(),
        },
      ],
    });
    await local.tick();
    await waitFor('planned UP', async () => (await stateOf(local, 'planned'))?.status === 'UP');

    // Act: the site goes down inside the window; the confirming re-check (1 s) makes it DOWN
    web.answer(503);
    await local.tick();
    const downInWindow = await waitFor('planned DOWN', async () => {
      const state = await stateOf(local, 'planned');
      return state?.status === 'DOWN' && state;
    });
    await settle();

    // Assess: state moved on, nobody was told
    expect(Date.now()).toBeLessThan(windowEndMs);
    expect(downInWindow.maintenanceMark?.statusAtStart).toBe('UP');
    expect(local.alerts).toEqual([]);

    // Act: the window ends with the site still down; the next scheduled check tells, once
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, windowEndMs - Date.now() + 100)));
    await local.tick();
    const down = await waitFor('the DOWN alert after the window', () => alertsFor(local, 'planned')[0]);
    await sweepAndSettle(local, 1);
    await settle();

    // Assess
    expect(down.attributes).toMatchObject({ event: 'DOWN', siteId: 'planned' });
    expect(down.subject).toBe('DOWN: Planned - http-5xx');
    expect(down.text).toContain('the status changed during the maintenance window that began');
    expect(local.alerts).toHaveLength(1);
    expect((await stateOf(local, 'planned'))?.maintenanceMark).toBeUndefined();
  });

  it('three sites of one owner confirmed down together arrive as one grouped alert; each recovery alone', {
    timeout: 30_000,
  }, async () => {
    // Prepare: the default failure threshold (2), so DOWN comes from the packed confirming re-checks
    const local = await runtime();
    const webs = await Promise.all([site(), site(), site()]);
    const ids = ['api', 'blog', 'shop'];
    for (const [index, id] of ids.entries()) {
      await addSite(local, { siteId: id, url: webs[index]?.url ?? '', name: id, owner: 'team-a' });
    }
    await local.tick();
    await waitFor('all UP', async () =>
      (await Promise.all(ids.map((id) => stateOf(local, id)))).every((state) => state?.status === 'UP'),
    );

    // Act
    for (const web of webs) web.answer(503);
    await local.tick();
    const grouped = await waitFor('the grouped alert', () => alertsFor(local, GROUP_SITE_ID)[0]);
    await settle();

    // Assess
    expect(grouped.attributes).toEqual({
      event: 'DOWN',
      owner: 'team-a',
      siteId: GROUP_SITE_ID,
      // The publisher's SMS delivery setting: the emulator hands it on to queue subscribers too.
      'AWS.SNS.SMS.SMSType': 'Transactional',
      // What the channel dispatcher reads (issue 14).
      notification: expect.stringMatching(/^\{"type":"alert-group","group":\{"owner":"team-a"/),
    });
    expect(grouped.subject).toBe('DOWN: 3 sites of team-a - http-5xx');
    for (const [index, id] of ids.entries()) {
      expect(grouped.text).toContain(`* ${id} (${id})`);
      expect(grouped.text).toContain(webs[index]?.url);
      const state = await stateOf(local, id);
      expect(state?.status).toBe('DOWN');
      expect(state?.pendingAlerts ?? {}).toEqual({});
    }
    expect(local.alerts).toHaveLength(1);

    // Act: they come back
    for (const web of webs) web.answer(200);
    await local.tick();
    await waitFor('three UP alerts', () => local.alerts.length >= 4);
    await settle();

    // Assess
    expect(
      local.alerts
        .slice(1)
        .map((alert) => [alert.attributes.event, alert.attributes.siteId])
        .sort(),
    ).toEqual([
      ['UP', 'api'],
      ['UP', 'blog'],
      ['UP', 'shop'],
    ]);
  });

  it('a reminder arrives after its interval while a site stays down, then not again until the next one', {
    timeout: 30_000,
  }, async () => {
    // Prepare. The handlers in the runtime read the real clock (Date.now in a worker thread), and reminders are
    // at least 5 minutes apart: rather than wait 6 real minutes, this runs the same fan-out and checker cores
    // on the runtime's DynamoDB and SNS, on a clock the test moves. The alerts travel the real path to the inbox.
    const local = await runtime({ checkers: 0 });
    const web = await site(200);
    // No periodic full GET: every check is a HEAD, and each failing one is asked again with GET.
    await addSite(local, {
      siteId: 'stuck',
      url: web.url,
      name: 'Stuck',
      reminderMinutes: 5,
      fullGetMinutes: 0,
    });
    const clock = { nowMs: Date.UTC(2031, 0, 6, 9, 0, 0) };
    const sns = new SNSClient({
      region: local.endpoints.region,
      endpoint: local.endpoints.snsEndpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    cleanups.push(() => sns.destroy());
    const probe = createProbe({ allowPrivateTargets: true });
    cleanups.push(() => probe.close());
    const queued: Array<{ body: string; visibleAtMs: number }> = [];
    const log = createJsonLogger(() => {});
    const queue = {
      send: async (bodies: readonly string[], delaySeconds = 0) => {
        for (const body of bodies) queued.push({ body, visibleAtMs: clock.nowMs + delaySeconds * SECOND });
      },
    };
    const deps: CheckerDeps = {
      store: local.store,
      probe,
      publisher: new AlertPublisher(sns, local.endpoints.topicArn),
      queue,
      log,
      nowMs: () => clock.nowMs,
    };
    // One minute of the monitor: the sweep for it, then every message due by then, as the event source would.
    const minuteAt = async (atMs: number): Promise<BatchReport[]> => {
      clock.nowMs = atMs;
      await runSweep(
        atMs,
        atMs,
        { store: local.store, queue, log },
        { scanSegments: 1, checksPerMessage: 50, leaseMs: 50 * SECOND },
      );
      return deliverDue();
    };
    const deliverDue = async (): Promise<BatchReport[]> => {
      const reports: BatchReport[] = [];
      for (
        let next = queued.findIndex((m) => m.visibleAtMs <= clock.nowMs);
        next >= 0;
        next = queued.findIndex((m) => m.visibleAtMs <= clock.nowMs)
      ) {
        const [message] = queued.splice(next, 1);
        const report = await processCheckBatch(
          [{ messageId: `q${reports.length}`, body: message?.body ?? '' }],
          deps,
          {
            deadlineMs: clock.nowMs + MINUTE,
            concurrency: 4,
          },
        );
        expect(report.failedMessageIds).toEqual([]);
        reports.push(report);
      }
      return reports;
    };
    const start = minuteOfEpoch(clock.nowMs) * MINUTE;

    // Act: up at 09:00; failing from 09:01, confirmed DOWN by the re-check 1 s later
    await minuteAt(start);
    web.answer(503);
    await minuteAt(start + MINUTE);
    clock.nowMs = start + MINUTE + SECOND;
    await deliverDue();
    const down = await waitFor('the DOWN alert', () => alertsFor(local, 'stuck')[0]);
    // Still down every minute until 09:06 (5 min after it went DOWN at 09:01:01, not yet due)
    for (let minute = 2; minute <= 6; minute++) await minuteAt(start + minute * MINUTE);
    await settle();
    const beforeReminder = alertsFor(local, 'stuck').length;
    // 09:07: more than 5 minutes since DOWN
    await minuteAt(start + 7 * MINUTE);
    const reminder = await waitFor('the reminder', () => alertsFor(local, 'stuck')[1]);
    // 09:08 to 09:11: the next reminder is due from 09:12
    for (let minute = 8; minute <= 11; minute++) await minuteAt(start + minute * MINUTE);
    await settle();
    const beforeSecond = alertsFor(local, 'stuck').length;
    await minuteAt(start + 12 * MINUTE);
    const second = await waitFor('the second reminder', () => alertsFor(local, 'stuck')[2]);

    // Assess
    expect(down.attributes.event).toBe('DOWN');
    expect(beforeReminder).toBe(1);
    expect(reminder.attributes).toMatchObject({ event: 'REMINDER', siteId: 'stuck' });
    expect(reminder.subject).toBe('STILL DOWN: Stuck - 6 min');
    expect(reminder.text).toContain('Stuck is still DOWN, for 6 min now.');
    expect(beforeSecond).toBe(2);
    expect(second.subject).toBe('STILL DOWN: Stuck - 11 min');
    // 14 checks: one UP (a HEAD), 13 failing (a HEAD and the GET it brings).
    expect(web.requestCount()).toBe(1 + 13 * 2);
  });
});
