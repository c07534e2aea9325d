import { describe, expect, it } from 'vitest';
import type { Alert } from '../../functions/domain/alert.ts';
import { decideTransition } from '../../functions/domain/alert-policy.ts';
import { addToOutbox, pendingAlertsOf } from '../../functions/domain/outbox.ts';
import { INITIAL_STATE, type OutboxEntry, type SiteState } from '../../functions/domain/site-state.ts';
import { aSite, downResult, T0, upResult } from './fixtures.ts';

const MINUTE = 60_000;

const anAlert = (event: Alert['event'], atMs: number, fields: Partial<Alert> = {}): Alert => ({
  alertId: `s:${atMs}`,
  event,
  siteId: 's',
  siteName: 'Site',
  url: 'https://example.com/',
  owner: 'default',
  atMs,
  outageSinceMs: atMs,
  reason: 'timeout',
  detail: 'timed out',
  latencyMs: 5_000,
  ...fields,
});

const outboxOf = (...entries: OutboxEntry[]): Record<string, OutboxEntry> =>
  Object.fromEntries(entries.map((entry) => [entry.alert.alertId, entry]));

describe('addToOutbox', () => {
  it('adds new alerts claimed by their committer', () => {
    // Prepare
    const down = anAlert('DOWN', T0);

    // Act
    const update = addToOutbox(undefined, [down], T0 + MINUTE, T0);

    // Assess
    expect(update).toEqual({
      pendingAlerts: outboxOf({ alert: down, claimedUntilMs: T0 + MINUTE }),
      alerts: [down],
    });
  });

  it('folds an undelivered REGIONAL into the next status alert as a missed alert, not as an outage', () => {
    // Prepare: REGIONAL (never paged) went undelivered, then the site went DOWN everywhere
    const regional = anAlert('REGIONAL', T0, { outageSinceMs: T0 - MINUTE });
    const pending = outboxOf({ alert: regional, claimedUntilMs: T0 + MINUTE });
    const down = anAlert('DOWN', T0 + 5 * MINUTE, { outageSinceMs: T0 - MINUTE });

    // Act
    const update = addToOutbox(pending, [down], T0 + 6 * MINUTE, T0 + 5 * MINUTE);

    // Assess
    expect(update.alerts).toEqual([{ ...down, missed: { alerts: 1, sinceMs: T0, outages: 0, downMs: 0 } }]);
    expect(Object.keys(update.pendingAlerts)).toEqual([down.alertId]);
  });

  it('folds an undelivered DOWN and UP into the next DOWN: one outage of 3 minutes missed', () => {
    // Prepare
    const down = anAlert('DOWN', T0, { outageSinceMs: T0 - MINUTE });
    const up = anAlert('UP', T0 + 2 * MINUTE, { outageSinceMs: T0 - MINUTE });
    const pending = outboxOf(
      { alert: down, claimedUntilMs: T0 + MINUTE },
      { alert: up, claimedUntilMs: T0 + 3 * MINUTE },
    );
    const next = anAlert('DOWN', T0 + 10 * MINUTE);

    // Act
    const update = addToOutbox(pending, [next], T0 + 11 * MINUTE, T0 + 10 * MINUTE);

    // Assess
    const sent = { ...next, missed: { alerts: 2, sinceMs: T0, outages: 1, downMs: 3 * MINUTE } };
    expect(update.alerts).toEqual([sent]);
    expect(update.pendingAlerts).toEqual(outboxOf({ alert: sent, claimedUntilMs: T0 + 11 * MINUTE }));
  });

  it('carries an earlier summary forward', () => {
    // Prepare
    const summary = { alerts: 10, sinceMs: T0 - 60 * MINUTE, outages: 5, downMs: 20 * MINUTE };
    const up = anAlert('UP', T0, { outageSinceMs: T0 - 2 * MINUTE, missed: summary });
    const next = anAlert('DOWN', T0 + 5 * MINUTE);

    // Act
    const update = addToOutbox(
      outboxOf({ alert: up, claimedUntilMs: T0 }),
      [next],
      T0 + 6 * MINUTE,
      T0 + 5 * MINUTE,
    );

    // Assess
    expect(update.alerts[0]?.missed).toEqual({
      alerts: 11,
      sinceMs: T0 - 60 * MINUTE,
      outages: 6,
      downMs: 22 * MINUTE,
    });
  });

  it('leaves alerts alone while their publisher holds the claim', () => {
    // Prepare
    const down = anAlert('DOWN', T0);
    const pending = outboxOf({ alert: down, claimedUntilMs: T0 + MINUTE });
    const up = anAlert('UP', T0 + 30_000);

    // Act
    const update = addToOutbox(pending, [up], T0 + 90_000, T0 + 30_000);

    // Assess
    expect(update.alerts).toEqual([up]);
    expect(Object.keys(update.pendingAlerts)).toEqual([down.alertId, up.alertId]);
  });

  it('drops a new reminder while a status alert is undelivered, and a status alert absorbs old reminders', () => {
    // Prepare
    const down = anAlert('DOWN', T0);
    const reminder = anAlert('REMINDER', T0 + 30 * MINUTE);

    // Act
    const withReminder = addToOutbox(
      outboxOf({ alert: down, claimedUntilMs: T0 }),
      [reminder],
      T0 + 31 * MINUTE,
      T0 + 30 * MINUTE,
    );
    const onlyReminder = addToOutbox(
      outboxOf({ alert: reminder, claimedUntilMs: T0 }),
      [anAlert('UP', T0 + 40 * MINUTE)],
      T0 + 41 * MINUTE,
      T0 + 40 * MINUTE,
    );

    // Assess
    expect(withReminder.alerts).toEqual([]);
    expect(Object.keys(withReminder.pendingAlerts)).toEqual([down.alertId]);
    expect(Object.keys(onlyReminder.pendingAlerts)).toEqual([`s:${T0 + 40 * MINUTE}`]);
    expect(onlyReminder.alerts[0]?.missed?.alerts).toBe(1);
  });

  it('never lets UNCHECKED swallow an undelivered DOWN: the owner must still hear that the site is down', () => {
    // Prepare
    const down = anAlert('DOWN', T0);
    const unchecked = anAlert('UNCHECKED', T0 + 5 * MINUTE, { reason: 'blocked-address' });

    // Act
    const update = addToOutbox(
      outboxOf({ alert: down, claimedUntilMs: T0 }),
      [unchecked],
      T0 + 6 * MINUTE,
      T0 + 5 * MINUTE,
    );

    // Assess
    expect(Object.keys(update.pendingAlerts).sort()).toEqual([down.alertId, unchecked.alertId].sort());
    expect(update.alerts).toEqual([unchecked]);
  });

  it('folds certificate warnings only for the same certificate (expiry), never one certificate into another', () => {
    // Prepare
    const expiringTomorrow = anAlert('TLS_EXPIRY', T0, { tlsValidToMs: T0 + 86_400_000 });
    const otherCertificate = anAlert('TLS_EXPIRY', T0 + MINUTE, { tlsValidToMs: T0 + 14 * 86_400_000 });

    // Act
    const update = addToOutbox(
      outboxOf({ alert: expiringTomorrow, claimedUntilMs: T0 }),
      [otherCertificate],
      T0 + 2 * MINUTE,
      T0 + MINUTE,
    );

    // Assess
    expect(Object.keys(update.pendingAlerts)).toHaveLength(2);
  });

  it('keeps slots apart: a certificate warning does not absorb a DOWN', () => {
    // Prepare
    const down = anAlert('DOWN', T0);
    const tls = anAlert('TLS_EXPIRY', T0 + MINUTE);

    // Act
    const update = addToOutbox(
      outboxOf({ alert: down, claimedUntilMs: T0 }),
      [tls],
      T0 + 2 * MINUTE,
      T0 + MINUTE,
    );

    // Assess
    expect(Object.keys(update.pendingAlerts).sort()).toEqual([down.alertId, tls.alertId].sort());
    expect(update.alerts).toEqual([tls]);
  });
});

describe('pendingAlertsOf', () => {
  it('lists the outbox oldest first', () => {
    // Prepare
    const site = aSite({ failureThreshold: 1, recoveryThreshold: 1 });
    let state = INITIAL_STATE;
    const results = [upResult(), downResult(), upResult(), downResult(), upResult()];
    results.forEach((result, i) => {
      state = decideTransition(site, state, result, `m${i}`, T0 + i * 10_000).next ?? state;
    });
    // Checks 10 s apart: every alert is still claimed by its publisher, so none is folded.
    // Scramble the key order, as a DynamoDB map may.
    const scrambled: SiteState = {
      ...state,
      pendingAlerts: Object.fromEntries(Object.entries(state.pendingAlerts ?? {}).reverse()),
    };

    // Act
    const entries = pendingAlertsOf(scrambled);

    // Assess
    expect(entries.map((entry) => entry.alert.event)).toEqual(['DOWN', 'UP', 'DOWN', 'UP']);
    const times = entries.map((entry) => entry.alert.atMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('is empty for a state without an outbox', () => {
    // Prepare
    // Act
    const entries = pendingAlertsOf(INITIAL_STATE);

    // Assess
    expect(entries).toEqual([]);
  });
});
