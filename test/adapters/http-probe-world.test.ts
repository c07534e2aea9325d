import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createProbe,
  type Probe,
  type ProbeOptions,
  type ProbeTarget,
} from '../../functions/adapters/http-probe.ts';
import { DNS_TIMEOUT_MS } from '../../functions/adapters/probe-attempt.ts';
import { parseStatusRanges } from '../../functions/domain/status-range.ts';
import { startDeadHosts } from '../support/world/dead-host.ts';
import { type LoopbackDnsServer, startDnsServer } from '../support/world/dns-server.ts';
import {
  HOSTILE,
  httpResponse,
  type RawResponder,
  startRawServer,
} from '../support/world/raw-http-server.ts';

// The probe against servers that behave like the world's: names through a nameserver, hosts that drop SYNs,
// servers that answer strangely. Everything listens on loopback.

const cleanups: Array<() => Promise<void>> = [];
// Time a check may spend before its lookup starts (9 ms once on a busy CI machine).
const DNS_START_SLACK_MS = 300;
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

const target = (url: string, overrides: Partial<ProbeTarget> = {}): ProbeTarget => ({
  url,
  method: 'HEAD',
  timeoutMs: 2_000,
  expectStatus: parseStatusRanges('200-399'),
  ...overrides,
});

async function useDns(): Promise<LoopbackDnsServer> {
  const dns = await startDnsServer();
  cleanups.push(() => dns.close());
  return dns;
}

function useProbe(
  dns: LoopbackDnsServer | undefined,
  options: ProbeOptions = { allowPrivateTargets: true },
): Probe {
  const probe = createProbe({ ...options, ...(dns ? { dnsServers: [dns.server] } : {}) });
  cleanups.push(() => probe.close());
  return probe;
}

