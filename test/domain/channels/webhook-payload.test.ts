import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { notificationIdOf } from '../../../functions/domain/channels/notification.ts';
import {
  buildWebhookPayload,
  WEBHOOK_GROUP_MAX_BYTES,
  WEBHOOK_SCHEMA,
  WebhookPayloadSchema,
  webhookEventOf,
} from '../../../functions/domain/channels/webhook-payload.ts';
import {
  channelFailed,
  downAlert,
  downLocations,
  everyNotification,
  groupMember,
  groupOf,
  regionalAlert,
  T0,
  testNotification,
  upAlert,
} from './fixtures.ts';

const NOW_MS = T0 + 45_000;

describe('buildWebhookPayload', () => {
  it.each(everyNotification())('$label: valid v1 payload with the notification id', ({ notification }) => {
    // Act
    const payload = buildWebhookPayload(notification, 'n|ch-abcdefgh23', NOW_MS);

    // Assess
    expect(v.parse(WebhookPayloadSchema, JSON.parse(JSON.stringify(payload)))).toEqual(payload);
    expect(payload).toMatchObject({
      schema: WEBHOOK_SCHEMA,
      type: notification.type,
      deliveryId: 'n|ch-abcdefgh23',
      notificationId: notificationIdOf(notification),
      sentAt: new Date(NOW_MS).toISOString(),
      sentAtMs: NOW_MS,
    });
  });

  it('describes a DOWN with its site, reason, detail, status and times in ISO and ms', () => {
    const payload = buildWebhookPayload({ type: 'alert', alert: downAlert() }, 'd', NOW_MS);
    expect(payload).toEqual({
      schema: WEBHOOK_SCHEMA,
      type: 'alert',
      deliveryId: 'd',
      notificationId: 'shop:12',
      sentAt: '2026-11-25T09:01:45.000Z',
      sentAtMs: NOW_MS,
      alert: {
        alertId: 'shop:12',
        event: 'DOWN',
        site: { id: 'shop', name: 'Shop', url: 'https://shop.example.com/health', owner: 'alice' },
        reason: 'http-5xx',
        detail: 'HTTP 503 Service Unavailable from HEAD https://shop.example.com/health',
        status: 503,
        latencyMs: 84,
        summary: 'Shop is DOWN: http-5xx',
        at: '2026-11-25T09:01:31.000Z',
        atMs: T0 + 31_000,
        outageSince: '2026-11-25T09:01:00.000Z',
        outageSinceMs: T0,
      },
    });
  });

  it('carries each location’s answer of a verified DOWN, home first, and says so in the summary', () => {
    // Act
    const payload = buildWebhookPayload(
      { type: 'alert', alert: downAlert({ locations: downLocations() }) },
      'd',
      NOW_MS,
    );

    // Assess
    expect(payload.type === 'alert' && payload.alert).toMatchObject({
      event: 'DOWN',
      summary: 'Shop is DOWN from 2 of 3 locations: http-5xx',
      locations: downLocations(),
    });
  });

  it('sends a REGIONAL as event REGIONAL with its locations', () => {
    // Act
    const notification = { type: 'alert', alert: regionalAlert() } as const;
    const payload = buildWebhookPayload(notification, 'd', NOW_MS);

    // Assess
    expect(webhookEventOf(notification)).toBe('REGIONAL');
    expect(payload.type === 'alert' && payload.alert).toMatchObject({
      event: 'REGIONAL',
      reason: 'timeout',
      summary: 'Shop fails from us-east-1 only; up from us-west-2 and eu-west-1',
      locations: regionalAlert().locations,
    });
  });

  it('has no locations field for an alert without verification (payloads as before)', () => {
    const payload = buildWebhookPayload({ type: 'alert', alert: downAlert() }, 'd', NOW_MS);
    expect(payload.type === 'alert' && 'locations' in payload.alert).toBe(false);
  });

  it('gives an UP after a DOWN its downtime, and no downtime to an UP from SLOW', () => {
    const up = buildWebhookPayload({ type: 'alert', alert: upAlert() }, 'd', NOW_MS);
    const fromSlow = buildWebhookPayload(
      { type: 'alert', alert: upAlert({ recoveredFrom: 'DEGRADED' }) },
      'd',
      NOW_MS,
    );
    expect(up.type === 'alert' && up.alert.downtimeMs).toBe(751_000);
    expect(fromSlow.type === 'alert' && fromSlow.alert).not.toHaveProperty('downtimeMs');
  });

  it('lists the members of a group and counts those left out', () => {
    const payload = buildWebhookPayload(
      groupOf(
        [0, 1, 2].map((index) => groupMember(index)),
        4,
      ),
      'd',
      NOW_MS,
    );
    expect(payload.type === 'alert-group' && payload.group.alerts.map((alert) => alert.site.id)).toEqual([
      'site-0',
      'site-1',
      'site-2',
    ]);
    expect(payload.type === 'alert-group' && payload.group.omittedAlerts).toBe(4);
  });

  it('counts the members of an oversized group that do not fit instead of listing them', () => {
    // Prepare: 120 members with 5,000-character names (more than the notification attribute ever carries).
    const members = Array.from({ length: 120 }, (_, index) =>
      groupMember(index, { siteName: 'n'.repeat(5_000), url: `https://example.com/${'p'.repeat(3_000)}` }),
    );

    // Act
    const payload = buildWebhookPayload(groupOf(members, 30), 'd', NOW_MS);

    // Assess
    expect(Buffer.byteLength(JSON.stringify(payload))).toBeLessThanOrEqual(WEBHOOK_GROUP_MAX_BYTES + 1_024);
    const group = payload.type === 'alert-group' ? payload.group : undefined;
    expect(group?.alerts.length).toBeLessThan(120);
    expect((group?.alerts.length ?? 0) + (group?.omittedAlerts ?? 0)).toBe(150);
  });

  it('cuts a 5,000-character name so a receiver can store it', () => {
    const payload = buildWebhookPayload(
      { type: 'alert', alert: downAlert({ siteName: 'x'.repeat(5_000) }) },
      'd',
      NOW_MS,
    );
    expect(payload.type === 'alert' && payload.alert.site.name.length).toBe(500);
  });
});

describe('webhookEventOf', () => {
  it.each([
    { notification: { type: 'alert', alert: upAlert() } as const, event: 'UP' },
    { notification: groupOf([groupMember(1)]), event: 'GROUP' },
    { notification: channelFailed, event: 'CHANNEL_FAILED' },
    { notification: testNotification, event: 'TEST' },
  ])('names $event', ({ notification, event }) => {
    expect(webhookEventOf(notification)).toBe(event);
  });
});
