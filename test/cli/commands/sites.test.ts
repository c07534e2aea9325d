import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveSiteId } from '../../../cli/core/site-input.ts';
import { type LocalTarget, parseJsonLines, startLocalTarget, TABLE_NAME } from '../support/local-target.ts';

let target: LocalTarget;

beforeAll(async () => {
  target = await startLocalTarget();
});

afterAll(async () => {
  await target.stop();
});

const getItem = async (siteId: string) =>
  (await target.doc.send(new GetCommand({ TableName: TABLE_NAME, Key: { siteId }, ConsistentRead: true })))
    .Item;

const countItems = async () =>
  (await target.doc.send(new ScanCommand({ TableName: TABLE_NAME, ConsistentRead: true }))).Items?.length ??
  0;

describe('squirrel sites add / list', () => {
  it('writes the site with every default applied and lists it as JSON', async () => {
    // Prepare
    const siteId = deriveSiteId('https://shop.example/health');

    // Act
    const added = await target.run(['sites', 'add', 'https://Shop.example/health']);
    const listed = await target.run(['sites', 'list', '--json']);

    // Assess
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toContain(`added ${siteId}  https://shop.example/health`);
    expect(await getItem(siteId)).toEqual({
      siteId,
      url: 'https://shop.example/health',
      name: 'shop.example',
      owner: 'default',
      intervalMinutes: 1,
      timeoutMs: 5_000,
      method: 'HEAD',
      expectStatus: '200-399',
      enabled: true,
      failureThreshold: 2,
      recoveryThreshold: 1,
      confirmDelaySeconds: 30,
      treatBlockedAsDown: false,
      reminderMinutes: 0,
      maintenance: [],
      tlsWarnDays: [14, 7, 1],
      version: 1,
    });
    expect(listed.code).toBe(0);
    expect(parseJsonLines(listed.stdout)).toContainEqual(
      expect.objectContaining({ siteId, url: 'https://shop.example/health', enabled: true, version: 1 }),
    );
  });

  it.each([
    [['ftp://files.example/'], 'error: URL: url scheme must be http or https, got "ftp"'],
    [
      ['https://a.example/', '--interval', '0'],
      'error: --interval: intervalMinutes must be a whole number from 1 to 60, got 0',
    ],
    [
      ['https://a.example/', '--owner', 'bad owner'],
      'error: --owner: owner must be 1-64 characters of letters, digits and . _ @ + -, got "bad owner"',
    ],
  ])('refuses %j with exit 2, naming the field and the value, and writes nothing', async (args, message) => {
    // Prepare
    const itemsBefore = await countItems();

    // Act
    const result = await target.run(['sites', 'add', ...args]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(message);
    expect(result.stdout).toBe('');
    expect(await countItems()).toBe(itemsBefore);
  });

  it('refuses to put a different URL under an existing id (exit 1) and leaves the site as it was', async () => {
    // Prepare
    await target.run(['sites', 'add', 'https://first.example/', '--id', 'taken', '--owner', 'acme']);

    // Act
    const result = await target.run(['sites', 'add', 'https://second.example/', '--id', 'taken']);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'error: site id "taken" already monitors https://first.example/; remove it first or choose another id',
    );
    expect(await getItem('taken')).toMatchObject({
      url: 'https://first.example/',
      owner: 'acme',
      version: 1,
    });
  });
});

describe('squirrel sites import', () => {
  it('imports the good lines, reports each bad one with its number and reason, and exits 1', async () => {
    // Prepare
    const file = join(target.dataDir, 'sites.csv');
    await writeFile(
      file,
      [
        'url,name,owner,interval',
        'https://one.example/,One,acme,5',
        'not-a-url,Bad,acme,5',
        'https://two.example/,Two,acme,0',
        '',
        'https://three.example/,Three,,',
        'https://one.example/,Again,acme,5',
      ].join('\n'),
    );

    // Act
    const result = await target.run(['sites', 'import', file]);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n').filter((line) => line.includes('rejected:'))).toEqual([
      `${file}:3: rejected: url "not-a-url" is not an absolute URL`,
      `${file}:4: rejected: intervalMinutes must be a whole number from 1 to 60, got 0`,
      `${file}:7: rejected: site id "${deriveSiteId('https://one.example/')}" is already used by line 2`,
    ]);
    expect(result.stderr).toContain('imported 2 of 5 sites');
    expect(await getItem(deriveSiteId('https://one.example/'))).toMatchObject({
      name: 'One',
      owner: 'acme',
      intervalMinutes: 5,
    });
    expect(await getItem(deriveSiteId('https://three.example/'))).toMatchObject({
      name: 'Three',
      owner: 'default',
      intervalMinutes: 1,
    });
  });

  it('exits 0 when every line is imported, and reports the outcome of each as JSON', async () => {
    // Prepare
    const file = join(target.dataDir, 'sites.json');
    await writeFile(
      file,
      JSON.stringify(['https://j1.example/', { url: 'https://j2.example/', interval: 10 }], null, 2),
    );

    // Act
    const result = await target.run(['sites', 'import', file, '--json']);

    // Assess
    expect(result.code).toBe(0);
    expect(parseJsonLines(result.stdout)).toEqual(
      expect.arrayContaining([
        {
          line: 2,
          outcome: 'added',
          siteId: deriveSiteId('https://j1.example/'),
          url: 'https://j1.example/',
        },
        {
          line: 3,
          outcome: 'added',
          siteId: deriveSiteId('https://j2.example/'),
          url: 'https://j2.example/',
        },
      ]),
    );
    expect(await getItem(deriveSiteId('https://j2.example/'))).toMatchObject({ intervalMinutes: 10 });
  });
});

describe('squirrel sites pause / resume / remove', () => {
  it('pause and resume flip enabled and bump the version each time', async () => {
    // Prepare
    await target.run(['sites', 'add', 'https://pausable.example/', '--id', 'pausable']);

    // Act
    const paused = await target.run(['sites', 'pause', 'pausable']);
    const afterPause = await getItem('pausable');
    const resumed = await target.run(['sites', 'resume', 'pausable']);
    const afterResume = await getItem('pausable');

    // Assess
    expect(paused).toMatchObject({ code: 0, stdout: 'paused pausable\n' });
    expect(afterPause).toMatchObject({ enabled: false, version: 2 });
    expect(resumed).toMatchObject({ code: 0, stdout: 'resumed pausable\n' });
    expect(afterResume).toMatchObject({ enabled: true, version: 3 });
  });

  it('remove deletes the site; removing or pausing a missing site exits 1 and creates nothing', async () => {
    // Prepare
    await target.run(['sites', 'add', 'https://gone.example/', '--id', 'gone']);

    // Act
    const removed = await target.run(['sites', 'remove', 'gone']);
    const [again, pauseMissing, badId] = await Promise.all([
      target.run(['sites', 'remove', 'gone']),
      target.run(['sites', 'pause', 'gone']),
      target.run(['sites', 'pause', '#sweep']),
    ]);

    // Assess
    expect(removed).toMatchObject({ code: 0, stdout: 'removed gone\n' });
    expect(await getItem('gone')).toBeUndefined();
    expect(again).toMatchObject({ code: 1, stderr: 'error: no site with id "gone"\n' });
    expect(pauseMissing).toMatchObject({ code: 1, stderr: 'error: no site with id "gone"\n' });
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('ID must be 1-63 lowercase letters, digits or dashes, got "#sweep"');
  });
});
