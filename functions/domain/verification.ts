import * as v from 'valibot';
import { DOWN_REASONS, StatusCodeSchema } from './check-result.ts';
import { boundedText, wholeNumber } from './schema-parts.ts';

/**
 * Multi-location confirmation (issue 15). When the home region's checks would confirm a site DOWN, verifiers in
 * other regions check it once, now, and the majority of the locations that answered decides: DOWN (pages) or
 * REGIONAL (told once, never pages). A verifier that cannot answer counts neither way. The one definition of
 * what a verification is: the state, check messages, alerts and notifications all carry this shape.
 */

/** At most this many verifier regions (plus home: 5 locations). Two are recommended. */
export const MAX_VERIFIER_REGIONS = 4;

/**
 * A location's name: an AWS region (`us-east-1`), or a local runtime's stand-in (`local-west`). Lower case letters,
 * digits and dashes: it is shown in alerts and used in function names and metric dimensions.
 */
export const LOCATION_PATTERN = /^[a-z][a-z0-9-]{1,31}$/;
export const LocationSchema = v.pipe(
  v.string(),
  v.regex(LOCATION_PATTERN, 'must be a region name like us-west-2 (lower case letters, digits, dashes)'),
);

/**
 * What one location said about the site. `up`: it answered (blocked answers count as up unless the site treats
 * them as down: the site is reachable from there). `down`: it failed, with the same reasons as a home check.
 * `no-answer`: the verifier could not say (invoke failed or timed out, throttled, a checker fault there, or its
 * name resolved only to addresses the guard refuses there): it counts neither way.
 */
export const LocationAnswerSchema = v.variant('outcome', [
  v.object({
    outcome: v.literal('up'),
    location: LocationSchema,
    status: StatusCodeSchema,
    latencyMs: wholeNumber,
  }),
  v.object({
    outcome: v.literal('down'),
    location: LocationSchema,
    reason: v.picklist(DOWN_REASONS),
    detail: boundedText,
    status: v.optional(StatusCodeSchema),
    latencyMs: wholeNumber,
  }),
  v.object({
    outcome: v.literal('no-answer'),
    location: LocationSchema,
    detail: boundedText,
  }),
]);
export type LocationAnswer = Readonly<v.InferOutput<typeof LocationAnswerSchema>>;

/**
 * One verification: every location's answer, home first, then the verifier regions in their configured order.
 * Home is always `down` (verification only happens when home would confirm DOWN).
 */
export const VerificationSchema = v.object({
  /** When the verifiers were asked (the checker's clock). */
  atMs: wholeNumber,
  locations: v.pipe(v.array(LocationAnswerSchema), v.minLength(1), v.maxLength(1 + MAX_VERIFIER_REGIONS)),
});
export type Verification = Readonly<v.InferOutput<typeof VerificationSchema>>;

/** How many locations failed, answered (up or down) and stayed silent. */
export interface LocationCounts {
  readonly failed: number;
  readonly answered: number;
  readonly silent: number;
}

export function countLocations(locations: readonly LocationAnswer[]): LocationCounts {
  const failed = locations.filter((answer) => answer.outcome === 'down').length;
  const silent = locations.filter((answer) => answer.outcome === 'no-answer').length;
  return { failed, answered: locations.length - silent, silent };
}

/** DOWN: a strict majority of the locations that answered failed. REGIONAL: otherwise (a tie included). */
export type Quorum = 'down' | 'regional';

/**
 * The verdict of a verification. Only answering locations count; a strict majority of them must have failed
 * for DOWN (OpenStatus's "more than half"), so a tie (home down, one verifier up, the other silent) does not
 * page. With no verifier answering, home alone answered: DOWN, as without verifiers.
 */
export function quorumOf(verification: Pick<Verification, 'locations'>): Quorum {
  const { failed, answered } = countLocations(verification.locations);
  return failed * 2 > answered ? 'down' : 'regional';
}

/** Whether any verifier (a location after home) answered: otherwise only home's own failure was heard. */
export const hasVerifierAnswer = (verification: Pick<Verification, 'locations'>): boolean =>
  verification.locations.slice(1).some((answer) => answer.outcome !== 'no-answer');

/** Whether two verifications tell the same story: the same locations with the same outcomes (details aside). */
export function sameOutcomes(
  a: Pick<Verification, 'locations'>,
  b: Pick<Verification, 'locations'>,
): boolean {
  return (
    a.locations.length === b.locations.length &&
    a.locations.every(
      (answer, index) =>
        answer.location === b.locations[index]?.location && answer.outcome === b.locations[index]?.outcome,
    )
  );
}
