import type { Alert } from './alert.ts';
import { formatDuration, formatUtc } from './duration.ts';

export const SMS_MAX_BYTES = 140;
// SNS rejects subjects over 100 characters or with control characters.
const SUBJECT_MAX_CHARS = 100;

/** One alert rendered for each SNS protocol (`MessageStructure: 'json'`). */
export interface AlertMessage {
  readonly subject: string;
  readonly default: string;
  readonly email: string;
  readonly sms: string;
}

/** Renders an alert: a subject that names site and reason, a readable email, an SMS within 140 ASCII bytes. */
export function formatAlert(alert: Alert): AlertMessage {
  const subject = subjectOf(alert);
  const email = emailBodyOf(alert);
  return { subject, default: `${subject}\n\n${email}`, email, sms: smsOf(alert) };
}

function subjectOf(alert: Alert): string {
  const [prefix, suffix] =
    alert.event === 'DOWN'
      ? ['DOWN: ', ` - ${alert.reason}`]
      : ['UP: ', ` - back after ${formatDuration(alert.atMs - alert.outageSinceMs)}`];
  // The name gives way first: the event and the reason are what the subject line is for.
  const name = truncate(toAscii(alert.siteName), SUBJECT_MAX_CHARS - prefix.length - suffix.length);
  return `${prefix}${name}${suffix}`;
}

function emailBodyOf(alert: Alert): string {
  const status = alert.status === undefined ? [] : [`Status:      HTTP ${alert.status}`];
  if (alert.event === 'DOWN') {
    return [
      `${alert.siteName} is DOWN.`,
      '',
      `URL:         ${alert.url}`,
      `Reason:      ${alert.reason}`,
      `Detail:      ${alert.detail}`,
      ...status,
      `Down since:  ${formatUtc(alert.outageSinceMs)} (first failed check)`,
      `Confirmed:   ${formatUtc(alert.atMs)}`,
      `Latency:     ${alert.latencyMs} ms`,
      `Owner:       ${alert.owner}`,
      '',
      `You will get one more message when ${alert.siteName} is back up.`,
      '-- uptime-squirrel',
    ].join('\n');
  }
  return [
    `${alert.siteName} is back UP after ${formatDuration(alert.atMs - alert.outageSinceMs)}.`,
    '',
    `URL:         ${alert.url}`,
    `Down from:   ${formatUtc(alert.outageSinceMs)}`,
    `Up again:    ${formatUtc(alert.atMs)}`,
    `Was down:    ${alert.reason} (${alert.detail})`,
    `Latency now: ${alert.latencyMs} ms`,
    `Owner:       ${alert.owner}`,
    '',
    '-- uptime-squirrel',
  ].join('\n');
}

function smsOf(alert: Alert): string {
  const host = hostOf(alert.url);
  const tail =
    alert.event === 'DOWN'
      ? ` DOWN: ${alert.reason} since ${formatUtc(alert.outageSinceMs).slice(11, 16)} UTC ${host}`
      : ` UP after ${formatDuration(alert.atMs - alert.outageSinceMs)} ${host}`;
  // The site name gives way first: the event, reason and time are what the reader needs.
  const tailAscii = truncate(toGsmBasic(tail), SMS_MAX_BYTES - 8);
  const name = truncate(toGsmBasic(alert.siteName), SMS_MAX_BYTES - tailAscii.length);
  return `${name}${tailAscii}`;
}

// These are in GSM-7's extension table: each costs two units, and enough of them overflow one segment.
const toGsmBasic = (text: string): string => toAscii(text).replace(/[[\]{}\\^~|]/g, '?');

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Plain printable ASCII: SMS stays in GSM-7 single segments and SNS subjects stay valid. */
export function toAscii(text: string): string {
  return (
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^\x20-\x7e]/g, '?')
      // The backtick is not in the GSM-7 alphabet; one would turn the SMS into UCS-2 (70 characters).
      .replace(/`/g, "'")
  );
}

function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, Math.max(0, maxChars - 3))}...`;
}
