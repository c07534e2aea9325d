import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalTarget, SQUIRREL_BIN, startLocalTarget, TABLE_NAME } from '../support/local-target.ts';

let target: LocalTarget;

beforeAll(async () => {
  target = await startLocalTarget();
  await target.doc.send(
    new PutCommand({
      TableName: TABLE_NAME,
      Item: { siteId: 'intranet', url: 'http://10.0.0.7/', status: 'UP', version: 1 },
    }),
  );
});

afterAll(async () => {
  await target.stop();
});

describe('squirrel page', () => {
  it('serves the page and the private status.json on 127.0.0.1 until Ctrl-C, then exits 0', async () => {
    // Prepare
    const child = spawn(process.execPath, [SQUIRREL_BIN, 'page', '--port', '0'], {
      env: { ...process.env, SQUIRREL_DATA_DIR: target.dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      let stdout = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${stdout}`)), 20_000);
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const match = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
      });

      // Act
      const [page, document] = await Promise.all([fetch(url), fetch(new URL('status.json', url))]);

      // Assess
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(document.status).toBe(200);
      const body = (await document.json()) as {
        audience: string;
        sites: Array<{ id: string; url?: string }>;
      };
      expect(body.audience).toBe('private');
      expect(body.sites).toEqual([expect.objectContaining({ id: 'intranet', url: 'http://10.0.0.7/' })]);

      // Act: Ctrl-C
      child.kill('SIGINT');

      // Assess
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('says the port is taken and how to get a free one, instead of a raw EADDRINUSE (exit 2)', async () => {
    // Prepare: something already listens on the port asked for
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      // Act
      const run = spawnSync(process.execPath, [SQUIRREL_BIN, 'page', '--port', String(port)], {
        env: { ...process.env, SQUIRREL_DATA_DIR: target.dataDir },
        encoding: 'utf8',
        timeout: 20_000,
      });

      // Assess
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(`port ${port} on 127.0.0.1 is taken`);
      expect(run.stderr).toContain('pass --port 0 for any free port');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
