import type { Alert } from '../alert.ts';
import { groupEventOf } from '../alert-group.ts';
import { formatDuration, formatUtc } from '../duration.ts';
import {
  describeAnswer,
  failedOfAnsweredText,
  locationLabel,
  namesWith,
  notPagingText,
  quorumText,
  regionalText,
} from '../location-text.ts';
import { truncateText } from '../schema-parts.ts';
import { countLocations } from '../verification.ts';
import type { ChannelFailedNotice, Notification, NotificationGroup } from './notification.ts';

/**
 * How a notification reads in a chat service, before any markup: the chat formats (Slack, Teams, Discord,
 * Telegram) render this one view, so a DOWN says the same things everywhere. Texts are raw (unescaped) and may
 * come from a site (name, URL, detail): every renderer escapes and bounds them for its own format.
 */
export interface NotificationView {
  /** Short headline without the mark: "DOWN: Shop". */
  readonly title: string;
  readonly tone: Tone;
  /** One sentence a phone notification can show: "Shop is DOWN: http-5xx". */
  readonly summary: string;
  /** Label and value pairs, in reading order. */
  readonly fields: readonly TextField[];
  /** One line per member of a group ("Shop: timeout, https://…"); empty otherwise. */
  readonly items: readonly string[];
  /** Members of a group that are not listed (left out to fit the notification attribute). */
  readonly omittedItems: number;
  /** A closing remark: what happens next, or what to do. */
  readonly note?: string;
  /** Small print: site id, owner, alert id. */
  readonly context: string;
  /** When it happened (ISO in the formats that take a timestamp). */
  readonly atMs: number;
}

export interface TextField {
  readonly label: string;
  readonly value: string;
}

/** down: a page; up: a recovery; warning: needs a look, not an outage; info: a test. */
export type Tone = 'down' | 'up' | 'warning' | 'info';

/** A mark that reads on any phone without colour support: the chat formats put it before the title. */
export const TONE_MARK: Readonly<Record<Tone, string>> = {
  down: '🔴',
  up: '✅',
  warning: '🟠',
  info: 'ℹ️',
};

/** RGB colours for the formats that colour a message (Discord embeds). */
export const TONE_COLOUR: Readonly<Record<Tone, number>> = {
  down: 0xd92d20,
  up: 0x12b76a,
  warning: 0xf79009,
  info: 0x2e90fa,
};

// A site name longer than this says nothing more on a phone; the id next to it tells sites apart.
const NAME_MAX_CHARS = 120;
// URLs are shown, never linked: a long one is cut (the site id in the context finds the site).
const URL_MAX_CHARS = 300;

/** Site-supplied texts cut to what a reader can use; escaping is left to each format. */
export const shortName = (name: string): string => truncateText(name, NAME_MAX_CHARS);
export const shortUrl = (url: string): string => truncateText(url, URL_MAX_CHARS);

/** The neutral view of any notification. */
export function viewNotification(notification: Notification): NotificationView {
  switch (notification.type) {
    case 'alert':
      return viewAlert(notification.alert);
    case 'alert-group':
      return viewGroup(notification.group);
    case 'channel-failed':
      return viewChannelFailed(notification.notice);
    case 'test':
      return {
        title: 'Test notification',
        tone: 'info',
        summary: `uptime-squirrel can reach this channel (owner ${notification.owner}).`,
        fields: [{ label: 'Sent', value: formatUtc(notification.atMs) }],
        items: [],
        omittedItems: 0,
        note: 'Sent by squirrel notify-test; no site is affected.',
        context: `test ${notification.testId}`,
        atMs: notification.atMs,
      };
  }
}

/** The event as a reader names it: "DOWN", "STILL DOWN", "SLOW"… */
export function headlineOf(alert: Alert): string {
  switch (alert.event) {
    case 'REMINDER':
      return 'STILL DOWN';
    case 'DEGRADED':
      return 'SLOW';
    case 'TLS_EXPIRY':
      return 'TLS EXPIRING';
    default:
      return alert.event;
  }
}