/** An HTTP server answering 200 on `host`, counting requests and the Host headers it saw. */
async function useSite(host = '127.0.0.1'): Promise<{ port: number; hosts: string[] }> {
  const hosts: string[] = [];
  const server: Server = createServer((request, response) => {
    hosts.push(request.headers.host ?? '');
    response.writeHead(200, { connection: 'close' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as AddressInfo).port, hosts };
}

async function useRawSite(respond: RawResponder): Promise<string> {
  const server = await startRawServer(respond);
  cleanups.push(() => server.close());
  return server.url('/');
}

describe('createProbe, through a nameserver', () => {
  it('reaches a site by name through its A record, sending the name as Host', async () => {
    // Prepare
    const dns = await useDns();
    const site = await useSite();
    dns.set('shop.example', { kind: 'answer', a: ['127.0.0.1'] });

    // Act
    const result = await useProbe(dns).check(target(`http://shop.example:${site.port}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
    expect(site.hosts).toEqual([`shop.example:${site.port}`]);
  });

  it('follows a CNAME chain to the address', async () => {
    // Prepare
    const dns = await useDns();
    const site = await useSite();
    dns.set('www.shop.example', { kind: 'cname', target: 'shop.cdn.example' });
    dns.set('shop.cdn.example', { kind: 'cname', target: 'edge.cdn.example' });
    dns.set('edge.cdn.example', { kind: 'answer', a: ['127.0.0.1'] });

    // Act
    const result = await useProbe(dns).check(target(`http://www.shop.example:${site.port}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
  });

  it('reaches an IPv6-only host through its AAAA record', async () => {
    // Prepare
    const dns = await useDns();
    const site = await useSite('::1');
    dns.set('v6.example', { kind: 'answer', aaaa: ['::1'] });

    // Act
    const result = await useProbe(dns).check(target(`http://v6.example:${site.port}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
  });

  it('falls over to the IPv4 address when the IPv6 one refuses', async () => {
    // Prepare: only 127.0.0.1 listens on the port
    const dns = await useDns();
    const site = await useSite('127.0.0.1');
    dns.set('dual.example', { kind: 'answer', a: ['127.0.0.1'], aaaa: ['::1'] });

    // Act
    const result = await useProbe(dns).check(target(`http://dual.example:${site.port}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
  });

  it.each([1_200, 2_500])(
    'counts an answer that takes %i ms (a cold recursive lookup), though it was asked again meanwhile',
    async (delayMs) => {
      // Prepare: each ask is answered after the delay, so the answer to the first ask arrives first
      const dns = await useDns();
      const site = await useSite();
      dns.set('cold.example', { kind: 'answer', a: ['127.0.0.1'], delayMs });

      // Act
      const result = await useProbe(dns).check(
        target(`http://cold.example:${site.port}/`, { timeoutMs: 5_000 }),
      );

      // Assess
      expect(result).toMatchObject({ kind: 'up', status: 200 });
      expect(result.latencyMs).toBeLessThan(delayMs + 1_000);
    },
  );

  it('waits for the A answer when AAAA comes first, and keeps both (IPv4 first): Lambda has no IPv6', async () => {
    // Prepare: the A answer 200 ms behind the AAAA one
    const dns = await useDns();
    const site = await useSite();
    dns.set('slow-a.example', { kind: 'answer', a: ['127.0.0.1'], aaaa: ['::2'], aDelayMs: 200 });
    const probe = useProbe(dns);

    // Act
    const first = await probe.check(target(`http://slow-a.example:${site.port}/`));
    const cached = await probe.check(target(`http://slow-a.example:${site.port}/`));

    // Assess: ::2 would not answer; the check connects over IPv4 both times
    expect(first).toMatchObject({ kind: 'up', status: 200 });
    expect(cached).toMatchObject({ kind: 'up', status: 200 });
    expect(dns.queries('slow-a.example')).toBe(2);
  });

  it.each([
    { behaviour: { kind: 'nxdomain' } as const, says: 'gone.example does not exist (NXDOMAIN)' },
    {
      behaviour: { kind: 'servfail' } as const,
      says: 'the nameservers failed to answer for gone.example (SERVFAIL)',
    },
    {
      behaviour: { kind: 'refused' } as const,
      says: 'the nameservers refused to answer for gone.example (REFUSED)',
    },
    { behaviour: { kind: 'answer', aaaa: [] } as const, says: 'gone.example has no A or AAAA record' },
  ])('is DOWN dns when the nameserver answers $behaviour.kind, saying so', async ({ behaviour, says }) => {
    // Prepare
    const dns = await useDns();
    dns.set('gone.example', behaviour);

    // Act
    const result = await useProbe(dns).check(target('http://gone.example/'));

    // Assess
    expect(result).toMatchObject({
      kind: 'down',
      reason: 'dns',
      detail: `${says} (HEAD http://gone.example/)`,
    });
  });

  it('is DOWN dns, not timeout, when the nameserver is silent, within its deadline', async () => {
    // Prepare
    const dns = await useDns();
    dns.set('quiet.example', { kind: 'silent' });

    // Act
    const result = await useProbe(dns).check(target('http://quiet.example/', { timeoutMs: 1_500 }));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'dns' });
    // The wait is what was left of the site's 1.5 s when the lookup began (not DNS_TIMEOUT_MS): the few ms before
    // it are the probe's own start (1491 ms was reported once), so the figure is bounded, not exact.
    const detail = result.kind === 'down' ? result.detail : '';
    const waitedMs = Number(/no DNS answer for quiet\.example within (\d+) ms/.exec(detail)?.[1]);
    expect(waitedMs, detail).toBeLessThanOrEqual(1_500);
    expect(waitedMs, detail).toBeGreaterThan(1_500 - DNS_START_SLACK_MS);
    expect(result.latencyMs).toBeLessThan(1_500 + 500);
  });

  it('gives DNS at most DNS_TIMEOUT_MS of a long deadline (the resolver retries within it, then gives up)', async () => {
    // Prepare
    const dns = await useDns();
    dns.set('quiet.example', { kind: 'silent' });

    // Act
    const result = await useProbe(dns).check(target('http://quiet.example/', { timeoutMs: 30_000 }));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'dns' });
    expect(result.latencyMs).toBeGreaterThan(1_000);
    expect(result.latencyMs).toBeLessThan(DNS_TIMEOUT_MS + 500);
    expect(dns.queries('quiet.example')).toBeGreaterThanOrEqual(4);
  }, 10_000);

  it('keeps a silent nameserver to its own sites: 200 names, 8 silent, every other site UP', async () => {
    // Prepare: every answer takes 20 ms; the silent names' sites have a 1.5 s deadline
    const dns = await useDns();
    const site = await useSite();
    dns.setDefaultDelayMs(20);
    const names = Array.from({ length: 200 }, (_, i) => `site-${i}.example`);
    const silent = new Set(names.filter((_, i) => i % 25 === 0));
    for (const name of names)
      dns.set(name, silent.has(name) ? { kind: 'silent' } : { kind: 'answer', a: ['127.0.0.1'] });
    const probe = useProbe(dns);

    // Act
    const results = await Promise.all(
      names.map((name) =>
        probe.check(target(`http://${name}:${site.port}/`, { timeoutMs: silent.has(name) ? 1_500 : 3_000 })),
      ),
    );

    // Assess
    const healthy = results.filter((_, i) => !silent.has(names[i] ?? ''));
    expect(silent.size).toBe(8);
    expect(healthy.filter((result) => result.kind !== 'up')).toEqual([]);
    expect(
      results
        .filter((_, i) => silent.has(names[i] ?? ''))
        .map((result) => result.kind === 'down' && result.reason),
    ).toEqual(Array.from({ length: 8 }, () => 'dns'));
  });

  it('asks the nameserver once for 50 sites on one host (A and AAAA), not 50 times', async () => {
    // Prepare
    const dns = await useDns();
    const site = await useSite();
    dns.set('shared.example', { kind: 'answer', a: ['127.0.0.1'] });
    const probe = useProbe(dns);

    // Act
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        probe.check(target(`http://shared.example:${site.port}/page-${i}`)),
      ),
    );

    // Assess
    expect(results.every((result) => result.kind === 'up')).toBe(true);
    expect(dns.queries('shared.example')).toBe(2);
  });

  it('asks again once a failure is over: a failed lookup is not kept', async () => {
    // Prepare
    const dns = await useDns();
    const site = await useSite();
    dns.set('flaky.example', { kind: 'servfail' });
    const probe = useProbe(dns);
    const first = await probe.check(target(`http://flaky.example:${site.port}/`));

    // Act
    dns.set('flaky.example', { kind: 'answer', a: ['127.0.0.1'] });
    const second = await probe.check(target(`http://flaky.example:${site.port}/`));

    // Assess
    expect(first).toMatchObject({ kind: 'down', reason: 'dns' });
    expect(second).toMatchObject({ kind: 'up' });
  });

  it('never connects to a name that turned private: a blocked-address fault naming host and address', async () => {
    // Prepare: the production address policy
    const dns = await useDns();
    const site = await useSite();
    dns.set('drifted.example', { kind: 'answer', a: ['127.0.0.1'] });

    // Act
    const result = await useProbe(dns, {}).check(target(`http://drifted.example:${site.port}/`));

    // Assess
    expect(result).toMatchObject({ kind: 'fault', reason: 'blocked-address' });
    expect(result.kind === 'fault' && result.detail).toContain('drifted.example at 127.0.0.1');
    expect(site.hosts).toEqual([]);
  });
});

