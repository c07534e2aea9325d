import { describe, expect, it } from 'vitest';
import type { Alert } from '../../functions/domain/alert.ts';
import { formatAlert, SMS_MAX_BYTES, toAscii } from '../../functions/domain/alert-message.ts';
import { downLocations, fiveLongLocations, regionalAlert, regionalLocations } from './channels/fixtures.ts';
import { T0 } from './fixtures.ts';

const MINUTE = 60_000;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

const downAlert = (overrides: Partial<Alert> = {}): Alert => ({
  alertId: 'shop:12',
  event: 'DOWN',
  siteId: 'shop',
  siteName: 'Shop',
  url: 'https://shop.example.com/health',
  owner: 'team-a',
  atMs: T0 + MINUTE,
  outageSinceMs: T0,
  reason: 'http-5xx',
  detail: 'HEAD /health answered 503 Service Unavailable',
  status: 503,
  latencyMs: 123,
  ...overrides,
});

// Back after 2 h 5 min.
const upAlert = (overrides: Partial<Alert> = {}): Alert =>
  downAlert({ alertId: 'shop:14', event: 'UP', atMs: T0 + 125 * MINUTE, latencyMs: 87, ...overrides });

const LONG_HOST = `https://${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.example.com/health`;

const NAMES = [
  { label: 'a short name', siteName: 'Shop' },
  { label: 'a 100-character name', siteName: 'N'.repeat(100) },
  {
    label: 'a 100-character name with spaces',
    siteName: 'Very important customer portal '.repeat(4).slice(0, 100),
  },
  { label: 'accents', siteName: 'Café Crème Brûlée Ærø Ñandú' },
  { label: 'emoji', siteName: '🐿️ Squirrel shop 🌰🌰🌰' },
  { label: 'CJK', siteName: '東京の本店オンラインショップ' },
  { label: 'all emoji, 50 of them', siteName: '🔥'.repeat(50) },
  { label: 'a backtick', siteName: 'the `prod` site' },
  { label: 'control characters', siteName: 'tab\there\nnewline\r\u0007bell\u007fdel' },
  { label: 'compatibility characters', siteName: 'ﬁnance ① ㎞ ™' },
];

const HOSTS = [
  { label: 'a short host', url: 'https://shop.example.com/health' },
  { label: 'a long host', url: LONG_HOST },
  { label: 'an IDN host', url: 'https://bücher.example/' },
  { label: 'a host and port', url: 'http://shop.example.com:8443/' },
];

const EVENTS = [
  { event: 'DOWN', make: downAlert },
  { event: 'UP', make: upAlert },
  {
    event: 'DOWN from five locations',
    make: (overrides: Partial<Alert>) => downAlert({ locations: fiveLongLocations(), ...overrides }),
  },
  { event: 'REGIONAL', make: (overrides: Partial<Alert>) => regionalAlert(overrides) },
  {
    event: 'REGIONAL with five locations',
    make: (overrides: Partial<Alert>) =>
      regionalAlert({
        locations: fiveLongLocations().map((answer, index) =>
          index === 1 ? { outcome: 'up', location: answer.location, status: 200, latencyMs: 9 } : answer,
        ),
        ...overrides,
      }),
  },
] as const;

const cases = EVENTS.flatMap(({ event, make }) =>
  NAMES.flatMap(({ label, siteName }) =>
    HOSTS.map((host) => ({ event, name: label, host: host.label, alert: make({ siteName, url: host.url }) })),
  ),
);

