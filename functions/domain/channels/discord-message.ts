import { fitEscaped, fitLines, type NotificationView, TONE_COLOUR, TONE_MARK } from './notification-text.ts';

/** Discord's documented message and embed limits (characters). */
export const DISCORD_LIMITS = {
  content: 2_000,
  title: 256,
  description: 4_096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1_024,
  footer: 2_048,
  /** Title, description, field names and values, footer and author of all embeds together. */
  embedTotal: 6_000,
} as const;

export interface DiscordEmbed {
  readonly title: string;
  readonly description: string;
  readonly color: number;
  readonly timestamp: string;
  readonly fields: readonly { readonly name: string; readonly value: string; readonly inline: boolean }[];
  readonly footer: { readonly text: string };
}

/** The JSON posted to a Discord webhook (execute webhook). */
export interface DiscordMessage {
  readonly content: string;
  readonly embeds: readonly [DiscordEmbed];
  /** Nothing in the message may ping: a site named "@everyone" is printed, not announced. */
  readonly allowed_mentions: { readonly parse: readonly [] };
}

/**
 * Backslash-escapes Discord markdown (emphasis, code, spoilers, quotes, headings, lists, masked links) so a
 * site name shows as typed. Mentions are harmless anyway (`allowed_mentions`), but `@everyone` is still broken
 * with a zero-width space so it does not even look like one.
 */
export const escapeDiscord = (text: string): string =>
  text
    .replace(/[\\*_~`|[\]<]/g, '\\$&')
    // Quotes, headings and lists only start a line.
    .replace(/^([>#-]|\d+\.)/gm, '\\$1')
    .replace(/@(everyone|here)/g, '@\u200b$1');

// Values a phone can show in an embed; the description carries the group list.
const FIELD_VALUE_MAX_CHARS = 500;
const INLINE_MAX_CHARS = 40;

/** One embed coloured by the event, a one-line `content` for the notification, no mentions. */
export function renderDiscordMessage(view: NotificationView): DiscordMessage {
  const fields = view.fields.slice(0, DISCORD_LIMITS.fields).map((field) => {
    const value = fitEscaped(field.value, FIELD_VALUE_MAX_CHARS, escapeDiscord);
    return {
      name: fitEscaped(field.label, DISCORD_LIMITS.fieldName, escapeDiscord),
      // Discord refuses an empty field value.
      value: value === '' ? '-' : value,
      inline: value.length <= INLINE_MAX_CHARS,
    };
  });
  const used = fields.reduce((sum, field) => sum + field.name.length + field.value.length, 0);
  const title = fitEscaped(`${TONE_MARK[view.tone]} ${view.title}`, DISCORD_LIMITS.title, escapeDiscord);
  const footer = fitEscaped(view.context, 500, escapeDiscord);
  const summary = fitEscaped(view.summary, 600, escapeDiscord);
  const note = view.note === undefined ? '' : `\n\n${fitEscaped(view.note, 400, escapeDiscord)}`;
  // Whatever is left of the 6,000 characters goes to the description (the group list).
  const descriptionRoom = Math.min(
    DISCORD_LIMITS.description,
    DISCORD_LIMITS.embedTotal - used - title.length - footer.length - 50,
  );
  const itemsRoom = descriptionRoom - summary.length - note.length - 2;
  const items =
    view.items.length + view.omittedItems === 0
      ? ''
      : `\n\n${fitLines(
          view.items.map((item) => `• ${fitEscaped(item, 300, escapeDiscord)}`),
          Math.max(0, itemsRoom),
          view.omittedItems,
        )}`;
  return {
    content: fitEscaped(`${TONE_MARK[view.tone]} ${view.summary}`, 300, escapeDiscord),
    embeds: [
      {
        title,
        description: `${summary}${items}${note}`.slice(0, descriptionRoom),
        color: TONE_COLOUR[view.tone],
        timestamp: new Date(view.atMs).toISOString(),
        fields,
        footer: { text: footer },
      },
    ],
    allowed_mentions: { parse: [] },
  };
}
