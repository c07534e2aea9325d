import { describe, expect, it } from 'vitest';
import {
  generateChannelId,
  generateSigningSecret,
  parseChannelOwner,
  parseDestination,
} from '../../../cli/core/channel-input.ts';
import { InputError } from '../../../cli/errors.ts';
import { CHANNEL_ID_PATTERN } from '../../../functions/domain/channels/channel.ts';

const REMOTE = { allowPrivateTargets: false };
const LOCAL = { allowPrivateTargets: true };
const SLACK_URL = 'https://hooks.slack.com/services/T01ABCDEF/B02GHIJKL/abcdefghijklmnopqrstuvwx';
const BOT_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1';
const ROUTING_KEY = 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKa1b2';
/** A fixed random source: bytes 0, 1, 2, … */
const counting = (size: number) => Uint8Array.from({ length: size }, (_value, index) => index);

const refusal = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('expected an InputError');
};

describe('parseDestination', () => {
  it.each([
    ['slack', SLACK_URL],
    ['teams', 'https://contoso.webhook.office.com/webhookb2/abc@def/IncomingWebhook/123/456'],
    ['teams', 'https://prod-01.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=s'],
    ['teams', 'https://default123.environment.api.powerplatform.com/powerautomate/automations/direct/x'],
    ['discord', 'https://discord.com/api/webhooks/123456789012345678/token'],
    ['discord', 'https://discordapp.com/api/webhooks/123456789012345678/token'],
  ] as const)('takes a %s URL on its usual host, without a warning', (kind, url) => {
    // Act
    const parsed = parseDestination({ [kind]: url }, REMOTE);

    // Assess
    // The URL as stored is normalised (":443" dropped), the same place.
    expect(parsed).toEqual({
      destination: { kind: 'channel', secret: { kind, url: new URL(url).href } },
      warnings: [],
    });
  });

  it.each([
    ['slack', 'https://slack-relay.example.com/services/T0/B0/x', 'not hooks.slack.com'],
    [
      'teams',
      'https://teams.example.com/hook',
      'not *.webhook.office.com, *.logic.azure.com or *.powerplatform.com',
    ],
    ['discord', 'https://discord.example.com/api/webhooks/1/x', 'not discord.com or discordapp.com'],
  ] as const)('warns, without refusing, about a %s URL on another host', (kind, url, expected) => {
    // Act
    const parsed = parseDestination({ [kind]: url }, REMOTE);

    // Assess
    expect(parsed.destination).toEqual({ kind: 'channel', secret: { kind, url } });
    expect(parsed.warnings).toHaveLength(1);
    expect(parsed.warnings[0]).toContain(expected);
    expect(parsed.warnings[0]).not.toContain('/services/');
  });

  it("does not warn about a loopback stand-in on the local runtime, only about another service's host", () => {
    expect(parseDestination({ slack: 'http://127.0.0.1:8080/services/T0/B0/x' }, LOCAL).warnings).toEqual([]);
    expect(parseDestination({ slack: 'http://[::1]:8080/services/T0/B0/x' }, LOCAL).warnings).toEqual([]);
    expect(parseDestination({ slack: 'https://127.0.0.1/services/T0/B0/x' }, REMOTE).warnings).toHaveLength(
      1,
    );
    expect(parseDestination({ slack: 'https://relay.example.com/x' }, LOCAL).warnings).toHaveLength(1);
  });

  it('gives a webhook a fresh signing secret: whsec_ and 32 random bytes in base64url', () => {
    // Act
    const parsed = parseDestination(
      { webhook: 'https://example.com/hooks/squirrel' },
      { ...REMOTE, random: counting },
    );

    // Assess
    expect(parsed.destination).toEqual({
      kind: 'channel',
      secret: {
        kind: 'webhook',
        url: 'https://example.com/hooks/squirrel',
        signingSecret: `whsec_${Buffer.from(counting(32)).toString('base64url')}`,
      },
    });
  });

  it('takes a Telegram BOT_TOKEN:CHAT_ID with a numeric or @channel chat', () => {
    expect(parseDestination({ telegram: `${BOT_TOKEN}:-1001234567890` }, REMOTE).destination).toEqual({
      kind: 'channel',
      secret: { kind: 'telegram', botToken: BOT_TOKEN, chatId: '-1001234567890' },
    });
    expect(parseDestination({ telegram: `${BOT_TOKEN}:@squirrel_alerts` }, REMOTE).destination).toEqual({
      kind: 'channel',
      secret: { kind: 'telegram', botToken: BOT_TOKEN, chatId: '@squirrel_alerts' },
    });
  });

  it('takes a 32-character PagerDuty routing key', () => {
    expect(parseDestination({ pagerduty: ROUTING_KEY }, REMOTE).destination).toEqual({
      kind: 'channel',
      secret: { kind: 'pagerduty', routingKey: ROUTING_KEY },
    });
  });

  it('hands --email and --sms to the contact rules', () => {
    expect(parseDestination({ email: 'alice@example.com' }, REMOTE).destination).toEqual({
      kind: 'contact',
      contact: { protocol: 'email', endpoint: 'alice@example.com' },
    });
  });

  it('allows http:// only when the target allows private targets (the local runtime)', () => {
    // Act
    const local = parseDestination({ slack: 'http://127.0.0.1:8080/services/T0/B0/x' }, LOCAL);
    const message = refusal(() =>
      parseDestination({ slack: 'http://hooks.slack.com/services/T0/B0/secret' }, REMOTE),
    );

    // Assess
    expect(local.destination).toMatchObject({ secret: { url: 'http://127.0.0.1:8080/services/T0/B0/x' } });
    expect(message).toBe(
      '--slack must be an https:// (http:// only on the local runtime) URL, got "http://hooks.slack.com/…"',
    );
  });

  it.each([
    [{ webhook: 'not a url' }, '--webhook must be an https:// URL, got 9 characters'],
    [{ discord: '' }, '--discord must be an https:// URL, got nothing'],
    [
      { teams: 'ftp://example.com/secret-path' },
      '--teams must be an https:// (http:// only on the local runtime) URL, got "ftp://example.com/…"',
    ],
    [
      { webhook: 'https://example.com/hook#s3cr3t' },
      '--webhook URL must not have a #fragment (it is never sent), got "https://example.com/…"',
    ],
    [
      { webhook: `https://example.com/${'a'.repeat(2_100)}` },
      '--webhook URL must be at most 2048 characters, got 2120',
    ],
    [
      { telegram: BOT_TOKEN },
      '--telegram must be BOT_TOKEN:CHAT_ID: the token @BotFather gave (digits, ":", ~35 letters, digits, _ or -), ' +
        'then ":" and the chat id (an integer like -1001234567890, or @channelname); got 45 characters starting "123…"',
    ],
    [
      { telegram: `${BOT_TOKEN}:general chat` },
      '--telegram must be BOT_TOKEN:CHAT_ID: the token @BotFather gave (digits, ":", ~35 letters, digits, _ or -), ' +
        'then ":" and the chat id (an integer like -1001234567890, or @channelname); got 58 characters starting "123…"',
    ],
    [
      { pagerduty: ROUTING_KEY.slice(1) },
      '--pagerduty must be an Events API v2 integration key (the routing key of a service integration): 32 letters ' +
        'and digits; got 31 characters starting "0UT…"',
    ],
    [
      { pagerduty: 'short' },
      '--pagerduty must be an Events API v2 integration key (the routing key of a service integration): 32 letters ' +
        'and digits; got 5 characters',
    ],
    [
      {},
      'give one of --email ADDRESS, --sms +E164NUMBER, --webhook URL, --slack URL, --teams URL, --discord URL, ' +
        '--telegram BOT_TOKEN:CHAT_ID, --pagerduty ROUTING_KEY',
    ],
    [
      { slack: SLACK_URL, pagerduty: ROUTING_KEY },
      'give only one of --email ADDRESS, --sms +E164NUMBER, --webhook URL, --slack URL, --teams URL, --discord URL, ' +
        '--telegram BOT_TOKEN:CHAT_ID, --pagerduty ROUTING_KEY; got --slack and --pagerduty',
    ],
  ])('refuses %j, naming the flag and what it expects', (options, expected) => {
    expect(refusal(() => parseDestination(options, REMOTE))).toBe(expected);
  });

  it.each([
    { telegram: `${BOT_TOKEN}:x y` },
    { pagerduty: `${ROUTING_KEY}!` },
    { slack: 'https://hooks.slack.com/services/T0/B0/s3cr3tt0k3n#frag' },
    { webhook: 'http://example.com/hooks/s3cr3tt0k3n' },
  ])('never repeats the secret part of a refused %j', (options) => {
    const message = refusal(() => parseDestination(options, REMOTE));
    for (const secret of ['AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1', ROUTING_KEY.slice(4), 's3cr3tt0k3n']) {
      expect(message).not.toContain(secret);
    }
  });
});

describe('parseChannelOwner', () => {
  it('is every owner (*) without --owner, and the owner when valid', () => {
    expect(parseChannelOwner(undefined)).toBe('*');
    expect(parseChannelOwner('acme')).toBe('acme');
    expect(() => parseChannelOwner('two words')).toThrow(InputError);
  });
});

describe('generateChannelId / generateSigningSecret', () => {
  it('makes ch- and 10 base32 characters from 10 random bytes', () => {
    expect(generateChannelId(counting)).toBe('ch-abcdefghij');
    expect(generateChannelId(() => Uint8Array.from({ length: 10 }, () => 255))).toBe('ch-7777777777');
    expect(generateChannelId()).toMatch(CHANNEL_ID_PATTERN);
    expect(generateChannelId()).not.toBe(generateChannelId());
  });

  it('makes whsec_ and 43 base64url characters, different each time', () => {
    expect(generateSigningSecret()).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(generateSigningSecret()).not.toBe(generateSigningSecret());
  });
});
