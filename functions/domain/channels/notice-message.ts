import { type AlertMessage, SMS_MAX_BYTES, toAscii } from '../alert-message.ts';
import { formatUtc } from '../duration.ts';
import { ALL_OWNERS, type ChannelKind } from './channel.ts';
import type { ChannelFailedNotice, Notification } from './notification.ts';

/** The two notifications that are not site alerts: published by the deliverer and by `squirrel notify-test`. */
export type Notice = Extract<Notification, { type: 'channel-failed' | 'test' }>;

// SNS rejects subjects over 100 characters or with control characters.
const SUBJECT_MAX_CHARS = 100;

// What `squirrel subscribe` takes for each kind: the fix repeats the flag the owner used.
const SUBSCRIBE_FLAGS: Readonly<Record<ChannelKind, string>> = {
  webhook: '--webhook URL',
  slack: '--slack URL',
  teams: '--teams URL',
  discord: '--discord URL',
  telegram: '--telegram BOT_TOKEN:CHAT_ID',
  pagerduty: '--pagerduty ROUTING_KEY',
};

const KIND_NAMES: Readonly<Record<ChannelKind, string>> = {
  webhook: 'Webhook',
  slack: 'Slack',
  teams: 'Teams',
  discord: 'Discord',
  telegram: 'Telegram',
  pagerduty: 'PagerDuty',
};

/**
 * Renders a notice like `formatAlert` renders an alert: a subject of at most 100 ASCII characters, an email,
 * and an SMS of at most 140 GSM-7 basic characters. A channel-failed notice names the channel by its masked
 * label (never its URL or token), what it answered, and how to replace it.
 */
export function formatNotice(notice: Notice): AlertMessage {
  const { subject, email, sms } =
    notice.type === 'channel-failed' ? channelFailedTexts(notice.notice) : testTexts(notice);
  const body = [...email, '', '-- uptime-squirrel'].join('\n');
  return { subject, default: `${subject}\n\n${body}`, email: body, sms };
}

interface NoticeTexts {
  readonly subject: string;
  readonly email: readonly string[];
  readonly sms: string;
}

function channelFailedTexts(notice: ChannelFailedNotice): NoticeTexts {
  const kind = KIND_NAMES[notice.kind];
  const answered = notice.status === undefined ? 'no HTTP answer' : `HTTP ${notice.status}`;
  const ownerOption = notice.owner === ALL_OWNERS ? '' : ` --owner ${notice.owner}`;
  const whose = notice.owner === ALL_OWNERS ? 'every owner' : notice.owner;
  const prefix = `CHANNEL FAILED: ${kind} `;
  const suffix = ` - ${answered}`;
  const subject = `${prefix}${truncate(toAscii(notice.label), SUBJECT_MAX_CHARS - prefix.length - suffix.length)}${suffix}`;
  const email = [
    `The ${kind} channel ${notice.label} stopped taking alerts: it answered a permanent failure.`,
    '',
    `Channel:     ${kind} ${notice.label}`,
    `Channel id:  ${notice.channelId}`,
    `Alerts of:   ${whose}`,
    `Status:      ${answered}`,
    `Detail:      ${notice.detail}`,
    `Failed at:   ${formatUtc(notice.atMs)}`,
    `Alert:       ${notice.alertId} (not delivered to this channel)`,
    '',
    'This alert is not retried on it. Later alerts are still tried, but you are told only once, until the',
    'channel delivers again. Your other channels, email and SMS still get every alert.',
    '',
    'To fix it, check the URL, token or key (a deleted webhook, a removed bot, a revoked key), then replace it:',
    '  squirrel subscriptions list',
    `  squirrel unsubscribe ${notice.channelId}`,
    `  squirrel subscribe ${SUBSCRIBE_FLAGS[notice.kind]}${ownerOption}`,
  ];
  // The label gives way: what failed, how, and the command that fixes it are what the reader needs.
  const head = `${kind} channel FAILED (${answered}): `;
  const tail = `. Fix: squirrel unsubscribe ${notice.channelId}, subscribe again`;
  const label = truncate(toGsmBasic(notice.label), SMS_MAX_BYTES - head.length - tail.length);
  return { subject: toAscii(subject), email, sms: toGsmBasic(`${head}${label}${tail}`) };
}

function testTexts(notice: Extract<Notice, { type: 'test' }>): NoticeTexts {
  const whose = notice.owner === ALL_OWNERS ? 'every owner' : notice.owner;
  const subject = `TEST: uptime-squirrel alerts of ${truncate(toAscii(whose), SUBJECT_MAX_CHARS - 32)}`;
  const email = [
    `This is a test alert, sent by \`squirrel notify-test\`: alerts of ${whose} reach you here.`,
    '',
    `Alerts of:   ${whose}`,
    `Sent at:     ${formatUtc(notice.atMs)}`,
    `Test id:     ${notice.testId}`,
    '',
    'No site changed. Every channel of this owner got the same test; `squirrel notify-test` reports how each',
    'delivery went.',
  ];
  const sms = `uptime-squirrel TEST: alerts of ${truncate(toGsmBasic(whose), 60)} reach this phone. No site changed.`;
  return { subject: toAscii(subject), email, sms: truncate(toGsmBasic(sms), SMS_MAX_BYTES) };
}

// These are in GSM-7's extension table: each costs two units, and enough of them overflow one segment.
const toGsmBasic = (text: string): string => toAscii(text).replace(/[[\]{}\\^~|]/g, '?');

function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, Math.max(0, maxChars - 3))}...`;
}
