import type { Alert } from './alert.ts';
import { type AlertMessage, SMS_MAX_BYTES, toAscii } from './alert-message.ts';
import { formatUtc } from './duration.ts';
import { describeLocations, failingText, quorumText } from './location-text.ts';
import { countLocations } from './verification.ts';

/** Fewest alerts that make a group: two separate messages are still readable, three start to be noise. */
export const MIN_GROUP_SIZE = 3;
/** The `siteId` message attribute of a grouped alert: no site has it (site ids are lowercase, no `*`). */
export const GROUP_SITE_ID = '*group*';
// SNS rejects subjects over 100 characters.
const SUBJECT_MAX_CHARS = 100;
// SNS caps a message at 256 KiB and `default` repeats the email: keep each well under half of that.
const EMAIL_MAX_BYTES = 96 * 1024;

/** What the members of a group share besides their owner. */
export type GroupKey =
  | { readonly kind: 'reason'; readonly reason: Alert['reason'] }
  | { readonly kind: 'host'; readonly host: string };

/**
 * The events that are grouped: DOWN, and REGIONAL (issue 15: an incident of the home region makes many sites
 * fail from there at once). A group holds alerts of one event only: a page and a notice never share a message.
 */
export const GROUPED_EVENTS = ['DOWN', 'REGIONAL'] as const;
export type GroupedEvent = (typeof GROUPED_EVENTS)[number];

/** The event of a group's members (every member has it; a group is never empty). */
export const groupEventOf = (group: { readonly alerts: readonly Pick<Alert, 'event'>[] }): GroupedEvent =>
  group.alerts[0]?.event === 'REGIONAL' ? 'REGIONAL' : 'DOWN';

/** DOWN alerts, or REGIONAL alerts, of one owner, sent as one message. */
export interface AlertGroup {
  readonly owner: string;
  readonly key: GroupKey;
  /** Sorted by site name, then id. At least the minimum group size. */
  readonly alerts: readonly Alert[];
}

export interface GroupedAlerts {
  readonly groups: readonly AlertGroup[];
  /** Everything not in a group, in the order given: sent one by one, as always. */
  readonly singles: readonly Alert[];
}

/**
 * Groups alerts confirmed together, DOWN and REGIONAL apart: for each, repeatedly takes the largest set of at
 * least `minSize` remaining alerts of that event and one owner that share a reason or a host (ties: reason
 * before host, then owner and key in alphabetical order), until no such set is left. An alert joins at most one
 * group and never crosses owners, so per-owner subscriptions see exactly their own sites. Other events are never
 * grouped.
 */
export function groupAlerts(alerts: readonly Alert[], minSize: number = MIN_GROUP_SIZE): GroupedAlerts {
  const groups: AlertGroup[] = [];
  for (const event of GROUPED_EVENTS) {
    const remaining = new Set(alerts.filter((alert) => alert.event === event));
    for (;;) {
      const best = largestBucket([...remaining]);
      if (!best || best.alerts.length < Math.max(2, minSize)) break;
      for (const alert of best.alerts) remaining.delete(alert);
      groups.push({ ...best, alerts: [...best.alerts].sort(byName) });
    }
  }
  const grouped = new Set(groups.flatMap((group) => group.alerts));
  return { groups, singles: alerts.filter((alert) => !grouped.has(alert)) };
}

/** The host alerts group on: the name without port, so two services on one machine are one host. */
export function hostOfUrl(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return url;
  }
}

/**
 * Owner, then host, then id: the order in which the fan-out packs due sites and the checker packs re-checks,
 * so one owner's sites travel in the same messages and their DOWN alerts are confirmed in one invocation.
 */
export const compareSitesForGrouping = (
  a: { readonly owner: string; readonly url: string; readonly siteId: string },
  b: { readonly owner: string; readonly url: string; readonly siteId: string },
): number =>
  compareText(a.owner, b.owner) ||
  compareText(hostOfUrl(a.url), hostOfUrl(b.url)) ||
  compareText(a.siteId, b.siteId);

