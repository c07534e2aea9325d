import type { Alert } from './alert.ts';
import { formatDuration, formatUtc } from './duration.ts';
import {
  describeLocationsShort,
  failedOfAnsweredText,
  failingText,
  locationLines,
  notPagingText,
  quorumText,
  regionalText,
} from './location-text.ts';
import { countLocations, type LocationAnswer } from './verification.ts';

export const SMS_MAX_BYTES = 140;
/** The User-Agent every check sends, named in BLOCKED alerts so owners can allow-list it. */
export const MONITOR_USER_AGENT = 'uptime-squirrel/0.1 (+https://github.com/uptime-squirrel/uptime-squirrel)';
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
  const view = viewOf(alert);
  const subject = subjectOf(alert, view);
  const email = [...view.email, '', '-- uptime-squirrel'].join('\n');
  return { subject, default: `${subject}\n\n${email}`, email, sms: smsOf(alert, view) };
}

/**
 * What each kind of alert says: the subject's prefix and suffix around the name, the email, the SMS tail (and,
 * for REGIONAL, a head before the name: the reader must see first that it is not a page).
 */
interface AlertView {
  readonly prefix: string;
  readonly suffix: string;
  readonly email: readonly string[];
  readonly smsTail: string;
  readonly smsHead?: string;
}

function viewOf(alert: Alert): AlertView {
  const view = eventViewOf(alert);
  if (alert.missed === undefined) return view;
  // Alerts SNS refused for a while were folded into this one: say what the owner did not hear.
  const { alerts, sinceMs, outages, downMs } = alert.missed;
  const outagesText =
    outages === 0
      ? ''
      : `; ${outages} outage(s) began and ended meanwhile, ${formatDuration(downMs)} down in all`;
  return {
    ...view,
    email: [
      ...view.email,
      '',
      `Missed:      ${alerts} earlier alert(s) since ${formatUtc(sinceMs)} could not be delivered${outagesText}.`,
    ],
    smsTail: `${view.smsTail} (+${alerts} missed)`,
  };
}

