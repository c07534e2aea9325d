import { fitEscaped, fitLines, type NotificationView, TONE_MARK, type Tone } from './notification-text.ts';

/**
 * Teams refuses a message over about 28 KB; ours stay under this many bytes of JSON whatever the input (a
 * message is shrunk until it fits).
 */
export const TEAMS_MAX_BODY_BYTES = 24 * 1024;

interface TextRun {
  readonly type: 'TextRun';
  readonly text: string;
  readonly weight?: 'Bolder';
  readonly size?: 'Medium';
  readonly color?: 'Attention' | 'Good' | 'Warning' | 'Accent';
  readonly isSubtle?: true;
}
interface RichTextBlock {
  readonly type: 'RichTextBlock';
  readonly inlines: readonly TextRun[];
  readonly spacing?: 'Small' | 'Medium';
}

export interface AdaptiveCard {
  readonly $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  readonly type: 'AdaptiveCard';
  readonly version: '1.4';
  readonly msteams: { readonly width: 'Full' };
  readonly body: readonly RichTextBlock[];
}

/** The JSON posted to a Teams Workflows ("post to a channel when a webhook request is received") URL. */
export interface TeamsMessage {
  readonly type: 'message';
  readonly attachments: readonly [
    {
      readonly contentType: 'application/vnd.microsoft.card.adaptive';
      readonly contentUrl: null;
      readonly content: AdaptiveCard;
    },
  ];
}

const TONE_COLOUR: Readonly<Record<Tone, TextRun['color']>> = {
  down: 'Attention',
  up: 'Good',
  warning: 'Warning',
  info: 'Accent',
};

// Text runs take no markdown (unlike TextBlock and FactSet): a site name is shown as typed, never as a link.
const asTyped = (text: string): string => text;

/** An Adaptive Card: a coloured title, the summary, one line per field, group members, small print. */
export function renderTeamsMessage(view: NotificationView): TeamsMessage {
  // Budgets in characters; halved until the JSON fits (emoji and escaped characters take several bytes each).
  for (let scale = 1; ; scale /= 2) {
    const message = teamsMessageAt(view, scale);
    if (Buffer.byteLength(JSON.stringify(message)) <= TEAMS_MAX_BODY_BYTES || scale < 0.01) return message;
  }
}

function teamsMessageAt(view: NotificationView, scale: number): TeamsMessage {
  const cut = (text: string, maxChars: number) =>
    fitEscaped(text, Math.max(20, Math.floor(maxChars * scale)), asTyped);
  const line = (runs: TextRun[], spacing?: RichTextBlock['spacing']): RichTextBlock => ({
    type: 'RichTextBlock',
    inlines: runs,
    ...(spacing === undefined ? {} : { spacing }),
  });
  const items =
    view.items.length + view.omittedItems === 0
      ? []
      : [
          line(
            [
              {
                type: 'TextRun',
                text: fitLines(
                  view.items.map((item) => `• ${cut(item, 300)}`),
                  Math.floor(4_000 * scale),
                  view.omittedItems,
                ),
              },
            ],
            'Medium',
          ),
        ];
  const body: RichTextBlock[] = [
    line([
      {
        type: 'TextRun',
        text: cut(`${TONE_MARK[view.tone]} ${view.title}`, 200),
        weight: 'Bolder',
        size: 'Medium',
        color: TONE_COLOUR[view.tone],
      },
    ]),
    line([{ type: 'TextRun', text: cut(view.summary, 600) }]),
    ...view.fields.map((field, index) =>
      line(
        [
          { type: 'TextRun', text: `${field.label}: `, weight: 'Bolder' },
          { type: 'TextRun', text: cut(field.value, 600) },
        ],
        index === 0 ? 'Medium' : 'Small',
      ),
    ),
    ...items,
    ...(view.note === undefined ? [] : [line([{ type: 'TextRun', text: cut(view.note, 400) }], 'Medium')]),
    line([{ type: 'TextRun', text: cut(view.context, 1_000), isSubtle: true }], 'Small'),
  ];
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body,
        },
      },
    ],
  };
}
