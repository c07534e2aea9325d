import * as v from 'valibot';

// Generous for any real webhook URL (Teams workflow URLs run ~400 characters), small enough to bound an item.
const MAX_URL_CHARS = 2_048;
const url = v.pipe(v.string(), v.maxLength(MAX_URL_CHARS), v.url());
const token = (max: number) => v.pipe(v.string(), v.minLength(1), v.maxLength(max));

/**
 * What a channel needs to deliver, kept only in SSM Parameter Store (SecureString, JSON of this shape): never in
 * table items, queue messages, logs or stack outputs.
 */
export const ChannelSecretSchema = v.variant('kind', [
  v.object({
    kind: v.literal('webhook'),
    url,
    /** HMAC-SHA256 key for X-Squirrel-Signature (`whsec_` + 43 base64url characters, generated at subscribe). */
    signingSecret: token(200),
  }),
  v.object({ kind: v.literal('slack'), url }),
  v.object({ kind: v.literal('teams'), url }),
  v.object({ kind: v.literal('discord'), url }),
  v.object({ kind: v.literal('telegram'), botToken: token(200), chatId: token(64) }),
  v.object({ kind: v.literal('pagerduty'), routingKey: token(64) }),
]);
export type ChannelSecret = Readonly<v.InferOutput<typeof ChannelSecretSchema>>;
