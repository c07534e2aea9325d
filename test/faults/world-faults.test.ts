import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createProbe } from '../../functions/adapters/http-probe.ts';
import { INITIAL_STATE } from '../../functions/domain/site-state.ts';
import type { CheckerDeps } from '../../functions/services/check-batch.ts';
import { addSite, stateOf, waitFor } from '../helpers/local-runtime.ts';
import { startDeadHosts } from '../support/world/dead-host.ts';
import { startDnsServer } from '../support/world/dns-server.ts';
import { HOSTILE, startRawServer } from '../support/world/raw-http-server.ts';
import {
  ClockedQueue,
  deliver,
  ManualClock,
  publisherVia,
  recordingLogger,
  sweepAt,
} from './support/core-pipeline.ts';
import { startFakeSites } from './support/fake-sites.ts';
import { alertsFor, Cleanups, settle, startRuntime, waitForEmptyQueue } from './support/runtime-harness.ts';
import { ScenarioTable } from './support/scenario-table.ts';
import { seedSites } from './support/seed-sites.ts';

// What the world does to checks, end to end: the real handlers in the local runtime (or the checker core on a
// manual clock), with names through a loopback nameserver, hosts that drop SYNs, servers that answer strangely.

const table = new ScenarioTable();
const cleanups = new Cleanups();
afterEach(() => cleanups.run());
afterAll(() => {
  process.stdout.write(`\n${table.render('The world against the checks (observed in this run)')}`);
});

const UTC_09_00 = Date.UTC(2026, 0, 15, 9, 0, 0);
const MINUTE = 60_000;

