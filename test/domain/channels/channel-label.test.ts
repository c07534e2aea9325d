import { describe, expect, it } from 'vitest';
import { channelLabelOf } from '../../../functions/domain/channels/channel-label.ts';
import type { ChannelSecret } from '../../../functions/domain/channels/channel-secret.ts';

const SLACK_URL = 'https://hooks.slack.com/services/T01ABCDEF/B02GHIJKL/abcdefghijklmnopqrstuvwx';
const TEAMS_URL =
  'https://contoso.webhook.office.com/webhookb2/1f0c2e3d-aaaa-bbbb-cccc-000000000000@tenant/IncomingWebhook/deadbeef/guid';
const DISCORD_URL = 'https://discord.com/api/webhooks/123456789012345678/SeCrEtToKeN_abc-def';
const BOT_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1';

describe('channelLabelOf', () => {
  it.each<[string, ChannelSecret, string]>([
    ['slack', { kind: 'slack', url: SLACK_URL }, 'hooks.slack.com/services/T01…'],
    ['teams', { kind: 'teams', url: TEAMS_URL }, 'contoso.webhook.office.com/webhookb2/1f0…'],
    ['discord', { kind: 'discord', url: DISCORD_URL }, 'discord.com/api/webhooks/123…'],
    [
      'a chat URL whose path is only public words',
      { kind: 'slack', url: 'https://hooks.slack.com/services' },
      'hooks.slack.com/services/…',
    ],
    [
      'webhook (origin only, with its port)',
      {
        kind: 'webhook',
        url: 'https://user:pw@example.com:8443/hooks/s3cr3t?key=k',
        signingSecret: 'whsec_x',
      },
      'webhook https://example.com:8443/…',
    ],
    [
      'telegram, a numeric chat id',
      { kind: 'telegram', botToken: BOT_TOKEN, chatId: '-1001234567890' },
      'telegram chat -1001234…',
    ],
    [
      'telegram, a short chat id',
      { kind: 'telegram', botToken: BOT_TOKEN, chatId: '4242' },
      'telegram chat 4242',
    ],
    [
      'telegram, a public channel name',
      { kind: 'telegram', botToken: BOT_TOKEN, chatId: '@squirrel_alerts' },
      'telegram chat @squirrel_alerts',
    ],
    ['pagerduty', { kind: 'pagerduty', routingKey: 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKa1b2' }, 'PagerDuty …a1b2'],
  ])('labels %s', (_name, secret, label) => {
    expect(channelLabelOf(secret)).toBe(label);
  });

  it.each<ChannelSecret>([
    { kind: 'slack', url: SLACK_URL },
    { kind: 'teams', url: TEAMS_URL },
    { kind: 'discord', url: DISCORD_URL },
    { kind: 'webhook', url: 'https://example.com/hooks/s3cr3t-path', signingSecret: 'whsec_abcdef' },
    { kind: 'telegram', botToken: BOT_TOKEN, chatId: '-1001234567890' },
    { kind: 'pagerduty', routingKey: 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKa1b2' },
  ])('never holds a secret part of $kind', (secret) => {
    const label = channelLabelOf(secret);
    const secretParts = [
      'B02GHIJKL',
      'abcdefghijklmnopqrstuvwx',
      'deadbeef',
      'SeCrEtToKeN',
      's3cr3t',
      'whsec_',
      'AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1',
      '1234567890',
      'R0UT1NGKEY',
    ];
    for (const part of secretParts) expect(label).not.toContain(part);
  });
});