describe('formatAlert: SMS', () => {
  it.each(cases)('$event with $name and $host fits in 140 bytes of printable ASCII', ({ alert }) => {
    // Prepare
    // Act
    const { sms } = formatAlert(alert);

    // Assess
    expect(Buffer.byteLength(sms, 'utf8')).toBeLessThanOrEqual(SMS_MAX_BYTES);
    expect(sms).toMatch(PRINTABLE_ASCII);
    expect(sms).not.toContain('`');
  });

  it.each(NAMES.map(({ label, siteName }) => ({ label, siteName })))(
    'DOWN with $label keeps the event, reason and time: the name gives way first',
    ({ siteName }) => {
      // Prepare
      const alert = downAlert({ siteName, reason: 'too-many-redirects' });

      // Act
      const { sms } = formatAlert(alert);

      // Assess
      expect(sms).toContain('DOWN: too-many-redirects since 09:00 UTC');
      expect(sms).toContain('shop.example.com');
    },
  );

  it.each(NAMES.map(({ label, siteName }) => ({ label, siteName })))(
    'UP with $label says how long the site was down',
    ({ siteName }) => {
      // Prepare
      const alert = upAlert({ siteName });

      // Act
      const { sms } = formatAlert(alert);

      // Assess
      expect(sms).toContain('UP after 2 h 5 min');
    },
  );

  it('starts with the site name when it fits', () => {
    // Prepare
    const alert = downAlert({ siteName: 'Shop', reason: 'timeout' });

    // Act
    const { sms } = formatAlert(alert);

    // Assess
    expect(sms).toBe('Shop DOWN: timeout since 09:00 UTC shop.example.com');
  });

  it('keeps the event and reason even with a very long host', () => {
    // Prepare
    const alert = downAlert({ url: LONG_HOST, reason: 'dns' });

    // Act
    const { sms } = formatAlert(alert);

    // Assess
    expect(sms).toContain('DOWN: dns since 09:00 UTC');
  });
});

describe('formatAlert: SMS segments', () => {
  it('keeps GSM-7 extension characters out of the SMS, so it stays one 160-unit segment', () => {
    // Prepare
    const alert = downAlert({ siteName: '[shop]{api}|~^\\'.repeat(10) });

    // Act
    const { sms } = formatAlert(alert);

    // Assess
    expect(sms).not.toMatch(/[[\]{}\\^~|]/);
    expect(Buffer.byteLength(sms)).toBeLessThanOrEqual(SMS_MAX_BYTES);
  });
});

describe('formatAlert: subject', () => {
  it.each(cases)('$event with $name and $host is at most 100 printable ASCII characters', ({ alert }) => {
    // Prepare
    // Act
    const { subject } = formatAlert(alert);

    // Assess
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(PRINTABLE_ASCII);
  });

  it.each(NAMES.map(({ label, siteName }) => ({ label, siteName })))(
    'DOWN with $label names the site and the reason',
    ({ siteName }) => {
      // Prepare
      const alert = downAlert({ siteName, reason: 'redirect-loop' });

      // Act
      const { subject } = formatAlert(alert);

      // Assess
      expect(subject.startsWith('DOWN: ')).toBe(true);
      expect(subject).toContain(toAscii(siteName).slice(0, 20));
      expect(subject).toContain('redirect-loop');
    },
  );

  it.each(NAMES.map(({ label, siteName }) => ({ label, siteName })))(
    'UP with $label names the site and how long it was down',
    ({ siteName }) => {
      // Prepare
      const alert = upAlert({ siteName });

      // Act
      const { subject } = formatAlert(alert);

      // Assess
      expect(subject.startsWith('UP: ')).toBe(true);
      expect(subject).toContain(toAscii(siteName).slice(0, 20));
      expect(subject).toContain('2 h 5 min');
    },
  );

  it('reads "DOWN: <name> - <reason>" for a short name', () => {
    // Prepare
    const alert = downAlert({ reason: 'tls' });

    // Act
    const { subject } = formatAlert(alert);

    // Assess
    expect(subject).toBe('DOWN: Shop - tls');
  });

  it.each([
    ['a name the id does not repeat', { siteName: 'Shop', siteId: 'shop-eu' }, 'DOWN: Shop (shop-eu) - tls'],
    [
      'a default name (host and path)',
      { siteName: 'example.com/shop', siteId: 'example-com-shop-3f9a2c' },
      'DOWN: example.com/shop (example-com-shop-3f9a2c) - tls',
    ],
    ['a name that is its id', { siteName: 'shop', siteId: 'shop' }, 'DOWN: shop - tls'],
  ])('names the site id after %s', (_label, names, expected) => {
    // Act
    const { subject } = formatAlert(downAlert({ reason: 'tls', ...names }));

    // Assess
    expect(subject).toBe(expected);
  });

  it('cuts a long name before the id, so two sites of one long name still differ', () => {
    // Prepare
    const siteName = 'Very important customer portal '.repeat(4).slice(0, 100);

    // Act
    const first = formatAlert(downAlert({ siteName, siteId: 'portal-eu' })).subject;
    const second = formatAlert(downAlert({ siteName, siteId: 'portal-us' })).subject;

    // Assess
    expect(first.length).toBeLessThanOrEqual(100);
    expect(first).toContain('... (portal-eu) - http-5xx');
    expect(second).toContain('(portal-us) - http-5xx');
  });

  it.each(['DOWN', 'UP', 'DEGRADED', 'BLOCKED', 'REMINDER', 'TLS_EXPIRY', 'UNCHECKED', 'REGIONAL'] as const)(
    'the %s email names the site id',
    (event) => {
      // Act
      const { email } = formatAlert(downAlert({ event, siteId: 'shop-eu', tlsValidToMs: T0 }));

      // Assess: once, in its own line
      expect(email.split('\n').filter((line) => line === 'Site id:     shop-eu')).toHaveLength(1);
    },
  );
});

