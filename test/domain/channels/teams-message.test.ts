import { describe, expect, it } from 'vitest';
import { viewNotification } from '../../../functions/domain/channels/notification-text.ts';
import {
  renderTeamsMessage,
  TEAMS_MAX_BODY_BYTES,
} from '../../../functions/domain/channels/teams-message.ts';
import { downAlert, groupMember, groupOf } from './fixtures.ts';

describe('renderTeamsMessage', () => {
  it('is a message with one Adaptive Card whose title is coloured by the event', () => {
    const message = renderTeamsMessage(viewNotification({ type: 'alert', alert: downAlert() }));
    const [attachment] = message.attachments;
    expect(attachment.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(attachment.content.body[0]?.inlines[0]).toMatchObject({
      text: '🔴 DOWN: Shop',
      color: 'Attention',
    });
    expect(attachment.content.body[2]?.inlines.map((run) => run.text)).toEqual([
      'URL: ',
      'https://shop.example.com/health',
    ]);
  });

  it('shrinks a group of long, multi-byte names until the JSON fits', () => {
    const members = Array.from({ length: 150 }, (_, index) =>
      groupMember(index, { siteName: '🔥'.repeat(120) }),
    );
    const message = renderTeamsMessage(viewNotification(groupOf(members, 20)));
    expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThanOrEqual(TEAMS_MAX_BODY_BYTES);
    expect(JSON.stringify(message)).toMatch(/…and \d+ more/);
  });
});
