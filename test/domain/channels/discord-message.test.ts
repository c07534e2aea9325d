import { describe, expect, it } from 'vitest';
import { escapeDiscord, renderDiscordMessage } from '../../../functions/domain/channels/discord-message.ts';
import { TONE_COLOUR, viewNotification } from '../../../functions/domain/channels/notification-text.ts';
import { downAlert, upAlert } from './fixtures.ts';

describe('renderDiscordMessage', () => {
  it('colours the embed by event, stamps it and pings nobody', () => {
    const down = renderDiscordMessage(viewNotification({ type: 'alert', alert: downAlert() }));
    const up = renderDiscordMessage(viewNotification({ type: 'alert', alert: upAlert() }));
    expect(down.embeds[0]).toMatchObject({
      title: '🔴 DOWN: Shop',
      color: TONE_COLOUR.down,
      timestamp: '2026-11-25T09:01:31.000Z',
    });
    expect(up.embeds[0].color).toBe(TONE_COLOUR.up);
    expect(down.allowed_mentions).toEqual({ parse: [] });
    expect(down.embeds[0].fields.find((field) => field.name === 'Reason')).toEqual({
      name: 'Reason',
      value: 'http-5xx',
      inline: true,
    });
  });
});

describe('escapeDiscord', () => {
  it.each([
    { raw: '[click](https://evil.example)', escaped: '\\[click\\](https://evil.example)' },
    {
      raw: '**bold** __u__ ~~s~~ `c` ||spoiler||',
      escaped: '\\*\\*bold\\*\\* \\_\\_u\\_\\_ \\~\\~s\\~\\~ \\`c\\` \\|\\|spoiler\\|\\|',
    },
    { raw: '# heading', escaped: '\\# heading' },
    { raw: '> quote', escaped: '\\> quote' },
    { raw: '<@123> <#456>', escaped: '\\<@123> \\<#456>' },
    { raw: '@everyone @here', escaped: '@\u200beveryone @\u200bhere' },
    { raw: 'shop-eu.example.com', escaped: 'shop-eu.example.com' },
  ])('$raw', ({ raw, escaped }) => {
    expect(escapeDiscord(raw)).toBe(escaped);
  });
});