describe('formatAlert: email', () => {
  it('the DOWN email gives URL, reason, detail, HTTP status, since when, latency and owner', () => {
    // Prepare
    const alert = downAlert();

    // Act
    const { email } = formatAlert(alert);

    // Assess
    expect(email).toContain('Shop is DOWN.');
    expect(email).toContain('https://shop.example.com/health');
    expect(email).toContain('http-5xx');
    expect(email).toContain('HEAD /health answered 503 Service Unavailable');
    expect(email).toMatch(/^.*status:.*\b503\b/im);
    expect(email).toMatch(/since:\s+2026-11-25 09:00:00 UTC/);
    expect(email).toContain('2026-11-25 09:01:00 UTC');
    expect(email).toContain('123 ms');
    expect(email).toContain('team-a');
  });

  it('the DOWN email has no HTTP status line when the failure had no status', () => {
    // Prepare
    const { status: _none, ...withoutStatus } = downAlert({
      reason: 'timeout',
      detail: 'no headers in 5000 ms',
    });

    // Act
    const { email } = formatAlert(withoutStatus);

    // Assess
    expect(email).not.toMatch(/status:/i);
    expect(email).toContain('no headers in 5000 ms');
  });

  it('the UP email gives URL, the outage reason and detail, when it started and ended, and latency now', () => {
    // Prepare
    const alert = upAlert();

    // Act
    const { email } = formatAlert(alert);

    // Assess
    expect(email).toContain('Shop is back UP after 2 h 5 min.');
    expect(email).toContain('https://shop.example.com/health');
    expect(email).toContain('http-5xx');
    expect(email).toContain('HEAD /health answered 503 Service Unavailable');
    expect(email).toContain('2026-11-25 09:00:00 UTC');
    expect(email).toContain('2026-11-25 11:05:00 UTC');
    expect(email).toContain('87 ms');
  });

  it('keeps the site name as written (email is UTF-8)', () => {
    // Prepare
    const alert = downAlert({ siteName: '🐿️ Café 東京' });

    // Act
    const { email } = formatAlert(alert);

    // Assess
    expect(email).toContain('🐿️ Café 東京 is DOWN.');
  });

  it('the default text is the subject followed by the email body', () => {
    // Prepare
    const alert = downAlert();

    // Act
    const message = formatAlert(alert);

    // Assess
    expect(message.default).toBe(`${message.subject}\n\n${message.email}`);
  });
});