// Code-unit order: the same on every machine, whatever its locale.
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A stable label for logs: `alice/reason=timeout`, `alice/host=shop.example.com`, `alice/reason=dns/REGIONAL`. */
export const describeGroup = (group: AlertGroup): string =>
  `${group.owner}/${group.key.kind}=${group.key.kind === 'reason' ? group.key.reason : group.key.host}${
    groupEventOf(group) === 'REGIONAL' ? '/REGIONAL' : ''
  }`;

interface Bucket {
  readonly owner: string;
  readonly key: GroupKey;
  readonly alerts: Alert[];
}

function largestBucket(alerts: readonly Alert[]): Bucket | undefined {
  const buckets = new Map<string, Bucket>();
  const add = (id: string, owner: string, key: GroupKey, alert: Alert) => {
    const bucket = buckets.get(id) ?? { owner, key, alerts: [] };
    bucket.alerts.push(alert);
    buckets.set(id, bucket);
  };
  for (const alert of alerts) {
    // "\u0000" cannot occur in an owner (OWNER_PATTERN), so the ids never collide.
    add(
      `${alert.owner}\u0000r\u0000${alert.reason}`,
      alert.owner,
      { kind: 'reason', reason: alert.reason },
      alert,
    );
    const host = hostOfUrl(alert.url);
    add(`${alert.owner}\u0000h\u0000${host}`, alert.owner, { kind: 'host', host }, alert);
  }
  let best: [string, Bucket] | undefined;
  for (const entry of buckets) {
    if (!best || isBetter(entry, best)) best = entry;
  }
  return best?.[1];
}

// Bucket ids sort reason ("r") before host ("h") only after owner, so compare the kind explicitly first.
function isBetter([id, bucket]: [string, Bucket], [bestId, best]: [string, Bucket]): boolean {
  if (bucket.alerts.length !== best.alerts.length) return bucket.alerts.length > best.alerts.length;
  if (bucket.key.kind !== best.key.kind) return bucket.key.kind === 'reason';
  return id < bestId;
}

const byName = (a: Alert, b: Alert): number =>
  a.siteName.localeCompare(b.siteName, 'en') || a.siteId.localeCompare(b.siteId, 'en');

/**
 * Renders a group like `formatAlert` renders one alert: a subject naming count, owner and what they share
 * (`DOWN: 5 sites of alice - timeout`), an email listing every site with its URL and detail, and an SMS of at
 * most 140 bytes of GSM-7 basic characters.
 */
export function formatAlertGroup(group: AlertGroup): AlertMessage {
  if (groupEventOf(group) === 'REGIONAL') return formatRegionalGroup(group);
  const subject = subjectOf(group);
  const email = emailOf(group);
  return { subject, default: `${subject}\n\n${email}`, email, sms: smsOf(group) };
}

const reasonOf = (group: AlertGroup): Alert['reason'] | undefined => {
  if (group.key.kind === 'reason') return group.key.reason;
  const [first, ...rest] = group.alerts;
  return first && rest.every((alert) => alert.reason === first.reason) ? first.reason : undefined;
};

const earliestOutage = (group: AlertGroup): number =>
  Math.min(...group.alerts.map((alert) => alert.outageSinceMs));

function subjectOf(group: AlertGroup): string {
  const count = group.alerts.length;
  const reason = reasonOf(group);
  const suffix = reason === undefined ? '' : ` - ${reason}`;
  if (group.key.kind === 'reason') {
    const prefix = `DOWN: ${count} sites of `;
    return `${prefix}${truncate(toAscii(group.owner), SUBJECT_MAX_CHARS - prefix.length - suffix.length)}${suffix}`;
  }
  // The host gives way before the owner: the owner is what filters and inbox rules look for.
  const head = `DOWN: ${count} sites of ${toAscii(group.owner)} on `;
  return `${head}${truncate(toAscii(group.key.host), SUBJECT_MAX_CHARS - head.length - suffix.length)}${suffix}`;
}