describe('createProbe, against a far host (its first SYN lost, answered on the retransmit a second later)', () => {
  it('keeps connecting over IPv4 for its deadline, instead of dropping it after 250 ms for an IPv6 address', async () => {
    // Prepare: a listener that accepts nothing for 700 ms (SYNs dropped), then accepts; the site has IPv4 and
    // IPv6 addresses, and nothing listens on the IPv6 one (as Lambda, which has no IPv6 route)
    const far = await startLateListener(700);
    cleanups.push(() => far.close());
    const probe = createProbe({
      allowPrivateTargets: true,
      resolver: {
        resolve: async () => ({
          kind: 'resolved',
          addresses: [
            { address: '127.0.0.1', family: 4 },
            { address: '::1', family: 6 },
          ],
        }),
        close: () => {},
      },
    });
    cleanups.push(() => probe.close());

    // Act
    const result = await probe.check(
      target(`http://far.example:${far.port}/`, { timeoutMs: 5_000, method: 'GET' }),
    );

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
    expect(result.latencyMs).toBeGreaterThan(700);
  });
});

/**
 * A server that drops SYNs for `lateMs` (a child process that does not accept, its backlog full), then answers:
 * the first SYN is lost, the kernel's retransmit after 1 s gets through.
 */
async function startLateListener(lateMs: number): Promise<{ port: number; close(): Promise<void> }> {
  const holder = spawn(
    process.execPath,
    [
      '-e',
      `const s = require('node:http').createServer((q, r) => r.end('ok'));
       s.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
         process.stdout.write(s.address().port + '\\n');
         setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${lateMs}), 50);
       });
       setTimeout(() => process.exit(0), 10000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve) =>
    holder.stdout?.once('data', (data) => resolve(Number(String(data).trim()))),
  );
  await new Promise((resolve) => setTimeout(resolve, 80));
  // Two connections fill the accept queue of backlog 1 while the holder is blocked.
  const fillers = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1')];
  for (const filler of fillers) filler.on('error', () => {});
  await new Promise((resolve) => setTimeout(resolve, 50));
  return {
    port,
    close: async () => {
      for (const filler of fillers) filler.destroy();
      holder.kill('SIGKILL');
    },
  };
}

describe('createProbe, against a host that drops SYNs', () => {
  it('is DOWN timeout within its deadline, saying the host never answered the connection attempt', async () => {
    // Prepare
    const dead = await startDeadHosts(['127.0.0.1']);
    cleanups.push(() => dead.close());
    const url = dead.hosts[0]?.url('/') ?? '';

    // Act
    const result = await useProbe(undefined).check(target(url, { timeoutMs: 1_000 }));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'timeout' });
    expect(result.kind === 'down' && result.detail).toContain('connecting to 127.0.0.1');
    expect(result.latencyMs).toBeLessThan(1_000 + 500);
  });

  it('over HTTPS too, and by name', async () => {
    // Prepare
    const dead = await startDeadHosts(['127.0.0.1']);
    cleanups.push(() => dead.close());
    const dns = await useDns();
    dns.set('gone.example', { kind: 'answer', a: ['127.0.0.1'] });
    const port = dead.hosts[0]?.port ?? 0;

    // Act
    const result = await useProbe(dns).check(target(`https://gone.example:${port}/`, { timeoutMs: 1_000 }));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'timeout' });
    expect(result.kind === 'down' && result.detail).toContain('connecting to gone.example (127.0.0.1)');
    expect(result.latencyMs).toBeLessThan(1_000 + 500);
  });
});