describe('formatAlert: UNCHECKED', () => {
  it('says the monitor can no longer check the site, why, and that its last status stands', () => {
    // Prepare
    const alert = downAlert({
      event: 'UNCHECKED',
      reason: 'blocked-address',
      detail: 'blocked connection to shop.example.com at 10.0.0.5: not an allowed (public) address',
    });

    // Act
    const message = formatAlert(alert);

    // Assess
    expect(message.subject).toBe('UNCHECKED: Shop - private address');
    expect(message.email).toContain('The monitor can no longer check Shop.');
    expect(message.email).toContain('at 10.0.0.5');
    expect(message.email).toContain('Its last known status stays as it was');
    expect(message.sms).toContain('NOT CHECKED: resolves to a private address');
  });
});

describe('formatAlert: alerts folded in while SNS refused them', () => {
  it('adds how many alerts were missed since when, and the outages among them, to email and SMS', () => {
    // Prepare
    const alert = upAlert({
      missed: { alerts: 41, sinceMs: T0 - 60 * MINUTE, outages: 20, downMs: 35 * MINUTE },
    });

    // Act
    const message = formatAlert(alert);

    // Assess
    expect(message.email).toContain(
      'Missed:      41 earlier alert(s) since 2026-11-25 08:00:00 UTC could not be delivered; 20 outage(s) began and ended meanwhile, 35 min down in all.',
    );
    expect(message.sms).toContain('(+41 missed)');
    expect(Buffer.byteLength(message.sms)).toBeLessThanOrEqual(SMS_MAX_BYTES);
  });
});

describe('formatAlert: UP says how long the site was down', () => {
  it.each([
    { downMs: 0, text: '0 ms' },
    { downMs: 999, text: '999 ms' },
    { downMs: 45_000, text: '45 s' },
    { downMs: 12 * MINUTE + 30_000, text: '12 min 30 s' },
    { downMs: 125 * MINUTE, text: '2 h 5 min' },
    { downMs: (3 * 24 + 4) * 60 * MINUTE, text: '3 d 4 h' },
  ])('down for $downMs ms reads "$text" in subject, email and SMS', ({ downMs, text }) => {
    // Prepare
    const alert = upAlert({ outageSinceMs: T0, atMs: T0 + downMs });

    // Act
    const { subject, email, sms } = formatAlert(alert);

    // Assess
    expect(subject).toContain(`back after ${text}`);
    expect(email).toContain(`back UP after ${text}.`);
    expect(sms).toContain(`UP after ${text}`);
  });
});

describe('toAscii', () => {
  it.each([
    { text: 'Shop', ascii: 'Shop' },
    { text: 'Café Crème', ascii: 'Cafe Creme' },
    { text: 'naïve Ñandú', ascii: 'naive Nandu' },
    { text: 'ﬁnance', ascii: 'finance' },
    { text: '東京', ascii: '??' },
    { text: 'the `prod` site', ascii: "the 'prod' site" },
    { text: 'a\tb\nc', ascii: 'a?b?c' },
    { text: 'del\u007f', ascii: 'del?' },
  ])('"$text" becomes "$ascii"', ({ text, ascii }) => {
    // Prepare
    // Act
    const actual = toAscii(text);

    // Assess
    expect(actual).toBe(ascii);
  });
});

