import { describe, expect, it } from 'vitest';
import type { Alert } from '../../functions/domain/alert.ts';
import {
  type AlertGroup,
  describeGroup,
  formatAlertGroup,
  GROUP_SITE_ID,
  groupAlerts,
  groupEventOf,
  hostOfUrl,
} from '../../functions/domain/alert-group.ts';
import { SMS_MAX_BYTES } from '../../functions/domain/alert-message.ts';
import type { DownReason } from '../../functions/domain/check-result.ts';
import { SITE_ID_PATTERN } from '../../functions/domain/site.ts';
import { T0 } from './fixtures.ts';

const MINUTE = 60_000;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** A DOWN alert of `owner`'s site `id` on `host`, failing for `reason`. */
const down = (
  id: string,
  owner = 'alice',
  reason: Alert['reason'] = 'timeout',
  host = `${id}.example.com`,
): Alert => ({
  alertId: `${id}:7`,
  event: 'DOWN',
  siteId: id,
  siteName: id[0]?.toUpperCase() + id.slice(1),
  url: `https://${host}/health`,
  owner,
  atMs: T0 + MINUTE,
  outageSinceMs: T0,
  reason,
  detail: `no response headers within 5000 ms from ${host}`,
  latencyMs: 5_000,
});

/** A REGIONAL alert of `owner`'s site `id`: it times out from us-east-1 only, the two verifiers reach it. */
const regional = (id: string, owner = 'alice', reason: DownReason = 'timeout', host?: string): Alert => ({
  ...down(id, owner, reason, host),
  event: 'REGIONAL',
  locations: [
    {
      outcome: 'down',
      location: 'us-east-1',
      reason,
      detail: 'no response headers within 5000 ms',
      latencyMs: 5_000,
    },
    { outcome: 'up', location: 'us-west-2', status: 200, latencyMs: 120 },
    { outcome: 'up', location: 'eu-west-1', status: 200, latencyMs: 95 },
  ],
});

const ids = (alerts: readonly Alert[]) => alerts.map((alert) => alert.siteId);
const shape = (groups: readonly AlertGroup[]) =>
  groups.map((group) => ({ owner: group.owner, key: group.key, ids: ids(group.alerts) }));