describe('createProbe, against servers that answer strangely', () => {
  it.each([
    { name: 'a status below 100', respond: HOSTILE.statusBelow100, reason: 'protocol' },
    { name: 'something that is not HTTP', respond: HOSTILE.notHttp, reason: 'protocol' },
    {
      name: 'conflicting Content-Length headers',
      respond: HOSTILE.conflictingContentLength,
      reason: 'protocol',
    },
    { name: 'a close without an answer', respond: HOSTILE.closeWithoutAnswer, reason: 'reset' },
    { name: 'a reset after the request', respond: HOSTILE.resetAfterRequest, reason: 'reset' },
  ])('is DOWN $reason, never a checker fault, for $name', async ({ respond, reason }) => {
    // Prepare
    const url = await useRawSite(respond);

    // Act
    const result = await useProbe(undefined).check(target(url, { method: 'GET' }));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason });
  });

  it.each([
    { name: '103 Early Hints then 200', respond: HOSTILE.earlyHintsThen200 },
    { name: 'an HTTP/1.0 body that ends at close', respond: HOSTILE.http10CloseDelimited },
  ])('is UP for $name', async ({ respond }) => {
    // Prepare
    const url = await useRawSite(respond);

    // Act
    const result = await useProbe(undefined).check(target(url, { method: 'GET' }));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
  });

  it('is DOWN timeout within its deadline when headers never come, to HEAD nor to the GET asked beside it halfway', async () => {
    // Prepare
    const url = await useRawSite(HOSTILE.headersNeverSent);

    // Act
    const result = await useProbe(undefined).check(target(url, { timeoutMs: 800 }));

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'timeout' });
    expect(result.kind === 'down' && result.detail).toBe(
      `timed out after 800 ms waiting for GET ${url} (HEAD timed out)`,
    );
    expect(result.latencyMs).toBeLessThan(800 + 500);
  });

  it('is DOWN body-timeout within its deadline when a keyword check meets a stalled body', async () => {
    // Prepare
    const url = await useRawSite(HOSTILE.stalledBody);

    // Act
    const result = await useProbe(undefined).check(
      target(url, { timeoutMs: 800, keyword: { text: 'ok', mode: 'present' } }),
    );

    // Assess
    expect(result).toMatchObject({ kind: 'down', reason: 'body-timeout' });
    expect(result.kind === 'down' && result.detail).toBe(
      `the body of GET ${url} stalled: 10 bytes read when the 800 ms deadline came`,
    );
    expect(result.latencyMs).toBeLessThan(800 + 500);
  });
});