/** The reader's one-sentence summary of an alert, used in titles of formats without fields (PagerDuty). */
export function summaryOf(alert: Alert): string {
  const name = shortName(alert.siteName);
  switch (alert.event) {
    case 'DOWN': {
      if (alert.locations === undefined) return `${name} is DOWN: ${alert.reason}`;
      return `${name} is DOWN from ${failedOfAnsweredText(alert.locations)}: ${alert.reason}`;
    }
    case 'REMINDER':
      return `${name} is still DOWN after ${formatDuration(alert.atMs - alert.outageSinceMs)}: ${alert.reason}`;
    case 'UP':
      return (alert.recoveredFrom ?? 'DOWN') === 'DOWN'
        ? `${name} is back UP after ${formatDuration(alert.atMs - alert.outageSinceMs)}`
        : `${name} is UP again, no longer ${alert.recoveredFrom === 'DEGRADED' ? 'slow' : 'blocking the monitor'}`;
    case 'DEGRADED':
      return `${name} is slow: ${alert.latencyMs} ms (limit ${alert.maxResponseMs ?? '?'} ms)`;
    case 'BLOCKED':
      return `${name} refuses the monitor (HTTP ${alert.status ?? '?'})`;
    case 'TLS_EXPIRY':
      return `The TLS certificate of ${name} expires in ${daysLeft(alert)} day(s)`;
    case 'UNCHECKED':
      return `The monitor can no longer check ${name}: ${alert.reason}`;
    case 'REGIONAL':
      return regionalSummaryOf(name, alert);
  }
}

/** "Shop fails from us-east-1 only; up from us-west-2 and eu-west-1" (and who did not answer). */
function regionalSummaryOf(name: string, alert: Alert): string {
  const locations = alert.locations ?? [];
  if (countLocations(locations).failed === 0)
    return `${name} fails from the home region only: ${alert.reason}`;
  return `${name} ${regionalText(locations)}`;
}

// A location's detail in a field: whole lines stay readable on a phone, and five of them fit every format.
const LOCATION_DETAIL_MAX_CHARS = 160;

/** One field per location, home first: "us-east-1 (home)" → "down: timeout - no answer within 10 s". */
const locationFields = (alert: Alert): TextField[] =>
  (alert.locations ?? []).map((answer, index) => ({
    label: locationLabel(answer, index),
    value: describeAnswer(answer, LOCATION_DETAIL_MAX_CHARS),
  }));

const daysLeft = (alert: Alert): number =>
  Math.max(0, Math.floor(((alert.tlsValidToMs ?? alert.atMs) - alert.atMs) / 86_400_000));

const TONE_OF_EVENT: Readonly<Record<Alert['event'], Tone>> = {
  DOWN: 'down',
  REMINDER: 'down',
  UP: 'up',
  DEGRADED: 'warning',
  BLOCKED: 'warning',
  TLS_EXPIRY: 'warning',
  UNCHECKED: 'warning',
  REGIONAL: 'warning',
};

