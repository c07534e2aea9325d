import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReceivedAlert } from '../../local/alert-inbox.ts';
import { AlertPrinter, formatAlertBlock, formatLocationsLine } from '../../local/alert-printer.ts';
import { type DeliveryAttempt, formatDeliveryLine, parseDeliveryLine } from '../../local/delivery-attempt.ts';

afterEach(() => {
  vi.useRealTimers();
});

const ALERT_ID = 'a1';

const alert = (notificationId: string | undefined, subject = 'DOWN: Shop - http-5xx'): ReceivedAlert => ({
  receivedAtMs: Date.UTC(2026, 11, 6, 9, 0, 0),
  subject,
  text: 'Shop is DOWN.',
  attributes: { event: 'DOWN' },
  ...(notificationId ? { notificationId } : {}),
});

const attempt = (fields: Partial<DeliveryAttempt> = {}): DeliveryAttempt => ({
  atMs: 0,
  deliveryId: `${ALERT_ID}|ch-aaaaaaaaaa`,
  notificationId: ALERT_ID,
  channelId: 'ch-aaaaaaaaaa',
  kind: 'slack',
  label: 'hooks.slack.com/services/T01…',
  owner: 'acme',
  outcome: 'delivered',
  status: 200,
  ms: 212,
  attempt: 1,
  ...fields,
});

describe('parseDeliveryLine', () => {
  const line = {
    level: 'info',
    msg: 'delivery',
    deliveryId: 'group:a1|ch-bbbbbbbbbb',
    channelId: 'ch-bbbbbbbbbb',
    kind: 'pagerduty',
    label: 'PagerDuty …a1b2',
    owner: 'acme',
    outcome: 'retry',
    status: 503,
    ms: 40,
    detail: 'server error',
    attempt: 2,
  };

  it('reads the deliverer line of the contract, and ties it to its notification', () => {
    expect(parseDeliveryLine(line, 5)).toEqual({
      atMs: 5,
      deliveryId: 'group:a1|ch-bbbbbbbbbb',
      notificationId: 'group:a1',
      channelId: 'ch-bbbbbbbbbb',
      kind: 'pagerduty',
      label: 'PagerDuty …a1b2',
      owner: 'acme',
      outcome: 'retry',
      status: 503,
      ms: 40,
      detail: 'server error',
      attempt: 2,
    });
  });

  it.each([
    [
      'the project logger spelling (level INFO, message)',
      { ...line, msg: undefined, message: 'delivery' },
      true,
    ],
    ['a null status (no HTTP answer)', { ...line, status: null }, true],
    ['another message', { ...line, msg: 'state committed' }, false],
    ['a line missing the channel', { ...line, channelId: undefined }, false],
  ])('%s: read = %s', (_case, json, isRead) => {
    expect(parseDeliveryLine(json, 0) !== undefined).toBe(isRead);
  });
});

describe('formatDeliveryLine', () => {
  it.each([
    [attempt(), '  → slack hooks.slack.com/services/T01… delivered (HTTP 200, 212 ms)'],
    [
      attempt({
        kind: 'pagerduty',
        label: 'PagerDuty …a1b2',
        outcome: 'retry',
        status: 503,
        retryInMs: 30_000,
      }),
      '  → pagerduty …a1b2 retry in 30 s (HTTP 503)',
    ],
    [
      attempt({ outcome: 'retry', status: undefined, detail: 'timeout after 10 s', attempt: 3 }),
      '  → slack hooks.slack.com/services/T01… retry (timeout after 10 s, attempt 3)',
    ],
    [
      attempt({ kind: 'webhook', label: 'https://example.com/…', outcome: 'rejected', status: 404 }),
      "  → webhook https://example.com/… REJECTED HTTP 404: the channel is marked broken and its owner's other channels are told once",
    ],
    [
      attempt({
        kind: 'pagerduty',
        label: 'PagerDuty …a1b2',
        outcome: 'skipped',
        detail: 'DEGRADED is not an incident',
      }),
      '  → pagerduty …a1b2 skipped: DEGRADED is not an incident',
    ],
    [
      attempt({
        kind: 'webhook',
        label: 'https://example.com/…',
        outcome: 'rejected',
        status: 404,
        detail: 'HTTP 404: no such hook',
      }),
      "  → webhook https://example.com/… REJECTED HTTP 404: no such hook: the channel is marked broken and its owner's other channels are told once",
    ],
    [
      attempt({ label: '', outcome: 'dropped', status: undefined, detail: 'the channel no longer exists' }),
      '  → slack ch-aaaaaaaaaa dropped: the channel no longer exists',
    ],
    [
      attempt({ outcome: 'parked', status: 503, detail: 'gave up after 64 min' }),
      '  → slack hooks.slack.com/services/T01… parked HTTP 503: gave up after 64 min',
    ],
  ])('%#: %s', (input, expected) => {
    expect(formatDeliveryLine(input)).toBe(expected);
  });
});

