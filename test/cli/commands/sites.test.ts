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
      name: 'shop.example/health',
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
      fullGetMinutes: 10,
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

describe('squirrel sites add: issue-6 settings', () => {
  it('stores every new setting from its flag, and a later add changes or removes only what it names', async () => {
    // Act
    const added = await target.run([
      'sites',
      'add',
      'https://features.example/',
      '--id',
      'features',
      '--max-response-ms',
      '800',
      '--keyword',
      'Welcome',
      '--header',
      'Authorization: Bearer abc',
      '--header',
      'X-Env: prod',
      '--treat-blocked-as-down',
      '--reminder-minutes',
      '30',
      '--tls-warn-days',
      '30,7',
      '--full-get-minutes',
      'off',
    ]);
    const stored = await getItem('features');
    const updated = await target.run([
      'sites',
      'add',
      'https://features.example/',
      '--id',
      'features',
      '--no-header',
      '--no-treat-blocked-as-down',
      '--keyword-absent',
      'Error',
    ]);
    const contradictory = await target.run([
      'sites',
      'add',
      'https://features.example/',
      '--id',
      'features',
      '--no-keyword',
      '--keyword-absent',
      'Oops',
    ]);

    // Assess
    expect(added.code).toBe(0);
    expect(added.stdout).toContain(
      'keyword "Welcome", slow > 800ms, 2 headers, blocked = down, remind 30m, tls warn 30,7d, no full GET',
    );
    expect(stored).toMatchObject({
      maxResponseMs: 800,
      keyword: { text: 'Welcome', mode: 'present' },
      headers: { Authorization: 'Bearer abc', 'X-Env': 'prod' },
      treatBlockedAsDown: true,
      reminderMinutes: 30,
      tlsWarnDays: [30, 7],
      fullGetMinutes: 0,
      maintenance: [],
      version: 1,
    });
    expect(updated).toMatchObject({ code: 0, stderr: '' });
    expect(contradictory).toMatchObject({
      code: 2,
      stderr: 'error: --no-keyword: cannot remove the keyword and set --keyword-absent in one command\n',
    });
    const after = await getItem('features');
    expect(after).toMatchObject({
      keyword: { text: 'Error', mode: 'absent' },
      treatBlockedAsDown: false,
      maxResponseMs: 800,
      reminderMinutes: 30,
    });
    expect(after?.headers).toBeUndefined();
  });

  it('removes the keyword and the response-time limit with --no-keyword and --no-max-response-ms', async () => {
    // Prepare
    await target.run([
      'sites',
      'add',
      'https://limits.example/',
      '--id',
      'limits',
      '--keyword',
      'ok',
      '--max-response-ms',
      '500',
    ]);

    // Act
    const result = await target.run([
      'sites',
      'add',
      'https://limits.example/',
      '--id',
      'limits',
      '--no-keyword',
      '--no-max-response-ms',
    ]);

    // Assess
    expect(result.code).toBe(0);
    const item = await getItem('limits');
    expect(item?.keyword).toBeUndefined();
    expect(item?.maxResponseMs).toBeUndefined();
    expect(item?.version).toBe(3);
  });

  it('puts a site on the public page with --public, keeps it off with --no-public, and keeps the choice when not given', async () => {
    // Act
    const added = await target.run(['sites', 'add', 'https://public.example/', '--id', 'pub', '--public']);
    const publicItem = await getItem('pub');
    const hidden = await target.run([
      'sites',
      'add',
      'https://public.example/',
      '--id',
      'pub',
      '--no-public',
    ]);
    const renamed = await target.run([
      'sites',
      'add',
      'https://public.example/',
      '--id',
      'pub',
      '--name',
      'Pub',
    ]);
    const listed = await target.run(['sites', 'list']);

    // Assess
    expect([added.code, hidden.code, renamed.code]).toEqual([0, 0, 0]);
    expect(added.stdout).toContain('public page');
    expect(publicItem?.public).toBe(true);
    const item = await getItem('pub');
    expect(item).toMatchObject({ public: false, name: 'Pub' });
    expect(listed.stdout.split('\n').find((line) => line.startsWith('pub '))).toMatch(/never public$/);
  });

  it('leaves a site without the setting as its owner is (no public field stored)', async () => {
    // Act
    const result = await target.run([
      'sites',
      'add',
      'https://owner-decides.example/',
      '--id',
      'owner-decides',
      '--json',
    ]);

    // Assess
    expect(result.code).toBe(0);
    expect((await getItem('owner-decides'))?.public).toBeUndefined();
    expect(parseJsonLines(result.stdout)[0]).not.toHaveProperty('public');
  });

  it.each([
    [
      ['--reminder-minutes', '3'],
      'error: --reminder-minutes: reminderMinutes must be 0 (off) or a whole number from 5 to 1440, got 3',
    ],
    [['--header', 'NoColon'], 'error: --header: header must look like "Name: value", got "NoColon"'],
    [
      ['--header', 'Host: evil.example'],
      'error: --header: header name must be one the probe does not set itself, got "Host"',
    ],
    [
      ['--tls-warn-days', '400'],
      'error: --tls-warn-days: tlsWarnDays must be whole numbers from 1 to 365, got 400',
    ],
    [
      ['--full-get-minutes', 'never'],
      'error: --full-get-minutes: fullGetMinutes must be a whole number of minutes up to 1440, or "off" (or 0), got "never"',
    ],
    [
      ['--max-response-ms', '99999'],
      'error: --max-response-ms: maxResponseMs must be a whole number from 1 to 30000, got 99999',
    ],
    [
      ['--keyword', 'a', '--keyword-absent', 'b'],
      'error: --keyword/--keyword-absent: keyword: give a text that must be present or one that must be absent, not both (got "a" and "b")',
    ],
  ])('refuses %j with exit 2, naming the flag and the value, and writes nothing', async (args, message) => {
    // Prepare
    const itemsBefore = await countItems();

    // Act
    const result = await target.run(['sites', 'add', 'https://refused.example/', ...args]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(message);
    expect(await countItems()).toBe(itemsBefore);
  });
});

describe('squirrel sites add: warnings and refusals', () => {
  it('adds a second site for a URL already monitored (after normalising) and a loopback target, warning about both', async () => {
    // Act
    const first = await target.run(['sites', 'add', 'http://127.0.0.1:9/', '--id', 'loop-a']);
    const second = await target.run(['sites', 'add', 'http://0x7f.1:9/', '--id', 'loop-b', '--json']);

    // Assess
    expect(first.code).toBe(0);
    expect(first.stderr).toBe(
      'warning: 127.0.0.1 is not a public address (loopback): the local runtime checks it, but a deployed ' +
        'monitor never connects to private, loopback, link-local or metadata addresses, so there the site shows ' +
        'UNCHECKED (blocked-address), never UP or DOWN\n',
    );
    expect(second.code).toBe(0);
    const [json] = parseJsonLines(second.stdout);
    expect(json).toMatchObject({ siteId: 'loop-b', url: 'http://127.0.0.1:9/', outcome: 'added' });
    expect(json?.warnings).toEqual([
      'http://127.0.0.1:9/ is already monitored as "loop-a"; added it again as "loop-b" (if that was a mistake: squirrel sites remove loop-b)',
      expect.stringMatching(/^127\.0\.0\.1 is not a public address \(loopback\)/),
    ]);
    expect(second.stderr).toContain('warning: http://127.0.0.1:9/ is already monitored as "loop-a"');
    expect(await getItem('loop-b')).toMatchObject({ url: 'http://127.0.0.1:9/', name: '127.0.0.1:9' });
  });

  it.each([
    [
      ['--name', '  '],
      'error: --name: name must not be empty, got "  " (leave the flag out for the default)',
    ],
    [['--owner', ''], 'error: --owner: owner must not be empty, got "" (leave the flag out for the default)'],
  ])('refuses %j with exit 2 and writes nothing', async (flags, message) => {
    // Prepare
    const itemsBefore = await countItems();

    // Act
    const result = await target.run(['sites', 'add', 'https://blank.example/', ...flags]);

    // Assess
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr.trim()).toBe(message);
    expect(await countItems()).toBe(itemsBefore);
  });

  it('refuses a one-off maintenance window that already ended, saying when it was', async () => {
    // Prepare
    await target.run(['sites', 'add', 'https://ended.example/', '--id', 'ended']);

    // Act
    const result = await target.run([
      'sites',
      'maintenance',
      'add',
      'ended',
      '--once',
      '2026-01-01T00:00Z',
      '2026-01-01T02:00Z',
    ]);

    // Assess
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(
      /^error: --once: the window 2026-01-01T00:00Z to 2026-01-01T02:00Z ended before now \(\S+\), so it would never apply\n$/,
    );
    expect(await getItem('ended')).toMatchObject({ maintenance: [], version: 1 });
  });
});

