import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