describe('groupAlerts', () => {
  it.each([
    {
      rule: 'three DOWN alerts of one owner with one reason make a group',
      alerts: [down('a'), down('b'), down('c')],
      groups: [{ owner: 'alice', key: { kind: 'reason', reason: 'timeout' }, ids: ['a', 'b', 'c'] }],
      singles: [],
    },
    {
      rule: 'two are not a group: each is sent alone',
      alerts: [down('a'), down('b')],
      groups: [],
      singles: ['a', 'b'],
    },
    {
      rule: 'a group never spans owners',
      alerts: [down('a', 'alice'), down('b', 'bob'), down('c', 'carol')],
      groups: [],
      singles: ['a', 'b', 'c'],
    },
    {
      rule: 'one host with mixed reasons makes a group by host',
      alerts: [
        down('a', 'alice', 'timeout', 'shop.example.com'),
        down('b', 'alice', 'http-5xx', 'shop.example.com'),
        down('c', 'alice', 'refused', 'shop.example.com'),
      ],
      groups: [{ owner: 'alice', key: { kind: 'host', host: 'shop.example.com' }, ids: ['a', 'b', 'c'] }],
      singles: [],
    },
    {
      rule: 'a shared reason wins a tie with a shared host',
      alerts: [
        down('a', 'alice', 'dns', 'shop.example.com'),
        down('b', 'alice', 'dns', 'shop.example.com'),
        down('c', 'alice', 'dns', 'shop.example.com'),
      ],
      groups: [{ owner: 'alice', key: { kind: 'reason', reason: 'dns' }, ids: ['a', 'b', 'c'] }],
      singles: [],
    },
    {
      rule: 'the largest set goes first, and an alert joins one group only',
      alerts: [
        down('a', 'alice', 'timeout', 'shop.example.com'),
        down('b', 'alice', 'timeout', 'shop.example.com'),
        down('c', 'alice', 'http-5xx', 'shop.example.com'),
        down('d', 'alice', 'http-5xx', 'shop.example.com'),
        down('e', 'alice', 'timeout', 'blog.example.com'),
      ],
      groups: [
        { owner: 'alice', key: { kind: 'host', host: 'shop.example.com' }, ids: ['a', 'b', 'c', 'd'] },
      ],
      singles: ['e'],
    },
    {
      rule: 'what is left after a group can make another one',
      alerts: [
        down('a', 'alice', 'timeout'),
        down('b', 'alice', 'timeout'),
        down('c', 'alice', 'timeout'),
        down('d', 'alice', 'timeout'),
        down('x', 'alice', 'dns', 'x.example.com'),
        down('y', 'alice', 'dns', 'y.example.com'),
        down('z', 'alice', 'dns', 'z.example.com'),
      ],
      groups: [
        { owner: 'alice', key: { kind: 'reason', reason: 'timeout' }, ids: ['a', 'b', 'c', 'd'] },
        { owner: 'alice', key: { kind: 'reason', reason: 'dns' }, ids: ['x', 'y', 'z'] },
      ],
      singles: [],
    },
    {
      rule: 'two owners with the same outage get a group each',
      alerts: [
        down('a1', 'alice'),
        down('b1', 'bob'),
        down('a2', 'alice'),
        down('b2', 'bob'),
        down('a3', 'alice'),
        down('b3', 'bob'),
      ],
      groups: [
        { owner: 'alice', key: { kind: 'reason', reason: 'timeout' }, ids: ['a1', 'a2', 'a3'] },
        { owner: 'bob', key: { kind: 'reason', reason: 'timeout' }, ids: ['b1', 'b2', 'b3'] },
      ],
      singles: [],
    },
    {
      rule: 'the port does not make another host',
      alerts: [
        down('a', 'alice', 'timeout', 'shop.example.com:8443'),
        down('b', 'alice', 'refused', 'shop.example.com:9000'),
        down('c', 'alice', 'http-5xx', 'SHOP.example.com'),
      ],
      groups: [{ owner: 'alice', key: { kind: 'host', host: 'shop.example.com' }, ids: ['a', 'b', 'c'] }],
      singles: [],
    },
  ])('$rule', ({ alerts, groups, singles }) => {
    // Prepare
    // Act
    const grouped = groupAlerts(alerts, 3);

    // Assess
    expect(shape(grouped.groups)).toEqual(groups);
    expect(ids(grouped.singles)).toEqual(singles);
  });

  it('groups REGIONAL alerts like DOWN ones, but never in the same group', () => {
    // Prepare: a home-region incident; alice also has three sites really down.
    const alerts = [
      regional('r1'),
      down('d1'),
      regional('r2'),
      down('d2'),
      regional('r3'),
      regional('r4', 'alice', 'dns'),
      down('d3'),
      regional('b1', 'bob'),
    ];

    // Act
    const grouped = groupAlerts(alerts, 3);

    // Assess: the REGIONAL group takes the host-less majority by reason; bob's one and the dns one go alone.
    expect(shape(grouped.groups)).toEqual([
      { owner: 'alice', key: { kind: 'reason', reason: 'timeout' }, ids: ['d1', 'd2', 'd3'] },
      { owner: 'alice', key: { kind: 'reason', reason: 'timeout' }, ids: ['r1', 'r2', 'r3'] },
    ]);
    expect(grouped.groups.map(groupEventOf)).toEqual(['DOWN', 'REGIONAL']);
    expect(grouped.groups.map(describeGroup)).toEqual([
      'alice/reason=timeout',
      'alice/reason=timeout/REGIONAL',
    ]);
    expect(ids(grouped.singles)).toEqual(['r4', 'b1']);
  });

  it.each(['UP', 'REMINDER', 'DEGRADED', 'BLOCKED', 'TLS_EXPIRY'] as const)(
    'never groups %s alerts, however many',
    (event) => {
      // Prepare
      const alerts = ['a', 'b', 'c', 'd'].map((id) => ({ ...down(id), event }));

      // Act
      const grouped = groupAlerts(alerts, 3);

      // Assess
      expect(grouped.groups).toEqual([]);
      expect(grouped.singles).toEqual(alerts);
    },
  );

  it('keeps the singles in the order given and sorts group members by name', () => {
    // Prepare
    const alerts = [down('zeta'), down('solo', 'bob'), down('alpha'), down('mid'), down('other', 'carol')];

    // Act
    const grouped = groupAlerts(alerts, 3);

    // Assess
    expect(ids(grouped.groups[0]?.alerts ?? [])).toEqual(['alpha', 'mid', 'zeta']);
    expect(ids(grouped.singles)).toEqual(['solo', 'other']);
  });

  it.each([
    { minSize: 4, count: 3, groups: 0 },
    { minSize: 4, count: 4, groups: 1 },
    { minSize: 1, count: 1, groups: 0 },
    { minSize: Number.POSITIVE_INFINITY, count: 50, groups: 0 },
  ])(
    'with a minimum of $minSize, $count alike alerts make $groups group(s)',
    ({ minSize, count, groups }) => {
      // Prepare
      const alerts = Array.from({ length: count }, (_, i) => down(`s${i}`));

      // Act
      const grouped = groupAlerts(alerts, minSize);

      // Assess
      expect(grouped.groups).toHaveLength(groups);
      expect(grouped.groups.length * count + grouped.singles.length).toBe(count);
    },
  );

  it('uses a site id attribute that no site can have', () => {
    expect(SITE_ID_PATTERN.test(GROUP_SITE_ID)).toBe(false);
  });

  it.each([
    { url: 'https://Shop.Example.com:8443/x', host: 'shop.example.com' },
    { url: 'http://[::1]:8080/', host: '[::1]' },
    { url: 'not a url', host: 'not a url' },
  ])('groups $url under host $host', ({ url, host }) => {
    expect(hostOfUrl(url)).toBe(host);
  });
});

