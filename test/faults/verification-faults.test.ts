import { afterEach, describe, expect, it } from 'vitest';
import { createProbe } from '../../functions/adapters/http-probe.ts';
import type { CheckResult } from '../../functions/domain/check-result.ts';
import type { SiteConfig } from '../../functions/domain/site.ts';
import { type CheckerDeps, processCheckBatch } from '../../functions/services/check-batch.ts';
import type { VerifierAnswer, Verifiers } from '../../functions/services/verifiers.ts';
import { addSite, stateOf, waitFor } from '../helpers/local-runtime.ts';
import {
  ClockedQueue,
  deliver,
  ManualClock,
  publisherVia,
  recordingLogger,
  sweepAt,
} from './support/core-pipeline.ts';
import { startFakeSites } from './support/fake-sites.ts';
import { alertsFor, Cleanups, settle, startRuntime } from './support/runtime-harness.ts';

// Issue 15 under duplicate deliveries: the checker core on the real DynamoDB and SNS emulators, with verifier
// regions in memory (the Verifiers port), on a clock the test moves.

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const UTC_09_00 = Date.UTC(2026, 0, 15, 9, 0, 0);
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const down: CheckResult = {
  kind: 'down',
  reason: 'http-5xx',
  status: 503,
  detail: 'HTTP 503',
  latencyMs: 12,
};

/** Two verifier regions that both see the site down, counting how often they are asked. */
class RegionsSeeingItDown implements Verifiers {
  readonly home = 'local';
  readonly regions = ['local-west', 'local-east'];
  asked = 0;
  async verify(_site: SiteConfig, _fullGet: boolean, _deadlineMs: number): Promise<VerifierAnswer[]> {
    this.asked++;
    // Answers come back after a while, as an invoke across regions does: the copies overlap.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return this.regions.map((location) => ({ location, result: down }));
  }
}

describe('verification under duplicate deliveries', () => {
  it('the confirming check delivered 3 times to 3 checkers at once: one DOWN alert naming the locations, one transition', {
    timeout: 120_000,
  }, async () => {
    // Prepare
    const sites = cleanups.add(await startFakeSites());
    const runtime = await startRuntime(cleanups, { checkers: 0 });
    const clock = new ManualClock(UTC_09_00);
    const queue = new ClockedQueue(clock);
    const { log, lines } = recordingLogger();
    const regions = new RegionsSeeingItDown();
    const deps: CheckerDeps = {
      store: runtime.store,
      probe: cleanups.add(createProbe({ allowPrivateTargets: true })),
      publisher: publisherVia(cleanups, runtime),
      queue,
      log,
      nowMs: clock.now,
      verifiers: regions,
    };
    await addSite(runtime, { siteId: 'dup', url: sites.url('dup'), name: 'Dup', confirmDelaySeconds: 30 });
    await sweepAt(clock, runtime.store, queue, log);
    await deliver(queue, deps);
    sites.set('dup', { kind: 'status', status: 503 });
    clock.at(UTC_09_00 + MINUTE);
    await sweepAt(clock, runtime.store, queue, log);
    await deliver(queue, deps);
    expect((await stateOf(runtime, 'dup'))?.status).toBe('PENDING');

    // Act: 30 s later the confirming re-check arrives three times, at three checkers at once
    clock.at(UTC_09_00 + MINUTE + 30 * SECOND);
    const records = queue.receive();
    const reports = await Promise.all(
      [1, 2, 3].map(() =>
        processCheckBatch(records, deps, { deadlineMs: clock.nowMs + 60_000, concurrency: 16 }),
      ),
    );
    for (const record of records) queue.delete(record.messageId);
    await waitFor('the DOWN alert', () => alertsFor(runtime, 'dup')[0]);
    // And once more, later, after everything settled (SQS's at-least-once delivery)
    const asked = regions.asked;
    const late = await processCheckBatch(records, deps, {
      deadlineMs: clock.nowMs + 60_000,
      concurrency: 16,
    });
    await settle();

    // Assess
    const state = await stateOf(runtime, 'dup');
    const commits = lines.filter((line) => line.message === 'state committed' && line.status === 'DOWN');
    expect(records).toHaveLength(1);
    expect(alertsFor(runtime, 'dup').map((alert) => alert.attributes.event)).toEqual(['DOWN']);
    expect(commits).toHaveLength(1);
    expect(state).toMatchObject({ status: 'DOWN' });
    expect(state?.verification?.locations.map((answer) => `${answer.location}:${answer.outcome}`)).toEqual([
      'local:down',
      'local-west:down',
      'local-east:down',
    ]);
    // Each copy that read the item before the winner committed asked (at most once each); the late one did not.
    expect(asked).toBeGreaterThanOrEqual(1);
    expect(asked).toBeLessThanOrEqual(3);
    expect(reports.reduce((sum, report) => sum + report.verifications, 0)).toBe(asked);
    expect(regions.asked).toBe(asked);
    expect(late).toMatchObject({ verifications: 0, alertsPublished: 0 });
  });
});