describe('formatAlert: DOWN without locations (no verifier regions) is what it was before issue 15', () => {
  // Rendered by the formatter of commit af68cdb, before verification existed: not one byte may change.
  it('a DOWN with an HTTP status', () => {
    // Act
    const message = formatAlert(downAlert());

    // Assess
    const email = [
      'Shop is DOWN.',
      '',
      'URL:         https://shop.example.com/health',
      'Site id:     shop',
      'Reason:      http-5xx',
      'Detail:      HEAD /health answered 503 Service Unavailable',
      'Status:      HTTP 503',
      'Down since:  2026-11-25 09:00:00 UTC (first failed check)',
      'Confirmed:   2026-11-25 09:01:00 UTC',
      'Latency:     123 ms',
      'Owner:       team-a',
      '',
      'You will get one more message when Shop is back up.',
      '',
      '-- uptime-squirrel',
    ].join('\n');
    expect(message).toEqual({
      subject: 'DOWN: Shop - http-5xx',
      default: `DOWN: Shop - http-5xx\n\n${email}`,
      email,
      sms: 'Shop DOWN: http-5xx since 09:00 UTC shop.example.com',
    });
  });

  it('a DOWN without status, after a maintenance window, with missed alerts', () => {
    // Act
    const message = formatAlert(
      downAlert({
        status: undefined,
        reason: 'timeout',
        detail: 'no response headers within 10000 ms',
        afterMaintenanceSinceMs: T0 - 60 * MINUTE,
        missed: { alerts: 3, sinceMs: T0 - 10 * MINUTE, outages: 1, downMs: 2 * MINUTE },
      }),
    );

    // Assess
    expect(message.subject).toBe('DOWN: Shop - timeout');
    expect(message.email).toBe(
      [
        'Shop is DOWN.',
        '',
        'URL:         https://shop.example.com/health',
        'Site id:     shop',
        'Reason:      timeout',
        'Detail:      no response headers within 10000 ms',
        'Down since:  2026-11-25 09:00:00 UTC (first failed check)',
        'Confirmed:   2026-11-25 09:01:00 UTC',
        'Latency:     123 ms',
        'Owner:       team-a',
        'Note:        the status changed during the maintenance window that began 2026-11-25 08:00:00 UTC',
        '',
        'You will get one more message when Shop is back up.',
        '',
        'Missed:      3 earlier alert(s) since 2026-11-25 08:50:00 UTC could not be delivered; 1 outage(s) began and ended meanwhile, 2 min down in all.',
        '',
        '-- uptime-squirrel',
      ].join('\n'),
    );
    expect(message.sms).toBe('Shop DOWN: timeout since 09:00 UTC (+3 missed) shop.example.com');
  });
});

describe('formatAlert: DOWN confirmed by several locations', () => {
  it('says how many answering locations confirmed it and lists what each answered, home first', () => {
    // Act
    const message = formatAlert(downAlert({ locations: downLocations('HEAD /health answered 503') }));

    // Assess
    expect(message.subject).toBe('DOWN: Shop - http-5xx from 2 of 3 locations');
    expect(message.email).toBe(
      [
        'Shop is DOWN.',
        '',
        'URL:         https://shop.example.com/health',
        'Site id:     shop',
        'Reason:      http-5xx',
        'Detail:      HEAD /health answered 503 Service Unavailable',
        'Status:      HTTP 503',
        'Down since:  2026-11-25 09:00:00 UTC (first failed check)',
        'Confirmed:   2026-11-25 09:01:00 UTC by 2 of 3 answering locations',
        'Latency:     123 ms',
        'Owner:       team-a',
        '',
        'Locations:',
        '  us-east-1 (home)  down: http-5xx - HEAD /health answered 503',
        '  us-west-2         down: http-5xx - HEAD /health answered 503',
        '  eu-west-1         up: HTTP 200 in 120 ms',
        '',
        'You will get one more message when Shop is back up.',
        '',
        '-- uptime-squirrel',
      ].join('\n'),
    );
    expect(message.sms).toBe('Shop DOWN (2 of 3 locations): http-5xx since 09:00 UTC shop.example.com');
  });

  it('counts a DOWN after REGIONAL from the first check most locations failed, and says so', () => {
    // Prepare: the outage starts at the confirming check itself (REGIONAL until then)
    const alert = downAlert({ locations: downLocations() });

    // Act
    const { email } = formatAlert({ ...alert, outageSinceMs: alert.atMs });

    // Assess
    expect(email).toContain('Down since:  2026-11-25 09:01:00 UTC (first check most locations failed)');
  });

  it('says which verifiers did not answer and why when home alone decided', () => {
    // Prepare
    const [home] = downLocations();
    const locations = [
      ...(home === undefined ? [] : [home]),
      { outcome: 'no-answer', location: 'us-west-2', detail: 'invoke timed out after 12 s' } as const,
      {
        outcome: 'no-answer',
        location: 'eu-west-1',
        detail: 'throttled (TooManyRequestsException)',
      } as const,
    ];

    // Act
    const { email, sms } = formatAlert(downAlert({ locations }));

    // Assess
    expect(email).toContain(
      'Confirmed:   2026-11-25 09:01:00 UTC by 1 of 1 answering location (2 more did not answer)',
    );
    expect(email).toContain('  us-west-2         no answer: invoke timed out after 12 s\n');
    expect(email).toContain('  eu-west-1         no answer: throttled (TooManyRequestsException)\n');
    expect(sms).toBe('Shop DOWN (1 of 1 locations): http-5xx since 09:00 UTC shop.example.com');
  });
});

