import * as v from 'valibot';

/** Longest free text kept in state and alerts: details are read by people, and every item has a size bound. */
export const MAX_TEXT_CHARS = 500;

export const wholeNumber = v.pipe(v.number(), v.integer(), v.minValue(0));

/** Cuts text to MAX_TEXT_CHARS (on a character, with an ellipsis) so no detail can grow an item or a message. */
export function truncateText(text: string, maxChars = MAX_TEXT_CHARS): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars - 1);
  // Never leave half of a surrogate pair (an emoji) at the end.
  return `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}

/**
 * Free text as stored: cut, never refused. A stored item must stay readable whatever an older version (or a
 * hand edit) wrote into it; refusing it would stop the site's checks.
 */
export const boundedText = v.pipe(
  v.string(),
  v.transform((text) => truncateText(text)),
);
