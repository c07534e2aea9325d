import * as v from 'valibot';
import { formatDuration } from '../functions/domain/duration.ts';

// The channel deliverer writes one structured line per attempt (CONTRACT-14):
//   {"level":"info","msg":"delivery","deliveryId","channelId","kind","label","owner","outcome","status","ms","detail","attempt"}
// The local runtime turns those lines into DeliveryAttempt events and the alert printer shows them under the alert.
// The project's JSON logger spells the fields `level: "INFO"` and `message`: both spellings are read.

const optionalNumber = v.optional(v.nullable(v.number()));
const optionalText = v.optional(v.nullable(v.string()));

const DeliveryLineSchema = v.object({
  deliveryId: v.string(),
  channelId: v.string(),
  kind: v.string(),
  label: v.string(),
  owner: v.string(),
  outcome: v.string(),
  status: optionalNumber,
  ms: optionalNumber,
  detail: optionalText,
  attempt: optionalNumber,
  /** When a retry is due, if the deliverer says (ms from now). */
  retryInMs: optionalNumber,
});

/** One attempt, as logged. `notificationId` ties it to the alert it delivers. */
export interface DeliveryAttempt {
  readonly atMs: number;
  readonly deliveryId: string;
  /** `<notificationId>|<channelId>` (delivery-message.ts): the alert's id, or `group:<first alert id>`. */
  readonly notificationId: string;
  readonly channelId: string;
  readonly kind: string;
  /** Masked, safe to print ("hooks.slack.com/services/T01…"). */
  readonly label: string;
  readonly owner: string;
  readonly outcome: string;
  readonly status?: number;
  readonly ms?: number;
  readonly detail?: string;
  readonly attempt?: number;
  readonly retryInMs?: number;
}

/** The attempt a handler's log line reports, or undefined when the line is something else. */
export function parseDeliveryLine(
  json: Readonly<Record<string, unknown>>,
  atMs: number,
): DeliveryAttempt | undefined {
  if ((json.msg ?? json.message) !== 'delivery') return undefined;
  const parsed = v.safeParse(DeliveryLineSchema, json);
  if (!parsed.success) return undefined;
  const line = parsed.output;
  const separator = line.deliveryId.lastIndexOf('|');
  return {
    atMs,
    deliveryId: line.deliveryId,
    notificationId: separator < 0 ? line.deliveryId : line.deliveryId.slice(0, separator),
    channelId: line.channelId,
    kind: line.kind,
    label: line.label,
    owner: line.owner,
    outcome: line.outcome,
    ...(typeof line.status === 'number' ? { status: line.status } : {}),
    ...(typeof line.ms === 'number' ? { ms: line.ms } : {}),
    ...(line.detail ? { detail: line.detail } : {}),
    ...(typeof line.attempt === 'number' ? { attempt: line.attempt } : {}),
    ...(typeof line.retryInMs === 'number' ? { retryInMs: line.retryInMs } : {}),
  };
}

/**
 * One line under the alert:
 *   `  → slack hooks.slack.com/services/T01… delivered (HTTP 200, 212 ms)`
 *   `  → pagerduty …a1b2 retry in 30 s (HTTP 503)`
 *   `  → webhook https://example.com/… REJECTED HTTP 404: …`
 */
export function formatDeliveryLine(attempt: DeliveryAttempt): string {
  const http = attempt.status === undefined ? undefined : `HTTP ${attempt.status}`;
  const nth = attempt.attempt !== undefined && attempt.attempt > 1 ? `attempt ${attempt.attempt}` : undefined;
  // The deliverer's detail often starts with the status already ("HTTP 404: no such hook"): say it once.
  const why =
    http && attempt.detail?.startsWith(http)
      ? attempt.detail
      : [http, attempt.detail].filter(Boolean).join(': ');
  const inParentheses = (...parts: Array<string | undefined>) => {
    const shown = parts.filter(Boolean);
    return shown.length > 0 ? ` (${shown.join(', ')})` : '';
  };
  let result: string;
  switch (attempt.outcome) {
    case 'delivered':
      result = `delivered${inParentheses(http, attempt.ms === undefined ? undefined : `${attempt.ms} ms`, nth)}`;
      break;
    case 'retry':
      result = `retry${attempt.retryInMs === undefined ? '' : ` in ${formatDuration(attempt.retryInMs)}`}${inParentheses(why, nth)}`;
      break;
    case 'rejected':
      result = `REJECTED${why ? ` ${why}` : ''}${inParentheses(nth)}: the channel is marked broken and its owner's other channels are told once`;
      break;
    case 'skipped':
      result = `skipped${attempt.detail ? `: ${attempt.detail}` : ''}`;
      break;
    default:
      // "parked HTTP 503: gave up", "dropped: the channel no longer exists"
      result = `${attempt.outcome}${http ? ` ${why}` : why ? `: ${why}` : ''}${inParentheses(nth)}`;
  }
  return `  → ${attempt.kind} ${labelWithoutKind(attempt)} ${result}`;
}

// "PagerDuty …a1b2" under kind pagerduty reads "pagerduty …a1b2", not "pagerduty PagerDuty …a1b2".
function labelWithoutKind(attempt: DeliveryAttempt): string {
  const { label, kind } = attempt;
  // A channel unsubscribed before its delivery has no label left to show: its id says which it was.
  if (label === '') return attempt.channelId;
  return label.toLowerCase().startsWith(`${kind.toLowerCase()} `) ? label.slice(kind.length + 1) : label;
}
