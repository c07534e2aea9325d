import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  awsCliBannerLines,
  cliBannerLines,
  shellWord,
  squirrelCommand,
  verifierBannerLines,
  YOUR_URL,
} from '../../local/banner.ts';
import type { LocalRuntime } from '../../local/runtime.ts';
import { EXAMPLE_SITES } from '../../local/seed.ts';
import { startTestRuntime } from '../helpers/local-runtime.ts';
import { type SwitchableSite, startSwitchableSite } from '../helpers/switchable-site.ts';
import { runChild } from '../support/run-child.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REPO_DATA_DIR = join(REPO_ROOT, '.squirrel');

/** The environment of a fresh shell: no data dir, no AWS settings, and npx never reaches a registry. */
function freshShellEnv(home: string): NodeJS.ProcessEnv {
  const kept = Object.entries(process.env).filter(
    ([name]) => !name.startsWith('AWS_') && name !== 'SQUIRREL_DATA_DIR' && !name.startsWith('npm_'),
  );
  return {
    ...Object.fromEntries(kept),
    HOME: home,
    // No ~/.aws of this machine's user: only what the banner exports may matter.
    AWS_CONFIG_FILE: join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-aws-credentials'),
    npm_config_offline: 'true',
  };
}

/** Runs one printed line (or a few, joined) the way a person pastes it: through a POSIX shell. */
const runInShell = (script: string, home: string) =>
  runChild('sh', ['-c', script], { cwd: REPO_ROOT, env: freshShellEnv(home), timeoutMs: 60_000 });

/** The printed command lines (indented in the banner), without their indentation. */
const commandLines = (lines: readonly string[], prefix: string): string[] =>
  lines.filter((line) => line.startsWith(`  ${prefix}`)).map((line) => line.trim());

/** aws-cli's version line, or why it cannot run here. */
function awsCliVersion(): { readonly version?: string; readonly missing?: string } {
  const probe = spawnSync('aws', ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.error) return { missing: `aws is not on PATH (${probe.error.message})` };
  if (probe.status !== 0) return { missing: `aws --version failed: ${probe.stderr.trim()}` };
  return { version: `${probe.stdout}${probe.stderr}`.trim().split(' ')[0] };
}

describe('shellWord', () => {
  it.each([
    ['/tmp/squirrel-data', '/tmp/squirrel-data'],
    ['/tmp/my data', `'/tmp/my data'`],
    ["/tmp/it's", `'/tmp/it'\\''s'`],
    ['/tmp/$HOME', `'/tmp/$HOME'`],
    ['', `''`],
  ])('writes %j as %s, which a shell reads back unchanged', (value, word) => {
    // Act
    const echoed = spawnSync('sh', ['-c', `printf %s ${word}`], { encoding: 'utf8' });

    // Assess
    expect(shellWord(value)).toBe(word);
    expect(echoed.stdout).toBe(value);
  });
});

describe('squirrelCommand', () => {
  it('is plain `npx squirrel` for the data directory the CLI looks in by default', () => {
    expect(squirrelCommand(REPO_DATA_DIR, REPO_DATA_DIR)).toBe('npx squirrel');
    expect(squirrelCommand(`${REPO_DATA_DIR}/`, REPO_DATA_DIR)).toBe('npx squirrel');
  });

  it('carries any other data directory as an absolute --data-dir', () => {
    expect(squirrelCommand('/tmp/demo data', REPO_DATA_DIR)).toBe(`npx squirrel --data-dir '/tmp/demo data'`);
    expect(squirrelCommand('demo', REPO_DATA_DIR)).toBe(
      `npx squirrel --data-dir ${shellWord(join(process.cwd(), 'demo'))}`,
    );
  });
});

describe('verifierBannerLines', () => {
  it('prints nothing without verifier locations: the banner is as before issue 15', () => {
    expect(verifierBannerLines([])).toEqual([]);
  });

  it("names home's address and, per location, the address its checks come from, its endpoint and its process", () => {
    const lines = verifierBannerLines([
      {
        location: 'local-west',
        sourceAddress: '127.0.0.2',
        invokeUrl: 'http://127.0.0.1:40001',
        pid: 4242,
        logFile: '/tmp/logs/verifier-local-west.log',
      },
      {
        location: 'local-east',
        sourceAddress: '127.0.0.30',
        invokeUrl: 'http://127.0.0.1:40002',
        pid: 4243,
        logFile: '/tmp/logs/verifier-local-east.log',
      },
    ]);
    expect(lines[0]).toContain('home local checks from 127.0.0.1');
    expect(lines[1]).toBe(
      '             local-west  checks from 127.0.0.2        http://127.0.0.1:40001  pid 4242',
    );
    expect(lines[2]).toBe(
      '             local-east  checks from 127.0.0.30       http://127.0.0.1:40002  pid 4243',
    );
    expect(lines.at(-1)).toContain('REGIONAL (told once, never pages)');
  });
});

