import type { SiteState } from '../../functions/domain/site-state.ts';
import type { LocationAnswer, Verification } from '../../functions/domain/verification.ts';

// Where a verified site failed and where it did not (issue 15), in the words `status` and the local console share.
// Locations keep the verification's order: home first, then the verifier regions as configured.

/** "timeout", "http-5xx 503": why one location failed. */
const whyDown = (answer: Extract<LocationAnswer, { outcome: 'down' }>): string =>
  answer.status === undefined ? answer.reason : `${answer.reason} ${answer.status}`;

const namesOf = (answers: readonly LocationAnswer[]): string =>
  answers.map((answer) => answer.location).join(', ');

/**
 * "down from us-east-1 (timeout); up from us-west-2, eu-west-1; no answer from ap-south-1": every location, grouped
 * by what it said, each failure with its reason. A group nobody is in is left out.
 */
export function describeLocations(verification: Pick<Verification, 'locations'>): string {
  const down = verification.locations.filter((answer) => answer.outcome === 'down');
  const up = verification.locations.filter((answer) => answer.outcome === 'up');
  const silent = verification.locations.filter((answer) => answer.outcome === 'no-answer');
  return [
    down.length > 0 &&
      `down from ${down.map((answer) => `${answer.location} (${whyDown(answer)})`).join(', ')}`,
    up.length > 0 && `up from ${namesOf(up)}`,
    silent.length > 0 && `no answer from ${namesOf(silent)}`,
  ]
    .filter((part): part is string => typeof part === 'string')
    .join('; ');
}

/** "2 of 3 locations": how many of the locations that answered failed (a silent one counts neither way). */
export function failingCountOf(verification: Pick<Verification, 'locations'>): string {
  const answered = verification.locations.filter((answer) => answer.outcome !== 'no-answer');
  const failed = answered.filter((answer) => answer.outcome === 'down').length;
  return `${failed} of ${answered.length} location${answered.length === 1 ? '' : 's'}`;
}

/**
 * The verification a view should show with the site's status: while REGIONAL, or confirmed DOWN (DOWN,
 * RECOVERING) by a verification; none otherwise (a state without verifiers configured shows as before).
 */
export function shownVerificationOf(
  state: Pick<SiteState, 'status' | 'verification'>,
): Verification | undefined {
  const isVerifiedStatus =
    state.status === 'REGIONAL' || state.status === 'DOWN' || state.status === 'RECOVERING';
  return isVerifiedStatus ? state.verification : undefined;
}
