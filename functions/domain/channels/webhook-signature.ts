import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header names of a signed webhook delivery (HTTP header names are case-insensitive). */
export const WEBHOOK_HEADERS = {
  event: 'X-Squirrel-Event',
  delivery: 'X-Squirrel-Delivery',
  timestamp: 'X-Squirrel-Timestamp',
  signature: 'X-Squirrel-Signature',
} as const;

/** How old (or how far in the future) a signed timestamp may be: a captured request replays for 5 min at most. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

const SCHEME = 'v1';

/**
 * The X-Squirrel-Signature value: `v1=` and the hex HMAC-SHA256, keyed with the channel's signing secret, of
 * `<timestampS>.<body>`. Signing the timestamp with the body means a receiver that checks the timestamp is
 * safe from replays of an old, captured delivery.
 */
export function signWebhook(secret: string, timestampS: number, body: string): string {
  return `${SCHEME}=${hmacHex(secret, `${timestampS}.${body}`)}`;
}

/** Headers as Node's `IncomingHttpHeaders`, fetch's plain object, or any case of the names. */
export type WebhookHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * True when `body` was signed with `secret` and its X-Squirrel-Timestamp is within `toleranceS` of `nowS`.
 * The signature header may list several `v1=` values (comma-separated, for a secret being rotated): one match
 * is enough. Compares in constant time.
 */
export function verifyWebhook(
  secret: string,
  headers: WebhookHeaders,
  body: string,
  nowS: number,
  toleranceS: number = WEBHOOK_TOLERANCE_SECONDS,
): boolean {
  const timestampText = headerValue(headers, WEBHOOK_HEADERS.timestamp);
  const signatureText = headerValue(headers, WEBHOOK_HEADERS.signature);
  if (timestampText === undefined || signatureText === undefined || !/^\d{1,12}$/.test(timestampText))
    return false;
  const timestampS = Number(timestampText);
  if (Math.abs(nowS - timestampS) > toleranceS) return false;
  const expected = Buffer.from(hmacHex(secret, `${timestampText}.${body}`), 'utf8');
  return signatureText
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${SCHEME}=`))
    .some((part) => {
      const given = Buffer.from(part.slice(SCHEME.length + 1), 'utf8');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}

function hmacHex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text, 'utf8').digest('hex');
}

function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return typeof value === 'string' ? value : value.join(',');
  }
  return undefined;
}
