import { describe, expect, it } from 'vitest';
import {
  findTopLevelItemLines,
  parseImportFile,
  planImport,
  splitCsvLine,
  validateImportEntries,
} from '../../../cli/core/import-file.ts';
import { deriveSiteId } from '../../../cli/core/site-input.ts';
import { InputError } from '../../../cli/errors.ts';

describe('parseImportFile: one URL a line', () => {
  it('keeps each URL with its line number and skips blank lines and # comments', () => {
    // Act
    const parsed = parseImportFile('# my sites\r\nhttps://a.example/\n\n  https://b.example/  \n# end\n');

    // Assess
    expect(parsed).toEqual({
      format: 'lines',
      entries: [
        { line: 2, fields: { url: 'https://a.example/' } },
        { line: 4, fields: { url: 'https://b.example/' } },
      ],
      rejected: [],
    });
  });

  it('reads an empty file as no entries', () => {
    expect(parseImportFile('\n\n')).toEqual({ format: 'lines', entries: [], rejected: [] });
  });
});

describe('parseImportFile: CSV', () => {
  it('maps header columns (and their aliases) to site fields, and rejects rows with the wrong field count', () => {
    // Prepare
    const csv = [
      '\uFEFFurl,Name,owner,interval,timeout-ms',
      'https://a.example/,"Shop, EU",acme,5,',
      'https://b.example/,B,acme',
      '',
      'https://c.example/,"say ""hi""",acme,1,900',
      'https://d.example/,"open,acme,1,900',
    ].join('\n');

    // Act
    const parsed = parseImportFile(csv);

    // Assess
    expect(parsed.format).toBe('csv');
    expect(parsed.entries).toEqual([
      {
        line: 2,
        fields: {
          url: 'https://a.example/',
          name: 'Shop, EU',
          owner: 'acme',
          intervalMinutes: '5',
          timeoutMs: '',
        },
      },
      {
        line: 5,
        fields: {
          url: 'https://c.example/',
          name: 'say "hi"',
          owner: 'acme',
          intervalMinutes: '1',
          timeoutMs: '900',
        },
      },
    ]);
    expect(parsed.rejected).toEqual([
      { line: 3, reason: 'has 3 fields, the header has 5' },
      { line: 6, reason: 'has a quote that is never closed' },
    ]);
  });

  it.each([
    ['url,colour\nhttps://a.example/,red', 'CSV header on line 1: unknown column "colour"'],
    ['name,owner\nA,acme', 'CSV header on line 1 has no "url" column'],
    ['url,id,siteId\nhttps://a.example/,a,b', 'CSV header on line 1: column "siteId" appears twice'],
  ])('refuses the whole file when the header is wrong: %j', (csv, message) => {
    expect(() => parseImportFile(csv)).toThrow(InputError);
    expect(() => parseImportFile(csv)).toThrow(message);
  });
});

describe('splitCsvLine', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['a,,c', ['a', '', 'c']],
    ['"a,b",c', ['a,b', 'c']],
    ['"a ""q"" b",c', ['a "q" b', 'c']],
    ['a, "b" ,c', ['a', 'b ', 'c']],
    ['', ['']],
  ])('splits %j', (line, cells) => {
    expect(splitCsvLine(line)).toEqual({ ok: true, cells });
  });
});

