import { describe, expect, it } from 'vitest';
import { viewNotification } from '../../../functions/domain/channels/notification-text.ts';
import { escapeSlack, renderSlackMessage } from '../../../functions/domain/channels/slack-message.ts';
import { downAlert, groupMember, groupOf } from './fixtures.ts';
import { expectValidSlack } from './service-rules.ts';

describe('renderSlackMessage', () => {
  it('has a fallback text for the notification, a header, the summary, fields and small print', () => {
    const message = renderSlackMessage(viewNotification({ type: 'alert', alert: downAlert() }));
    expect(message.text).toBe('🔴 Shop is DOWN: http-5xx');
    expect(message.blocks.map((block) => block.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '🔴 DOWN: Shop', emoji: true },
    });
  });

  it('splits more than 10 fields over sections', () => {
    const view = viewNotification({ type: 'alert', alert: downAlert() });
    const message = renderSlackMessage({
      ...view,
      fields: Array.from({ length: 23 }, (_, index) => ({ label: `F${index}`, value: 'v' })),
    });
    expectValidSlack(JSON.parse(JSON.stringify(message)));
    expect(
      message.blocks
        .filter((block) => 'fields' in block)
        .map((block) => 'fields' in block && block.fields.length),
    ).toEqual([10, 10, 3]);
  });

  it('lists group members in one section within 3,000 characters', () => {
    const members = Array.from({ length: 150 }, (_, index) =>
      groupMember(index, { siteName: `<@U${index}> ${'n'.repeat(100)}` }),
    );
    const message = renderSlackMessage(viewNotification(groupOf(members)));
    expectValidSlack(JSON.parse(JSON.stringify(message)));
    const list = message.blocks.find((block) => 'text' in block && block.text.text.startsWith('•'));
    expect(list && 'text' in list && list.text.text).toMatch(/…and \d+ more$/);
    expect(list && 'text' in list && list.text.text).not.toContain('<@');
  });
});

describe('escapeSlack', () => {
  it('turns the three control characters into entities', () => {
    expect(escapeSlack('<!here> & <https://x|y>')).toBe('&lt;!here&gt; &amp; &lt;https://x|y&gt;');
  });
});