const groupOf = (alerts: readonly Alert[]): AlertGroup => {
  const group = groupAlerts(alerts, 3).groups[0];
  if (!group) throw new Error('no group');
  return group;
};

const LONG_OWNER = `o${'w'.repeat(63)}`;
const LONG_HOST = `${'a'.repeat(63)}.${'b'.repeat(63)}.example.com`;
const NAMES = [
  'Shop',
  'N'.repeat(100),
  'Café Crème Brûlée Ærø Ñandú',
  '🐿️ Squirrel shop 🌰🌰🌰',
  '東京の本店オンラインショップ',
  'the `prod` site [eu] {x} ~y~ |z|',
  'tab\there\nnewline',
];

describe('formatAlertGroup', () => {
  it('names the count, the owner and the shared reason in the subject', () => {
    // Prepare
    const group = groupOf(['a', 'b', 'c', 'd', 'e'].map((id) => down(id)));

    // Act
    const message = formatAlertGroup(group);

    // Assess
    expect(message.subject).toBe('DOWN: 5 sites of alice - timeout');
  });

  it.each([
    {
      what: 'a shared reason',
      reasons: ['http-5xx', 'http-5xx', 'http-5xx'] as const,
      subject: 'DOWN: 3 sites of alice on shop.example.com - http-5xx',
    },
    {
      what: 'mixed reasons',
      reasons: ['http-5xx', 'timeout', 'refused'] as const,
      subject: 'DOWN: 3 sites of alice on shop.example.com',
    },
  ])('names the host of a host group, and its reason only when they share $what', ({ reasons, subject }) => {
    // Prepare
    const alerts = reasons.map((reason, i) => down(`s${i}`, 'alice', reason, 'shop.example.com'));
    const group: AlertGroup = { owner: 'alice', key: { kind: 'host', host: 'shop.example.com' }, alerts };

    // Act
    const message = formatAlertGroup(group);

    // Assess
    expect(message.subject).toBe(subject);
  });

  it('lists every site with its URL, reason and detail in the email', () => {
    // Prepare
    const alerts = [down('a'), down('b', 'alice', 'timeout'), { ...down('c'), status: 504 }];

    // Act
    const { email, default: plain } = formatAlertGroup(groupOf(alerts));

    // Assess
    expect(email).toContain('3 sites of alice are DOWN (reason: timeout).');
    for (const alert of alerts) {
      expect(email).toContain(`* ${alert.siteName} (${alert.siteId})`);
      expect(email).toContain(alert.url);
      expect(email).toContain(alert.detail);
    }
    expect(email).toContain('Reason:      timeout (HTTP 504)');
    expect(email).toContain('Down since:  2026-11-25 09:00:00 UTC (earliest first failed check)');
    expect(email).toContain('one message per site when each is back up');
    expect(plain.startsWith('DOWN: 3 sites of alice - timeout\n\n')).toBe(true);
  });

  it('gives a member a verification confirmed its locations; a member without keeps its entry as before', () => {
    // Prepare
    const locations = [
      { outcome: 'down', location: 'us-east-1', reason: 'timeout', detail: 'no headers', latencyMs: 5_000 },
      { outcome: 'down', location: 'us-west-2', reason: 'timeout', detail: 'no headers', latencyMs: 5_000 },
      { outcome: 'no-answer', location: 'eu-west-1', detail: 'invoke timed out' },
    ] as const;
    const alerts = [{ ...down('a'), locations: [...locations] }, down('b'), down('c')];

    // Act
    const { email } = formatAlertGroup(groupOf(alerts));

    // Assess
    expect(email).toContain(
      [
        '* A (a)',
        '  URL:         https://a.example.com/health',
        '  Reason:      timeout',
        '  Detail:      no response headers within 5000 ms from a.example.com',
        '  Down since:  2026-11-25 09:00:00 UTC',
        '  Confirmed:   by 2 of 2 answering locations (1 more did not answer)',
        '  Locations:   down from us-east-1 (timeout), us-west-2 (timeout); no answer from eu-west-1 (invoke timed out)',
        '',
        '* B (b)',
        '  URL:         https://b.example.com/health',
        '  Reason:      timeout',
        '  Detail:      no response headers within 5000 ms from b.example.com',
        '  Down since:  2026-11-25 09:00:00 UTC',
        '',
      ].join('\n'),
    );
  });

  it('notes a site that went down during a maintenance window', () => {
    // Prepare
    const alerts = [down('a'), down('b'), { ...down('c'), afterMaintenanceSinceMs: T0 - 60 * MINUTE }];

    // Act
    const { email } = formatAlertGroup(groupOf(alerts));

    // Assess
    expect(email).toContain('went down during the maintenance window that began 2026-11-25 08:00:00 UTC');
  });

  it('stops listing before SNS would refuse the message, and says how many more there are', () => {
    // Prepare: 500 sites with 2,000-character URLs
    const path = 'p'.repeat(1_950);
    const alerts = Array.from({ length: 500 }, (_, i) => ({
      ...down(`s${String(i).padStart(3, '0')}`),
      url: `https://s${i}.example.com/${path}`,
    }));

    // Act
    const message = formatAlertGroup(groupOf(alerts));

    // Assess
    const bytes = Buffer.byteLength(
      JSON.stringify({ default: message.default, email: message.email, sms: message.sms }),
    );
    expect(bytes).toBeLessThan(256 * 1024);
    expect(message.email).toMatch(/\.\.\. and \d+ more \(see `squirrel status`\)\./);
    expect(message.subject).toBe('DOWN: 500 sites of alice - timeout');
  });

  const smsCases = NAMES.flatMap((name) =>
    [3, 7, 40].flatMap((count) => (['reason', 'host'] as const).map((kind) => ({ name, count, kind }))),
  );

  it.each(smsCases)(
    'SMS for $count sites named "$name" grouped by $kind fits 140 bytes of printable ASCII',
    ({ name, count, kind }) => {
      // Prepare
      const alerts = Array.from({ length: count }, (_, i) => ({
        ...down(`s${i}`, LONG_OWNER, 'timeout', LONG_HOST),
        siteName: `${name} ${i}`,
      }));
      const group: AlertGroup =
        kind === 'reason'
          ? { owner: LONG_OWNER, key: { kind: 'reason', reason: 'timeout' }, alerts }
          : { owner: LONG_OWNER, key: { kind: 'host', host: LONG_HOST }, alerts };

      // Act
      const { sms, subject } = formatAlertGroup(group);

      // Assess
      expect(Buffer.byteLength(sms, 'utf8')).toBeLessThanOrEqual(SMS_MAX_BYTES);
      expect(sms).toMatch(PRINTABLE_ASCII);
      expect(sms).not.toMatch(/[`[\]{}\\^~|]/);
      expect(sms.startsWith(`${count} sites DOWN`)).toBe(true);
      expect(subject.length).toBeLessThanOrEqual(100);
      expect(subject).toMatch(PRINTABLE_ASCII);
      expect(subject.startsWith(`DOWN: ${count} sites of `)).toBe(true);
    },
  );

  it('SMS lists the names that fit and counts the rest', () => {
    // Prepare
    const alerts = Array.from({ length: 30 }, (_, i) => down(`site${String(i).padStart(2, '0')}`));

    // Act
    const { sms } = formatAlertGroup(groupOf(alerts));

    // Assess
    expect(sms).toMatch(/^30 sites DOWN: timeout since 09:00 UTC: Site00, Site01, .* \+\d+$/);
    const listed = sms.split(': ').at(-1)?.split(' +')[0]?.split(', ').length ?? 0;
    const rest = Number(sms.split(' +').at(-1));
    expect(listed + rest).toBe(30);
  });
});

describe('formatAlertGroup: REGIONAL', () => {
  it('says where they fail, that it does not page and that nothing follows, and lists each site', () => {
    // Prepare
    const group = groupOf(['a', 'b', 'c'].map((id) => regional(id)));

    // Act
    const message = formatAlertGroup(group);

    // Assess
    expect(message.subject).toBe('REGIONAL: 3 sites of alice - fail from us-east-1 only');
    expect(message.email).toContain('3 sites of alice fail from us-east-1 only (reason: timeout).\n');
    expect(message.email).toContain(
      [
        '* A (a)',
        '  URL:         https://a.example.com/health',
        '  Reason:      timeout',
        '  Detail:      no response headers within 5000 ms from a.example.com',
        '  Since:       2026-11-25 09:00:00 UTC',
        '  Locations:   down from us-east-1 (timeout); up from us-west-2 (HTTP 200 in 120 ms), eu-west-1 (HTTP 200 in 95 ms)',
        '',
      ].join('\n'),
    );
    expect(message.email).toContain(
      'Not paging: for each of them, no majority of the answering locations fails.',
    );
    expect(message.email).toContain('No message follows when they pass again.');
    expect(message.email).not.toContain('DOWN');
    expect(message.sms).toBe('REGIONAL: 3 sites fail from us-east-1 only (not paging): A, B, C');
  });

  it('names no failing locations when the members do not share them', () => {
    // Prepare
    const other = regional('c');
    const group = groupOf([
      regional('a'),
      regional('b'),
      {
        ...other,
        locations: other.locations?.map((answer) => ({ ...answer, location: `x-${answer.location}` })),
      },
    ]);

    // Act
    const { subject, sms, email } = formatAlertGroup(group);

    // Assess
    expect(subject).toBe('REGIONAL: 3 sites of alice - timeout');
    expect(email.split('\n')[0]).toBe(
      '3 sites of alice fail from a minority of locations (reason: timeout).',
    );
    expect(sms.startsWith('REGIONAL: 3 sites fail from a minority of locations (not paging): ')).toBe(true);
  });

  it.each(NAMES.flatMap((name) => [3, 40].map((count) => ({ name, count }))))(
    'SMS and subject for $count REGIONAL sites named "$name" stay within their limits',
    ({ name, count }) => {
      // Prepare
      const alerts = Array.from({ length: count }, (_, i) => ({
        ...regional(`s${i}`, LONG_OWNER, 'timeout', LONG_HOST),
        siteName: `${name} ${i}`,
      }));

      // Act
      const { sms, subject } = formatAlertGroup({
        owner: LONG_OWNER,
        key: { kind: 'host', host: LONG_HOST },
        alerts,
      });

      // Assess
      expect(Buffer.byteLength(sms, 'utf8')).toBeLessThanOrEqual(SMS_MAX_BYTES);
      expect(sms).toMatch(PRINTABLE_ASCII);
      expect(sms.startsWith(`REGIONAL: ${count} sites fail from us-east-1 only (not paging)`)).toBe(true);
      expect(subject.length).toBeLessThanOrEqual(100);
      expect(subject).toMatch(PRINTABLE_ASCII);
      expect(subject.startsWith(`REGIONAL: ${count} sites of `)).toBe(true);
      expect(subject.endsWith(' - fail from us-east-1 only')).toBe(true);
    },
  );
});