describe('parseImportFile: issue-6 columns and keys', () => {
  it('reads every new setting from CSV columns', () => {
    // Prepare
    const csv = [
      'url,keyword,keyword-absent,headers,max-response-ms,treatBlockedAsDown,reminder,tlsWarnDays,maintenance',
      'https://a.example/,Welcome,,"{""X-Token"": ""abc""}",800,true,30,"30,7","weekly sat,sun 02:00 120 Europe/Berlin"',
      'https://b.example/,,Error,Accept: text/html,,,,off,',
    ].join('\n');

    // Act
    const parsed = parseImportFile(csv);
    const validated = validateImportEntries(parsed.entries);

    // Assess
    expect(parsed.rejected).toEqual([]);
    expect(validated.rejected).toEqual([]);
    expect(validated.valid.map((entry) => entry.given)).toEqual([
      expect.objectContaining({
        keyword: { text: 'Welcome', mode: 'present' },
        headers: { 'X-Token': 'abc' },
        maxResponseMs: 800,
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
        ],
      }),
      expect.objectContaining({
        keyword: { text: 'Error', mode: 'absent' },
        headers: { Accept: 'text/html' },
        tlsWarnDays: [],
      }),
    ]);
  });

  it('reads every new setting from JSON keys, as objects or as the CLI spells them', () => {
    // Prepare
    const json = JSON.stringify([
      {
        url: 'https://a.example/',
        keyword: { text: 'ok', mode: 'absent' },
        headers: { 'X-A': '1' },
        maxResponseMs: 500,
        treatBlockedAsDown: true,
        reminderMinutes: 60,
        tlsWarnDays: [21],
        maintenance: [{ kind: 'once', start: '2026-01-01T00:00Z', end: '2026-01-01T01:00Z' }],
      },
      {
        url: 'https://b.example/',
        keywordAbsent: 'oops',
        headers: ['X-B: 2'],
        maintenance: ['weekly daily 03:00 15 UTC'],
      },
      {
        url: 'https://c.example/',
        maintenance: [{ kind: 'weekly', days: ['sun'], start: '3am', durationMinutes: 5, timeZone: 'UTC' }],
      },
    ]);

    // Act
    const validated = validateImportEntries(parseImportFile(json).entries, Date.UTC(2025, 11, 1));

    // Assess
    expect(validated.valid.map((entry) => entry.config)).toEqual([
      expect.objectContaining({
        keyword: { text: 'ok', mode: 'absent' },
        headers: { 'X-A': '1' },
        maxResponseMs: 500,
        treatBlockedAsDown: true,
        reminderMinutes: 60,
        tlsWarnDays: [21],
        maintenance: [{ kind: 'once', start: '2026-01-01T00:00Z', end: '2026-01-01T01:00Z' }],
      }),
      expect.objectContaining({
        keyword: { text: 'oops', mode: 'absent' },
        headers: { 'X-B': '2' },
        maintenance: [expect.objectContaining({ kind: 'weekly', start: '03:00', durationMinutes: 15 })],
      }),
    ]);
    expect(validated.rejected).toEqual([
      { line: 1, reason: 'maintenance start must be HH:MM (24 h), got "3am"' },
    ]);
  });
});

describe('parseImportFile: JSON', () => {
  it('accepts URL strings and site objects, each with the line it starts on', () => {
    // Prepare
    const json = `[
  "https://a.example/",
  {
    "url": "https://b.example/",
    "interval": 5
  },
  { "url": "https://c.example/", "colour": "red" },
  42, null
]`;

    // Act
    const parsed = parseImportFile(json);

    // Assess
    expect(parsed.entries).toEqual([
      { line: 2, fields: { url: 'https://a.example/' } },
      { line: 3, fields: { url: 'https://b.example/', intervalMinutes: 5 } },
    ]);
    expect(parsed.rejected).toEqual([
      { line: 7, reason: expect.stringContaining('unknown field "colour"') },
      { line: 8, reason: 'item 4 must be a URL string or an object, got 42' },
      { line: 8, reason: 'item 5 must be a URL string or an object, got null' },
    ]);
  });

  it.each([
    ['[ "https://a.example/", ', 'not valid JSON'],
    ['{ "url": "https://a.example/" }', 'JSON must be an array of URLs or site objects, got an object'],
  ])('refuses a file that is not a JSON array: %j', (json, message) => {
    expect(() => parseImportFile(json)).toThrow(message);
  });
});

describe('findTopLevelItemLines', () => {
  it.each([
    ['[]', []],
    ['[1,2,3]', [1, 1, 1]],
    ['[\n"a",\n"b"\n]', [2, 3]],
    ['[\n  {"a": "]},[", "b": [1,\n2]},\n  "x\\"]"\n]', [2, 4]],
    ['\n\n[\n  [1, 2],\n  true\n]', [4, 5]],
  ])('finds the item lines of %j', (json, lines) => {
    expect(findTopLevelItemLines(json)).toEqual(lines);
  });
});

describe('validateImportEntries', () => {
  it('validates each entry and rejects a later line that claims an id already used', () => {
    // Act
    const validated = validateImportEntries([
      { line: 1, fields: { url: 'https://a.example/' } },
      { line: 2, fields: { url: 'ftp://b.example/' } },
      { line: 3, fields: { url: 'https://A.example' } },
      { line: 4, fields: { url: 'https://c.example/', intervalMinutes: '0', owner: 'a b' } },
    ]);

    // Assess
    expect(validated.valid.map((entry) => entry.line)).toEqual([1]);
    expect(validated.rejected).toEqual([
      { line: 2, reason: 'url scheme must be http or https, got "ftp"' },
      { line: 3, reason: `site id "${deriveSiteId('https://a.example/')}" is already used by line 1` },
      {
        line: 4,
        reason:
          'owner must be 1-64 characters of letters, digits and . _ @ + -, got "a b"; ' +
          'intervalMinutes must be a whole number from 1 to 60, got 0',
      },
    ]);
  });
});

