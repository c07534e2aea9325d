import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReceivedAlert } from '../../local/alert-inbox.ts';
import type { LocalRuntime, SweepOutcome } from '../../local/runtime.ts';
import {
  addSite,
  makeDataDir,
  startTestRuntime,
  stateOf,
  sweepAndSettle,
  waitFor,
} from '../helpers/local-runtime.ts';
import { refusedUrl, startSwitchableSite } from '../helpers/switchable-site.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function dataDir(): Promise<string> {
  const dir = await makeDataDir();
  cleanups.push(dir.remove);
  return dir.path;
}

async function runtimeOn(
  dir: string,
  options: Parameters<typeof startTestRuntime>[1] = {},
): Promise<LocalRuntime> {
  const runtime = await startTestRuntime(dir, options);
  cleanups.push(() => runtime.stop());
  return runtime;
}

const alertsFor = (runtime: LocalRuntime, siteId: string): ReceivedAlert[] =>
  runtime.alerts.filter((alert) => alert.attributes.siteId === siteId);

describe('local runtime (emulators, real handlers, real HTTP sites)', () => {
  it('alerts once when a site goes down, once when it is back, never for a healthy one, across a restart', {
    timeout: 60_000,
  }, async () => {
    // Prepare
    const healthy = await startSwitchableSite(200);
    const flaky = await startSwitchableSite(200);
    cleanups.push(healthy.close, flaky.close);
    const dir = await dataDir();
    const first = await runtimeOn(dir);
    await addSite(first, { siteId: 'healthy', url: healthy.url, name: 'Healthy' });
    await addSite(first, { siteId: 'flaky', url: flaky.url, name: 'Flaky' });
    await first.tick();
    await waitFor('both sites UP', async () => {
      const states = await Promise.all([stateOf(first, 'healthy'), stateOf(first, 'flaky')]);
      return states.every((state) => state?.status === 'UP');
    });

    // Act: the site starts answering 503
    flaky.answer(503);
    await first.tick();
    await waitFor('flaky PENDING', async () => (await stateOf(first, 'flaky'))?.status === 'PENDING');

    // Assess: one failure is not an outage yet
    expect(first.alerts).toEqual([]);

    // Act: the confirmation re-check (1 s later) confirms it
    const down = await waitFor('a DOWN alert', () => alertsFor(first, 'flaky')[0]);

    // Assess
    expect(down.attributes).toMatchObject({ event: 'DOWN', siteId: 'flaky', owner: 'default' });
    expect(down.subject).toBe('DOWN: Flaky - http-5xx');
    expect(down.text).toContain('Flaky is DOWN.');
    expect(down.text).toContain('503');
    expect((await stateOf(first, 'flaky'))?.status).toBe('DOWN');

    // Act: still down at the next sweep, then a stop in the middle of the outage
    await sweepAndSettle(first, 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(first.alerts).toHaveLength(1);
    const lastMinuteBeforeRestart = first.stats().lastSweep?.minute ?? 0;
    await first.stop();

    // Act: a new runtime on the same data directory
    const second = await runtimeOn(dir);

    // Assess: the states survived, and a still-down site is not alerted again
    expect((await stateOf(second, 'flaky'))?.status).toBe('DOWN');
    expect((await stateOf(second, 'healthy'))?.status).toBe('UP');
    const report = await second.tick();
    expect(report.duplicate).toBe(false);
    expect(report.minute).toBeGreaterThan(lastMinuteBeforeRestart);
    await waitFor('the sweep after the restart to be checked', () => second.stats().checksCompleted >= 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(second.alerts).toEqual([]);

    // Act: the site is back
    flaky.answer(200);
    await second.tick();
    const up = await waitFor('an UP alert', () => alertsFor(second, 'flaky')[0]);
    await sweepAndSettle(second, 2);
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Assess: exactly one UP alert that says how long it was down; nothing ever for the healthy site
    expect(up.attributes).toMatchObject({ event: 'UP', siteId: 'flaky' });
    expect(up.subject).toMatch(/^UP: Flaky - back after \d+ s$/);
    expect(up.text).toMatch(/Flaky is back UP after \d+ s\./);
    expect(second.alerts).toHaveLength(1);
    expect([...alertsFor(first, 'healthy'), ...alertsFor(second, 'healthy')]).toEqual([]);
    expect((await stateOf(second, 'flaky'))?.status).toBe('UP');
  });

  it('sweeps on its own schedule, each sweep a new minute, and confirms a refused site with one alert', async () => {
    // Prepare
    const dir = await dataDir();
    const url = await refusedUrl();
    const sweeps: SweepOutcome[] = [];

    // Act
    const runtime = await runtimeOn(dir, { schedule: { kind: 'every', everyMs: 1_000 } });
    runtime.on('sweep', (sweep) => sweeps.push(sweep));
    await addSite(runtime, { siteId: 'gone', url, name: 'Gone' });
    const down = await waitFor('a DOWN alert', () => alertsFor(runtime, 'gone')[0]);
    await waitFor('two more sweeps', () => sweeps.length >= 4);
    await waitFor('the checks of those sweeps', () => runtime.stats().checksCompleted >= 4);
    const runtimeFile = JSON.parse(await readFile(join(dir, 'runtime.json'), 'utf8'));
    await runtime.stop();

    // Assess
    expect(down.subject).toBe('DOWN: Gone - refused');
    expect(runtime.alerts).toHaveLength(1);
    const minutes = sweeps.map((sweep) => sweep.report?.minute ?? Number.NaN);
    expect(minutes).toEqual([...minutes].sort((a, b) => a - b));
    expect(new Set(minutes).size).toBe(minutes.length);
    expect(sweeps.every((sweep) => sweep.report?.duplicate === false)).toBe(true);
    expect(runtimeFile).toEqual({ pid: process.pid, ...runtime.endpoints, startedAt: expect.any(String) });
    await expect(access(join(dir, 'runtime.json'))).rejects.toThrow();
  });

  it('leaves a message the checker rejects on the queue until the redrive moves it to the DLQ', async () => {
    // Prepare: a 1 s visibility timeout so the 5 receives of the redrive policy take seconds, not 30 minutes
    const dir = await dataDir();
    const runtime = await runtimeOn(dir, { visibilityTimeoutSeconds: 1 });
    const sqs = new SQSClient({
      region: runtime.endpoints.region,
      endpoint: runtime.endpoints.sqsEndpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    cleanups.push(async () => sqs.destroy());

    // Act
    await sqs.send(new SendMessageCommand({ QueueUrl: runtime.endpoints.queueUrl, MessageBody: '{"v":99}' }));
    await waitFor(
      'the message in the DLQ',
      async () => (await runtime.queueDepths()).deadLetters === 1,
      15_000,
    );

    // Assess
    const depths = await runtime.queueDepths();
    expect(depths.checksVisible + depths.checksInFlight + depths.checksDelayed).toBe(0);
    expect(runtime.stats().eventSource.messagesRetried).toBe(5);
    expect(runtime.stats().eventSource.messagesDeleted).toBe(0);
    expect(runtime.alerts).toEqual([]);
  });
});
