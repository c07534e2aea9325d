import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { ALL_OWNERS, type ChannelKind } from '../../functions/domain/channels/channel.ts';
import type { ChannelSecret } from '../../functions/domain/channels/channel-secret.ts';
import { InputError } from '../errors.ts';
import { type Contact, parseContact, parseOwner } from './contact.ts';

/** The subscribe flags: exactly one says where alerts go. */
export interface DestinationOptions {
  readonly email?: string;
  readonly sms?: string;
  readonly webhook?: string;
  readonly slack?: string;
  readonly teams?: string;
  readonly discord?: string;
  readonly telegram?: string;
  readonly pagerduty?: string;
}

/** Where `subscribe` sends alerts: an SNS email/SMS subscription, or a channel with its secret. */
export type Destination =
  | { readonly kind: 'contact'; readonly contact: Contact }
  | { readonly kind: 'channel'; readonly secret: ChannelSecret };

export interface ParsedDestination {
  readonly destination: Destination;
  /** Said on stderr, never refused: a URL that is not on the service's usual host (a proxy, a new domain). */
  readonly warnings: readonly string[];
}

export interface ChannelInputContext {
  /** The local runtime: http:// URLs allowed (its receivers are on loopback). */
  readonly allowPrivateTargets: boolean;
  /** Random bytes (the signing secret, channel ids); tests pass a fixed source. */
  readonly random?: (size: number) => Uint8Array;
}

// What each flag expects, for the "give one of" message and the help text.
export const DESTINATION_FLAGS: ReadonlyArray<readonly [keyof DestinationOptions, string]> = [
  ['email', '--email ADDRESS'],
  ['sms', '--sms +E164NUMBER'],
  ['webhook', '--webhook URL'],
  ['slack', '--slack URL'],
  ['teams', '--teams URL'],
  ['discord', '--discord URL'],
  ['telegram', '--telegram BOT_TOKEN:CHAT_ID'],
  ['pagerduty', '--pagerduty ROUTING_KEY'],
];

// The schema's bound (channel-secret.ts): Teams workflow URLs run ~400 characters, nothing real comes near.
const MAX_URL_CHARS = 2_048;
// The services' own incoming-webhook hosts; anything else is warned about (a typo, or a relay the user runs).
const USUAL_HOSTS: Readonly<
  Record<'slack' | 'teams' | 'discord', { words: string; matches: (host: string) => boolean }>
> = {
  slack: { words: 'hooks.slack.com', matches: (host) => host === 'hooks.slack.com' },
  teams: {
    words: '*.webhook.office.com, *.logic.azure.com or *.powerplatform.com',
    matches: (host) =>
      ['.webhook.office.com', '.logic.azure.com', '.powerplatform.com'].some((suffix) =>
        host.endsWith(suffix),
      ),
  },
  discord: {
    words: 'discord.com or discordapp.com',
    matches: (host) =>
      ['discord.com', 'discordapp.com'].some((name) => host === name || host.endsWith(`.${name}`)),
  },
};
const SERVICE_NAMES: Readonly<Record<ChannelKind, string>> = {
  webhook: 'webhook',
  slack: 'Slack',
  teams: 'Teams',
  discord: 'Discord',
  telegram: 'Telegram',
  pagerduty: 'PagerDuty',
};

