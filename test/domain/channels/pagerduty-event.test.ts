import { describe, expect, it } from 'vitest';
import type { Notification } from '../../../functions/domain/channels/notification.ts';
import {
  type PagerDutyEvent,
  planPagerDutyEvents,
} from '../../../functions/domain/channels/pagerduty-event.ts';
import {
  channelFailed,
  downAlert,
  downLocations,
  everyNotification,
  groupMember,
  groupOf,
  MINUTE,
  regionalAlert,
  T0,
  testNotification,
  upAlert,
} from './fixtures.ts';

const KEY = 'R0UT1NGKEY0000000000000000000000';
const eventsOf = (notification: Notification): readonly PagerDutyEvent[] => {
  const plan = planPagerDutyEvents(notification, KEY);
  return plan.kind === 'events' ? plan.events : [];
};
const alert = (value: Parameters<typeof downAlert>[0]): Notification => ({
  type: 'alert',
  alert: downAlert(value),
});

describe('planPagerDutyEvents', () => {
  it('resolves with the UP the incident the DOWN of the same outage triggered', () => {
    // Prepare: two outages of one site; their alerts arrive in order.
    const secondOutageMs = T0 + 60 * MINUTE;
    const sequence: Notification[] = [
      { type: 'alert', alert: downAlert() },
      { type: 'alert', alert: upAlert() },
      {
        type: 'alert',
        alert: downAlert({
          alertId: 'shop:14',
          outageSinceMs: secondOutageMs,
          atMs: secondOutageMs + 30_000,
        }),
      },
      {
        type: 'alert',
        alert: upAlert({
          alertId: 'shop:15',
          outageSinceMs: secondOutageMs,
          atMs: secondOutageMs + 5 * MINUTE,
        }),
      },
    ];

    // Act
    const events = sequence.flatMap(eventsOf);

    // Assess
    // One key per site: PagerDuty folds a trigger into an *open* incident of its key only, so the second DOWN
    // (after the first was resolved) opens a new incident.
    expect(events.map((event) => [event.event_action, event.dedup_key])).toEqual([
      ['trigger', 'site:shop'],
      ['resolve', 'site:shop'],
      ['trigger', 'site:shop'],
      ['resolve', 'site:shop'],
    ]);
    expect(events[1]).toEqual({ routing_key: KEY, event_action: 'resolve', dedup_key: 'site:shop' });
  });

  it.each([
    {
      label: 'an UP that ends a maintenance window (it counts from inside the window)',
      up: upAlert({
        alertId: 'shop:20',
        outageSinceMs: T0 + 90 * MINUTE,
        afterMaintenanceSinceMs: T0 + 60 * MINUTE,
      }),
    },
    { label: 'an UP after the site went from DOWN to BLOCKED', up: upAlert({ recoveredFrom: 'BLOCKED' }) },
    {
      label: 'an UP after DEGRADED (nothing open: resolving does nothing)',
      up: upAlert({ recoveredFrom: 'DEGRADED' }),
    },
  ])('resolves the page the DOWN opened with $label', ({ up }) => {
    // Act
    const [trigger] = eventsOf({ type: 'alert', alert: downAlert() });
    const [resolve] = eventsOf({ type: 'alert', alert: up });

    // Assess
    expect([trigger?.event_action, resolve?.event_action]).toEqual(['trigger', 'resolve']);
    expect(resolve?.dedup_key).toBe(trigger?.dedup_key);
  });

  it('triggers a DOWN as critical with the site as component and a link to the checked URL', () => {
    // Act
    const [event] = eventsOf(alert({}));

    // Assess
    expect(event).toMatchObject({
      routing_key: KEY,
      event_action: 'trigger',
      payload: {
        summary:
          'Shop is DOWN: http-5xx (shop) - HTTP 503 Service Unavailable from HEAD https://shop.example.com/health',
        source: 'shop.example.com',
        severity: 'critical',
        timestamp: new Date(T0 + 31_000).toISOString(),
        component: 'shop',
        group: 'alice',
        class: 'http-5xx',
        custom_details: { alertId: 'shop:12', status: 503 },
      },
      links: [{ href: 'https://shop.example.com/health', text: 'Checked URL' }],
    });
  });

  it('resolves each member of a group of REGIONAL alerts on its own site key, and triggers none', () => {
    // Prepare
    const members = [0, 1, 2].map((index) => groupMember(index, { event: 'REGIONAL' }));

    // Act
    const events = eventsOf(groupOf(members));
    const oneByOne = members.flatMap((member) => eventsOf({ type: 'alert', alert: member }));

    // Assess: as channel-dispatch.ts delivers it to PagerDuty (one member per delivery), the same events.
    expect(events).toEqual(
      [0, 1, 2].map((index) => ({
        routing_key: KEY,
        event_action: 'resolve',
        dedup_key: `site:site-${index}`,
      })),
    );
    expect(oneByOne).toEqual(events);
  });

  it('resolves the site’s incident with a REGIONAL, in the UP’s resolve shape, and never triggers', () => {
    // Act
    const regional = eventsOf({ type: 'alert', alert: regionalAlert() });
    const up = eventsOf({ type: 'alert', alert: upAlert() });

    // Assess
    expect(regional).toEqual([{ routing_key: KEY, event_action: 'resolve', dedup_key: 'site:shop' }]);
    expect(regional).toEqual(up);
  });

  it('never triggers for a REGIONAL, alone, with missed alerts or in a group', () => {
    // Prepare
    const regionals = everyNotification()
      .map(({ notification }) => notification)
      .filter((notification) =>
        notification.type === 'alert'
          ? notification.alert.event === 'REGIONAL'
          : notification.type === 'alert-group' &&
            notification.group.alerts.every((member) => member.event === 'REGIONAL'),
      );

    // Act
    const plans = regionals.map((notification) => planPagerDutyEvents(notification, KEY));

    // Assess
    expect(regionals.length).toBeGreaterThanOrEqual(3);
    for (const plan of plans) {
      expect(plan.kind).toBe('events');
      const events = plan.kind === 'events' ? plan.events : [];
      expect(events.length).toBeGreaterThan(0);
      expect(events.every((event) => event.event_action === 'resolve')).toBe(true);
    }
  });

  it.each([
    {
      label: 'DOWN, BLOCKED, REGIONAL, then a silent UP',
      sequence: [
        { type: 'alert', alert: downAlert() },
        { type: 'alert', alert: downAlert({ alertId: 'shop:13', event: 'BLOCKED', status: 403 }) },
        { type: 'alert', alert: regionalAlert({ alertId: 'shop:14' }) },
      ] as Notification[],
    },
    {
      label: 'DOWN, then a REGIONAL with the undelivered UP folded in',
      sequence: [
        { type: 'alert', alert: downAlert() },
        {
          type: 'alert',
          alert: regionalAlert({
            alertId: 'shop:14',
            missed: { alerts: 1, sinceMs: T0 + 5 * MINUTE, outages: 1, downMs: 5 * MINUTE },
          }),
        },
      ] as Notification[],
    },
  ])('leaves no page open after $label', ({ sequence }) => {
    // Act
    const events = sequence.flatMap(eventsOf);

    // Assess: the last word on the site's key is a resolve.
    expect(events.map((event) => [event.event_action, event.dedup_key])).toEqual([
      ['trigger', 'site:shop'],
      ['resolve', 'site:shop'],
    ]);
  });

  it('names the locations of a verified DOWN in its summary and custom details', () => {
    // Act
    const [event] = eventsOf(alert({ locations: downLocations('HTTP 503') }));

    // Assess
    expect(event?.event_action === 'trigger' && event.payload).toMatchObject({
      summary:
        'Shop is DOWN from 2 of 3 locations: http-5xx (shop) - HTTP 503 Service Unavailable from HEAD https://shop.example.com/health',
      severity: 'critical',
      custom_details: {
        confirmedBy: '2 of 3 answering locations',
        locations: {
          'us-east-1 (home)': 'down: http-5xx - HTTP 503',
          'us-west-2': 'down: http-5xx - HTTP 503',
          'eu-west-1': 'up: HTTP 200 in 120 ms',
        },
      },
    });
  });

  it('keeps the custom details of a DOWN without verification as they were', () => {
    const [event] = eventsOf(alert({}));
    const details = event?.event_action === 'trigger' ? event.payload.custom_details : {};
    expect(Object.keys(details)).toEqual([
      'site',
      'url',
      'event',
      'reason',
      'detail',
      'status',
      'latencyMs',
      'downSince',
      'confirmed',
      'owner',
      'alertId',
    ]);
  });

  it('re-triggers the open incident for a REMINDER (same key: logged, not paged again)', () => {
    const [event] = eventsOf(alert({ event: 'REMINDER', atMs: T0 + 60 * MINUTE }));
    expect([event?.event_action, event?.dedup_key]).toEqual(['trigger', 'site:shop']);
  });

  it.each([
    { label: 'DEGRADED', notification: alert({ event: 'DEGRADED', maxResponseMs: 1_000 }) },
    { label: 'BLOCKED', notification: alert({ event: 'BLOCKED', status: 403 }) },
    { label: 'TLS_EXPIRY', notification: alert({ event: 'TLS_EXPIRY', tlsValidToMs: T0 + 86_400_000 }) },
    { label: 'UNCHECKED', notification: alert({ event: 'UNCHECKED', reason: 'checker-fault' }) },
  ])('skips $label with a reason', ({ notification }) => {
    const plan = planPagerDutyEvents(notification, KEY);
    expect(plan).toMatchObject({ kind: 'skip', why: expect.stringMatching(/\w/) });
  });

  it('triggers each member of a group on its own site key, so each member’s UP resolves it', () => {
    // Prepare
    const members = [0, 1, 2].map((index) => groupMember(index));

    // Act
    const triggers = eventsOf(groupOf(members));
    const resolves = members.flatMap((member) =>
      eventsOf({ type: 'alert', alert: { ...member, event: 'UP', atMs: member.atMs + MINUTE } }),
    );

    // Assess
    expect(triggers.map((event) => event.event_action)).toEqual(['trigger', 'trigger', 'trigger']);
    expect(triggers.map((event) => event.dedup_key)).toEqual(resolves.map((event) => event.dedup_key));
    expect(new Set(triggers.map((event) => event.dedup_key)).size).toBe(3);
  });

  it('triggers a warning for a failing channel, one incident per channel', () => {
    const [event] = eventsOf(channelFailed);
    expect(event).toMatchObject({
      event_action: 'trigger',
      dedup_key: 'channel-failed:ch-abcdefgh23',
      payload: { severity: 'warning', component: 'ch-abcdefgh23', class: 'channel-failed' },
    });
  });

  it('triggers and at once resolves a test incident of its own', () => {
    expect(eventsOf(testNotification).map((event) => [event.event_action, event.dedup_key])).toEqual([
      ['trigger', 'test:t-7f3k2m'],
      ['resolve', 'test:t-7f3k2m'],
    ]);
  });

  it('links only http(s) URLs', () => {
    const [event] = eventsOf(alert({ url: 'javascript:alert(1)' }));
    expect(event).not.toHaveProperty('links');
  });
});
