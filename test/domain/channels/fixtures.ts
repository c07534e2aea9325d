import type { Alert } from '../../../functions/domain/alert.ts';
import { ALERT_EVENTS } from '../../../functions/domain/alert.ts';
import type { ChannelEndpoints } from '../../../functions/domain/channels/channel-request.ts';
import type { ChannelSecret } from '../../../functions/domain/channels/channel-secret.ts';
import type { Notification } from '../../../functions/domain/channels/notification.ts';
import { truncateText } from '../../../functions/domain/schema-parts.ts';
import type { LocationAnswer } from '../../../functions/domain/verification.ts';

export const T0 = Date.UTC(2026, 10, 25, 9, 1, 0);
export const MINUTE = 60_000;

export const downAlert = (overrides: Partial<Alert> = {}): Alert => ({
  alertId: 'shop:12',
  event: 'DOWN',
  siteId: 'shop',
  siteName: 'Shop',
  url: 'https://shop.example.com/health',
  owner: 'alice',
  atMs: T0 + 31_000,
  outageSinceMs: T0,
  reason: 'http-5xx',
  detail: 'HTTP 503 Service Unavailable from HEAD https://shop.example.com/health',
  status: 503,
  latencyMs: 84,
  ...overrides,
});

/** The UP that ends downAlert's outage, 12 min 31 s after it began. */
export const upAlert = (overrides: Partial<Alert> = {}): Alert =>
  downAlert({ alertId: 'shop:13', event: 'UP', atMs: T0 + 751_000, latencyMs: 92, ...overrides });

const DETAIL_503 = 'HTTP 503 Service Unavailable from HEAD https://shop.example.com/health';

/** A verified DOWN: home and us-west-2 fail, eu-west-1 could not answer (2 of 2 answering locations). */
export const downLocations = (detail = DETAIL_503): LocationAnswer[] => [
  { outcome: 'down', location: 'us-east-1', reason: 'http-5xx', detail, status: 503, latencyMs: 84 },
  { outcome: 'down', location: 'us-west-2', reason: 'http-5xx', detail, status: 503, latencyMs: 91 },
  { outcome: 'up', location: 'eu-west-1', status: 200, latencyMs: 120 },
];

/** A REGIONAL: home times out, both verifiers reach the site. */
export const regionalLocations = (detail = 'no response headers within 10000 ms'): LocationAnswer[] => [
  { outcome: 'down', location: 'us-east-1', reason: 'timeout', detail, latencyMs: 10_000 },
  { outcome: 'up', location: 'us-west-2', status: 200, latencyMs: 120 },
  { outcome: 'up', location: 'eu-west-1', status: 200, latencyMs: 95 },
];

/** The most a verification holds: home and four verifiers, 32-character names, every outcome. */
export const fiveLongLocations = (detail = DETAIL_503): LocationAnswer[] => [
  {
    outcome: 'down',
    location: 'home-region-with-a-long-name-001',
    reason: 'http-5xx',
    detail,
    latencyMs: 84,
  },
  { outcome: 'down', location: 'verifier-with-a-long-name-000002', reason: 'tls', detail, latencyMs: 90 },
  { outcome: 'up', location: 'verifier-with-a-long-name-000003', status: 200, latencyMs: 120 },
  { outcome: 'no-answer', location: 'verifier-with-a-long-name-000004', detail },
  { outcome: 'up', location: 'verifier-with-a-long-name-000005', status: 204, latencyMs: 99_999 },
];

/** A REGIONAL alert as the checker commits it: home's reason, detail and latency; every location's answer. */
export const regionalAlert = (overrides: Partial<Alert> = {}): Alert =>
  downAlert({
    alertId: 'shop:12',
    event: 'REGIONAL',
    reason: 'timeout',
    detail: 'no response headers within 10000 ms',
    status: undefined,
    latencyMs: 10_000,
    locations: regionalLocations(),
    ...overrides,
  });

/** One alert of each event, with the fields that event carries. */
export const alertOfEach = (overrides: Partial<Alert> = {}): Alert[] =>
  ALERT_EVENTS.map((event) =>
    downAlert({
      event,
      alertId: `shop:${event}`,
      ...(event === 'UP' ? { atMs: T0 + 751_000 } : {}),
      ...(event === 'REMINDER' ? { atMs: T0 + 3_600_000 } : {}),
      ...(event === 'DEGRADED' ? { maxResponseMs: 1_000, latencyMs: 2_400, reason: 'timeout' } : {}),
      ...(event === 'BLOCKED' ? { status: 403, reason: 'http-4xx' } : {}),
      ...(event === 'TLS_EXPIRY' ? { tlsValidToMs: T0 + 7 * 86_400_000 } : {}),
      ...(event === 'UNCHECKED' ? { reason: 'blocked-address' } : {}),
      ...overrides,
    }),
  );

export const groupOf = (alerts: readonly Alert[], omittedAlerts = 0): Notification => ({
  type: 'alert-group',
  group: { owner: 'alice', key: { kind: 'reason', reason: 'timeout' }, alerts: [...alerts], omittedAlerts },
});

export const groupMember = (index: number, overrides: Partial<Alert> = {}): Alert =>
  downAlert({
    alertId: `site-${index}:4`,
    siteId: `site-${index}`,
    siteName: `Site ${index}`,
    url: `https://site-${index}.example.com/`,
    reason: 'timeout',
    detail: 'no answer within 10 s',
    status: undefined,
    outageSinceMs: T0 + index,
    ...overrides,
  });

