import type { SQSMessageAttributes } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  InvalidNotificationError,
  readNotificationRecord,
} from '../../functions/adapters/notification-envelope.ts';
import type { Notification } from '../../functions/domain/channels/notification.ts';
import { anAlert } from '../support/fixtures.ts';

const NOTIFICATION: Notification = { type: 'alert', alert: anAlert({ owner: 'alice' }) };
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:alerts';

const envelope = (attributes: Record<string, { Type: string; Value?: string }>, extra = {}) =>
  JSON.stringify({
    Type: 'Notification',
    MessageId: 'm-1',
    TopicArn: TOPIC,
    Subject: 'DOWN: Example (example) - timeout',
    Message: 'DOWN: Example\n\nExample is DOWN.',
    Timestamp: '2026-12-06T19:00:00.000Z',
    MessageAttributes: attributes,
    ...extra,
  });
const stringAttribute = (value: string) => ({ Type: 'String', Value: value });

describe('readNotificationRecord', () => {
  it('reads the notification attribute of an SNS envelope (raw delivery off, as on AWS)', () => {
    // Act
    const contents = readNotificationRecord({
      body: envelope({
        owner: stringAttribute('alice'),
        notification: stringAttribute(JSON.stringify(NOTIFICATION)),
      }),
      messageAttributes: {},
    });

    // Assess
    expect(contents).toEqual({ kind: 'notification', notification: NOTIFICATION });
  });

  it('reads the notification attribute of a raw delivery (the SQS message attributes)', () => {
    // Prepare
    const messageAttributes: SQSMessageAttributes = {
      notification: {
        dataType: 'String',
        stringValue: JSON.stringify(NOTIFICATION),
        stringListValues: [],
        binaryListValues: [],
      },
    };

    // Act
    const contents = readNotificationRecord({ body: '{"default":"DOWN"}', messageAttributes });

    // Assess
    expect(contents).toEqual({ kind: 'notification', notification: NOTIFICATION });
  });

  it.each([
    {
      what: 'a CloudWatch alarm published to the topic',
      body: envelope({}, { Subject: 'ALARM: "DeliveryDLQ" in US East', Message: '{"AlarmName":"x"}' }),
      why: `SNS notification "ALARM: "DeliveryDLQ" in US East" from ${TOPIC} without a notification attribute (an alarm or another publisher)`,
    },
    {
      what: 'an envelope without any attributes',
      body: JSON.stringify({ Type: 'Notification', Message: 'hello' }),
      why: 'SNS notification from an unknown topic without a notification attribute (an alarm or another publisher)',
    },
    {
      what: 'a subscription confirmation',
      body: JSON.stringify({ Type: 'SubscriptionConfirmation', Message: 'confirm' }),
      why: 'an SNS SubscriptionConfirmation message',
    },
    {
      what: 'a raw message without the attribute',
      body: 'plain text',
      why: 'neither an SNS envelope nor a message with a notification attribute',
    },
  ])('says $what is not ours', ({ body, why }) => {
    // Act
    const contents = readNotificationRecord({ body, messageAttributes: {} });

    // Assess
    expect(contents).toEqual({ kind: 'not-ours', why });
  });

  it.each([
    {
      what: 'not JSON',
      attribute: stringAttribute('{oops'),
      message: 'the notification attribute is not JSON: {oops',
    },
    {
      what: 'an unknown type',
      attribute: stringAttribute('{"type":"fax"}'),
      message: /^the notification attribute is not a valid notification: type: /,
    },
    {
      what: 'an alert missing fields',
      attribute: stringAttribute(JSON.stringify({ type: 'alert', alert: { alertId: 'x' } })),
      message: /^the notification attribute is not a valid notification: alert\.event: /,
    },
    {
      what: 'a binary attribute',
      attribute: { Type: 'Binary', Value: 'AAEC' },
      message: 'the notification attribute must be a String, got Binary',
    },
  ])('throws a clear error for an attribute holding $what', ({ attribute, message }) => {
    // Act
    const reading = () =>
      readNotificationRecord({ body: envelope({ notification: attribute }), messageAttributes: {} });

    // Assess
    expect(reading).toThrow(InvalidNotificationError);
    expect(reading).toThrow(message);
  });
});
