import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFullGetDueNow } from '../../../cli/commands/check.ts';
import { parseSiteConfig } from '../../../functions/domain/site.ts';
import { probeTargetOf } from '../../../functions/services/probe-target.ts';
import { createTestAuthority } from '../../adapters/test-certificates.ts';
import { startDnsServer } from '../../support/world/dns-server.ts';
import { parseJsonLines, runSquirrel } from '../support/local-target.ts';

// `check` needs no target: it runs the probe from this machine. Two real servers play an up and a down site.
let upServer: Server;
let downServer: Server;
let upUrl: string;
let downUrl: string;
let dir: string;

const listen = async (status: number): Promise<[Server, string]> => {
  const server = createServer((_req, res) => {
    res.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return [server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/`];
};

beforeAll(async () => {
  [upServer, upUrl] = await listen(200);
  [downServer, downUrl] = await listen(503);
  dir = await mkdtemp(join(tmpdir(), 'squirrel-check-'));
});

afterAll(async () => {
  await Promise.all(
    [upServer, downServer].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  );
  await rm(dir, { recursive: true, force: true });
});

describe('squirrel check', () => {
  it('prints one JSON object per URL and exits 0 when all are up', async () => {
    // Act
    const result = await runSquirrel(['check', '--json', '--allow-private', upUrl]);

    // Assess
    expect(result.code).toBe(0);
    expect(parseJsonLines(result.stdout)).toEqual([
      {
        url: upUrl,
        up: true,
        kind: 'up',
        verdict: 'UP',
        status: 200,
        reason: null,
        detail: null,
        latencyMs: expect.any(Number),
        tls: null,
      },
    ]);
  });

  it('exits 1 when any URL is down, reporting each in the order given', async () => {
    // Act
    const result = await runSquirrel(['check', '--json', '--allow-private', downUrl, upUrl]);

    // Assess
    expect(result.code).toBe(1);
    expect(parseJsonLines(result.stdout)).toEqual([
      {
        url: downUrl,
        up: false,
        kind: 'down',
        verdict: 'DOWN',
        status: 503,
        reason: 'http-5xx',
        detail: expect.stringContaining('HTTP 503'),
        latencyMs: expect.any(Number),
        tls: null,
      },
      expect.objectContaining({ url: upUrl, up: true }),
    ]);
  });

  it('blocks a loopback target without --allow-private: not checked, not up, exit 1', async () => {
    // Act
    const result = await runSquirrel(['check', upUrl]);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`${upUrl}\\s+NOT CHECKED\\s+-\\s+\\d+ms\\s+blocked-address: `));
    expect(result.stderr).toContain('pass --allow-private to check them');
  });

  it.each([
    [['check', 'not-a-url'], 'error: url "not-a-url" is not an absolute URL; nothing checked'],
    [['check'], 'error: give at least one URL, or --file FILE'],
    [
      ['check', 'https://example.com/', '--concurrency', '0'],
      'error: --concurrency must be a whole number from 1 to 256, got "0"',
    ],
    [
      ['check', 'https://example.com/', '--timeout-ms', '10'],
      'error: --timeout-ms: timeoutMs must be a whole number from 500 to 30000, got 10',
    ],
  ])('exits 2 on bad input %j without checking anything', async (args, message) => {
    // Act
    const result = await runSquirrel(args);

    // Assess
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr.trim()).toBe(message);
  });

  it('reads URLs from --file, and refuses the whole file (exit 2) when a line is bad', async () => {
    // Prepare
    const good = join(dir, 'good.txt');
    const bad = join(dir, 'bad.txt');
    await writeFile(good, `# fleet\n${upUrl}\n${downUrl}\n`);
    await writeFile(bad, `${upUrl}\nftp://nope/\n`);

    // Act
    const [fromFile, badFile] = await Promise.all([
      runSquirrel(['check', '--json', '--allow-private', '--file', good]),
      runSquirrel(['check', '--allow-private', '--file', bad]),
    ]);

    // Assess
    expect(fromFile.code).toBe(1);
    expect(parseJsonLines(fromFile.stdout).map(({ url, up }) => ({ url, up }))).toEqual([
      { url: upUrl, up: true },
      { url: downUrl, up: false },
    ]);
    expect(badFile).toMatchObject({ code: 2, stdout: '' });
    expect(badFile.stderr).toBe(
      `${bad}:2: url scheme must be http or https, got "ftp"\nerror: ${bad}: 1 bad line(s); nothing checked\n`,
    );
  });

  it('checks 400 sites by name through a nameserver with 8 silent names: only those 8 are not up (DNS), at any concurrency', async () => {
    // Prepare: every answer takes 20 ms; the silent names would hang getaddrinfo's 4 threads for seconds
    const dns = await startDnsServer({ defaultDelayMs: 20 });
    const port = new URL(upUrl).port;
    const names = Array.from({ length: 400 }, (_, i) => `site-${i}.example`);
    const silent = new Set(names.filter((_, i) => i % 50 === 0));
    for (const name of names)
      dns.set(name, silent.has(name) ? { kind: 'silent' } : { kind: 'answer', a: ['127.0.0.1'] });
    const file = join(dir, 'names.txt');
    await writeFile(file, names.map((name) => `http://${name}:${port}/`).join('\n'));

    try {
      // Act
      // One after the other: two CLI processes at once on 2 cores make loopback answers late, not the DNS.
      const runs = [];
      for (const concurrency of ['16', '256']) {
        runs.push(
          await runSquirrel([
            'check',
            '--json',
            '--allow-private',
            '--file',
            file,
            '--concurrency',
            concurrency,
            '--timeout-ms',
            '5000',
            // The heartbeat, as the issue measured it; a loaded 2-core machine can make loopback answers late.
            '--full-get-minutes',
            'off',
            '--dns-server',
            dns.server,
          ]),
        );
      }

      // Assess
      for (const run of runs) {
        const lines = parseJsonLines(run.stdout) as { url: string; up: boolean; reason: string | null }[];
        expect(lines).toHaveLength(400);
        const notUp = lines.filter((line) => !line.up);
        expect(notUp.map((line) => new URL(line.url).hostname).sort()).toEqual([...silent].sort());
        expect(notUp.every((line) => line.reason === 'dns')).toBe(true);
      }
    } finally {
      await dns.close();
    }
  }, 60_000);

  it('refuses a --dns-server that is not an address, before checking anything', async () => {
    // Act
    const result = await runSquirrel(['check', '--dns-server', 'ns1.example', upUrl]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--dns-server must be an ip or ip:port, got "ns1.example"');
  });
});

// One server plays every kind of site a setting can change the verdict of; the path picks the kind.
let siteServer: Server;
let tlsServer: HttpsServer;
let base: string;
let tlsUrl: string;
let caFile: string;
const hung = new Set<ServerResponse>();

const answer = (req: IncomingMessage, res: ServerResponse) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  switch (path) {
    case '/shop':
      res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Welcome to the shop</h1>');
      return;
    case '/maintenance':
      res.writeHead(200, { 'content-type': 'text/html' }).end('Down for maintenance');
      return;
    case '/slow':
      setTimeout(() => res.writeHead(200).end('ok'), 300);
      return;
    case '/hang':
      hung.add(res);
      return;
    case '/token':
      res.writeHead(req.headers['x-token'] === 'secret' ? 200 : 401).end();
      return;
    case '/forbidden':
      res.writeHead(403).end();
      return;
    case '/head-fails':
      res.writeHead(req.method === 'HEAD' ? 500 : 200).end();
      return;
    default:
      res.writeHead(404).end();
  }
};