describe('squirrel sites maintenance', () => {
  // Eight CLI runs one after the other (each ~1-2 s on a busy 2-core machine).
  it('adds one-off and weekly windows, lists them, removes one and clears them, bumping the version each time', {
    timeout: 60_000,
  }, async () => {
    // Prepare
    await target.run(['sites', 'add', 'https://planned.example/', '--id', 'planned']);

    // Act
    const once = await target.run(['sites', 'maintenance', 'add', 'planned', '--once', 'now', '+2h']);
    const weekly = await target.run([
      'sites',
      'maintenance',
      'add',
      'planned',
      '--weekly',
      'sat,sun',
      '02:00',
      '120',
      'Europe/Berlin',
    ]);
    const listed = await target.run(['sites', 'maintenance', 'list', 'planned']);
    const json = await target.run(['sites', 'maintenance', 'list', 'planned', '--json']);
    const stored = await getItem('planned');
    const removed = await target.run(['sites', 'maintenance', 'remove', 'planned', '1']);
    const afterRemove = await getItem('planned');
    const cleared = await target.run(['sites', 'maintenance', 'clear', 'planned']);

    // Assess
    expect(once).toMatchObject({ code: 0 });
    expect(once.stdout).toContain('added a window to planned: 1 maintenance window(s)');
    expect(weekly.code).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(/^N\s+KIND\s+WHEN\s+NOW$/);
    expect(listed.stdout).toMatch(/1\s+once\s+\S+ to \S+\s+active until /);
    expect(listed.stdout).toMatch(/2\s+weekly\s+sun,sat 02:00 for 120 min \(Europe\/Berlin\)/);
    expect(parseJsonLines(json.stdout)).toEqual([
      expect.objectContaining({ siteId: 'planned', n: 1, kind: 'once', isActive: true }),
      expect.objectContaining({ n: 2, kind: 'weekly', days: ['sun', 'sat'], timeZone: 'Europe/Berlin' }),
    ]);
    expect(stored).toMatchObject({
      version: 3,
      maintenance: [expect.objectContaining({ kind: 'once' }), expect.objectContaining({ kind: 'weekly' })],
    });
    expect(removed.code).toBe(0);
    expect(afterRemove?.maintenance).toEqual([expect.objectContaining({ kind: 'weekly' })]);
    expect(cleared).toMatchObject({
      code: 0,
      stdout: 'cleared the windows of planned: 0 maintenance window(s)\n',
    });
    expect(await getItem('planned')).toMatchObject({ maintenance: [], version: 5 });
  });

  it('keeps the windows when the site is added again with other settings', async () => {
    // Prepare
    await target.run(['sites', 'add', 'https://kept-windows.example/', '--id', 'kept-windows']);
    await target.run([
      'sites',
      'maintenance',
      'add',
      'kept-windows',
      '--weekly',
      'daily',
      '03:00',
      '15',
      'UTC',
    ]);

    // Act
    await target.run([
      'sites',
      'add',
      'https://kept-windows.example/',
      '--id',
      'kept-windows',
      '--interval',
      '5',
    ]);

    // Assess
    expect(await getItem('kept-windows')).toMatchObject({
      intervalMinutes: 5,
      maintenance: [expect.objectContaining({ kind: 'weekly', start: '03:00' })],
    });
  });

  it.each([
    [
      ['add', 'planned-bad', '--weekly', 'sun', '02:00', '60'],
      2,
      'error: --weekly: maintenance "weekly" needs DAYS HH:MM DURATION_MIN ZONE, got "sun 02:00 60"',
    ],
    [
      ['add', 'planned-bad', '--weekly', 'sun', '02:00', '60', 'Mars/Base'],
      2,
      'error: --weekly: maintenance timeZone must be an IANA zone like Europe/Berlin, got "Mars/Base"',
    ],
    [
      ['add', 'planned-bad', '--once', '2026-01-01T02:00Z', '2026-01-01T01:00Z'],
      2,
      'error: --once: maintenance end must be after its start',
    ],
    [
      ['add', 'planned-bad'],
      2,
      'error: give the window: --once START END, or --weekly DAYS HH:MM DURATION_MIN ZONE',
    ],
    [['add', 'no-such-site', '--once', 'now', '+1h'], 1, 'error: no site with id "no-such-site"'],
    [['remove', 'planned-bad', '3'], 1, 'error: site "planned-bad" has 0 maintenance window(s), no window 3'],
    [
      ['remove', 'planned-bad', 'first'],
      2,
      'error: N must be a window number from `sites maintenance list` (1, 2, …), got "first"',
    ],
  ])('refuses %j with exit %i and says why', async (args, code, message) => {
    // Prepare
    await target.run(['sites', 'add', 'https://planned-bad.example/', '--id', 'planned-bad']);
    const before = await getItem('planned-bad');

    // Act
    const result = await target.run(['sites', 'maintenance', ...args]);

    // Assess
    expect(result.code).toBe(code);
    expect(result.stderr.trim()).toContain(message);
    expect(await getItem('planned-bad')).toEqual(before);
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
