import { fitEscaped, fitLines, type NotificationView, TONE_MARK } from './notification-text.ts';

/**
 * Telegram takes 1-4096 characters of text after entity parsing. We bound the HTML source itself (tags and
 * escapes included), which parses to fewer characters, so the text fits whatever the input.
 */
export const TELEGRAM_MAX_TEXT_CHARS = 4_096;

/** The JSON body of a Bot API `sendMessage` call. */
export interface TelegramMessage {
  readonly chat_id: string;
  readonly text: string;
  readonly parse_mode: 'HTML';
  /** A site URL in an alert must not unfurl into a preview of the (possibly broken) page. */
  readonly link_preview_options: { readonly is_disabled: true };
}

/** The three characters Telegram's HTML mode requires escaped outside tags. */
export const escapeTelegramHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A short HTML message: bold title, summary, one `<b>Label:</b> value` line per field, members, small print. */
export function renderTelegramMessage(view: NotificationView, chatId: string): TelegramMessage {
  // Field values get 600 characters each; a message with many long ones (five locations of escaped details)
  // halves that until the HTML source fits.
  for (let fieldMaxChars = 600; ; fieldMaxChars = Math.floor(fieldMaxChars / 2)) {
    const message = telegramMessageWith(view, chatId, fieldMaxChars);
    if (message.text.length <= TELEGRAM_MAX_TEXT_CHARS || fieldMaxChars <= 40) return message;
  }
}

function telegramMessageWith(view: NotificationView, chatId: string, fieldMaxChars: number): TelegramMessage {
  const cut = (text: string, maxChars: number) => fitEscaped(text, maxChars, escapeTelegramHtml);
  const head = [
    `<b>${cut(`${TONE_MARK[view.tone]} ${view.title}`, 300)}</b>`,
    cut(view.summary, 600),
    '',
    ...view.fields.map(
      (field) => `<b>${escapeTelegramHtml(field.label)}:</b> ${cut(field.value, fieldMaxChars)}`,
    ),
  ].join('\n');
  const tail = [
    ...(view.note === undefined ? [] : ['', cut(view.note, 400)]),
    `<i>${cut(view.context, 400)}</i>`,
  ].join('\n');
  // The group list gets what is left; the head and tail are bounded so there is always some room.
  const itemsRoom = TELEGRAM_MAX_TEXT_CHARS - head.length - tail.length - 4;
  const items =
    view.items.length + view.omittedItems === 0
      ? []
      : [
          '',
          fitLines(
            view.items.map((item) => `• ${cut(item, 300)}`),
            Math.max(0, itemsRoom),
            view.omittedItems,
          ),
        ];
  return {
    chat_id: chatId,
    text: [head, ...items, tail].join('\n'),
    parse_mode: 'HTML',
    link_preview_options: { is_disabled: true },
  };
}