function eventViewOf(alert: Alert): AlertView {
  const owner = `Owner:       ${alert.owner}`;
  // Names can repeat across sites; the id is what `squirrel sites …` commands take.
  const siteIdLine = `Site id:     ${alert.siteId}`;
  const maintenance =
    alert.afterMaintenanceSinceMs === undefined
      ? []
      : [
          `Note:        the status changed during the maintenance window that began ${formatUtc(alert.afterMaintenanceSinceMs)}`,
        ];
  switch (alert.event) {
    case 'DOWN':
      return downView(alert, { siteIdLine, owner, maintenance });
    case 'REMINDER': {
      const downFor = formatDuration(alert.atMs - alert.outageSinceMs);
      return {
        prefix: 'STILL DOWN: ',
        suffix: ` - ${downFor}`,
        email: [
          `${alert.siteName} is still DOWN, for ${downFor} now.`,
          '',
          `URL:         ${alert.url}`,
          siteIdLine,
          `Reason:      ${alert.reason}`,
          `Detail:      ${alert.detail}`,
          `Down since:  ${formatUtc(alert.outageSinceMs)}`,
          owner,
        ],
        smsTail: ` STILL DOWN ${downFor}: ${alert.reason}`,
      };
    }
    case 'DEGRADED':
      return {
        prefix: 'SLOW: ',
        suffix: ` - ${alert.latencyMs} ms`,
        email: [
          `${alert.siteName} is up but DEGRADED: responses are slower than ${alert.maxResponseMs ?? '?'} ms.`,
          '',
          `URL:         ${alert.url}`,
          siteIdLine,
          `Latency:     ${alert.latencyMs} ms (limit ${alert.maxResponseMs ?? '?'} ms)`,
          `Slow since:  ${formatUtc(alert.outageSinceMs)}`,
          owner,
          ...maintenance,
          '',
          'This is not an outage alert; you will get one more message when responses are fast again.',
        ],
        smsTail: ` SLOW: ${alert.latencyMs} ms > ${alert.maxResponseMs ?? '?'} ms`,
      };
    case 'BLOCKED':
      return {
        prefix: 'BLOCKED: ',
        suffix: ` - HTTP ${alert.status ?? '?'}`,
        email: [
          `${alert.siteName} answers, but refuses the monitor (HTTP ${alert.status ?? '?'}).`,
          '',
          `URL:         ${alert.url}`,
          siteIdLine,
          `Detail:      ${alert.detail}`,
          `Since:       ${formatUtc(alert.outageSinceMs)}`,
          owner,
          ...maintenance,
          '',
          'This is not an outage alert. A firewall, WAF or bot protection is likely blocking the checks:',
          `allow-list the User-Agent "${MONITOR_USER_AGENT}", or set treatBlockedAsDown on the site to page on it.`,
        ],
        smsTail: ` BLOCKED: HTTP ${alert.status ?? '?'}, allow-list our User-Agent`,
      };
    case 'TLS_EXPIRY': {
      const validTo = alert.tlsValidToMs ?? alert.atMs;
      const daysLeft = Math.max(0, Math.floor((validTo - alert.atMs) / 86_400_000));
      return {
        prefix: 'TLS: ',
        suffix: ` - certificate expires in ${daysLeft} d`,
        email: [
          `The TLS certificate of ${alert.siteName} expires in ${daysLeft} day(s).`,
          '',
          `URL:         ${alert.url}`,
          siteIdLine,
          `Expires:     ${formatUtc(validTo)}`,
          owner,
          '',
          'Renew it before then: an expired certificate makes the site DOWN (reason tls) for every visitor.',
        ],
        smsTail: ` TLS cert expires in ${daysLeft} d (${formatUtc(validTo).slice(0, 10)})`,
      };
    }
    case 'REGIONAL':
      return regionalView(alert, alert.locations ?? [], { siteIdLine, owner, maintenance });
    case 'UNCHECKED': {
      const isPrivate = alert.reason === 'blocked-address';
      return {
        prefix: 'UNCHECKED: ',
        suffix: isPrivate ? ' - private address' : ' - checks failing',
        email: [
          `The monitor can no longer check ${alert.siteName}.`,
          '',
          `URL:         ${alert.url}`,
          siteIdLine,
          `Reason:      ${alert.reason}`,
          `Detail:      ${alert.detail}`,
          `Since:       ${formatUtc(alert.atMs)}`,
          owner,
          '',
          isPrivate
            ? 'Its name now resolves only to private, loopback, link-local or metadata addresses, which checks never ' +
              'reach. If that is intended, the site is not reachable from the internet; otherwise its DNS changed.'
            : 'Its checks keep failing on the monitor side (not the site): they are retried every interval, and ' +
              'the monitor operator should look at the checker logs.',
          'Its last known status stays as it was; you will hear again when a check changes it.',
        ],
        smsTail: isPrivate ? ' NOT CHECKED: resolves to a private address' : ' NOT CHECKED: checks failing',
      };
    }
    case 'UP': {
      const from = alert.recoveredFrom ?? 'DOWN';
      const after = formatDuration(alert.atMs - alert.outageSinceMs);
      if (from === 'DOWN' && alert.afterMaintenanceSinceMs === undefined) {
        return {
          prefix: 'UP: ',
          suffix: ` - back after ${after}`,
          email: [
            `${alert.siteName} is back UP after ${after}.`,
            '',
            `URL:         ${alert.url}`,
            siteIdLine,
            `Down from:   ${formatUtc(alert.outageSinceMs)}`,
            `Up again:    ${formatUtc(alert.atMs)}`,
            `Was down:    ${alert.reason} (${alert.detail})`,
            `Latency now: ${alert.latencyMs} ms`,
            owner,
          ],
          smsTail: ` UP after ${after}`,
        };
      }
      const was = from === 'DOWN' ? 'down' : from === 'DEGRADED' ? 'slow' : 'blocking the monitor';
      return {
        prefix: 'UP: ',
        suffix: ` - no longer ${was}`,
        email: [
          `${alert.siteName} is UP again and no longer ${was}.`,
          '',
          `URL:         ${alert.url}`,
          siteIdLine,
          `Up again:    ${formatUtc(alert.atMs)}`,
          `Latency now: ${alert.latencyMs} ms`,
          owner,
          ...maintenance,
        ],
        smsTail: ` UP, no longer ${was}`,
      };
    }
  }
}

/** "09:01 UTC": the time of day an SMS has room for. */
const hhmm = (ms: number): string => `${formatUtc(ms).slice(11, 16)} UTC`;

/** Lines every site alert's email shares. */
interface CommonLines {
  readonly siteIdLine: string;
  readonly owner: string;
  readonly maintenance: readonly string[];
}

/** The email's "Locations:" block: each location's answer, home first, outcomes lined up. */
const locationsBlock = (locations: readonly LocationAnswer[]): string[] => [
  'Locations:',
  ...locationLines(locations).map((line) => `  ${line}`),
];