function emailOf(group: AlertGroup): string {
  const count = group.alerts.length;
  const reason = reasonOf(group);
  const shared = group.key.kind === 'reason' ? `reason: ${group.key.reason}` : `host: ${group.key.host}`;
  const header = [
    `${count} sites of ${group.owner} are DOWN (${shared}).`,
    '',
    `Owner:       ${group.owner}`,
    ...(reason === undefined ? [] : [`Reason:      ${reason}`]),
    `Down since:  ${formatUtc(earliestOutage(group))} (earliest first failed check)`,
    `Confirmed:   ${formatUtc(Math.max(...group.alerts.map((alert) => alert.atMs)))}`,
    '',
  ];
  // Each entry ends in a blank line already.
  const footer = [
    `They were confirmed down together, so they come as one message instead of ${count}.`,
    'You will get one message per site when each is back up.',
    '',
    '-- uptime-squirrel',
  ];
  return emailListing(header, group.alerts.map(entryOf), footer);
}

/** Header, as many entries as keep the email under its budget ("... and N more" for the rest), footer. */
function emailListing(
  header: readonly string[],
  allEntries: readonly string[],
  footer: readonly string[],
): string {
  const budget = EMAIL_MAX_BYTES - byteLength([...header, ...footer].join('\n')) - 200;
  const entries: string[] = [];
  let used = 0;
  for (const [index, entry] of allEntries.entries()) {
    used += byteLength(entry) + 1;
    if (used > budget) {
      entries.push(`... and ${allEntries.length - index} more (see \`squirrel status\`).`, '');
      break;
    }
    entries.push(entry);
  }
  return [...header, ...entries, ...footer].join('\n');
}

function entryOf(alert: Alert): string {
  return [
    `* ${alert.siteName} (${alert.siteId})`,
    `  URL:         ${alert.url}`,
    `  Reason:      ${alert.reason}${alert.status === undefined ? '' : ` (HTTP ${alert.status})`}`,
    `  Detail:      ${alert.detail}`,
    `  Down since:  ${formatUtc(alert.outageSinceMs)}`,
    ...(alert.locations === undefined
      ? []
      : [
          `  Confirmed:   by ${quorumText(alert.locations)}`,
          `  Locations:   ${describeLocations(alert.locations)}`,
        ]),
    ...(alert.afterMaintenanceSinceMs === undefined
      ? []
      : [
          `  Note:        went down during the maintenance window that began ${formatUtc(alert.afterMaintenanceSinceMs)}`,
        ]),
    '',
  ].join('\n');
}

function smsOf(group: AlertGroup): string {
  const count = group.alerts.length;
  const reason = reasonOf(group);
  const since = `${formatUtc(earliestOutage(group)).slice(11, 16)} UTC`;
  const what =
    group.key.kind === 'reason'
      ? `${count} sites DOWN: ${reason} since ${since}`
      : `${count} sites DOWN on ${truncate(toGsmBasic(group.key.host), 40)}${reason === undefined ? '' : `: ${reason}`} since ${since}`;
  return smsListing(what, group.alerts);
}

/** `what`, then the site names that fit in one SMS, and "+N" for the rest. */
function smsListing(what: string, alerts: readonly Alert[]): string {
  const count = alerts.length;
  // Names fill what is left; the count and reason are what the reader needs first.
  let text = truncate(toGsmBasic(what), SMS_MAX_BYTES);
  const names = alerts.map((alert) => truncate(toGsmBasic(alert.siteName), 30));
  for (const [index, name] of names.entries()) {
    const left = count - index - 1;
    const more = left > 0 ? ` +${left}` : '';
    const next = `${text}${index === 0 ? ': ' : ', '}${name}`;
    // Keep room for the "+N" of the names that would not fit after this one.
    if (next.length + more.length > SMS_MAX_BYTES) {
      const rest = ` +${count - index}`;
      return text.length + rest.length <= SMS_MAX_BYTES ? `${text}${rest}` : text;
    }
    text = next;
  }
  return text;
}

