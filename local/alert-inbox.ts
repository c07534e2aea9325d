import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import * as v from 'valibot';
import {
  NOTIFICATION_ATTRIBUTE,
  type Notification,
  NotificationSchema,
  notificationIdOf,
} from '../functions/domain/channels/notification.ts';
import type { LocationAnswer } from '../functions/domain/verification.ts';

/** An alert as a subscriber received it: what an email subscriber would read, plus its SNS attributes. */
export interface ReceivedAlert {
  readonly receivedAtMs: number;
  readonly subject: string;
  /** The email text (the `email` entry of the per-protocol message, or the plain message). */
  readonly text: string;
  /** SNS message attributes the publisher set (`event`, `siteId`, `owner`), when present. */
  readonly attributes: Readonly<Record<string, string>>;
  /**
   * The id of the Notification the publisher attached (its `notification` attribute), which the channel
   * deliveries of this alert carry: the printer shows their outcomes under it.
   */
  readonly notificationId?: string;
  /**
   * Where it failed and where it did not (issue 15): each location's answer, home first, when a verification decided
   * this DOWN or REGIONAL (from the alert the notification carries; absent otherwise).
   */
  readonly locations?: readonly LocationAnswer[];
}

export interface AlertInboxProps {
  readonly sqs: SQSClient;
  /** The queue subscribed to the alerts topic. */
  readonly queueUrl: string;
  readonly waitTimeSeconds: number;
  readonly onAlert: (alert: ReceivedAlert) => void;
  readonly onProblem: (message: string) => void;
}

const RECEIVE_ERROR_BACKOFF_MS = 1_000;

/** Reads the alert subscription queue and hands each alert over as it arrives (then deletes it). */
export class AlertInbox {
  readonly #props: AlertInboxProps;
  #loop: Promise<void> | undefined;
  readonly #abort = new AbortController();
  #isStopping = false;

  constructor(props: AlertInboxProps) {
    this.#props = props;
  }

  start(): void {
    this.#loop ??= this.#poll();
  }

  /** Stops polling (an idle long poll is cut short). */
  async halt(): Promise<void> {
    this.#isStopping = true;
    this.#abort.abort();
    await this.#loop;
  }

  /** Reads what is still queued, so alerts published just before a stop are shown. */
  async drain(): Promise<void> {
    await this.#receive(0).catch((error: Error) => this.#props.onProblem(`alert queue: ${error.message}`));
  }

  async #poll(): Promise<void> {
    while (!this.#isStopping) {
      try {
        await this.#receive(this.#props.waitTimeSeconds, this.#abort.signal);
      } catch (error) {
        if (this.#isStopping) return;
        this.#props.onProblem(`alert queue: receive failed: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, RECEIVE_ERROR_BACKOFF_MS));
      }
    }
  }

  async #receive(waitTimeSeconds: number, abortSignal?: AbortSignal): Promise<void> {
    const { Messages = [] } = await this.#props.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#props.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitTimeSeconds,
        MessageAttributeNames: ['All'],
      }),
      { abortSignal },
    );
    if (Messages.length === 0) return;
    for (const message of Messages) this.#props.onAlert(parseAlertNotification(message, Date.now()));
    await this.#props.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: this.#props.queueUrl,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    );
  }
}

/**
 * Reads an SNS notification delivered to SQS, in every form it can take: the SNS envelope (AWS) or the raw
 * message (raw delivery); with `MessageStructure: json`, AWS hands over the `sqs`/`default` entry while the
 * emulator hands over the whole per-protocol JSON, from which the `email` text is taken.
 */
export function parseAlertNotification(message: Message, receivedAtMs: number): ReceivedAlert {
  const body = message.Body ?? '';
  const envelope = asRecord(tryParseJson(body));
  const isEnvelope = envelope?.Type === 'Notification' && typeof envelope.Message === 'string';
  const payload = isEnvelope ? (envelope.Message as string) : body;
  const attributes = isEnvelope
    ? envelopeAttributes(envelope.MessageAttributes)
    : queueAttributes(message.MessageAttributes ?? {});
  const perProtocol = asRecord(tryParseJson(payload));
  const chosen = perProtocol?.email ?? perProtocol?.default;
  let text = typeof chosen === 'string' ? chosen : payload;
  let subject = isEnvelope && typeof envelope.Subject === 'string' ? envelope.Subject : '';
  if (subject === '') {
    // The default text is "subject, blank line, body": split it rather than print the subject twice.
    const [first = '', ...rest] = text.split('\n');
    subject = first;
    text = rest.join('\n').replace(/^\n+/, '');
  } else if (text.startsWith(`${subject}\n`)) {
    text = text.slice(subject.length).replace(/^\n+/, '');
  }
  const notification = notificationIn(attributes[NOTIFICATION_ATTRIBUTE]);
  const locations = notification?.type === 'alert' ? notification.alert.locations : undefined;
  return {
    receivedAtMs,
    subject,
    text,
    attributes,
    ...(notification ? { notificationId: notificationIdOf(notification) } : {}),
    ...(locations && locations.length > 0 ? { locations } : {}),
  };
}

function notificationIn(attribute: string | undefined): Notification | undefined {
  if (attribute === undefined) return undefined;
  const parsed = v.safeParse(NotificationSchema, tryParseJson(attribute));
  return parsed.success ? parsed.output : undefined;
}

function envelopeAttributes(raw: unknown): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(asRecord(raw) ?? {})) {
    const stringValue = asRecord(value)?.Value;
    if (typeof stringValue === 'string') attributes[name] = stringValue;
  }
  return attributes;
}

function queueAttributes(raw: Record<string, MessageAttributeValue>): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value.StringValue !== undefined) attributes[name] = value.StringValue;
  }
  return attributes;
}

function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
