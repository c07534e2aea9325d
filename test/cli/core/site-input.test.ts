import { describe, expect, it } from 'vitest';
import {
  deriveSiteId,
  describeFlagProblems,
  findBlankFlags,
  mergeSiteUpdate,
  parseSiteInput,
  parseWholeNumberOption,
  resolveSiteField,
} from '../../../cli/core/site-input.ts';
import { SITE_ID_PATTERN } from '../../../functions/domain/site.ts';

describe('deriveSiteId', () => {
  it.each([
    ['https://www.example.com/status', /^example-com-status-[0-9a-f]{6}$/],
    ['https://example.com/', /^example-com-[0-9a-f]{6}$/],
    ['http://127.0.0.1:8080/health?deep=1', /^127-0-0-1-8080-health-[0-9a-f]{6}$/],
    ['http://[::1]:8080/', /^1-8080-[0-9a-f]{6}$/],
    ['https://EXAMPLE.com/Über/Straße', /^example-com-c3-9cber-stra-c3-9fe-[0-9a-f]{6}$/],
    [`https://example.com/${'a'.repeat(200)}`, /^example-com-a+-[0-9a-f]{6}$/],
    ['https://xn--bcher-kva.example/', /^xn-bcher-kva-example-[0-9a-f]{6}$/],
  ])('derives a readable, valid id from %s', (url, expected) => {
    // Act
    const id = deriveSiteId(url);

    // Assess
    expect(id).toMatch(expected);
    expect(id).toMatch(SITE_ID_PATTERN);
  });

  it('gives the same id to spellings of the same URL and different ids to different URLs', () => {
    // Act
    const same = ['https://Example.com', 'https://example.com:443/', 'https://example.com/#top'].map(
      deriveSiteId,
    );
    const http = deriveSiteId('http://example.com/');
    const query = deriveSiteId('https://example.com/?a=1');

    // Assess
    expect(new Set(same).size).toBe(1);
    expect(http).not.toBe(same[0]);
    expect(query).not.toBe(same[0]);
    expect(http.replace(/-[0-9a-f]{6}$/, '')).toBe('example-com');
  });
});

describe('resolveSiteField', () => {
  it.each([
    ['url', 'url'],
    ['URL', 'url'],
    ['id', 'siteId'],
    ['site_id', 'siteId'],
    ['interval', 'intervalMinutes'],
    ['interval-minutes', 'intervalMinutes'],
    ['timeout-ms', 'timeoutMs'],
    ['Expect', 'expectStatus'],
    [' owner ', 'owner'],
    ['confirm_delay_seconds', 'confirmDelaySeconds'],
    ['max-response-ms', 'maxResponseMs'],
    ['keyword_absent', 'keywordAbsent'],
    ['header', 'headers'],
    ['reminder', 'reminderMinutes'],
    ['TLS warn days', 'tlsWarnDays'],
    ['treat-blocked-as-down', 'treatBlockedAsDown'],
    ['full-get-minutes', 'fullGetMinutes'],
    ['colour', undefined],
  ])('maps %j to %s', (name, field) => {
    expect(resolveSiteField(name)).toBe(field);
  });
});

