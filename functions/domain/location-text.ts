import { truncateText } from './schema-parts.ts';
import { countLocations, type LocationAnswer } from './verification.ts';

/**
 * How a verification reads for people (issue 15): every format (email, SMS, chat, webhook summary, PagerDuty)
 * describes locations with these functions, so a DOWN or a REGIONAL says the same thing everywhere. Answers are
 * given home first (the order of `Alert.locations`); every list keeps that order.
 */

/** "2 of 3 locations": how many failed of those that answered ("locations" whatever the count). */
export function failedOfAnsweredText(locations: readonly LocationAnswer[]): string {
  const { failed, answered } = countLocations(locations);
  return `${failed} of ${answered} locations`;
}

// A detail in a one-line description: the email's Locations block and the state keep the whole of it.
const INLINE_DETAIL_MAX_CHARS = 80;

/**
 * One sentence naming every location by outcome, failures first:
 * "down from us-east-1 (timeout), us-west-2 (refused); up from eu-west-1 (HTTP 200 in 120 ms); no answer from
 * ap-south-1 (invoke timed out)". Details are cut to 80 characters. `namesOnlyWhenUp`: the places that reached
 * the site by name alone ("up from us-west-2, eu-west-1"), as `status` and the local console show them.
 */
export function describeLocations(
  locations: readonly LocationAnswer[],
  { namesOnlyWhenUp = false }: { readonly namesOnlyWhenUp?: boolean } = {},
): string {
  const part = (outcome: LocationAnswer['outcome'], words: string) => {
    const named = locations
      .filter((answer) => answer.outcome === outcome)
      .map((answer) =>
        answer.outcome === 'up' && namesOnlyWhenUp
          ? answer.location
          : `${answer.location} (${briefOf(answer)})`,
      );
    return named.length === 0 ? [] : [`${words} ${named.join(', ')}`];
  };
  return [
    ...part('down', 'down from'),
    ...part('up', 'up from'),
    ...part('no-answer', 'no answer from'),
  ].join('; ');
}

/**
 * The SMS form: names only, "down: us-east-1, us-west-2; up: eu-west-1; no answer: ap-south-1". When that is
 * longer than `maxChars`, counts instead ("down 2, up 2, no answer 1"): SMS has no room for five long names.
 */
export function describeLocationsShort(locations: readonly LocationAnswer[], maxChars = Infinity): string {
  const groups = [
    ['down', 'down'],
    ['up', 'up'],
    ['no-answer', 'no answer'],
  ] as const;
  const named = groups
    .map(([outcome, words]) => {
      const names = namesOf(locations, outcome);
      return names.length === 0 ? '' : `${words}: ${names.join(', ')}`;
    })
    .filter((part) => part !== '')
    .join('; ');
  if (named.length <= maxChars) return named;
  return groups
    .map(([outcome, words]) => {
      const count = namesOf(locations, outcome).length;
      return count === 0 ? '' : `${words} ${count}`;
    })
    .filter((part) => part !== '')
    .join(', ');
}

/** A location as a label: its name, and "(home)" for the first (the region whose checks failed first). */
export const locationLabel = (answer: LocationAnswer, index: number): string =>
  index === 0 ? `${answer.location} (home)` : answer.location;

/**
 * What one location said, for a field or a line: "down: timeout - no answer within 10 s", "up: HTTP 200 in
 * 120 ms", "no answer: invoke timed out". Details are cut to `detailMaxChars`.
 */
export function describeAnswer(answer: LocationAnswer, detailMaxChars = 500): string {
  switch (answer.outcome) {
    case 'up':
      return `up: ${upText(answer)}`;
    case 'down':
      return `down: ${answer.reason} - ${truncateText(answer.detail, detailMaxChars)}`;
    case 'no-answer':
      return `no answer: ${truncateText(answer.detail, detailMaxChars)}`;
  }
}

/** One line per location, labels padded so the outcomes line up: the email's Locations block. */
export function locationLines(locations: readonly LocationAnswer[]): string[] {
  const labels = locations.map(locationLabel);
  const width = Math.max(0, ...labels.map((label) => label.length)) + 2;
  return locations.map((answer, index) => `${(labels[index] ?? '').padEnd(width)}${describeAnswer(answer)}`);
}

/**
 * Who decided a DOWN: "2 of 3 answering locations", with "(1 more did not answer)" when some were silent.
 */
export function quorumText(locations: readonly LocationAnswer[]): string {
  const { failed, answered, silent } = countLocations(locations);
  const noun = answered === 1 ? 'location' : 'locations';
  return `${failed} of ${answered} answering ${noun}${silent === 0 ? '' : ` (${silent} more did not answer)`}`;
}

/** The names of the locations with this outcome: "us-east-1", "us-east-1 and us-west-2", "a, b and c". */
export function namesWith(locations: readonly LocationAnswer[], outcome: LocationAnswer['outcome']): string {
  const names = namesOf(locations, outcome);
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** Where a REGIONAL site fails: "us-east-1 only", "us-east-1 and us-west-2". */
export function failingText(locations: readonly LocationAnswer[]): string {
  const { failed } = countLocations(locations);
  return failed === 1 ? `${namesWith(locations, 'down')} only` : namesWith(locations, 'down');
}

/**
 * A REGIONAL in one line: "fails from us-east-1 only; up from us-west-2 and eu-west-1; no answer from ap-south-1".
 * `failing` says where it fails: failingText by default, or the caller's words when no location failed.
 */
export function regionalText(locations: readonly LocationAnswer[], failing = failingText(locations)): string {
  const upFrom = namesWith(locations, 'up');
  const silent = namesWith(locations, 'no-answer');
  return [
    `fails from ${failing}`,
    ...(upFrom === '' ? [] : [`up from ${upFrom}`]),
    ...(silent === '' ? [] : [`no answer from ${silent}`]),
  ].join('; ');
}

/**
 * Why a REGIONAL does not page, in the reader's words: most reach it, or (a tie) only half of the answering
 * locations fail, and a page needs more than half.
 */
export function notPagingText(locations: readonly LocationAnswer[]): string {
  const { failed, answered } = countLocations(locations);
  return failed > 0 && failed * 2 === answered
    ? `Not paging: only ${failed} of ${answered} answering locations fail, and a page needs more than half.`
    : 'Not paging: most locations reach it.';
}

// The names of the locations with this outcome, in the given order.
function namesOf(locations: readonly LocationAnswer[], outcome: LocationAnswer['outcome']): string[] {
  return locations.filter((answer) => answer.outcome === outcome).map((answer) => answer.location);
}

// The brief of a location in describeLocations: reason (and status) for a failure, the answer for up.
function briefOf(answer: LocationAnswer): string {
  switch (answer.outcome) {
    case 'up':
      return upText(answer);
    case 'down':
      return answer.status === undefined ? answer.reason : `${answer.reason}, HTTP ${answer.status}`;
    case 'no-answer':
      return truncateText(answer.detail, INLINE_DETAIL_MAX_CHARS);
  }
}

const upText = (answer: Extract<LocationAnswer, { outcome: 'up' }>): string =>
  `HTTP ${answer.status} in ${answer.latencyMs} ms`;
