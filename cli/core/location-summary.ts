import { describeLocations } from '../../functions/domain/location-text.ts';
import type { SiteState } from '../../functions/domain/site-state.ts';
import { countLocations, type Verification } from '../../functions/domain/verification.ts';

// What `status` and the local console show of a verification (issue 15). The words for the locations themselves
// are the alerts' own (functions/domain/location-text.ts: describeLocations), so a site reads the same in its
// alert and in `status`.

/** "2 of 3 locations": how many of the locations that answered failed (a silent one counts neither way). */
export function failingCountOf(verification: Pick<Verification, 'locations'>): string {
  const { failed, answered } = countLocations(verification.locations);
  return `${failed} of ${answered} location${answered === 1 ? '' : 's'}`;
}

/** Where the site fails and where it does not, in the alerts' words; an answering location only by name. */
export function whereOf(verification: Pick<Verification, 'locations'>): string {
  return describeLocations(verification.locations, { namesOnlyWhenUp: true });
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
