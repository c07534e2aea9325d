import { expect } from 'vitest';

// Each service's documented request shape and limits, checked on the JSON we send (not on our types): the
// tests hold every rendered message to these, for every notification and for hostile input.

type Json = Record<string, unknown>;
const asArray = (value: unknown): Json[] => {
  expect(Array.isArray(value)).toBe(true);
  return value as Json[];
};

/** Slack incoming webhook with Block Kit. */
export function expectValidSlack(body: Json): void {
  expect(typeof body.text).toBe('string');
  expect((body.text as string).length).toBeGreaterThan(0);
  expect((body.text as string).length).toBeLessThanOrEqual(40_000);
  const blocks = asArray(body.blocks);
  expect(blocks.length).toBeGreaterThan(0);
  expect(blocks.length).toBeLessThanOrEqual(50);
  for (const block of blocks) {
    const text = block.text as { type: string; text: string } | undefined;
    switch (block.type) {
      case 'header':
        expect(text?.type).toBe('plain_text');
        expect(text?.text.length).toBeGreaterThan(0);
        expect(text?.text.length).toBeLessThanOrEqual(150);
        break;
      case 'section':
        if (text !== undefined) {
          expect(['mrkdwn', 'plain_text']).toContain(text.type);
          expect(text.text.length).toBeGreaterThan(0);
          expect(text.text.length).toBeLessThanOrEqual(3_000);
        } else {
          const fields = asArray(block.fields);
          expect(fields.length).toBeGreaterThan(0);
          expect(fields.length).toBeLessThanOrEqual(10);
          for (const field of fields) expect((field.text as string).length).toBeLessThanOrEqual(2_000);
        }
        break;
      case 'context': {
        const elements = asArray(block.elements);
        expect(elements.length).toBeLessThanOrEqual(10);
        for (const element of elements) {
          expect((element.text as string).length).toBeGreaterThan(0);
          expect((element.text as string).length).toBeLessThanOrEqual(3_000);
        }
        break;
      }
      default:
        throw new Error(`unexpected block type ${String(block.type)}`);
    }
  }
}

/** Teams Workflows webhook: a message with one Adaptive Card attachment, well under 28 KB. */
export function expectValidTeams(body: Json, bodyText: string): void {
  expect(body.type).toBe('message');
  const [attachment, ...rest] = asArray(body.attachments);
  expect(rest).toEqual([]);
  expect(attachment?.contentType).toBe('application/vnd.microsoft.card.adaptive');
  const card = attachment?.content as Json;
  expect(card.type).toBe('AdaptiveCard');
  expect(card.version).toMatch(/^1\.[0-5]$/);
  const elements = asArray(card.body);
  expect(elements.length).toBeGreaterThan(0);
  for (const element of elements) {
    expect(element.type).toBe('RichTextBlock');
    for (const run of asArray(element.inlines)) {
      expect(run.type).toBe('TextRun');
      expect(typeof run.text).toBe('string');
    }
  }
  expect(Buffer.byteLength(bodyText)).toBeLessThanOrEqual(28 * 1024);
}

/** Discord execute webhook: content and embed limits, no mentions parsed. */
export function expectValidDiscord(body: Json): void {
  expect(typeof body.content).toBe('string');
  expect((body.content as string).length).toBeLessThanOrEqual(2_000);
  expect(body.allowed_mentions).toEqual({ parse: [] });
  const embeds = asArray(body.embeds);
  expect(embeds.length).toBeGreaterThan(0);
  expect(embeds.length).toBeLessThanOrEqual(10);
  let total = 0;
  for (const embed of embeds) {
    const title = embed.title as string;
    const description = embed.description as string;
    const footer = (embed.footer as { text: string }).text;
    expect(title.length).toBeLessThanOrEqual(256);
    expect(description.length).toBeLessThanOrEqual(4_096);
    expect(footer.length).toBeLessThanOrEqual(2_048);
    expect(Number.isInteger(embed.color)).toBe(true);
    expect(new Date(embed.timestamp as string).toISOString()).toBe(embed.timestamp);
    const fields = asArray(embed.fields);
    expect(fields.length).toBeLessThanOrEqual(25);
    for (const field of fields) {
      expect((field.name as string).length).toBeGreaterThan(0);
      expect((field.name as string).length).toBeLessThanOrEqual(256);
      expect((field.value as string).length).toBeGreaterThan(0);
      expect((field.value as string).length).toBeLessThanOrEqual(1_024);
      total += (field.name as string).length + (field.value as string).length;
    }
    total += title.length + description.length + footer.length;
  }
  expect(total).toBeLessThanOrEqual(6_000);
}

/** Telegram sendMessage with parse_mode HTML: 1-4096 characters after entity parsing. */
export function expectValidTelegram(body: Json, chatId: string): void {
  expect(body.chat_id).toBe(chatId);
  expect(body.parse_mode).toBe('HTML');
  const text = body.text as string;
  // Only our own tags; every other < is escaped (Telegram refuses unknown or unbalanced tags).
  expect(text.replace(/<\/?(b|i)>/g, '')).not.toMatch(/[<>]/);
  expect(text).not.toMatch(/&(?!(amp|lt|gt);)/);
  const parsed = text
    .replace(/<\/?(b|i)>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  expect(parsed.length).toBeGreaterThan(0);
  expect(parsed.length).toBeLessThanOrEqual(4_096);
}

/** PagerDuty Events API v2 event. */
export function expectValidPagerDuty(body: Json, routingKey: string): void {
  expect(body.routing_key).toBe(routingKey);
  expect(['trigger', 'resolve']).toContain(body.event_action);
  expect(typeof body.dedup_key).toBe('string');
  expect((body.dedup_key as string).length).toBeLessThanOrEqual(255);
  if (body.event_action === 'resolve') return;
  const payload = body.payload as Json;
  expect((payload.summary as string).length).toBeGreaterThan(0);
  expect((payload.summary as string).length).toBeLessThanOrEqual(1_024);
  expect((payload.source as string).length).toBeGreaterThan(0);
  expect(['critical', 'error', 'warning', 'info']).toContain(payload.severity);
  expect(new Date(payload.timestamp as string).toISOString()).toBe(payload.timestamp);
  for (const link of (body.links as Json[] | undefined) ?? []) expect(link.href).toMatch(/^https?:\/\//);
  // PagerDuty refuses events over 512 KB.
  expect(Buffer.byteLength(JSON.stringify(body))).toBeLessThan(512 * 1024);
}
