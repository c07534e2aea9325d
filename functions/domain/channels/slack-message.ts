import { fitEscaped, fitLines, type NotificationView, TONE_MARK } from './notification-text.ts';

/** Slack's documented Block Kit limits (characters) that our messages could reach. */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3_000,
  sectionFields: 10,
  fieldText: 2_000,
  contextElements: 10,
  contextText: 3_000,
  /** `text` is the notification and fallback; Slack cuts longer ones, we stay far below. */
  fallbackText: 3_000,
} as const;

// A field value past this is unreadable in a two-column layout on a phone.
const FIELD_VALUE_MAX_CHARS = 600;
// Group members: one section, well under its 3,000 characters.
const ITEMS_MAX_CHARS = 2_800;

interface PlainText {
  readonly type: 'plain_text';
  readonly text: string;
  readonly emoji: true;
}
interface Mrkdwn {
  readonly type: 'mrkdwn';
  readonly text: string;
}
export type SlackBlock =
  | { readonly type: 'header'; readonly text: PlainText }
  | { readonly type: 'section'; readonly text: Mrkdwn }
  | { readonly type: 'section'; readonly fields: readonly Mrkdwn[] }
  | { readonly type: 'context'; readonly elements: readonly Mrkdwn[] };

/** The JSON posted to a Slack incoming webhook. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

/**
 * Slack's control characters in mrkdwn and `text`: `<!channel>`, `<@U123>` and `<url|label>` need a raw `<`, so
 * escaping `&`, `<` and `>` makes a site name print as typed, never mention or link. Emphasis characters (`*`,
 * `_`, `~`, backtick) cannot be escaped in mrkdwn; they can only restyle the text, never notify anyone.
 */
export const escapeSlack = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Block Kit message: a header, a summary, label/value fields, group members, and the small print. */
export function renderSlackMessage(view: NotificationView): SlackMessage {
  const mrkdwn = (text: string): Mrkdwn => ({ type: 'mrkdwn', text });
  const fields = view.fields.map((field) =>
    mrkdwn(`*${escapeSlack(field.label)}*\n${fitEscaped(field.value, FIELD_VALUE_MAX_CHARS, escapeSlack)}`),
  );
  const fieldSections: SlackBlock[] = [];
  for (let start = 0; start < fields.length; start += SLACK_LIMITS.sectionFields) {
    fieldSections.push({ type: 'section', fields: fields.slice(start, start + SLACK_LIMITS.sectionFields) });
  }
  const items =
    view.items.length + view.omittedItems === 0
      ? []
      : [
          {
            type: 'section',
            text: mrkdwn(
              fitLines(
                view.items.map((item) => `• ${fitEscaped(item, 400, escapeSlack)}`),
                ITEMS_MAX_CHARS,
                view.omittedItems,
              ),
            ),
          } as const,
        ];
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: fitPlain(`${TONE_MARK[view.tone]} ${view.title}`), emoji: true },
    },
    { type: 'section', text: mrkdwn(fitEscaped(view.summary, 1_000, escapeSlack)) },
    ...fieldSections,
    ...items,
    {
      type: 'context',
      elements: [
        mrkdwn(
          fitEscaped(
            [view.note, view.context].filter((part) => part !== undefined).join('\n'),
            SLACK_LIMITS.contextText,
            escapeSlack,
          ),
        ),
      ],
    },
  ];
  return {
    text: fitEscaped(`${TONE_MARK[view.tone]} ${view.summary}`, SLACK_LIMITS.fallbackText, escapeSlack),
    blocks: blocks.slice(0, SLACK_LIMITS.blocks),
  };
}

// A header is plain text: nothing to escape, only to cut.
const fitPlain = (text: string): string => fitEscaped(text, SLACK_LIMITS.headerText, (raw) => raw);
