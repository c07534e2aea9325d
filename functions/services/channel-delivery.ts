import type { ChannelPoster } from '../adapters/channel-http.ts';
import { redactContacts } from '../adapters/logger.ts';
import type { Channel } from '../domain/channels/channel.ts';
import type { ChannelEndpoints, RenderedDelivery, RenderInput } from '../domain/channels/channel-request.ts';
import type { ChannelSecret } from '../domain/channels/channel-secret.ts';
import type { DeliveryMessage } from '../domain/channels/delivery-message.ts';
import { type DeliveryOutcome, isChannelBroken } from '../domain/channels/delivery-outcome.ts';
import { type Notification, notificationIdOf } from '../domain/channels/notification.ts';
import { renderDelivery } from '../domain/channels/render-delivery.ts';
import { decideRetry } from '../domain/channels/retry-policy.ts';
import { truncateText } from '../domain/schema-parts.ts';

/**
 * One delivery of one notification to one channel: render, POST, and what follows from the outcome (a broken
 * channel marked and its owner told once, a recovered one cleared, a failure retried or parked). Knows nothing
 * of SQS: the deliverer's batch turns the ProcessedDelivery into queue calls.
 */

/** The channels table as a delivery uses it (ChannelStore in functions/adapters/channel-store.ts). */
export interface DeliveryChannelStore {
  get(owner: string, channelId: string): Promise<Channel | undefined>;
  /** True when this call marked it (it was not broken before): only then is the owner told. */
  markBroken(owner: string, channelId: string, atMs: number, detail: string): Promise<boolean>;
  clearBroken(owner: string, channelId: string): Promise<void>;
}

/** The channel secrets as a delivery reads them (ChannelSecrets in functions/adapters/channel-secrets.ts). */
export interface DeliverySecrets {
  /** The secret stored under the SSM parameter `name`; rejects when it cannot be read or is invalid. */
  get(name: string): Promise<ChannelSecret>;
}

/** The notices a delivery publishes (AlertPublisher.publishNotice in functions/adapters/alert-publisher.ts). */
export type NoticeNotification = Extract<Notification, { type: 'channel-failed' | 'test' }>;
export interface DeliveryNoticePublisher {
  publishNotice(notification: NoticeNotification): Promise<void>;
}

/** Renders a notification for a channel: renderDelivery, or a stand-in in tests. */
export type DeliveryRenderer = (input: RenderInput) => RenderedDelivery;

/** What an attempt is called in its log line: a DeliveryOutcome kind, or what the deliverer made of it. */
export type LoggedOutcome = DeliveryOutcome['kind'] | 'dropped' | 'parked';

/**
 * The one structured line per attempt (the local runtime prints these under the alert: keep the field names).
 * Never a URL, token, routing key or signing secret: `label` is the channel's masked description.
 */
export interface DeliveryLogLine {
  readonly level: 'info' | 'warn';
  readonly msg: 'delivery';
  readonly deliveryId: string;
  readonly channelId: string;
  readonly kind: string;
  readonly label: string;
  readonly owner: string;
  readonly outcome: LoggedOutcome;
  readonly status: number | null;
  readonly ms: number;
  readonly detail: string | null;
  readonly attempt: number;
  /** On a retry only: when the next attempt is due, in ms from now (the local runtime shows it). */
  readonly retryInMs?: number;
}

export type DeliveryLog = (line: DeliveryLogLine) => void;

/** A DeliveryLog writing one JSON line each; owners that are email addresses or phone numbers are masked. */
export const createDeliveryLog =
  (write: (text: string) => void = (text) => process.stdout.write(`${text}\n`)): DeliveryLog =>
  (line) =>
    write(redactContacts(JSON.stringify(line)));

export interface DeliverToChannelDeps {
  readonly http: ChannelPoster;
  readonly endpoints: ChannelEndpoints;
  /** @default renderDelivery */
  readonly render?: DeliveryRenderer;
}

export interface DeliveryDeps extends DeliverToChannelDeps {
  readonly store: DeliveryChannelStore;
  readonly secrets: DeliverySecrets;
  readonly publisher: DeliveryNoticePublisher;
  readonly log: DeliveryLog;
  readonly nowMs: () => number;
}