export const channelFailed: Notification = {
  type: 'channel-failed',
  notice: {
    owner: 'alice',
    channelId: 'ch-abcdefgh23',
    kind: 'slack',
    label: 'hooks.slack.com/services/T01…',
    atMs: T0 + 40_000,
    status: 404,
    detail: 'HTTP 404 no_service',
    alertId: 'shop:12',
  },
};

export const testNotification: Notification = { type: 'test', owner: 'alice', atMs: T0, testId: 't-7f3k2m' };

/** Text that breaks formats which do not escape: mentions, markup, HTML, a forged link, 5,000 characters. */
export const HOSTILE_TEXTS = [
  '<!channel> @everyone @here <@U123> </b><i>x</i> [click](https://evil.example) *bold* _it_ ~s~ `c` ||sp|| & &amp; > quote',
  `${'<&>'.repeat(1_700)}`,
  `${'🔥'.repeat(2_500)}`,
  `${'x'.repeat(5_000)}`,
];

/** An alert whose every site-supplied text is hostile (details are cut to 500 characters by the schema). */
export const hostileAlert = (text: string, overrides: Partial<Alert> = {}): Alert =>
  downAlert({
    siteName: text,
    url: `https://shop.example.com/${encodeURIComponent(text).slice(0, 4_000)}?q=${text.slice(0, 1_000)}`,
    detail: truncateText(text),
    ...overrides,
  });

/** Every kind of notification: an alert of each event, one with missed alerts, a group, both notices. */
export const everyNotification = (
  alertOverrides: Partial<Alert> = {},
): { label: string; notification: Notification }[] => [
  ...alertOfEach(alertOverrides).map((alert) => ({
    label: `alert ${alert.event}`,
    notification: { type: 'alert', alert } as const,
  })),
  {
    label: 'alert DOWN with missed alerts',
    notification: {
      type: 'alert',
      alert: downAlert({
        ...alertOverrides,
        missed: { alerts: 41, sinceMs: T0 - 3_600_000, outages: 20, downMs: 2_100_000 },
      }),
    },
  },
  {
    label: 'alert DOWN with locations',
    notification: { type: 'alert', alert: downAlert({ ...alertOverrides, locations: downLocations() }) },
  },
  {
    label: 'alert REGIONAL with locations',
    notification: { type: 'alert', alert: regionalAlert({ ...alertOverrides }) },
  },
  {
    label: 'alert DOWN with five long locations',
    notification: {
      type: 'alert',
      alert: downAlert({ ...alertOverrides, locations: fiveLongLocations(alertOverrides.detail) }),
    },
  },
  {
    label: 'alert REGIONAL with five long locations and missed alerts',
    notification: {
      type: 'alert',
      alert: regionalAlert({
        ...alertOverrides,
        locations: fiveLongLocations(alertOverrides.detail).map((answer, index) =>
          index === 1 && answer.outcome === 'down'
            ? { outcome: 'up', location: answer.location, status: 200, latencyMs: 1 }
            : answer,
        ),
        missed: { alerts: 41, sinceMs: T0 - 3_600_000, outages: 20, downMs: 2_100_000 },
        afterMaintenanceSinceMs: T0 - 600_000,
      }),
    },
  },
  {
    label: 'group of 3',
    notification: groupOf([0, 1, 2].map((index) => groupMember(index, alertOverrides))),
  },
  {
    label: 'group of 3 with locations',
    notification: groupOf(
      [0, 1, 2].map((index) =>
        groupMember(index, { ...alertOverrides, locations: fiveLongLocations(alertOverrides.detail) }),
      ),
    ),
  },
  {
    label: 'REGIONAL group of 40 with five long locations',
    notification: groupOf(
      Array.from({ length: 40 }, (_, index) =>
        groupMember(index, {
          ...alertOverrides,
          event: 'REGIONAL',
          locations: fiveLongLocations(alertOverrides.detail).map((answer, at) =>
            at === 1 ? { outcome: 'up', location: answer.location, status: 200, latencyMs: 7 } : answer,
          ),
        }),
      ),
    ),
  },
  {
    label: 'group of 120 with 30 omitted',
    notification: groupOf(
      Array.from({ length: 120 }, (_, index) => groupMember(index, alertOverrides)),
      30,
    ),
  },
  { label: 'channel-failed', notification: channelFailed },
  { label: 'test', notification: testNotification },
];

export const ENDPOINTS: ChannelEndpoints = {
  telegramApiUrl: 'http://127.0.0.1:9/telegram',
  pagerDutyEventsUrl: 'http://127.0.0.1:9/v2/enqueue',
};

export const SECRETS: Readonly<Record<ChannelSecret['kind'], ChannelSecret>> = {
  webhook: {
    kind: 'webhook',
    url: 'https://hooks.example.com/uptime',
    signingSecret: 'whsec_dGVzdC1zZWNyZXQtb25seS1mb3ItdGVzdHMtMTIzNDU2',
  },
  slack: { kind: 'slack', url: 'https://hooks.slack.com/services/T000/B000/XXXX' },
  teams: {
    kind: 'teams',
    url: 'https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke',
  },
  discord: { kind: 'discord', url: 'https://discord.com/api/webhooks/123/abc' },
  telegram: { kind: 'telegram', botToken: '123456:ABC-DEF', chatId: '-1001234567890' },
  pagerduty: { kind: 'pagerduty', routingKey: 'R0UT1NGKEY0000000000000000000000' },
};