describe('the world against the checks', () => {
  it('W1. a nameserver goes quiet for 8 of 100 sites: the other 92 stay UP without an alert; the 8 go DOWN dns', {
    timeout: 60_000,
  }, async () => {
    const row = table.row(
      'W1. 100 sites by name through a nameserver answering in 20 ms; it goes silent for 8 of them (local runtime, real handlers, 3 sweeps)',
      'No other site notices: 92 UP, 0 alerts for them; each silent one DOWN `dns` ("no DNS answer … within"), one alert each; no message comes back',
    );
    // Prepare: one owner per silent site, so that each DOWN alert goes out alone rather than grouped
    const sites = cleanups.add(await startFakeSites());
    const dns = cleanups.add(await startDnsServer({ defaultDelayMs: 20 }));
    const names = Array.from({ length: 100 }, (_, i) => `site-${i}.example`);
    const silent = names.filter((_, i) => i % 12 === 5).slice(0, 8);
    for (const name of names) dns.set(name, { kind: 'answer', a: ['127.0.0.1'] });
    const runtime = await startRuntime(cleanups, { checkers: 2, dnsServers: [dns.server] });
    const fleet = names.map((name, i) => ({
      siteId: `w1-${i}`,
      url: sites.url(`w1-${i}`, name),
      timeoutMs: 2_000,
      confirmDelaySeconds: 1,
      owner: silent.includes(name) ? `owner-${i}` : 'team',
    }));
    await seedSites(runtime, fleet, {
      ...INITIAL_STATE,
      status: 'UP',
      version: 1,
      statusSinceMs: Date.now(),
    });

    // Act: the nameserver stops answering for the 8; three sweeps (each with its confirmations)
    for (const name of silent) dns.set(name, { kind: 'silent' });
    for (let sweep = 0; sweep < 3; sweep++) {
      await runtime.tick();
      await settle(300);
      await waitForEmptyQueue(runtime, 20_000);
    }
    await settle();

    // Assess
    const states = await Promise.all(fleet.map((site) => stateOf(runtime, site.siteId)));
    const silentIds = new Set(fleet.filter((site) => site.owner !== 'team').map((site) => site.siteId));
    const healthy = fleet.filter((site) => !silentIds.has(site.siteId));
    const healthyUp = healthy.filter((site) => states[fleet.indexOf(site)]?.status === 'UP').length;
    const silentDown = fleet.filter(
      (site, i) =>
        silentIds.has(site.siteId) && states[i]?.status === 'DOWN' && states[i]?.outage?.reason === 'dns',
    ).length;
    const healthyAlerts = healthy.flatMap((site) => alertsFor(runtime, site.siteId)).length;
    const silentAlerts = [...silentIds].flatMap((id) => alertsFor(runtime, id));
    const { messagesRetried } = runtime.stats().eventSource;
    const depths = await runtime.queueDepths();
    const detail = states.find((state) => state?.outage?.reason === 'dns')?.outage?.detail ?? '';
    row.observe(
      `${healthyUp}/92 healthy UP, ${healthyAlerts} alerts for them; ${silentDown}/8 silent DOWN dns with ` +
        `${silentAlerts.length} DOWN alerts ("${detail.replace(/ \(HEAD .*$/, '')}"); ${messagesRetried} messages ` +
        `redelivered, DLQ ${depths.deadLetters}`,
    );
    expect(healthyUp).toBe(92);
    expect(healthyAlerts).toBe(0);
    expect(silentDown).toBe(8);
    expect(silentAlerts.map((alert) => alert.attributes.event)).toEqual(
      Array.from({ length: 8 }, () => 'DOWN'),
    );
    expect(messagesRetried).toBe(0);
    expect(depths.deadLetters).toBe(0);
  });

  it('W2. a host that drops SYNs among healthy ones: DOWN timeout within its deadline, nothing comes back', {
    timeout: 60_000,
  }, async () => {
    const row = table.row(
      'W2. 20 healthy sites and one whose host drops SYNs (a server switched off behind a firewall), timeout 2 s (local runtime, 2 sweeps)',
      'The dead one is DOWN `timeout` ("connecting … never answered") at its deadline; the others UP; no message returns, nothing in the DLQ',
    );
    // Prepare
    const sites = cleanups.add(await startFakeSites());
    const dead = await startDeadHosts(['127.0.0.1']);
    cleanups.defer(() => dead.close());
    const runtime = await startRuntime(cleanups, { checkers: 2 });
    const fleet = Array.from({ length: 20 }, (_, i) => ({
      siteId: `w2-${i}`,
      url: sites.url(`w2-${i}`),
      timeoutMs: 2_000,
    }));
    await seedSites(runtime, fleet, {
      ...INITIAL_STATE,
      status: 'UP',
      version: 1,
      statusSinceMs: Date.now(),
    });
    await addSite(runtime, { siteId: 'w2-dead', url: dead.hosts[0]?.url('/') ?? '', timeoutMs: 2_000 });

    // Act
    for (let sweep = 0; sweep < 2; sweep++) {
      await runtime.tick();
      await settle(300);
      await waitForEmptyQueue(runtime, 20_000);
    }
    await settle();

    // Assess
    const deadState = await stateOf(runtime, 'w2-dead');
    const others = await Promise.all(fleet.map((site) => stateOf(runtime, site.siteId)));
    const { messagesRetried } = runtime.stats().eventSource;
    const depths = await runtime.queueDepths();
    row.observe(
      `dead host: ${deadState?.status} (${deadState?.outage?.reason}) after ${deadState?.lastCheck?.latencyMs} ms: ` +
        `"${deadState?.outage?.detail}"; ${others.filter((s) => s?.status === 'UP').length}/20 others UP; ` +
        `${messagesRetried} messages redelivered, DLQ ${depths.deadLetters}, ${alertsFor(runtime, 'w2-dead').length} DOWN alert`,
    );
    expect(deadState?.status).toBe('DOWN');
    expect(deadState?.outage?.reason).toBe('timeout');
    expect(deadState?.outage?.detail).toContain('never answered');
    expect(deadState?.lastCheck?.latencyMs).toBeLessThan(2_000 + 500);
    expect(others.every((state) => state?.status === 'UP')).toBe(true);
    expect(messagesRetried).toBe(0);
    expect(depths.deadLetters).toBe(0);
    expect(alertsFor(runtime, 'w2-dead')).toHaveLength(1);
  });

  it('W3. a server answering `HTTP/1.1 099` shares a message with healthy sites: its own outcome, nobody else’s', {
    timeout: 30_000,
  }, async () => {
    const row = table.row(
      'W3. A server answering a status below 100 (undici throws ERR_ASSERTION) in one message with 10 healthy sites (local runtime)',
      'It is DOWN `protocol` (a remote server can never cause a checker fault); the others UP; the message is not redelivered',
    );
    // Prepare
    const sites = cleanups.add(await startFakeSites());
    const odd = cleanups.add(await startRawServer(HOSTILE.statusBelow100));
    const runtime = await startRuntime(cleanups, { checkers: 1 });
    const fleet = Array.from({ length: 10 }, (_, i) => ({ siteId: `w3-${i}`, url: sites.url(`w3-${i}`) }));
    await seedSites(runtime, fleet, {
      ...INITIAL_STATE,
      status: 'UP',
      version: 1,
      statusSinceMs: Date.now(),
    });
    await addSite(runtime, { siteId: 'w3-odd', url: odd.url('/'), method: 'GET', failureThreshold: 1 });

    // Act
    await runtime.tick();
    await waitFor(
      'the odd site judged',
      async () => (await stateOf(runtime, 'w3-odd'))?.lastCheck !== undefined,
    );
    await waitForEmptyQueue(runtime);
    await settle();

    // Assess
    const oddState = await stateOf(runtime, 'w3-odd');
    const others = await Promise.all(fleet.map((site) => stateOf(runtime, site.siteId)));
    const stats = runtime.stats();
    row.observe(
      `odd server: ${oddState?.status} (${oddState?.outage?.reason}: "${oddState?.outage?.detail}"); ` +
        `${others.filter((s) => s?.status === 'UP').length}/10 others UP; checker faults ${stats.checkerFaults}, ` +
        `${stats.eventSource.messagesRetried} messages redelivered`,
    );
    expect(oddState?.status).toBe('DOWN');
    expect(oddState?.outage?.reason).toBe('protocol');
    expect(others.every((state) => state?.status === 'UP')).toBe(true);
    expect(stats.checkerFaults).toBe(0);
    expect(stats.eventSource.messagesRetried).toBe(0);
  });

  it('W4. a site whose name starts resolving to a private address: UNCHECKED, its owner told once, never connected', async () => {
    const row = table.row(
      'W4. A site name that starts resolving to an address checks may not reach (an internal load balancer, the metadata service), then back (checker core, manual clock; only 127.0.0.1 counts as public here)',
      'Nothing connects to it; the site is UNCHECKED (its UP status kept) with one UNCHECKED alert naming the address; later checks say nothing; back on a public address it is checked and the mark clears',
    );
    // Prepare: the production rule, with 127.0.0.1 standing in for the public internet. TTL 0: the probe keeps
    // answers for their TTL (on the real clock), and this test's minutes pass on a manual one.
    const sites = cleanups.add(await startFakeSites());
    const dns = cleanups.add(await startDnsServer());
    dns.set('shop.example', { kind: 'answer', a: ['127.0.0.1'], ttlSeconds: 0 });
    const runtime = await startRuntime(cleanups, { checkers: 0 });
    const clock = new ManualClock(UTC_09_00);
    const queue = new ClockedQueue(clock);
    const { log } = recordingLogger();
    const deps: CheckerDeps = {
      store: runtime.store,
      probe: cleanups.add(
        createProbe({ isAddressAllowed: (ip) => ip === '127.0.0.1', dnsServers: [dns.server] }),
      ),
      publisher: publisherVia(cleanups, runtime),
      queue,
      log,
      nowMs: clock.now,
    };
    await addSite(runtime, { siteId: 'shop', url: sites.url('shop', 'shop.example'), name: 'Shop' });
    await sweepAt(clock, runtime.store, queue, log);
    await deliver(queue, deps);
    const before = await stateOf(runtime, 'shop');

    // Act: the name now points at an internal address, for three minutes, then back
    dns.set('shop.example', { kind: 'answer', a: ['127.0.0.2'], ttlSeconds: 0 });
    const reports = [];
    for (let minute = 1; minute <= 3; minute++) {
      clock.at(UTC_09_00 + minute * MINUTE);
      await sweepAt(clock, runtime.store, queue, log);
      reports.push((await deliver(queue, deps)).report);
    }
    const drifted = await stateOf(runtime, 'shop');
    const requestsWhileDrifted = sites.requests('shop');
    await waitFor('the UNCHECKED alert', () => alertsFor(runtime, 'shop')[0]);
    dns.set('shop.example', { kind: 'answer', a: ['127.0.0.1'], ttlSeconds: 0 });
    clock.at(UTC_09_00 + 4 * MINUTE);
    await sweepAt(clock, runtime.store, queue, log);
    await deliver(queue, deps);
    await settle();

    // Assess
    const after = await stateOf(runtime, 'shop');
    const alerts = alertsFor(runtime, 'shop');
    row.observe(
      `before: ${before?.status}; while drifted: ${drifted?.status} + UNCHECKED (${drifted?.checkFault?.reason}), ` +
        `${requestsWhileDrifted - 1} requests reached it, ${alerts.length} alert (${alerts.map((a) => a.subject).join('; ')}), ` +
        `tasks sent back ${reports.reduce((sum, report) => sum + report.tasksRetried, 0)}; back: ${after?.status}, ` +
        `UNCHECKED ${after?.checkFault ? 'still set' : 'cleared'}`,
    );
    expect(before?.status).toBe('UP');
    expect(drifted?.status).toBe('UP');
    expect(drifted?.checkFault).toMatchObject({ reason: 'blocked-address' });
    expect(drifted?.checkFault?.detail).toContain('shop.example at 127.0.0.2');
    expect(requestsWhileDrifted).toBe(1);
    expect(reports.map((report) => report.sitesUnchecked)).toEqual([1, 0, 0]);
    expect(alerts.map((alert) => alert.attributes.event)).toEqual(['UNCHECKED']);
    expect(after?.status).toBe('UP');
    expect(after?.checkFault).toBeUndefined();
  });
});
