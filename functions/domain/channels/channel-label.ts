import type { ChannelSecret } from './channel-secret.ts';

// Path words the services put before the secret part of their webhook URLs: shown whole, they say what it is.
const PUBLIC_PATH_WORDS = new Set(['api', 'services', 'webhooks', 'webhookb2', 'workflows']);
// Characters of the first secret-bearing path segment kept: enough to tell two channels apart.
const KEPT_CHARACTERS = 3;
// A numeric chat id's leading characters kept ("-1001234…" of a supergroup's -100xxxxxxxxxx).
const KEPT_CHAT_ID_CHARACTERS = 8;
const ELLIPSIS = '…';

/**
 * A channel's masked description, safe to print and log: it never holds a whole URL path, query, token,
 * routing key or signing secret.
 *   slack/teams/discord → "hooks.slack.com/services/T01…" (host, public path words, 3 characters, …)
 *   webhook             → "webhook https://example.com/…" (the receiver's origin)
 *   telegram            → "telegram chat -1001234…" or "telegram chat @channelname" (channel names are public)
 *   pagerduty           → "PagerDuty …a1b2" (the routing key's last 4 characters, as PagerDuty shows them)
 */
export function channelLabelOf(secret: ChannelSecret): string {
  switch (secret.kind) {
    case 'webhook':
      return `webhook ${originOf(secret.url)}/${ELLIPSIS}`;
    case 'slack':
    case 'teams':
    case 'discord':
      return chatServiceLabel(secret.url);
    case 'telegram':
      return `telegram chat ${maskChatId(secret.chatId)}`;
    case 'pagerduty':
      return `PagerDuty ${ELLIPSIS}${secret.routingKey.slice(-4)}`;
  }
}

/** "https://example.com:8443": scheme, host and port; never the user:password, path or query. */
function originOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}`;
}

function chatServiceLabel(url: string): string {
  const parsed = new URL(url);
  const segments = parsed.pathname.split('/').filter((segment) => segment !== '');
  const shown = [parsed.host];
  for (const segment of segments) {
    if (PUBLIC_PATH_WORDS.has(segment.toLowerCase())) {
      shown.push(segment);
      continue;
    }
    shown.push(`${segment.slice(0, KEPT_CHARACTERS)}${ELLIPSIS}`);
    return shown.join('/');
  }
  return `${shown.join('/')}/${ELLIPSIS}`;
}

/** A numeric chat id is not public (a channel name is): its first characters only. */
function maskChatId(chatId: string): string {
  if (chatId.startsWith('@') || chatId.length <= KEPT_CHAT_ID_CHARACTERS) return chatId;
  return `${chatId.slice(0, KEPT_CHAT_ID_CHARACTERS)}${ELLIPSIS}`;
}