// The failing locations a REGIONAL group's subject and SMS name, when all members share them and they are short.
const SHARED_FAILING_MAX_CHARS = 40;

/** "us-east-1 only" when every member fails from exactly the same locations; undefined otherwise. */
function sharedFailingOf(group: AlertGroup): string | undefined {
  const [first, ...rest] = group.alerts.map((alert) =>
    alert.locations === undefined || countLocations(alert.locations).failed === 0
      ? undefined
      : failingText(alert.locations),
  );
  return first !== undefined &&
    first.length <= SHARED_FAILING_MAX_CHARS &&
    rest.every((text) => text === first)
    ? first
    : undefined;
}

/**
 * REGIONAL alerts of one owner (an incident of the home region makes many sites fail from there at once): one
 * informational message, `REGIONAL: 12 sites of alice - fail from us-east-1 only`, that lists each site with its
 * locations and says it does not page and that nothing follows when they pass again.
 */
function formatRegionalGroup(group: AlertGroup): AlertMessage {
  const count = group.alerts.length;
  const reason = reasonOf(group);
  const failing = sharedFailingOf(group);
  const suffix =
    failing !== undefined ? ` - fail from ${failing}` : reason === undefined ? '' : ` - ${reason}`;
  const prefix = `REGIONAL: ${count} sites of `;
  const room = SUBJECT_MAX_CHARS - prefix.length - suffix.length;
  // The host gives way before the owner, but the owner leaves the host a readable start.
  const owner = truncate(toAscii(group.owner), group.key.kind === 'reason' ? room : Math.max(12, room - 16));
  const label =
    group.key.kind === 'reason'
      ? owner
      : `${owner} on ${truncate(toAscii(group.key.host), room - owner.length - 4)}`;
  const subject = `${prefix}${label}${suffix}`;
  const shared = group.key.kind === 'reason' ? `reason: ${group.key.reason}` : `host: ${group.key.host}`;
  const header = [
    failing === undefined
      ? `${count} sites of ${group.owner} fail from a minority of locations (${shared}).`
      : `${count} sites of ${group.owner} fail from ${failing} (${shared}).`,
    '',
    `Owner:       ${group.owner}`,
    ...(reason === undefined ? [] : [`Reason:      ${reason}`]),
    `Since:       ${formatUtc(earliestOutage(group))} (earliest first failed check)`,
    `Checked:     ${formatUtc(Math.max(...group.alerts.map((alert) => alert.atMs)))}`,
    '',
  ];
  const footer = [
    'Not paging: for each of them, no majority of the answering locations fails. You will be paged for any that',
    'fails from most locations.',
    `They failed together, so they come as one message instead of ${count}. No message follows when they pass again.`,
    '',
    '-- uptime-squirrel',
  ];
  const entries = group.alerts.map((alert) =>
    [
      `* ${alert.siteName} (${alert.siteId})`,
      `  URL:         ${alert.url}`,
      `  Reason:      ${alert.reason}${alert.status === undefined ? '' : ` (HTTP ${alert.status})`}`,
      `  Detail:      ${alert.detail}`,
      `  Since:       ${formatUtc(alert.outageSinceMs)}`,
      ...(alert.locations === undefined ? [] : [`  Locations:   ${describeLocations(alert.locations)}`]),
      '',
    ].join('\n'),
  );
  const email = emailListing(header, entries, footer);
  const sms = smsListing(
    `REGIONAL: ${count} sites fail from ${failing ?? 'a minority of locations'} (not paging)`,
    group.alerts,
  );
  return { subject, default: `${subject}\n\n${email}`, email, sms };
}

// These are in GSM-7's extension table: each costs two units, and enough of them overflow one segment.
const toGsmBasic = (text: string): string => toAscii(text).replace(/[[\]{}\\^~|]/g, '?');

const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, Math.max(0, maxChars - 3))}...`;
}
