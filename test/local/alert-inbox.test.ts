import type { Message } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { LocationAnswer } from '../../functions/domain/verification.ts';
import { parseAlertNotification } from '../../local/alert-inbox.ts';
import { anAlert } from '../support/fixtures.ts';

const PER_PROTOCOL = JSON.stringify({
  default: 'DOWN: Shop - refused\n\nShop is DOWN.',
  email: 'Shop is DOWN.\n\nReason: refused',
  sms: 'Shop DOWN: refused',
});
const envelope = (message: string, subject?: string) =>
  JSON.stringify({
    Type: 'Notification',
    MessageId: 'm-1',
    TopicArn: 'arn:aws:sns:us-east-1:000000000000:uptime-squirrel-alerts',
    ...(subject ? { Subject: subject } : {}),
    Message: message,
    MessageAttributes: {
      event: { Type: 'String', Value: 'DOWN' },
      siteId: { Type: 'String', Value: 'shop' },
    },
  });

describe('parseAlertNotification', () => {
  it.each([
    {
      form: 'SNS envelope holding the whole per-protocol JSON (the emulator)',
      message: { Body: envelope(PER_PROTOCOL, 'DOWN: Shop - refused') },
      expected: { subject: 'DOWN: Shop - refused', text: 'Shop is DOWN.\n\nReason: refused' },
    },
    {
      form: 'SNS envelope holding the default text (AWS)',
      message: { Body: envelope('DOWN: Shop - refused\n\nShop is DOWN.', 'DOWN: Shop - refused') },
      expected: { subject: 'DOWN: Shop - refused', text: 'Shop is DOWN.' },
    },
    {
      form: 'raw delivery of the per-protocol JSON',
      message: {
        Body: PER_PROTOCOL,
        MessageAttributes: { event: { DataType: 'String', StringValue: 'DOWN' } },
      },
      expected: { subject: 'Shop is DOWN.', text: 'Reason: refused', attributes: { event: 'DOWN' } },
    },
    {
      form: 'raw delivery of plain text',
      message: { Body: 'UP: Shop - back after 2 min\n\nShop is back UP after 2 min.' },
      expected: {
        subject: 'UP: Shop - back after 2 min',
        text: 'Shop is back UP after 2 min.',
        attributes: {},
      },
    },
  ])('reads the $form', ({ message, expected }) => {
    // Act
    const alert = parseAlertNotification(message as Message, 1_000);

    // Assess
    expect(alert).toMatchObject({ receivedAtMs: 1_000, ...expected });
  });

  it('keeps the SNS message attributes of an envelope', () => {
    // Act
    const alert = parseAlertNotification({ Body: envelope(PER_PROTOCOL, 'DOWN: Shop - refused') }, 0);

    // Assess
    expect(alert.attributes).toEqual({ event: 'DOWN', siteId: 'shop' });
  });

  it.each([
    ['an alert', { type: 'alert', alert: anAlert({ alertId: 'shop:7' }) }, 'shop:7'],
    [
      'a group',
      {
        type: 'alert-group',
        group: {
          owner: 'ops',
          key: { kind: 'reason', reason: 'dns' },
          alerts: [anAlert()],
          omittedAlerts: 0,
        },
      },
      'group:example:3',
    ],
    ['nothing valid', { type: 'alert' }, undefined],
  ])('ties %s to the channel deliveries of its notification attribute', (_case, notification, expected) => {
    // Prepare
    const body = JSON.parse(envelope(PER_PROTOCOL, 'DOWN: Shop - refused'));
    body.MessageAttributes.notification = { Type: 'String', Value: JSON.stringify(notification) };

    // Act
    const alert = parseAlertNotification({ Body: JSON.stringify(body) }, 0);

    // Assess
    expect(alert.notificationId).toBe(expected);
  });

  it("carries each location's answer of a verified alert (issue 15), none for an alert without verification", () => {
    // Prepare
    const locations: LocationAnswer[] = [
      { outcome: 'down', location: 'local', reason: 'reset', detail: 'connection reset', latencyMs: 3 },
      { outcome: 'up', location: 'local-west', status: 200, latencyMs: 4 },
      { outcome: 'no-answer', location: 'local-east', detail: 'timed out' },
    ];
    const withAttribute = (notification: unknown) => {
      const body = JSON.parse(envelope(PER_PROTOCOL, 'REGIONAL: Shop'));
      body.MessageAttributes.notification = { Type: 'String', Value: JSON.stringify(notification) };
      return { Body: JSON.stringify(body) };
    };

    // Act
    const verified = parseAlertNotification(
      withAttribute({ type: 'alert', alert: anAlert({ event: 'REGIONAL', locations }) }),
      0,
    );
    const plain = parseAlertNotification(withAttribute({ type: 'alert', alert: anAlert() }), 0);

    // Assess
    expect(verified.locations).toEqual(locations);
    expect(plain).not.toHaveProperty('locations');
  });
});