/** Which try this is, as the queue counts it. */
export interface DeliveryAttempt {
  /** 1 for the first (SQS's ApproximateReceiveCount). */
  readonly number: number;
  /** When the message was first received (SQS's ApproximateFirstReceiveTimestamp): the retry window's start. */
  readonly firstReceivedMs: number;
}

/** What the deliverer does with the message after an attempt. */
export type ProcessedDelivery =
  /** Delete it: delivered, skipped, rejected (and handled), or its channel is gone. */
  | { readonly action: 'done'; readonly outcome: 'delivered' | 'skipped' | 'rejected' | 'dropped' }
  /** Make it visible again after `delayMs`. */
  | { readonly action: 'retry'; readonly delayMs: number; readonly detail: string }
  /** Move it to the dead-letter queue with `reason`: its retry window is over. */
  | { readonly action: 'park'; readonly reason: string; readonly detail: string };

/**
 * Renders the notification for the channel and POSTs each request in order (PagerDuty: one per member of a
 * group), stopping at the first that is not delivered. Used by the deliverer and by `squirrel notify-test`.
 * Details never hold the secret's URL, token, routing key or signing secret.
 */
export async function deliverToChannel(
  input: { secret: ChannelSecret; notification: Notification; deliveryId: string; nowMs: number },
  deps: DeliverToChannelDeps,
): Promise<DeliveryOutcome> {
  const render = deps.render ?? renderDelivery;
  const rendered = render({ ...input, endpoints: deps.endpoints });
  if (rendered.kind === 'skip') return { kind: 'skipped', why: rendered.why };
  let totalMs = 0;
  let lastStatus = 0;
  for (const request of rendered.requests) {
    const outcome = await deps.http.post(request);
    totalMs += outcome.ms;
    if (outcome.kind !== 'delivered') {
      return { ...outcome, detail: withoutSecrets(outcome.detail, input.secret), ms: totalMs };
    }
    lastStatus = outcome.status;
  }
  return { kind: 'delivered', status: lastStatus, ms: totalMs };
}

/**
 * One attempt at a queued delivery. The channel gone: dropped. Its secret unreadable: retried (an SSM outage or
 * throttling passes). Rejected: the channel is marked broken and, only when this attempt marked it, its owner
 * is told once with a channel-failed notice. Delivered to a broken channel: it is cleared. A retry past the
 * retry window is parked. Logs one line. Rejects only when the table or SNS fails (the message comes back).
 */
export async function processDelivery(
  message: DeliveryMessage,
  deps: DeliveryDeps,
  attempt: DeliveryAttempt = { number: 1, firstReceivedMs: deps.nowMs() },
): Promise<ProcessedDelivery> {
  const { owner, channelId } = message;
  const channel = await deps.store.get(owner, channelId);
  const line = (
    outcome: LoggedOutcome,
    fields: { status?: number | undefined; ms?: number; detail?: string | undefined },
  ): DeliveryLogLine => ({
    level: outcome === 'delivered' || outcome === 'skipped' ? 'info' : 'warn',
    msg: 'delivery',
    deliveryId: message.deliveryId,
    channelId,
    kind: channel?.kind ?? message.kind,
    label: channel?.label ?? '',
    owner,
    outcome,
    status: fields.status ?? null,
    ms: fields.ms ?? 0,
    detail: fields.detail ?? null,
    attempt: attempt.number,
  });
  if (channel === undefined) {
    // Unsubscribed after the dispatch: nobody wants this any more.
    deps.log(line('dropped', { detail: 'the channel no longer exists' }));
    return { action: 'done', outcome: 'dropped' };
  }

  let secret: ChannelSecret;
  try {
    secret = await deps.secrets.get(channel.secretName);
  } catch (error) {
    // The name only: an SDK or validation message could quote what it read.
    const detail = `the channel's secret could not be read (${nameOf(error)})`;
    return retryOrPark(deps, attempt, line, { detail, ms: 0 });
  }

  const nowMs = deps.nowMs();
  const outcome = await deliverToChannel(
    { secret, notification: message.notification, deliveryId: message.deliveryId, nowMs },
    deps,
  );
  switch (outcome.kind) {
    case 'delivered': {
      const unclear = channel.brokenSinceMs === undefined ? undefined : await clearMark(channel, deps);
      deps.log(line('delivered', { status: outcome.status, ms: outcome.ms, detail: unclear }));
      return { action: 'done', outcome: 'delivered' };
    }
    case 'skipped':
      deps.log(line('skipped', { detail: outcome.why }));
      return { action: 'done', outcome: 'skipped' };
    case 'rejected':
      deps.log(line('rejected', { status: outcome.status, ms: outcome.ms, detail: outcome.detail }));
      if (isChannelBroken(outcome)) await reportBroken(channel, message.notification, outcome, nowMs, deps);
      // Not retried (it would fail the same way) and not thrown away either: parked with the reason, where the
      // dead-letter alarm tells the operator and the alert can be sent again by hand once the cause is fixed.
      return { action: 'park', reason: REJECTED_PARK_REASON, detail: outcome.detail };
    case 'retry':
      return retryOrPark(deps, attempt, line, outcome);
  }
}