beforeAll(async () => {
  siteServer = createServer(answer);
  await new Promise<void>((resolve) => siteServer.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(siteServer.address() as AddressInfo).port}`;
  // A certificate 3 days from expiry, from a CA the CLI trusts through NODE_EXTRA_CA_CERTS.
  const authority = createTestAuthority();
  const leaf = authority.issue({ notAfterMs: Date.now() + 3 * 86_400_000 + 3_600_000 });
  tlsServer = createHttpsServer({ key: leaf.keyPem, cert: leaf.certPem }, (_req, res) => {
    res.writeHead(200).end('ok');
  });
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  tlsUrl = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}/`;
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, authority.certPem);
});

afterAll(async () => {
  for (const res of hung) res.destroy();
  siteServer.closeAllConnections();
  tlsServer.closeAllConnections();
  await Promise.all(
    [siteServer, tlsServer].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  );
});

type CheckLine = { url: string; up: boolean; verdict: string; reason: string | null; detail: string | null };
const linesOf = (stdout: string) => parseJsonLines(stdout) as CheckLine[];

describe('squirrel check judges as the checker does: each setting changes the verdict', () => {
  it.each([
    ['/shop', [], 0, { verdict: 'UP', reason: null }],
    ['/shop', ['--keyword', 'Goodbye'], 1, { verdict: 'DOWN', reason: 'keyword' }],
    ['/shop', ['--keyword', 'Welcome'], 0, { verdict: 'UP', reason: null }],
    ['/maintenance', ['--keyword-absent', 'maintenance'], 1, { verdict: 'DOWN', reason: 'keyword' }],
    ['/slow', ['--max-response-ms', '100'], 1, { up: true, verdict: 'DEGRADED', reason: 'slow' }],
    ['/slow', [], 0, { verdict: 'UP' }],
    ['/hang', ['--timeout-ms', '500'], 1, { verdict: 'DOWN', reason: 'timeout' }],
    ['/token', [], 1, { verdict: 'BLOCKED', reason: 'blocked' }],
    ['/token', ['--header', 'X-Token: secret'], 0, { verdict: 'UP' }],
    ['/missing', [], 1, { verdict: 'DOWN', reason: 'http-4xx' }],
    ['/missing', ['--expect', '404'], 0, { verdict: 'UP' }],
    ['/forbidden', [], 1, { up: false, verdict: 'BLOCKED', reason: 'blocked' }],
    ['/forbidden', ['--treat-blocked-as-down'], 1, { up: false, verdict: 'DOWN', reason: 'http-4xx' }],
    // HEAD fails, GET answers: a HEAD failure is never the last word.
    ['/head-fails', ['--full-get-minutes', 'off'], 0, { verdict: 'UP' }],
    ['/head-fails', ['--full-get-minutes', 'off', '--method', 'GET'], 0, { verdict: 'UP' }],
  ] as const)('%s with %j exits %d: %j', async (path, flags, code, expected) => {
    // Act
    const result = await runSquirrel(['check', '--json', '--allow-private', ...flags, `${base}${path}`]);

    // Assess
    expect(result).toMatchObject({ code, stderr: '' });
    expect(linesOf(result.stdout)).toEqual([expect.objectContaining({ url: `${base}${path}`, ...expected })]);
  });

  it('prints a DEGRADED site in the table with the limit it went over, and counts it as not UP', async () => {
    // Act: beside it a DOWN, whose latency the limit does not read (no timed assertion on a fast answer)
    const result = await runSquirrel([
      'check',
      '--allow-private',
      '--max-response-ms',
      '100',
      `${base}/slow`,
      `${base}/missing`,
    ]);

    // Assess
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^URL\s+VERDICT\s+STATUS\s+LATENCY\s+WHY\s+TLS$/);
    expect(lines[1]).toMatch(
      /\/slow\s+DEGRADED\s+200\s+\d+ms\s+slow: \d+ ms, slower than maxResponseMs 100 ms$/,
    );
    expect(lines[2]).toMatch(/\/missing\s+DOWN\s+404\s+\d+ms\s+http-4xx: /);
    expect(result.stderr).toBe('0 of 2 UP (1 DOWN, 1 DEGRADED)\n');
  });

  it("shows the certificate the check saw, marked when it expires within the site's tlsWarnDays", async () => {
    // Act
    const env = { NODE_EXTRA_CA_CERTS: caFile };
    const [table, json, narrow] = await Promise.all([
      runSquirrel(['check', '--allow-private', tlsUrl], env),
      runSquirrel(['check', '--json', '--allow-private', tlsUrl], env),
      runSquirrel(['check', '--json', '--allow-private', '--tls-warn-days', '2', tlsUrl], env),
    ]);

    // Assess
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[1]).toMatch(
      /\s+UP\s+200\s+\d+ms\s+WARNING: certificate expires \d{4}-\d\d-\d\d, in 3 days \(under 7 days\)$/,
    );
    expect(linesOf(json.stdout)).toEqual([
      expect.objectContaining({
        verdict: 'UP',
        tls: expect.objectContaining({ daysLeft: 3, warning: true, warnDays: [14, 7] }),
      }),
    ]);
    expect(linesOf(narrow.stdout)).toEqual([
      expect.objectContaining({
        tls: expect.objectContaining({ daysLeft: 3, warning: false, warnDays: [] }),
      }),
    ]);
  });

  it("takes every setting from a file column, each changing its line's verdict", async () => {
    // Prepare
    const file = join(dir, 'columns.csv');
    await writeFile(
      file,
      [
        'url,expect,keyword,keywordAbsent,maxResponseMs,headers,treatBlockedAsDown,tlsWarnDays,method,fullGetMinutes,timeout',
        `${base}/missing,404,,,,,,,,,`,
        `${base}/shop?a,,Welcome,,,,,,,,`,
        `${base}/shop?b,,Goodbye,,,,,,,,`,
        `${base}/maintenance,,,maintenance,,,,,,,`,
        `${base}/slow,,,,100,,,,,,`,
        `${base}/token,,,,,X-Token: secret,,,,,`,
        `${base}/forbidden,,,,,,true,,,,`,
        `${base}/head-fails,,,,,,,,GET,off,`,
        `${base}/hang,,,,,,,,,,500`,
        `${tlsUrl},,,,,,,2,,,`,
        `${tlsUrl}?narrow,,,,,,,"30, 7",,,`,
      ].join('\n'),
    );

    // Act
    const result = await runSquirrel(['check', '--json', '--allow-private', '--file', file], {
      NODE_EXTRA_CA_CERTS: caFile,
    });

    // Assess
    expect(result).toMatchObject({ code: 1, stderr: '' });
    const lines = linesOf(result.stdout) as Array<CheckLine & { tls: { warnDays: number[] } | null }>;
    expect(lines.map(({ url, verdict, reason }) => [url.replace(base, ''), verdict, reason])).toEqual([
      ['/missing', 'UP', null],
      ['/shop?a', 'UP', null],
      ['/shop?b', 'DOWN', 'keyword'],
      ['/maintenance', 'DOWN', 'keyword'],
      ['/slow', 'DEGRADED', 'slow'],
      ['/token', 'UP', null],
      ['/forbidden', 'DOWN', 'http-4xx'],
      ['/head-fails', 'UP', null],
      ['/hang', 'DOWN', 'timeout'],
      [tlsUrl, 'UP', null],
      [`${tlsUrl}?narrow`, 'UP', null],
    ]);
    expect(lines.slice(-2).map(({ tls }) => tls?.warnDays)).toEqual([[], [30, 7]]);
  });

  it("lets a line's keyword or keywordAbsent replace the --keyword flag, which still sets the other lines", async () => {
    // Prepare
    const file = join(dir, 'keywords.json');
    await writeFile(
      file,
      JSON.stringify([{ url: `${base}/shop`, keywordAbsent: 'maintenance' }, `${base}/maintenance`]),
    );

    // Act
    const result = await runSquirrel([
      'check',
      '--json',
      '--allow-private',
      '--keyword',
      'Welcome',
      '--file',
      file,
    ]);

    // Assess
    expect(result).toMatchObject({ code: 1, stderr: '' });
    expect(linesOf(result.stdout).map(({ verdict, reason }) => [verdict, reason])).toEqual([
      ['UP', null],
      ['DOWN', 'keyword'],
    ]);
  });

  it('checks a `sites import` file as is, listing once on stderr the settings a one-shot check does not use', async () => {
    // Prepare
    const file = join(dir, 'fleet.csv');
    await writeFile(
      file,
      [
        'url,id,name,owner,interval,failureThreshold,recoveryThreshold,confirmDelaySeconds,reminderMinutes,maintenance,enabled,expect',
        `${base}/shop,shop,Shop,alice,5,3,2,60,30,weekly sat 02:00 60 UTC,true,`,
        `${base}/missing,gone,Gone,bob,1,2,1,30,0,,false,404`,
      ].join('\n'),
    );

    // Act
    const result = await runSquirrel(['check', '--json', '--allow-private', '--file', file]);

    // Assess
    expect(result.code).toBe(0);
    expect(linesOf(result.stdout).map(({ verdict }) => verdict)).toEqual(['UP', 'UP']);
    expect(result.stderr).toBe(
      `note: ${file}: not used by a one-shot check: siteId, name, owner, intervalMinutes, enabled, ` +
        'failureThreshold, recoveryThreshold, confirmDelaySeconds, reminderMinutes, maintenance\n',
    );
  });

  it.each([
    [
      'colour.csv',
      (url: string) => `url,colour\n${url},red\n`,
      ': CSV header on line 1: unknown column "colour"',
    ],
    ['colour.json', (url: string) => `[{"url": "${url}", "colour": "red"}]`, ':1: unknown field "colour"'],
  ])('refuses %s, whose column nobody knows, with exit 2 naming it', async (name, content, message) => {
    // Prepare
    const file = join(dir, name);
    await writeFile(file, content(`${base}/shop`));

    // Act
    const result = await runSquirrel(['check', '--allow-private', '--file', file]);

    // Assess
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain(`${file}${message}`);
  });

  it.each([
    [
      ['--max-response-ms', '0'],
      '--max-response-ms: maxResponseMs must be a whole number from 1 to 30000, got 0',
    ],
    [['--header', 'NoColon'], '--header: header must look like "Name: value", got "NoColon"'],
    [
      ['--full-get-minutes', 'soon'],
      '--full-get-minutes: fullGetMinutes must be a whole number of minutes up to 1440, or "off" (or 0), got "soon"',
    ],
    [['--tls-warn-days', '400'], '--tls-warn-days: tlsWarnDays must be whole numbers from 1 to 365, got 400'],
    [
      ['--keyword', 'a', '--keyword-absent', 'b'],
      '--keyword/--keyword-absent: keyword: give a text that must be present or one that must be absent, not both (got "a" and "b")',
    ],
  ])('refuses the flags %j with exit 2, naming the flag and the value', async (flags, message) => {
    // Act
    const result = await runSquirrel(['check', ...flags, 'https://example.com/']);

    // Assess
    expect(result).toEqual({ code: 2, stdout: '', stderr: `error: ${message}\n` });
  });
});

describe('isFullGetDueNow', () => {
  it.each([
    [{}, true],
    [{ fullGetMinutes: 60 }, true],
    [{ fullGetMinutes: 0 }, false],
  ])('with %j is %s, and the probe target asks for the full GET then', (settings, isDue) => {
    // Prepare
    const site = parseSiteConfig({ siteId: 'a', url: 'https://a.example/', ...settings });

    // Act
    const target = probeTargetOf(site, isFullGetDueNow(site));

    // Assess
    expect(isFullGetDueNow(site)).toBe(isDue);
    expect(target.fullGet === true).toBe(isDue);
  });
});