describe('formatAlert: REGIONAL', () => {
  it('is informational: where it fails, where it is up, why it does not page, and that no UP follows', () => {
    // Act
    const message = formatAlert(regionalAlert({ owner: 'team-a', atMs: T0 + MINUTE, outageSinceMs: T0 }));

    // Assess
    expect(message.subject).toBe('REGIONAL: Shop - fails from us-east-1 only');
    expect(message.email).toBe(
      [
        'Shop fails from us-east-1 only; up from us-west-2 and eu-west-1.',
        '',
        'URL:         https://shop.example.com/health',
        'Site id:     shop',
        'Reason:      timeout (from us-east-1)',
        'Detail:      no response headers within 10000 ms',
        'Since:       2026-11-25 09:00:00 UTC (first failed check from us-east-1)',
        'Checked:     2026-11-25 09:01:00 UTC (3 locations answered)',
        'Owner:       team-a',
        '',
        'Locations:',
        '  us-east-1 (home)  down: timeout - no response headers within 10000 ms',
        '  us-west-2         up: HTTP 200 in 120 ms',
        '  eu-west-1         up: HTTP 200 in 95 ms',
        '',
        'Not paging: most locations reach it. You will be paged if it fails from most locations.',
        'No message follows when checks from us-east-1 pass again; `squirrel status` shows it as REGIONAL until then.',
        '',
        '-- uptime-squirrel',
      ].join('\n'),
    );
    expect(message.sms).toBe(
      'REGIONAL: Shop down: us-east-1; up: us-west-2, eu-west-1 (not paging) shop.example.com',
    );
  });

  it('explains a tie: half of the answering locations fail, and a page needs more than half', () => {
    // Prepare: home down, us-west-2 up, eu-west-1 silent.
    const locations = regionalLocations().map((answer, index) =>
      index === 2
        ? { outcome: 'no-answer' as const, location: answer.location, detail: 'invoke failed' }
        : answer,
    );

    // Act
    const { email, sms } = formatAlert(regionalAlert({ locations }));

    // Assess
    expect(email.split('\n')[0]).toBe(
      'Shop fails from us-east-1 only; up from us-west-2; no answer from eu-west-1.',
    );
    expect(email).toContain(
      'Not paging: only 1 of 2 answering locations fail, and a page needs more than half. You will be paged if it fails from most locations.',
    );
    expect(sms).toBe(
      'REGIONAL: Shop down: us-east-1; up: us-west-2; no answer: eu-west-1 (not paging) shop.example.com',
    );
  });

  it('counts the failing locations in the subject when their names are long, and in the SMS', () => {
    // Prepare
    const locations = fiveLongLocations().map((answer, index) =>
      index === 3 ? { outcome: 'up' as const, location: answer.location, status: 200, latencyMs: 9 } : answer,
    );

    // Act
    const { subject, sms } = formatAlert(regionalAlert({ locations }));

    // Assess: 2 fail, 3 reach it.
    expect(subject).toBe('REGIONAL: Shop - fails from 2 of 5 locations');
    expect(sms).toBe('REGIONAL: Shop down 2, up 3 (not paging) shop.example.com');
  });

  it('reads sensibly even without locations (never written so, but the schema allows it)', () => {
    // Act
    const { subject, email, sms } = formatAlert(regionalAlert({ locations: undefined }));

    // Assess
    expect(subject).toBe('REGIONAL: Shop - fails from the home region only');
    expect(email.split('\n')[0]).toBe('Shop fails from the home region only.');
    expect(sms.startsWith('REGIONAL: Shop')).toBe(true);
  });
});