describe('parseSiteInput', () => {
  it('applies every default and derives the id and name', () => {
    // Act
    const result = parseSiteInput({ url: 'https://Example.com' });

    // Assess
    expect(result).toEqual({
      ok: true,
      config: {
        siteId: deriveSiteId('https://example.com/'),
        url: 'https://example.com/',
        name: 'example.com',
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
      },
      given: { url: 'https://example.com/', siteId: deriveSiteId('https://example.com/') },
    });
  });

  it('turns strings from flags and CSV cells into typed values, ignoring empty ones', () => {
    // Act
    const result = parseSiteInput({
      url: ' https://example.com/a ',
      siteId: 'my-site',
      intervalMinutes: '5',
      timeoutMs: '10000',
      method: 'get',
      enabled: 'FALSE',
      owner: '',
      name: '  Shop  ',
    });

    // Assess
    expect(result.ok && result.config).toMatchObject({
      siteId: 'my-site',
      url: 'https://example.com/a',
      intervalMinutes: 5,
      timeoutMs: 10_000,
      method: 'GET',
      enabled: false,
      owner: 'default',
      name: 'Shop',
    });
    expect(result.ok && Object.keys(result.given).sort()).toEqual(
      ['enabled', 'intervalMinutes', 'method', 'name', 'siteId', 'timeoutMs', 'url'].sort(),
    );
  });

  it.each([
    [
      { intervalMinutes: '0' },
      'intervalMinutes',
      'intervalMinutes must be a whole number from 1 to 60, got 0',
    ],
    [{ intervalMinutes: '61' }, 'intervalMinutes', 'got 61'],
    [
      { intervalMinutes: 'five' },
      'intervalMinutes',
      'intervalMinutes must be a whole number from 1 to 60, got "five"',
    ],
    [{ intervalMinutes: '1.5' }, 'intervalMinutes', 'got "1.5"'],
    [{ timeoutMs: '10' }, 'timeoutMs', 'timeoutMs must be a whole number from 500 to 30000, got 10'],
    [{ method: 'POST' }, 'method', 'method must be HEAD or GET, got "POST"'],
    [{ owner: 'bad owner' }, 'owner', 'got "bad owner"'],
    [{ siteId: 'Bad_Id' }, 'siteId', 'got "Bad_Id"'],
    [{ expectStatus: '600' }, 'expectStatus', 'expectStatus part "600"'],
    [{ enabled: 'maybe' }, 'enabled', 'enabled must be true or false, got "maybe"'],
    [
      { failureThreshold: '0' },
      'failureThreshold',
      'failureThreshold must be a whole number from 1 to 10, got 0',
    ],
  ])('rejects %j, naming the field and the value', (fields, field, message) => {
    // Act
    const result = parseSiteInput({ url: 'https://example.com/', ...fields });

    // Assess
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([{ field, message: expect.stringContaining(message) }]);
  });

  it.each([
    ['ftp://example.com/', 'url scheme must be http or https, got "ftp"'],
    ['example.com', 'url "example.com" is not an absolute URL'],
    ['https://user:secret@example.com/', 'url must not contain credentials'],
  ])('reports a bad URL %s alone, not a missing id as well', (url, message) => {
    // Act
    const result = parseSiteInput({ url });

    // Assess
    expect(!result.ok && result.problems).toEqual([
      { field: 'url', message: expect.stringContaining(message) },
    ]);
  });

  it('never shows the password of a URL with credentials', () => {
    const result = parseSiteInput({ url: 'https://user:hunter2@example.com/' });

    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  it('reports every problem at once, in field order, and a missing URL', () => {
    // Act
    const result = parseSiteInput({ intervalMinutes: '0', owner: 'x y' });

    // Assess
    expect(!result.ok && result.problems.map((problem) => problem.field)).toEqual([
      'url',
      'owner',
      'intervalMinutes',
    ]);
  });
});

describe('parseSiteInput: issue-6 settings', () => {
  it('turns flag and CSV strings into the settings the domain stores', () => {
    // Act
    const result = parseSiteInput({
      url: 'https://example.com/',
      maxResponseMs: '800',
      keyword: ' Welcome ',
      headers: ['Authorization: Bearer abc:def', 'X-Env:  prod '],
      treatBlockedAsDown: 'true',
      reminderMinutes: '30',
      tlsWarnDays: '30, 7',
      maintenance: 'weekly sat,sun 02:00 120 Europe/Berlin; once 2026-03-28T22:00Z 2026-03-29T02:00Z',
    });

    // Assess
    expect(result.ok && result.given).toMatchObject({
      maxResponseMs: 800,
      keyword: { text: 'Welcome', mode: 'present' },
      headers: { Authorization: 'Bearer abc:def', 'X-Env': 'prod' },
      treatBlockedAsDown: true,
      reminderMinutes: 30,
      tlsWarnDays: [30, 7],
      maintenance: [
        {
          kind: 'weekly',
          days: ['sun', 'sat'],
          start: '02:00',
          durationMinutes: 120,
          timeZone: 'Europe/Berlin',
        },
        { kind: 'once', start: '2026-03-28T22:00Z', end: '2026-03-29T02:00Z' },
      ],
    });
  });

  it.each([
    [{ keywordAbsent: 'Error' }, { keyword: { text: 'Error', mode: 'absent' } }],
    [{ keyword: { text: 'ok', mode: 'absent' } }, { keyword: { text: 'ok', mode: 'absent' } }],
    [{ headers: '{"X-A": "1"}' }, { headers: { 'X-A': '1' } }],
    [{ headers: { 'X-A': '1' } }, { headers: { 'X-A': '1' } }],
    [{ headers: 'X-A: 1' }, { headers: { 'X-A': '1' } }],
    [{ tlsWarnDays: 'off' }, { tlsWarnDays: [] }],
    [{ tlsWarnDays: '21 3' }, { tlsWarnDays: [21, 3] }],
    [{ tlsWarnDays: [10] }, { tlsWarnDays: [10] }],
    [{ reminderMinutes: '0' }, { reminderMinutes: 0 }],
    [{ fullGetMinutes: 'off' }, { fullGetMinutes: 0 }],
    [{ fullGetMinutes: '30' }, { fullGetMinutes: 30 }],
    [{ fullGetMinutes: 0 }, { fullGetMinutes: 0 }],
    [{ treatBlockedAsDown: false }, { treatBlockedAsDown: false }],
    [{ public: 'TRUE' }, { public: true }],
    [{ public: 'false' }, { public: false }],
    [{ public: true }, { public: true }],
    [
      { maintenance: ['weekly mon-fri 12:00 30 UTC'] },
      {
        maintenance: [
          {
            kind: 'weekly',
            days: ['mon', 'tue', 'wed', 'thu', 'fri'],
            start: '12:00',
            durationMinutes: 30,
            timeZone: 'UTC',
          },
        ],
      },
    ],
    [
      { maintenance: '[{"kind":"once","start":"2026-01-01T00:00Z","end":"2026-01-01T01:00Z"}]' },
      { maintenance: [{ kind: 'once', start: '2026-01-01T00:00Z', end: '2026-01-01T01:00Z' }] },
    ],
  ])('accepts %j', (fields, given) => {
    // Act
    const result = parseSiteInput({ url: 'https://example.com/', ...fields });

    // Assess
    expect(result.ok && result.given).toMatchObject(given);
  });

  it.each([
    [{ maxResponseMs: '0' }, 'maxResponseMs', 'maxResponseMs must be a whole number from 1 to 30000, got 0'],
    [{ maxResponseMs: 'fast' }, 'maxResponseMs', 'got "fast"'],
    [
      { reminderMinutes: '3' },
      'reminderMinutes',
      'reminderMinutes must be 0 (off) or a whole number from 5 to 1440, got 3',
    ],
    [{ reminderMinutes: 'hourly' }, 'reminderMinutes', 'got "hourly"'],
    [
      { treatBlockedAsDown: 'yes' },
      'treatBlockedAsDown',
      'treatBlockedAsDown must be true or false, got "yes"',
    ],
    [{ tlsWarnDays: '14,seven' }, 'tlsWarnDays', 'got "14,seven"'],
    [{ tlsWarnDays: '400' }, 'tlsWarnDays', 'tlsWarnDays must be whole numbers from 1 to 365, got 400'],
    [{ tlsWarnDays: '30,20,14,7,3,1' }, 'tlsWarnDays', 'at most 5 tlsWarnDays thresholds'],
    [
      { fullGetMinutes: 'hourly' },
      'fullGetMinutes',
      'fullGetMinutes must be a whole number of minutes up to 1440, or "off" (or 0), got "hourly"',
    ],
    [
      { fullGetMinutes: '2000' },
      'fullGetMinutes',
      'fullGetMinutes must be a whole number from 0 to 1440, got 2000',
    ],
    [{ keyword: 'x', keywordAbsent: 'y' }, 'keyword', 'not both (got "x" and "y")'],
    [{ keyword: 'a'.repeat(201) }, 'keyword', 'keyword.text must be 1-200 characters'],
    [{ headers: ['NoColon'] }, 'headers', 'header must look like "Name: value", got "NoColon"'],
    [
      { headers: ['Host: evil.example'] },
      'headers',
      'header name must be one the probe does not set itself, got "Host"',
    ],
    [{ headers: ['X-A: 1', 'x-a: 2'] }, 'headers', 'header "x-a" is given twice (also as "X-A")'],
    [{ headers: '{"X-A": ' }, 'headers', 'headers must be a JSON object or "Name: value"'],
    [
      { maintenance: 'weekly sun 25:00 60 UTC' },
      'maintenance',
      'maintenance start must be HH:MM (24 h), got "25:00"',
    ],
    [{ maintenance: 'weekly sun 02:00 60 Mars/Base' }, 'maintenance', 'got "Mars/Base"'],
    [{ maintenance: 'weekly someday 02:00 60 UTC' }, 'maintenance', 'got "someday"'],
    [
      { maintenance: 'monthly 1 02:00' },
      'maintenance',
      'maintenance kind must be once or weekly, got "monthly"',
    ],
    [
      { maintenance: 'once 2026-01-01T02:00Z 2026-01-01T01:00Z' },
      'maintenance',
      'maintenance end must be after its start',
    ],
  ])('rejects %j, naming the field and the value', (fields, field, message) => {
    // Act
    const result = parseSiteInput({ url: 'https://example.com/', ...fields });

    // Assess
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([{ field, message: expect.stringContaining(message) }]);
  });

  it('names the new flags in messages', () => {
    // Prepare
    const result = parseSiteInput({ url: 'https://example.com/', reminderMinutes: '2', headers: ['bad'] });

    // Act
    const message = !result.ok && describeFlagProblems(result.problems);

    // Assess
    expect(message).toBe(
      '--header: header must look like "Name: value", got "bad"; ' +
        '--reminder-minutes: reminderMinutes must be 0 (off) or a whole number from 5 to 1440, got 2',
    );
  });

  it('keeps stored issue-6 settings on an update that does not give them', () => {
    // Prepare
    const stored = {
      siteId: 's',
      url: 'https://example.com/',
      keyword: { text: 'ok', mode: 'absent' },
      headers: { 'X-A': '1' },
      maintenance: [{ kind: 'weekly', days: ['sun'], start: '02:00', durationMinutes: 60, timeZone: 'UTC' }],
      reminderMinutes: 15,
      tlsWarnDays: [30],
      treatBlockedAsDown: true,
      maxResponseMs: 900,
    };
    const update = parseSiteInput({ url: 'https://example.com/', siteId: 's', intervalMinutes: '5' });
    if (!update.ok) throw new Error('fixture must be valid');

    // Act
    const merged = mergeSiteUpdate(stored, update.given, update.config);

    // Assess
    expect(merged).toMatchObject({ ...stored, intervalMinutes: 5 });
  });
});

describe('describeFlagProblems', () => {
  it('names the flag the user typed, then the field and the value', () => {
    // Prepare
    const result = parseSiteInput({ url: 'https://example.com/', intervalMinutes: '0', owner: 'a b' });

    // Act
    const message = !result.ok && describeFlagProblems(result.problems);

    // Assess
    expect(message).toBe(
      '--owner: owner must be 1-64 characters of letters, digits and . _ @ + -, got "a b"; ' +
        '--interval: intervalMinutes must be a whole number from 1 to 60, got 0',
    );
  });
});

describe('mergeSiteUpdate', () => {
  it('changes only the given fields and keeps the rest, including a paused site', () => {
    // Prepare
    const stored = {
      siteId: 's',
      url: 'https://example.com/',
      owner: 'acme',
      intervalMinutes: 5,
      enabled: false,
      status: 'UP',
    };
    const update = parseSiteInput({ url: 'https://example.com', siteId: 's', timeoutMs: '9000' });
    if (!update.ok) throw new Error('fixture must be valid');

    // Act
    const merged = mergeSiteUpdate(stored, update.given, update.config);

    // Assess
    expect(merged).toMatchObject({ owner: 'acme', intervalMinutes: 5, enabled: false, timeoutMs: 9_000 });
  });

  it('falls back to the full new config when the stored item is not a valid site', () => {
    // Prepare
    const update = parseSiteInput({ url: 'https://example.com', siteId: 's' });
    if (!update.ok) throw new Error('fixture must be valid');

    // Act
    const merged = mergeSiteUpdate(
      { siteId: 's', url: 'https://example.com/', intervalMinutes: 'x' },
      update.given,
      update.config,
    );

    // Assess
    expect(merged).toEqual(update.config);
  });
});

describe('parseWholeNumberOption', () => {
  it.each([
    ['1', { ok: true, value: 1 }],
    [' 256 ', { ok: true, value: 256 }],
    ['0', { ok: false, message: '--concurrency must be a whole number from 1 to 256, got "0"' }],
    ['257', { ok: false, message: '--concurrency must be a whole number from 1 to 256, got "257"' }],
    ['2.5', { ok: false, message: '--concurrency must be a whole number from 1 to 256, got "2.5"' }],
    ['', { ok: false, message: '--concurrency must be a whole number from 1 to 256, got ""' }],
  ])('parses %j', (raw, expected) => {
    expect(parseWholeNumberOption('--concurrency', raw, 1, 256)).toEqual(expected);
  });
});

describe('findBlankFlags', () => {
  it('refuses flags given empty or blank, naming each flag and what was given', () => {
    // Act
    const problems = findBlankFlags({
      url: 'https://example.com/',
      name: '',
      owner: '  ',
      intervalMinutes: '5',
      keywordAbsent: ' ',
      treatBlockedAsDown: true,
    });

    // Assess
    expect(describeFlagProblems(problems)).toBe(
      '--name: name must not be empty, got "" (leave the flag out for the default); ' +
        '--owner: owner must not be empty, got "  " (leave the flag out for the default); ' +
        '--keyword/--keyword-absent: keywordAbsent must not be empty, got " " (leave the flag out for the default)',
    );
  });

  it('leaves flags that were not given, and the URL, to parseSiteInput', () => {
    expect(findBlankFlags({ url: '', name: undefined, owner: 'acme' })).toEqual([]);
  });
});