describe('the commands `npm start` prints, run as printed against a runtime on a custom data dir', () => {
  let home: string;
  let runtime: LocalRuntime;
  let site: SwitchableSite;

  beforeAll(async () => {
    // A space in the path: the printed --data-dir must survive a shell.
    home = await mkdtemp(join(tmpdir(), 'squirrel banner-'));
    // Example sites seeded (the banner then prints a remove line); manual schedule: nothing is ever checked.
    runtime = await startTestRuntime(join(home, 'data dir'), { seed: true });
    site = await startSwitchableSite(200);
  }, 60_000);

  afterAll(async () => {
    await site?.close();
    await runtime?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('the squirrel lines add a site, show the status and remove an example, from a shell without $SQUIRREL_DATA_DIR', async () => {
    // Prepare
    const seededSiteIds = EXAMPLE_SITES.map((example) => example.siteId);
    expect(runtime.seededSites).toBe(seededSiteIds.length);
    const squirrel = squirrelCommand(runtime.dataDir, REPO_DATA_DIR);
    const printed = commandLines(cliBannerLines({ squirrel, seededSiteIds }), 'npx squirrel');
    expect(printed).toEqual([
      `${squirrel} sites add ${YOUR_URL}`,
      `${squirrel} status`,
      `${squirrel} sites remove ${seededSiteIds[0]}`,
    ]);
    expect(squirrel).toContain('--data-dir');

    // Act: each line as printed, the placeholder URL replaced by a real local server's
    const runs = [];
    for (const line of printed) runs.push(await runInShell(line.replace(YOUR_URL, site.url), home));

    // Assess
    for (const [index, run] of runs.entries()) {
      expect(run.exitCode, `${printed[index]}\n${run.stderr}`).toBe(0);
    }
    const added: string[] = [];
    await runtime.store.scanSites(1, async (page) => {
      for (const record of page.sites) if (record.config.url === site.url) added.push(record.config.siteId);
    });
    expect(added).toHaveLength(1);
    expect(runs[1]?.stdout).toContain(added[0]);
    expect(await runtime.store.getSite(seededSiteIds[0] ?? '')).toBeUndefined();
  }, 90_000);

  const aws = awsCliVersion();
  it.skipIf(aws.version === undefined)(
    aws.version === undefined
      ? `the AWS CLI lines: NOT RUN, ${aws.missing} (the test needs the aws CLI; npm test needs only Node)`
      : `the AWS CLI lines read the table, the queue, the topic and the channels' secrets with ${aws.version}`,
    async () => {
      // Prepare
      const lines = awsCliBannerLines(runtime.endpoints);
      const [exportLine, ...awsLines] = commandLines(lines, '');
      expect(exportLine).toMatch(/^export AWS_DEFAULT_REGION=/);
      expect(awsLines).toHaveLength(4);
      const secretName = `${runtime.endpoints.channelSecretsPrefix}/ch-abcdefghij`;
      const ssm = new SSMClient({
        region: runtime.endpoints.region,
        endpoint: runtime.endpoints.ssmEndpoint,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      await ssm.send(
        new PutParameterCommand({ Name: secretName, Type: 'SecureString', Value: '{"kind":"discord"}' }),
      );
      ssm.destroy();

      // Act: the export line, then each aws line, in one shell per aws line
      const runs = [];
      for (const line of awsLines) runs.push(await runInShell(`${exportLine}\n${line}`, home));

      // Assess
      for (const [index, run] of runs.entries()) {
        expect(run.exitCode, `${awsLines[index]}\n${run.stderr}`).toBe(0);
      }
      const [scan, queue, subscriptions, secrets] = runs.map((run) => JSON.parse(run.stdout));
      const scannedIds = scan.Items.map((item: { siteId: { S: string } }) => item.siteId.S);
      // The first example may be gone (the squirrel lines remove it): the others are there.
      expect(scannedIds).toEqual(expect.arrayContaining(EXAMPLE_SITES.slice(1).map((s) => s.siteId)));
      expect(queue.Attributes.QueueArn).toMatch(/:uptime-squirrel-checks$/);
      expect(subscriptions.Subscriptions).toContainEqual(
        expect.objectContaining({ TopicArn: runtime.endpoints.topicArn, Protocol: 'sqs' }),
      );
      // Listed by name, the value opaque: the printed line shows no secret.
      expect(secrets.Parameters).toEqual([
        expect.objectContaining({
          Name: secretName,
          Type: 'SecureString',
          Value: expect.not.stringContaining('discord'),
        }),
      ]);
    },
    90_000,
  );
});
