import { describe, expect, it } from 'vitest';
import { viewNotification } from '../../../functions/domain/channels/notification-text.ts';
import {
  escapeTelegramHtml,
  renderTelegramMessage,
} from '../../../functions/domain/channels/telegram-message.ts';
import { downAlert, fiveLongLocations, groupMember, groupOf, hostileAlert } from './fixtures.ts';
import { expectValidTelegram } from './service-rules.ts';

describe('renderTelegramMessage', () => {
  it('sends HTML with a bold title and one line per field, without a link preview', () => {
    const message = renderTelegramMessage(viewNotification({ type: 'alert', alert: downAlert() }), '-100123');
    expect(message).toMatchObject({
      chat_id: '-100123',
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
    });
    expect(message.text.split('\n').slice(0, 5)).toEqual([
      '<b>🔴 DOWN: Shop</b>',
      'Shop is DOWN: http-5xx',
      '',
      '<b>URL:</b> https://shop.example.com/health',
      '<b>Reason:</b> http-5xx',
    ]);
  });

  it('keeps the HTML source itself within 4,096 characters for five locations with escaped details', () => {
    // Prepare: every field long and made of characters that escape to five.
    const hostile = '<&>'.repeat(1_700);
    const alert = hostileAlert(hostile, { locations: fiveLongLocations(hostileAlert(hostile).detail) });

    // Act
    const message = renderTelegramMessage(viewNotification({ type: 'alert', alert }), '1');

    // Assess: still one line per location, each cut.
    expect(message.text.length).toBeLessThanOrEqual(4_096);
    for (const answer of alert.locations ?? []) expect(message.text).toContain(`<b>${answer.location}`);
    expectValidTelegram(JSON.parse(JSON.stringify(message)), '1');
  });

  it('fits a group of 300 long names into 4,096 characters and counts the rest', () => {
    const members = Array.from({ length: 300 }, (_, index) =>
      groupMember(index, { siteName: `</b>${'&'.repeat(200)}` }),
    );
    const message = renderTelegramMessage(viewNotification(groupOf(members)), '1');
    expectValidTelegram(JSON.parse(JSON.stringify(message)), '1');
    expect(message.text).toMatch(/…and \d+ more/);
  });
});

describe('escapeTelegramHtml', () => {
  it('escapes &, < and >', () => {
    expect(escapeTelegramHtml('</b> & <a href="x">')).toBe('&lt;/b&gt; &amp; &lt;a href="x"&gt;');
  });
});