/** DOWN; when a verification confirmed it, also who confirmed it and what each location answered. */
function downView(alert: Alert, { siteIdLine, owner, maintenance }: CommonLines): AlertView {
  const { locations } = alert;
  const fromLocations = locations === undefined ? '' : ` from ${failedOfAnsweredText(locations)}`;
  // A DOWN after REGIONAL counts from the first check most locations failed (the confirming one).
  const since =
    locations !== undefined && alert.outageSinceMs === alert.atMs
      ? 'first check most locations failed'
      : 'first failed check';
  return {
    prefix: 'DOWN: ',
    suffix: ` - ${alert.reason}${fromLocations}`,
    email: [
      `${alert.siteName} is DOWN.`,
      '',
      `URL:         ${alert.url}`,
      siteIdLine,
      `Reason:      ${alert.reason}`,
      `Detail:      ${alert.detail}`,
      ...(alert.status === undefined ? [] : [`Status:      HTTP ${alert.status}`]),
      `Down since:  ${formatUtc(alert.outageSinceMs)} (${since})`,
      `Confirmed:   ${formatUtc(alert.atMs)}${locations === undefined ? '' : ` by ${quorumText(locations)}`}`,
      `Latency:     ${alert.latencyMs} ms`,
      owner,
      ...maintenance,
      '',
      ...(locations === undefined ? [] : [...locationsBlock(locations), '']),
      `You will get one more message when ${alert.siteName} is back up.`,
    ],
    smsTail:
      locations === undefined
        ? ` DOWN: ${alert.reason} since ${hhmm(alert.outageSinceMs)}`
        : ` DOWN (${failedOfAnsweredText(locations)}): ${alert.reason} since ${hhmm(alert.outageSinceMs)}`,
  };
}

// A subject's "fails from …" names the failing locations while they fit, and counts them otherwise.
const SUBJECT_LOCATIONS_MAX_CHARS = 40;
// What an SMS leaves for the locations once the head, a short name and the host have their share.
const SMS_LOCATIONS_MAX_CHARS = 64;

/**
 * REGIONAL: home fails but most locations reach the site. Told once and never pages; passing again is silent
 * (the decision table), so the message says so: no reader should wait for an "UP".
 */
function regionalView(
  alert: Alert,
  locations: readonly LocationAnswer[],
  { siteIdLine, owner, maintenance }: CommonLines,
): AlertView {
  const { failed } = countLocations(locations);
  const home = locations[0]?.location ?? 'the home region';
  const failing = failed === 0 ? `${home} only` : failingText(locations);
  const headline = `${alert.siteName} ${regionalText(locations, failing)}`;
  const where = failing.length <= SUBJECT_LOCATIONS_MAX_CHARS ? failing : failedOfAnsweredText(locations);
  return {
    prefix: 'REGIONAL: ',
    suffix: ` - fails from ${where}`,
    email: [
      `${headline}.`,
      '',
      `URL:         ${alert.url}`,
      siteIdLine,
      `Reason:      ${alert.reason} (from ${home})`,
      `Detail:      ${alert.detail}`,
      ...(alert.status === undefined ? [] : [`Status:      HTTP ${alert.status}`]),
      `Since:       ${formatUtc(alert.outageSinceMs)} (first failed check from ${home})`,
      `Checked:     ${formatUtc(alert.atMs)} (${answeredText(locations)})`,
      owner,
      ...maintenance,
      ...(locations.length === 0 ? [] : ['', ...locationsBlock(locations)]),
      '',
      `${notPagingText(locations)} You will be paged if it fails from most locations.`,
      `No message follows when checks from ${home} pass again; \`squirrel status\` shows it as REGIONAL until then.`,
    ],
    smsHead: 'REGIONAL: ',
    smsTail:
      locations.length === 0
        ? ' fails from one region only (not paging)'
        : ` ${describeLocationsShort(locations, SMS_LOCATIONS_MAX_CHARS)} (not paging)`,
  };
}

// A name cut shorter than this says nothing: below it the id gives way too.
const MIN_SUBJECT_NAME_CHARS = 12;

/** `DOWN: Shop (shop-3f9a2c) - timeout`: the id tells apart sites of one name; omitted when it is the name (in any case). */
function subjectOf(alert: Alert, view: AlertView): string {
  const id = alert.siteId === alert.siteName.toLowerCase() ? '' : ` (${toAscii(alert.siteId)})`;
  // The name gives way first, then the id: the event and the reason are what the subject line is for.
  const room = SUBJECT_MAX_CHARS - view.prefix.length - view.suffix.length;
  const name = truncate(toAscii(alert.siteName), Math.max(MIN_SUBJECT_NAME_CHARS, room - id.length));
  const label = truncate(`${name}${id}`, room);
  return toAscii(`${view.prefix}${label}${view.suffix}`);
}

function smsOf(alert: Alert, view: AlertView): string {
  const head = toGsmBasic(view.smsHead ?? '');
  const tail = `${view.smsTail} ${hostOf(alert.url)}`;
  // The site name gives way first: the event, reason and time are what the reader needs.
  const tailAscii = truncate(toGsmBasic(tail), SMS_MAX_BYTES - 8 - head.length);
  const name = truncate(toGsmBasic(alert.siteName), SMS_MAX_BYTES - head.length - tailAscii.length);
  return `${head}${name}${tailAscii}`;
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

/** "3 locations answered", "2 locations answered, 1 did not": who was heard when a REGIONAL was decided. */
function answeredText(locations: readonly LocationAnswer[]): string {
  const { answered, silent } = countLocations(locations);
  return `${answered} location${answered === 1 ? '' : 's'} answered${silent === 0 ? '' : `, ${silent} did not`}`;
}