describe('planImport', () => {
  it('adds new ids, updates the same URL (only the given fields), refuses another URL under an existing id', () => {
    // Prepare
    const validated = validateImportEntries([
      { line: 1, fields: { url: 'https://new.example/' } },
      { line: 2, fields: { url: 'https://kept.example/', siteId: 'kept', intervalMinutes: '5' } },
      { line: 3, fields: { url: 'https://other.example/', siteId: 'taken' } },
    ]);
    const existing = new Map<string, Record<string, unknown>>([
      ['kept', { siteId: 'kept', url: 'https://kept.example', owner: 'acme', enabled: false }],
      ['taken', { siteId: 'taken', url: 'https://taken.example/' }],
    ]);

    // Act
    const plan = planImport({ valid: validated.valid, rejected: [{ line: 9, reason: 'earlier' }] }, existing);

    // Assess
    expect(plan.writes.map(({ line, isUpdate }) => ({ line, isUpdate }))).toEqual([
      { line: 1, isUpdate: false },
      { line: 2, isUpdate: true },
    ]);
    expect(plan.writes[1]?.config).toMatchObject({ owner: 'acme', enabled: false, intervalMinutes: 5 });
    expect(plan.rejected).toEqual([
      {
        line: 3,
        reason:
          'site id "taken" already monitors https://taken.example/; remove it first or choose another id',
      },
      { line: 9, reason: 'earlier' },
    ]);
  });

  it('warns, line by line, about a URL another id already has and about a target a deployed monitor never reaches', () => {
    // Prepare
    const validated = validateImportEntries([
      { line: 1, fields: { url: 'https://EXAMPLE.com./shop', siteId: 'shop-2' } },
      { line: 2, fields: { url: 'http://0x7f.1:8080/', siteId: 'loop-a' } },
      { line: 3, fields: { url: 'http://127.0.0.1:8080/', siteId: 'loop-b' } },
      { line: 4, fields: { url: 'https://example.com/shop', siteId: 'shop' } },
      { line: 5, fields: { url: 'https://quiet.example/' } },
    ]);
    const existing = new Map<string, Record<string, unknown>>([
      ['shop', { siteId: 'shop', url: 'https://example.com/shop' }],
    ]);

    // Act
    const plan = planImport({ valid: validated.valid, rejected: [] }, existing, true);

    // Assess
    expect(plan.writes.map(({ line }) => line)).toEqual([1, 2, 3, 4, 5]);
    expect(plan.warnings.map(({ line, message }) => [line, message.split(';')[0]?.split(':')[0]])).toEqual([
      [1, 'https'],
      [2, '127.0.0.1 is not a public address (loopback)'],
      [3, 'http'],
      [3, '127.0.0.1 is not a public address (loopback)'],
    ]);
    expect(plan.warnings[0]?.message).toMatch(
      /^https:\/\/example\.com\.\/shop is already monitored as "shop"; /,
    );
    expect(plan.warnings[2]?.message).toMatch(
      /^http:\/\/127\.0\.0\.1:8080\/ is already monitored as "loop-a"; /,
    );
  });
});

describe('import: refusals', () => {
  const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);

  it('rejects a line whose one-off maintenance window already ended, and keeps one still to come', () => {
    // Act
    const validated = validateImportEntries(
      [
        {
          line: 1,
          fields: { url: 'https://a.example/', maintenance: 'once 2026-12-01T00:00Z 2026-12-01T02:00Z' },
        },
        {
          line: 2,
          fields: { url: 'https://b.example/', maintenance: 'once 2026-12-06T11:00Z 2026-12-06T13:00Z' },
        },
        { line: 3, fields: { url: 'https://c.example/', maintenance: 'weekly sun 02:00 60 UTC' } },
      ],
      NOW,
    );

    // Assess
    expect(validated.valid.map(({ line }) => line)).toEqual([2, 3]);
    expect(validated.rejected).toEqual([
      {
        line: 1,
        reason:
          'maintenance: the window 2026-12-01T00:00Z to 2026-12-01T02:00Z ended before now (2026-12-06T12:00:00.000Z), so it would never apply',
      },
    ]);
  });

  it('rejects a JSON item with an empty or blank name, owner or id; a CSV cell left empty means the default', () => {
    // Act
    const json = parseImportFile(
      JSON.stringify([
        { url: 'https://a.example/', name: '' },
        { url: 'https://b.example/', owner: '   ' },
        { url: 'https://c.example/', id: '' },
        { url: 'https://d.example/', name: 'D' },
      ]),
    );
    const csv = parseImportFile('url,name,owner\nhttps://e.example/,,\n');

    // Assess
    expect(json.rejected.map(({ reason }) => reason)).toEqual([
      'name must not be empty, got "" (leave the key out for the default)',
      'owner must not be empty, got "   " (leave the key out for the default)',
      'siteId must not be empty, got "" (leave the key out for the default)',
    ]);
    expect(json.entries).toHaveLength(1);
    expect(csv.rejected).toEqual([]);
    expect(validateImportEntries(csv.entries).valid[0]?.config).toMatchObject({
      name: 'e.example',
      owner: 'default',
    });
  });
});