describe('AlertPrinter', () => {
  function printer() {
    const printed: string[] = [];
    const alertPrinter = new AlertPrinter({
      print: (text) => printed.push(text),
      width: () => 40,
      isColored: false,
    });
    return { printed, alertPrinter };
  }

  it('prints an outcome that arrives before its alert inside the alert block', () => {
    // Prepare
    vi.useFakeTimers();
    const { printed, alertPrinter } = printer();

    // Act
    alertPrinter.delivery(attempt());
    const beforeAlert = printed.length;
    alertPrinter.alert(alert(ALERT_ID));

    // Assess
    expect(beforeAlert).toBe(0);
    expect(printed).toHaveLength(1);
    const block = printed[0]?.split('\n') ?? [];
    expect(block.slice(-3)).toEqual([
      '═'.repeat(40),
      '  → slack hooks.slack.com/services/T01… delivered (HTTP 200, 212 ms)',
      '',
    ]);
  });

  it('prints an outcome after its alert as a short line, naming the alert only when other output came between', () => {
    // Prepare
    const { printed, alertPrinter } = printer();
    alertPrinter.alert(alert(ALERT_ID));

    // Act
    alertPrinter.delivery(attempt());
    alertPrinter.interrupted();
    alertPrinter.delivery(
      attempt({ kind: 'webhook', label: 'https://example.com/…', outcome: 'rejected', status: 404 }),
    );
    alertPrinter.delivery(attempt({ outcome: 'retry', status: 503 }));

    // Assess
    expect(printed.slice(1)).toEqual([
      '  → slack hooks.slack.com/services/T01… delivered (HTTP 200, 212 ms)',
      "  → webhook https://example.com/… REJECTED HTTP 404: the channel is marked broken and its owner's other channels are told once · for DOWN: Shop - http-5xx",
      '  → slack hooks.slack.com/services/T01… retry (HTTP 503)',
    ]);
  });

  it('prints an outcome whose alert never shows on its own line once the hold time is over', () => {
    // Prepare
    vi.useFakeTimers();
    const { printed, alertPrinter } = printer();

    // Act
    alertPrinter.delivery(attempt({ notificationId: 'test:t1', deliveryId: 'test:t1|ch-aaaaaaaaaa' }));
    vi.advanceTimersByTime(2_999);
    const beforeHold = printed.length;
    vi.advanceTimersByTime(1);

    // Assess
    expect(beforeHold).toBe(0);
    expect(printed).toEqual([
      '  → slack hooks.slack.com/services/T01… delivered (HTTP 200, 212 ms) · for test:t1',
    ]);
  });

  it('prints what still waits when flushed (the runtime stops), and keeps other alerts apart', () => {
    // Prepare
    vi.useFakeTimers();
    const { printed, alertPrinter } = printer();
    alertPrinter.delivery(attempt({ notificationId: 'other', deliveryId: 'other|ch-aaaaaaaaaa' }));

    // Act
    alertPrinter.alert(alert(ALERT_ID));
    alertPrinter.flush();

    // Assess
    expect(printed[0]).not.toContain('→');
    expect(printed[1]).toBe(
      '  → slack hooks.slack.com/services/T01… delivered (HTTP 200, 212 ms) · for other',
    );
  });
});

describe('verified alerts on screen (issue 15)', () => {
  const down = (location: string, reason: 'reset' | 'http-5xx', status?: number) =>
    ({
      outcome: 'down',
      location,
      reason,
      detail: 'd',
      latencyMs: 1,
      ...(status ? { status } : {}),
    }) as const;
  const up = (location: string) => ({ outcome: 'up', location, status: 200, latencyMs: 1 }) as const;

  it.each([
    [
      'REGIONAL',
      [down('local', 'reset'), up('local-west'), up('local-east')],
      'where: down from local (reset); up from local-west, local-east',
    ],
    [
      'DOWN everywhere',
      [down('local', 'http-5xx', 503), down('local-west', 'http-5xx', 503), down('local-east', 'reset')],
      'where: down from local (http-5xx 503), local-west (http-5xx 503), local-east (reset)',
    ],
    [
      'DOWN with a silent verifier',
      [
        down('local', 'reset'),
        { outcome: 'no-answer', location: 'local-east', detail: 'timed out after 13 s' } as const,
      ],
      'where: down from local (reset); no answer from local-east (timed out after 13 s)',
    ],
  ])('says in one line where a %s failed', (_case, locations, line) => {
    expect(formatLocationsLine(locations)).toBe(line);
  });

  it('puts the line under the title, and marks REGIONAL as informational in yellow rather than red', () => {
    // Prepare
    const regional: ReceivedAlert = {
      ...alert(undefined, 'REGIONAL: Shop'),
      attributes: { event: 'REGIONAL' },
      locations: [down('local', 'reset'), up('local-west')],
    };

    // Act
    const plain = formatAlertBlock(regional, 20, false).split('\n');
    const colored = formatAlertBlock(regional, 20, true);

    // Assess
    expect(plain[2]).toMatch(/^ALERT .+ · REGIONAL: Shop \(informational: does not page\)$/);
    expect(plain.slice(3, 5)).toEqual(['where: down from local (reset); up from local-west', '═'.repeat(20)]);
    expect(colored).toContain('\x1b[33mwhere: down from local');
    expect(colored).not.toContain('\x1b[31m');
    expect(formatAlertBlock(alert(undefined), 20, false)).not.toContain('where:');
  });
});
