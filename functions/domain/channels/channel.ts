import * as v from 'valibot';
import { boundedText, wholeNumber } from '../schema-parts.ts';
import { OWNER_PATTERN } from '../site.ts';

/** Where an owner's alerts can go besides email and SMS (issue 14). */
export const CHANNEL_KINDS = ['webhook', 'slack', 'teams', 'discord', 'telegram', 'pagerduty'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** The owner of a channel subscribed without `--owner`: it receives every owner's alerts (as email and SMS do). */
export const ALL_OWNERS = '*';

/** `ch-` and 10 lowercase base32 characters: short enough to type, random enough never to collide. */
export const CHANNEL_ID_PATTERN = /^ch-[a-z2-7]{10}$/;

/**
 * A channel as stored in the channels table (key: owner, channelId). Holds no secret: the URL, token, routing
 * key or signing secret lives in the SSM SecureString parameter `secretName`; `label` is a masked description
 * safe to print and log ("hooks.slack.com/services/T01…", "PagerDuty …a1b2").
 */
export const ChannelSchema = v.object({
  owner: v.union([v.literal(ALL_OWNERS), v.pipe(v.string(), v.regex(OWNER_PATTERN))]),
  channelId: v.pipe(v.string(), v.regex(CHANNEL_ID_PATTERN)),
  kind: v.picklist(CHANNEL_KINDS),
  label: boundedText,
  /** The SSM parameter holding this channel's ChannelSecret (JSON, SecureString). */
  secretName: v.pipe(v.string(), v.maxLength(1011)),
  createdAtMs: wholeNumber,
  /** Set when the channel answered a permanent failure (4xx, blocked address) and its owner was told once. */
  brokenSinceMs: v.optional(wholeNumber),
  brokenDetail: v.optional(boundedText),
});
export type Channel = Readonly<v.InferOutput<typeof ChannelSchema>>;