describe('createProbe: what HEAD cannot see, and the GET that sees it', () => {
  const ok = (request: { method: string }) =>
    httpResponse(200, { body: '<html>ok</html>', isHead: request.method === 'HEAD' });

  it.each([
    {
      name: 'HEAD 200, GET 503',
      respond: HOSTILE.byMethod({
        HEAD: httpResponse(200, { isHead: true }),
        GET: httpResponse(503, { body: 'down' }),
      }),
      verdict: { kind: 'down', reason: 'http-5xx', status: 503 },
    },
    {
      name: 'HEAD 200, GET never answers',
      respond: HOSTILE.byMethod({ HEAD: httpResponse(200, { isHead: true }), GET: [{ hang: true }] }),
      verdict: { kind: 'down', reason: 'timeout' },
    },
    {
      name: 'HEAD 200, GET redirects to itself',
      respond: HOSTILE.byMethod({
        HEAD: httpResponse(200, { isHead: true }),
        GET: httpResponse(302, { headers: { Location: '/' } }),
      }),
      verdict: { kind: 'down', reason: 'redirect-loop' },
    },
    {
      name: 'a body cut short of its Content-Length',
      respond: HOSTILE.truncatedBody,
      verdict: { kind: 'down', reason: 'body-truncated' },
    },
    {
      name: 'a body that stalls after its first bytes',
      respond: HOSTILE.stalledBody,
      verdict: { kind: 'down', reason: 'body-timeout' },
    },
  ])(
    'the periodic full GET finds $name DOWN (the HEAD heartbeat alone says UP)',
    async ({ respond, verdict }) => {
      // Prepare
      const url = await useRawSite(respond);
      const probe = useProbe(undefined);

      // Act
      const heartbeat = await probe.check(target(url, { timeoutMs: 1_000 }));
      const fullGet = await probe.check(target(url, { timeoutMs: 1_000, fullGet: true }));

      // Assess
      expect(heartbeat).toMatchObject({ kind: 'up', status: 200 });
      expect(fullGet).toMatchObject(verdict);
    },
  );

  it('is UP when HEAD never answers and GET does, saying so', async () => {
    // Prepare
    const url = await useRawSite(HOSTILE.byMethod({ HEAD: [{ hang: true }], GET: ok({ method: 'GET' }) }));

    // Act
    const result = await useProbe(undefined).check(target(url, { timeoutMs: 1_000 }));

    // Assess: the GET's own time, not the HEAD's 600 ms wait before it (the site is not slow)
    expect(result).toMatchObject({ kind: 'up', status: 200 });
    expect(result.kind === 'up' && result.detail).toMatch(
      /^HEAD had not answered after 600 ms, GET 200 in \d+ ms$/,
    );
    expect(result.latencyMs).toBeLessThan(600);
  });

  it('asks no GET once the deadline has come: a HEAD still looking up the name at 60 % times out as itself', async () => {
    // Prepare: the name answers at 700 ms of a 1 s deadline; HEAD is then read and never answered
    const dns = await useDns();
    const site = await startRawServer(
      HOSTILE.byMethod({ HEAD: [{ hang: true }], GET: ok({ method: 'GET' }) }),
    );
    cleanups.push(() => site.close());
    dns.set('late.example', { kind: 'answer', a: ['127.0.0.1'], delayMs: 700 });
    const url = site.url('/').replace('127.0.0.1', 'late.example');

    // Act
    const result = await useProbe(dns).check(target(url, { timeoutMs: 1_000 }));

    // Assess: not `dns` (the name answered); a GET started at the deadline could only have blamed it
    expect(result).toMatchObject({ kind: 'down', reason: 'timeout' });
    expect(result.kind === 'down' && result.detail).toMatch(/waiting for HEAD/);
  });

  it('is UP when HEAD resets and GET answers', async () => {
    // Prepare
    const url = await useRawSite(HOSTILE.byMethod({ HEAD: [{ reset: true }], GET: ok({ method: 'GET' }) }));

    // Act
    const result = await useProbe(undefined).check(target(url));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
    expect(result.kind === 'up' && result.detail).toMatch(/^HEAD failed \(reset\), GET 200 in \d+ ms$/);
  });

  it('accepts 40 KiB of response headers, as browsers do', async () => {
    // Prepare
    const url = await useRawSite(HOSTILE.hugeHeaders(40 * 1024));

    // Act
    const result = await useProbe(undefined).check(target(url, { method: 'GET' }));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
  });

  it('reads a full GET body to its end, but never more than 1 MiB of an endless one', async () => {
    // Prepare: 64 KiB chunks without end
    const chunk = 'x'.repeat(64 * 1024);
    const url = await useRawSite(() => [
      { write: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n' },
      ...Array.from({ length: 40 }, () => ({ write: chunk })),
      { hang: true },
    ]);

    // Act
    const result = await useProbe(undefined).check(target(url, { fullGet: true, timeoutMs: 3_000 }));

    // Assess
    expect(result).toMatchObject({ kind: 'up', status: 200 });
  });
});