function viewAlert(alert: Alert): NotificationView {
  const field = (label: string, value: string | number | undefined): TextField[] =>
    value === undefined ? [] : [{ label, value: String(value) }];
  const status = alert.status === undefined ? undefined : `HTTP ${alert.status}`;
  const url = field('URL', shortUrl(alert.url));
  const eventFields: readonly TextField[] = (() => {
    switch (alert.event) {
      case 'DOWN':
        return [
          ...url,
          ...field('Reason', alert.reason),
          ...field('Detail', alert.detail),
          ...field('Status', status),
          ...field('Down since', formatUtc(alert.outageSinceMs)),
          ...field('Confirmed', formatUtc(alert.atMs)),
          ...field('Confirmed by', alert.locations === undefined ? undefined : quorumText(alert.locations)),
          ...field('Latency', `${alert.latencyMs} ms`),
          ...locationFields(alert),
        ];
      case 'REMINDER':
        return [
          ...url,
          ...field('Reason', alert.reason),
          ...field('Detail', alert.detail),
          ...field('Down since', formatUtc(alert.outageSinceMs)),
          ...field('Down for', formatDuration(alert.atMs - alert.outageSinceMs)),
        ];
      case 'UP':
        return [
          ...url,
          ...((alert.recoveredFrom ?? 'DOWN') === 'DOWN'
            ? [
                ...field('Down from', formatUtc(alert.outageSinceMs)),
                ...field('Downtime', formatDuration(alert.atMs - alert.outageSinceMs)),
                ...field('Was down', `${alert.reason} (${alert.detail})`),
              ]
            : []),
          ...field('Up again', formatUtc(alert.atMs)),
          ...field('Latency now', `${alert.latencyMs} ms`),
        ];
      case 'DEGRADED':
        return [
          ...url,
          ...field('Latency', `${alert.latencyMs} ms (limit ${alert.maxResponseMs ?? '?'} ms)`),
          ...field('Slow since', formatUtc(alert.outageSinceMs)),
        ];
      case 'BLOCKED':
        return [
          ...url,
          ...field('Status', status),
          ...field('Detail', alert.detail),
          ...field('Since', formatUtc(alert.outageSinceMs)),
        ];
      case 'TLS_EXPIRY':
        return [...url, ...field('Expires', formatUtc(alert.tlsValidToMs ?? alert.atMs))];
      case 'UNCHECKED':
        return [
          ...url,
          ...field('Reason', alert.reason),
          ...field('Detail', alert.detail),
          ...field('Since', formatUtc(alert.atMs)),
        ];
      case 'REGIONAL':
        return [
          ...url,
          ...field('Reason', `${alert.reason} (from ${alert.locations?.[0]?.location ?? 'home'})`),
          ...field('Failing since', formatUtc(alert.outageSinceMs)),
          ...field('Checked', formatUtc(alert.atMs)),
          ...locationFields(alert),
        ];
    }
  })();
  const maintenance =
    alert.afterMaintenanceSinceMs === undefined
      ? []
      : field(
          'Note',
          `changed during the maintenance window that began ${formatUtc(alert.afterMaintenanceSinceMs)}`,
        );
  return {
    title: `${headlineOf(alert)}: ${shortName(alert.siteName)}`,
    tone: TONE_OF_EVENT[alert.event],
    summary: summaryOf(alert),
    fields: [...eventFields, ...maintenance, ...missedFields(alert)],
    items: [],
    omittedItems: 0,
    ...noteOf(alert),
    context: `site ${alert.siteId} · owner ${alert.owner} · alert ${alert.alertId}`,
    atMs: alert.atMs,
  };
}

function missedFields(alert: Alert): TextField[] {
  if (alert.missed === undefined) return [];
  // Alerts SNS refused for a while were folded into this one: say what the owner did not hear.
  const { alerts, sinceMs, outages, downMs } = alert.missed;
  const outagesText =
    outages === 0
      ? ''
      : `; ${outages} outage(s) began and ended meanwhile, ${formatDuration(downMs)} down in all`;
  return [
    {
      label: 'Missed',
      value: `${alerts} earlier alert(s) since ${formatUtc(sinceMs)} could not be delivered${outagesText}`,
    },
  ];
}

function noteOf(alert: Alert): { note?: string } {
  switch (alert.event) {
    case 'DOWN':
      return { note: 'You will get one more message when it is back up.' };
    case 'DEGRADED':
      return { note: 'Not an outage: you will hear again when responses are fast again.' };
    case 'BLOCKED':
      return {
        note: 'Not an outage: a firewall or bot protection likely blocks the checks. Allow-list the monitor User-Agent, or set treatBlockedAsDown.',
      };
    case 'TLS_EXPIRY':
      return { note: 'Renew it before then: an expired certificate makes the site DOWN for every visitor.' };
    case 'REGIONAL':
      return {
        note: `${notPagingText(alert.locations ?? [])} You will be paged if it fails from most locations; nothing is sent when it passes again.`,
      };
    case 'UNCHECKED':
      return {
        note:
          alert.reason === 'blocked-address'
            ? 'Its name now resolves only to private addresses, which checks never reach.'
            : 'Its checks keep failing on the monitor side, not the site: the operator should look at the checker logs.',
      };
    default:
      return {};
  }
}

