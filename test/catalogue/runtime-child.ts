// Runs the catalogue's sites in the local runtime (real fan-out and checker handlers on the emulators), in a
// process of its own: the parent starts it with NODE_EXTRA_CA_CERTS, which Node reads only at start-up, so the
// checker's worker threads trust the catalogue's CA as a Lambda trusts the public ones. Prints one JSON line.
import { readFileSync } from 'node:fs';
import type { SiteConfigInput } from '../../functions/domain/site.ts';
import { addSite, makeDataDir, startTestRuntime, stateOf, waitFor } from '../helpers/local-runtime.ts';

/** What the parent hands over (as a JSON file). */
export interface RuntimeJob {
  readonly dnsServer: string;
  readonly sites: readonly SiteConfigInput[];
  readonly sweeps: number;
}

/** What the child prints. */
export interface RuntimeOutcome {
  readonly states: Readonly<
    Record<string, { readonly status: string; readonly reason?: string; readonly detail?: string }>
  >;
  readonly alerts: ReadonlyArray<{
    readonly siteId: string;
    readonly event: string;
    readonly reason?: string;
    readonly subject: string;
  }>;
  readonly checksCompleted: number;
  readonly messagesRetried: number;
  readonly durationMs: number;
}

// The child ends itself if anything hangs: the parent's afterAll is a second line, not the only one.
const CHILD_LIFETIME_MS = 120_000;
// Each sweep's checks finish within their 2 s deadline; this only bounds a stuck pipeline.
const SWEEP_TIMEOUT_MS = 30_000;

const lifetime = setTimeout(() => {
  process.stderr.write(`runtime child still running after ${CHILD_LIFETIME_MS} ms: exiting\n`);
  process.exit(3);
}, CHILD_LIFETIME_MS);
lifetime.unref();

const startedAtMs = Date.now();
const job = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as RuntimeJob;
const dir = await makeDataDir();
const runtime = await startTestRuntime(dir.path, {
  dnsServers: [job.dnsServer],
  receiveWaitSeconds: 1,
  checkers: 2,
});
try {
  for (const site of job.sites) await addSite(runtime, site);
  for (let sweep = 0; sweep < job.sweeps; sweep++) {
    const before = runtime.stats().checksCompleted;
    await runtime.tick();
    await waitFor(
      `sweep ${sweep + 1}: ${job.sites.length} checks`,
      () => runtime.stats().checksCompleted >= before + job.sites.length,
      SWEEP_TIMEOUT_MS,
    );
  }
  // Every alert the checker published has reached the inbox, and a late duplicate would have too by now.
  await waitFor('every published alert received', () => {
    const stats = runtime.stats();
    return stats.alertsReceived >= stats.alertsPublished;
  });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const states: Record<string, { status: string; reason?: string; detail?: string }> = {};
  for (const site of job.sites) {
    const state = await stateOf(runtime, site.siteId);
    states[site.siteId] = {
      status: state?.status ?? 'missing',
      ...(state?.outage === undefined ? {} : { reason: state.outage.reason, detail: state.outage.detail }),
    };
  }
  const outcome: RuntimeOutcome = {
    states,
    alerts: runtime.alerts.map((alert) => {
      const reason = /^Reason:\s+(\S+)/m.exec(alert.text)?.[1];
      return {
        siteId: alert.attributes.siteId ?? '',
        event: alert.attributes.event ?? '',
        ...(reason === undefined ? {} : { reason }),
        subject: alert.subject,
      };
    }),
    checksCompleted: runtime.stats().checksCompleted,
    messagesRetried: runtime.stats().eventSource.messagesRetried,
    durationMs: Date.now() - startedAtMs,
  };
  process.stdout.write(`${JSON.stringify(outcome)}\n`);
} finally {
  await runtime.stop();
  await dir.remove();
}
// Whatever an emulator or worker left behind, the run is over.
process.exit(0);