/** Why a rejected delivery is parked (its `parkedReason` on the dead-letter queue). */
export const REJECTED_PARK_REASON = 'rejected by the channel';

type LineOf = (
  outcome: LoggedOutcome,
  fields: { status?: number | undefined; ms?: number; detail?: string | undefined },
) => DeliveryLogLine;

function retryOrPark(
  deps: DeliveryDeps,
  attempt: DeliveryAttempt,
  line: LineOf,
  failure: { status?: number; detail: string; retryAfterMs?: number; ms: number },
): ProcessedDelivery {
  const decision = decideRetry({
    attempt: attempt.number,
    firstReceivedMs: attempt.firstReceivedMs,
    nowMs: deps.nowMs(),
    ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }),
  });
  if (decision.kind === 'park') {
    deps.log(line('parked', { ...failure, detail: `${failure.detail}; ${decision.reason}` }));
    return { action: 'park', reason: decision.reason, detail: failure.detail };
  }
  deps.log({ ...line('retry', failure), retryInMs: decision.delayMs });
  return { action: 'retry', delayMs: decision.delayMs, detail: failure.detail };
}

/**
 * Clears the broken mark of a channel that delivered again; says why when it could not. Never throws: the
 * delivery is done, and failing the message would deliver it twice (the next delivery clears the mark).
 */
async function clearMark(channel: Channel, deps: DeliveryDeps): Promise<string | undefined> {
  try {
    await deps.store.clearBroken(channel.owner, channel.channelId);
    return undefined;
  } catch (error) {
    return `delivered, but its broken mark could not be cleared (${nameOf(error)})`;
  }
}

/**
 * Marks the channel broken and, when this call marked it, tells its owner once. Should SNS refuse the notice,
 * the mark is taken back so the next attempt (which meets the same rejection) marks it and tells again.
 */
async function reportBroken(
  channel: Channel,
  notification: Notification,
  outcome: Extract<DeliveryOutcome, { kind: 'rejected' }>,
  atMs: number,
  deps: DeliveryDeps,
): Promise<void> {
  const isNewlyBroken = await deps.store.markBroken(channel.owner, channel.channelId, atMs, outcome.detail);
  if (!isNewlyBroken) return;
  const notice: NoticeNotification = {
    type: 'channel-failed',
    notice: {
      owner: channel.owner,
      channelId: channel.channelId,
      kind: channel.kind,
      label: channel.label,
      atMs,
      ...(outcome.status === undefined ? {} : { status: outcome.status }),
      detail: outcome.detail,
      alertId: notificationIdOf(notification),
    },
  };
  try {
    await deps.publisher.publishNotice(notice);
  } catch (error) {
    await deps.store.clearBroken(channel.owner, channel.channelId);
    throw error;
  }
}

// The fields of a ChannelSecret that must never be shown (a Telegram chat id is not one, and is often short).
const SECRET_FIELDS = ['url', 'signingSecret', 'botToken', 'routingKey'] as const;
const DETAIL_MAX_CHARS = 200;

/** The detail without any of the secret's values (a receiver may quote a token or URL back). */
function withoutSecrets(detail: string, secret: ChannelSecret): string {
  let text = detail;
  for (const field of SECRET_FIELDS) {
    const value = (secret as Readonly<Record<string, unknown>>)[field];
    if (typeof value === 'string' && value.length > 0) text = text.split(value).join('…');
  }
  return truncateText(text, DETAIL_MAX_CHARS);
}

const nameOf = (error: unknown): string =>
  error instanceof Error ? error.name : typeof error === 'string' ? 'error' : 'unknown error';
