import type { SQSRecord } from 'aws-lambda';
import * as v from 'valibot';
import {
  NOTIFICATION_ATTRIBUTE,
  type Notification,
  NotificationSchema,
} from '../domain/channels/notification.ts';

/** What an SQS record of the alert-dispatch queue holds. */
export type EnvelopeContents =
  | { readonly kind: 'notification'; readonly notification: Notification }
  /** A message with no `notification` attribute: an alarm, a foreign publish to the topic. */
  | { readonly kind: 'not-ours'; readonly why: string };

/** The `notification` attribute is there but is not a Notification: a bug or a foreign publisher's mistake. */
export class InvalidNotificationError extends Error {
  override name = 'InvalidNotificationError';
  readonly code = 'INVALID_NOTIFICATION';
}

// What SNS wraps around a message it delivers to SQS without raw delivery.
const SnsEnvelopeSchema = v.object({
  Type: v.string(),
  Message: v.string(),
  TopicArn: v.optional(v.string()),
  Subject: v.optional(v.nullable(v.string())),
  MessageAttributes: v.optional(
    v.record(v.string(), v.object({ Type: v.string(), Value: v.optional(v.string()) })),
  ),
});

/**
 * Reads the Notification of an SQS record delivered from the alerts topic: from the SNS envelope's
 * MessageAttributes (AWS, raw delivery off), or from the record's own message attributes (raw delivery, as
 * the local emulator may be set up). @throws InvalidNotificationError when the attribute holds no valid
 * Notification.
 */
export function readNotificationRecord(
  record: Pick<SQSRecord, 'body' | 'messageAttributes'>,
): EnvelopeContents {
  const envelope = v.safeParse(SnsEnvelopeSchema, tryParseJson(record.body));
  if (envelope.success) {
    const { Type, TopicArn, Subject, MessageAttributes = {} } = envelope.output;
    if (Type !== 'Notification') return { kind: 'not-ours', why: `an SNS ${Type} message` };
    const attribute = MessageAttributes[NOTIFICATION_ATTRIBUTE];
    if (attribute === undefined) {
      const subject = Subject ? ` "${Subject.slice(0, 100)}"` : '';
      return {
        kind: 'not-ours',
        why: `SNS notification${subject} from ${TopicArn ?? 'an unknown topic'} without a ${NOTIFICATION_ATTRIBUTE} attribute (an alarm or another publisher)`,
      };
    }
    return { kind: 'notification', notification: parseNotification(attribute.Type, attribute.Value) };
  }
  const attribute = record.messageAttributes?.[NOTIFICATION_ATTRIBUTE];
  if (attribute === undefined) {
    return {
      kind: 'not-ours',
      why: `neither an SNS envelope nor a message with a ${NOTIFICATION_ATTRIBUTE} attribute`,
    };
  }
  return { kind: 'notification', notification: parseNotification(attribute.dataType, attribute.stringValue) };
}

function parseNotification(dataType: string, value: string | undefined): Notification {
  if (dataType !== 'String' || value === undefined) {
    throw new InvalidNotificationError(
      `the ${NOTIFICATION_ATTRIBUTE} attribute must be a String, got ${dataType}${value === undefined ? ' without a value' : ''}`,
    );
  }
  const json = tryParseJson(value);
  if (json === undefined) {
    throw new InvalidNotificationError(
      `the ${NOTIFICATION_ATTRIBUTE} attribute is not JSON: ${value.slice(0, 80)}`,
    );
  }
  const parsed = v.safeParse(NotificationSchema, json);
  if (parsed.success) return parsed.output;
  const problems = parsed.issues
    .slice(0, 5)
    .map((issue) => `${v.getDotPath(issue) ?? '(notification)'}: ${issue.message}`);
  throw new InvalidNotificationError(
    `the ${NOTIFICATION_ATTRIBUTE} attribute is not a valid notification: ${problems.join('; ')}`,
  );
}

function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
