import * as v from 'valibot';

/** Longest free text kept in state and alerts: details are read by people, and every item has a size bound. */
export const MAX_TEXT_CHARS = 500;

export const wholeNumber = v.pipe(v.number(), v.integer(), v.minValue(0));

/** Cuts text to MAX_TEXT_CHARS (on a character, with an ellipsis) so no detail can grow an item or a message. */
export function truncateText(text: string, maxChars = MAX_TEXT_CHARS): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars - 1);
  // Between words when a space is near the end (people read these); never half of a surrogate pair (an emoji).
  const space = cut.lastIndexOf(' ');
  const atWord = space >= maxChars * 0.75 ? cut.slice(0, space) : cut;
  return `${/[\uD800-\uDBFF]$/.test(atWord) ? atWord.slice(0, -1) : atWord}…`;
}

/**
 * Text a server wrote (certificate names, redirect targets, error messages), made safe to store, mail and queue:
 * control and format characters (bidi overrides can make an alert read backwards), unassigned code points
 * (U+FFFE and U+FFFF, which SQS refuses) and lone surrogates become "?".
 */
export function printableText(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\p{Cn}\p{Cs}]/gu, '?');
}

/**
 * Free text as stored: cut, never refused. A stored item must stay readable whatever an older version (or a
 * hand edit) wrote into it; refusing it would stop the site's checks.
 */
export const boundedText = v.pipe(
  v.string(),
  v.transform((text) => truncateText(text)),
);
