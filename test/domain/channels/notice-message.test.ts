import { describe, expect, it } from 'vitest';
import { CHANNEL_KINDS, type ChannelKind } from '../../../functions/domain/channels/channel.ts';
import { formatNotice, type Notice } from '../../../functions/domain/channels/notice-message.ts';

const failed = (overrides: Partial<Extract<Notice, { type: 'channel-failed' }>['notice']> = {}): Notice => ({
  type: 'channel-failed',
  notice: {
    owner: 'alice',
    channelId: 'ch-abcdefghij',
    kind: 'slack',
    label: 'hooks.slack.com/services/T01…',
    atMs: Date.UTC(2026, 11, 6, 19, 30, 0),
    status: 404,
    detail: 'HTTP 404: no_service',
    alertId: 'shop:4',
    ...overrides,
  },
});

// GSM-7's basic table, printable ASCII part: what one 140-character segment holds.
const GSM_BASIC = /^[A-Za-z0-9 @$_!"#%&'()*+,\-./:;<=>?]*$/;

describe('formatNotice', () => {
  it('says which channel failed, how, and how to replace it', () => {
    // Act
    const message = formatNotice(failed());

    // Assess
    expect(message.subject).toBe('CHANNEL FAILED: Slack hooks.slack.com/services/T01... - HTTP 404');
    expect(message.email).toContain('Channel:     Slack hooks.slack.com/services/T01…');
    expect(message.email).toContain('Status:      HTTP 404');
    expect(message.email).toContain('Detail:      HTTP 404: no_service');
    expect(message.email).toContain('Failed at:   2026-12-06 19:30:00 UTC');
    expect(message.email).toContain('  squirrel subscriptions list\n  squirrel unsubscribe ch-abcdefghij\n');
    expect(message.email).toContain('  squirrel subscribe --slack URL --owner alice');
    expect(message.sms).toBe(
      'Slack channel FAILED (HTTP 404): hooks.slack.com/services/T01.... Fix: squirrel unsubscribe ch-abcdefghij, subscribe again',
    );
    expect(message.default).toBe(`${message.subject}\n\n${message.email}`);
  });

  it('says "no HTTP answer" for a refused address, and leaves --owner out for a channel of every owner', () => {
    // Act
    const message = formatNotice(
      failed({ status: undefined, owner: '*', kind: 'telegram', label: 'Telegram …1234' }),
    );

    // Assess
    expect(message.subject).toBe('CHANNEL FAILED: Telegram Telegram ...1234 - no HTTP answer');
    expect(message.email).toContain('Alerts of:   every owner');
    expect(message.email).toMatch(/squirrel subscribe --telegram BOT_TOKEN:CHAT_ID\n/);
  });

  it.each(CHANNEL_KINDS.map((kind: ChannelKind) => [kind]))(
    'keeps a %s notice within 100 ASCII subject characters and one GSM-7 SMS, whatever the label',
    (kind) => {
      // Act
      const message = formatNotice(failed({ kind, label: `${'ü{~'.repeat(80)}`, detail: 'x'.repeat(500) }));

      // Assess
      expect(message.subject.length).toBeLessThanOrEqual(100);
      expect(message.subject).toMatch(/^[\x20-\x7e]+$/);
      expect(message.sms.length).toBeLessThanOrEqual(140);
      expect(message.sms).toMatch(GSM_BASIC);
      expect(message.sms).toContain('squirrel unsubscribe ch-abcdefghij');
    },
  );

  it('renders a test notice naming the owner and the test id', () => {
    // Act
    const message = formatNotice({ type: 'test', owner: 'alice', atMs: 0, testId: 'nt-42' });

    // Assess
    expect(message.subject).toBe('TEST: uptime-squirrel alerts of alice');
    expect(message.email).toContain('Test id:     nt-42');
    expect(message.email).toContain('No site changed.');
    expect(message.sms).toBe('uptime-squirrel TEST: alerts of alice reach this phone. No site changed.');
  });

  it('keeps a test notice for a long owner within the limits', () => {
    // Act
    const message = formatNotice({ type: 'test', owner: `${'o'.repeat(63)}@x`, atMs: 0, testId: 't' });

    // Assess
    expect(message.subject.length).toBeLessThanOrEqual(100);
    expect(message.sms.length).toBeLessThanOrEqual(140);
    expect(message.sms).toMatch(GSM_BASIC);
  });
});