function viewGroup(group: NotificationGroup): NotificationView {
  const count = group.alerts.length + group.omittedAlerts;
  const shared = group.key.kind === 'reason' ? group.key.reason : group.key.host;
  const first = group.alerts[0];
  if (groupEventOf(group) === 'REGIONAL') {
    return {
      title: `REGIONAL: ${count} sites (${group.key.kind === 'reason' ? 'reason' : 'host'} ${shared})`,
      tone: 'warning',
      summary: `${count} sites of ${group.owner} fail from a minority of locations (${shared})`,
      fields: first === undefined ? [] : [{ label: 'Checked', value: formatUtc(first.atMs) }],
      items: group.alerts.map(
        (alert) =>
          `${shortName(alert.siteName)}: ${alert.reason}${alert.locations === undefined ? '' : ` (down: ${namesWith(alert.locations, 'down')})`}, ${shortUrl(alert.url)}`,
      ),
      omittedItems: group.omittedAlerts,
      note: 'Not paging: for each of them, no majority of the answering locations fails. Nothing is sent when they pass again.',
      context: `owner ${group.owner} · ${group.alerts.map((alert) => alert.siteId).join(', ')}`,
      atMs: first?.atMs ?? 0,
    };
  }
  return {
    title: `DOWN: ${count} sites (${group.key.kind === 'reason' ? 'reason' : 'host'} ${shared})`,
    tone: 'down',
    summary: `${count} sites of ${group.owner} are DOWN (${shared})`,
    fields: first === undefined ? [] : [{ label: 'Confirmed', value: formatUtc(first.atMs) }],
    items: group.alerts.map(
      (alert) =>
        `${shortName(alert.siteName)}: ${alert.reason}${fromLocations(alert)}, ${shortUrl(alert.url)}`,
    ),
    omittedItems: group.omittedAlerts,
    note: 'Each site sends its own UP when it recovers.',
    context: `owner ${group.owner} · ${group.alerts.map((alert) => alert.siteId).join(', ')}`,
    atMs: first?.atMs ?? 0,
  };
}

/** " (2 of 3 locations)" for a member a verification confirmed; nothing otherwise (today's line). */
function fromLocations(alert: Alert): string {
  if (alert.locations === undefined) return '';
  return ` (${failedOfAnsweredText(alert.locations)})`;
}

function viewChannelFailed(notice: ChannelFailedNotice): NotificationView {
  return {
    title: `Channel failing: ${notice.kind}`,
    tone: 'warning',
    summary: `Alerts can no longer be delivered to ${notice.kind} channel ${notice.channelId} (${notice.label}).`,
    fields: [
      { label: 'Channel', value: `${notice.channelId} (${notice.kind}, ${notice.label})` },
      ...(notice.status === undefined ? [] : [{ label: 'Answer', value: `HTTP ${notice.status}` }]),
      { label: 'Detail', value: notice.detail },
      { label: 'Since', value: formatUtc(notice.atMs) },
      { label: 'Undelivered alert', value: notice.alertId },
    ],
    items: [],
    omittedItems: 0,
    note: `It is not retried. Fix it: squirrel unsubscribe ${notice.channelId}, then subscribe again.`,
    context: `owner ${notice.owner}`,
    atMs: notice.atMs,
  };
}

/**
 * Escapes `text` for a format and cuts the raw text (never an escape sequence or half an emoji) until the
 * escaped result fits in `maxChars` UTF-16 units.
 */
export function fitEscaped(text: string, maxChars: number, escapeFor: (raw: string) => string): string {
  const whole = escapeFor(text);
  if (whole.length <= maxChars) return whole;
  // Binary search for the longest cut that fits: escapes make the escaped length grow unevenly.
  let best = '';
  let low = 1;
  let high = Math.min(text.length, maxChars);
  while (low <= high) {
    const rawChars = Math.floor((low + high) / 2);
    const escaped = escapeFor(truncateText(text, rawChars));
    if (escaped.length <= maxChars) {
      best = escaped;
      low = rawChars + 1;
    } else {
      high = rawChars - 1;
    }
  }
  return best;
}

/**
 * Joins lines into at most `maxChars`, keeping whole lines and saying how many did not fit (plus `omitted`
 * that were never here): a group of 200 sites lists what fits and counts the rest.
 */
export function fitLines(
  lines: readonly string[],
  maxChars: number,
  omitted = 0,
  moreLine: (count: number) => string = (count) => `…and ${count} more`,
): string {
  const kept: string[] = [];
  let used = 0;
  // Room for the "and N more" line whenever something could be left out.
  const reserve = moreLine(lines.length + omitted).length + 1;
  for (const [index, line] of lines.entries()) {
    const isLast = index === lines.length - 1 && omitted === 0;
    const budget = maxChars - used - (kept.length > 0 ? 1 : 0) - (isLast ? 0 : reserve);
    if (line.length > budget) break;
    kept.push(line);
    used += line.length + (kept.length > 1 ? 1 : 0);
  }
  const left = lines.length - kept.length + omitted;
  return left === 0 ? kept.join('\n') : [...kept, moreLine(left)].join('\n');
}
