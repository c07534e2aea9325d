import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
        status: 200,
        reason: null,
        detail: null,
        latencyMs: expect.any(Number),
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
        status: 503,
        reason: 'http-5xx',
        detail: expect.stringContaining('HTTP 503'),
        latencyMs: expect.any(Number),
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
            '3000',
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
  }, 30_000);

  it('refuses a --dns-server that is not an address, before checking anything', async () => {
    // Act
    const result = await runSquirrel(['check', '--dns-server', 'ns1.example', upUrl]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--dns-server must be an ip or ip:port, got "ns1.example"');
  });
});