// Telegram bot tokens are "<bot id>:<35 characters>"; the bound is loose so a longer future token still fits.
const TELEGRAM_PATTERN = /^(\d{5,15}:[A-Za-z0-9_-]{30,60}):(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$/;
// PagerDuty Events API v2 integration ("routing") keys: 32 letters and digits.
const ROUTING_KEY_PATTERN = /^[A-Za-z0-9]{32}$/;

/**
 * Exactly one of the destination flags, validated. Webhooks get a fresh signing secret here.
 * @throws InputError naming the flag and what it expects; a token or key is never shown in full.
 */
export function parseDestination(
  options: DestinationOptions,
  context: ChannelInputContext,
): ParsedDestination {
  const given = DESTINATION_FLAGS.filter(([key]) => options[key] !== undefined);
  if (given.length !== 1) {
    const names = DESTINATION_FLAGS.map(([, usage]) => usage).join(', ');
    throw new InputError(
      given.length === 0
        ? `give one of ${names}`
        : `give only one of ${names}; got ${given.map(([key]) => `--${key}`).join(' and ')}`,
    );
  }
  const [key] = given[0] as (typeof given)[number];
  const raw = options[key] as string;
  switch (key) {
    case 'email':
    case 'sms':
      return { destination: { kind: 'contact', contact: parseContact({ [key]: raw }) }, warnings: [] };
    case 'webhook': {
      const url = parseChannelUrl('webhook', raw, context.allowPrivateTargets);
      const signingSecret = generateSigningSecret(context.random);
      return {
        destination: { kind: 'channel', secret: { kind: 'webhook', url: url.href, signingSecret } },
        warnings: [],
      };
    }
    case 'slack':
    case 'teams':
    case 'discord': {
      const url = parseChannelUrl(key, raw, context.allowPrivateTargets);
      const usual = USUAL_HOSTS[key];
      // The local runtime's stand-in receivers are on loopback: no warning for what is plainly a local test.
      const isLocalStandIn =
        context.allowPrivateTargets &&
        (isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0 || url.hostname === 'localhost');
      const warnings =
        usual.matches(url.hostname) || isLocalStandIn
          ? []
          : [
              `warning: --${key} URL's host is ${url.hostname}, not ${usual.words} (${SERVICE_NAMES[key]}'s incoming ` +
                `webhooks): subscribed anyway, and it will be sent ${SERVICE_NAMES[key]}'s message format`,
            ];
      return { destination: { kind: 'channel', secret: { kind: key, url: url.href } }, warnings };
    }
    case 'telegram':
      return { destination: { kind: 'channel', secret: parseTelegram(raw) }, warnings: [] };
    case 'pagerduty':
      return { destination: { kind: 'channel', secret: parseRoutingKey(raw) }, warnings: [] };
  }
}

/** `--owner`, else every owner's alerts (ALL_OWNERS). */
export const parseChannelOwner = (raw: string | undefined): string =>
  raw === undefined ? ALL_OWNERS : parseOwner(raw);

/**
 * An https:// URL (http:// too for the local runtime), without a fragment.
 * @throws InputError naming the flag; the URL is shown only up to its host (the path may be the secret).
 */
export function parseChannelUrl(kind: ChannelKind, raw: string, allowPrivateTargets: boolean): URL {
  const flag = `--${kind}`;
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError(`${flag} must be an https:// URL, got ${describeUnparsed(text)}`);
  }
  const isHttpAllowed = allowPrivateTargets && url.protocol === 'http:';
  if (url.protocol !== 'https:' && !isHttpAllowed) {
    const local = allowPrivateTargets ? ' (or http://)' : ' (http:// only on the local runtime)';
    throw new InputError(`${flag} must be an https://${local} URL, got ${maskUrl(url)}`);
  }
  if (text.length > MAX_URL_CHARS) {
    throw new InputError(`${flag} URL must be at most ${MAX_URL_CHARS} characters, got ${text.length}`);
  }
  if (url.hash !== '') {
    throw new InputError(`${flag} URL must not have a #fragment (it is never sent), got ${maskUrl(url)}`);
  }
  return url;
}

function parseTelegram(raw: string): ChannelSecret {
  const match = TELEGRAM_PATTERN.exec(raw.trim());
  if (match === null) {
    throw new InputError(
      '--telegram must be BOT_TOKEN:CHAT_ID: the token @BotFather gave (digits, ":", ~35 letters, digits, _ or -), ' +
        `then ":" and the chat id (an integer like -1001234567890, or @channelname); got ${maskSecret(raw.trim())}`,
    );
  }
  return { kind: 'telegram', botToken: match[1] as string, chatId: match[2] as string };
}

function parseRoutingKey(raw: string): ChannelSecret {
  const routingKey = raw.trim();
  if (!ROUTING_KEY_PATTERN.test(routingKey)) {
    throw new InputError(
      '--pagerduty must be an Events API v2 integration key (the routing key of a service integration): ' +
        `32 letters and digits; got ${maskSecret(routingKey)}`,
    );
  }
  return { kind: 'pagerduty', routingKey };
}

/** "https://example.com/…": a URL in an error message, without what may be its secret part. */
const maskUrl = (url: URL): string => `"${url.protocol}//${url.host}/…"`;

const describeUnparsed = (text: string): string => (text === '' ? 'nothing' : maskSecret(text));

/** "12 characters starting "abc…"": enough to recognise a paste, never the secret. */
function maskSecret(text: string): string {
  if (text === '') return 'nothing';
  const shown = text.length >= 12 ? text.slice(0, 3) : '';
  return `${text.length} character${text.length === 1 ? '' : 's'}${shown === '' ? '' : ` starting "${shown}…"`}`;
}

/** `whsec_` + 32 random bytes in base64url: the webhook's HMAC key, shown to the user once. */
export function generateSigningSecret(random: (size: number) => Uint8Array = randomBytes): string {
  return `whsec_${Buffer.from(random(32)).toString('base64url')}`;
}

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** `ch-` + 10 random [a-z2-7] (CHANNEL_ID_PATTERN): 50 bits, unbiased (256 is a multiple of 32). */
export function generateChannelId(random: (size: number) => Uint8Array = randomBytes): string {
  return `ch-${Array.from(random(10), (byte) => BASE32_ALPHABET[byte % 32]).join('')}`;
}
