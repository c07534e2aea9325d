import * as v from 'valibot';
import { CheckResultSchema } from './check-result.ts';
import { SiteConfigSchema } from './site.ts';
import { LocationSchema } from './verification.ts';

/**
 * What the checker sends a verifier (one Lambda Invoke, RequestResponse) and what comes back. A request carries
 * every site that needs verifying at about the same time in one checker invocation (coalesced), so a home-region
 * incident that fails hundreds of sites at once costs one invoke per region per batch, not hundreds (accounts
 * may have a concurrency quota of 10 in the verifier's region too).
 */

/** Most sites in one request: keeps the payload (≤ 6 MB sync invoke) and the verifier's sockets bounded. */
export const MAX_VERIFY_TARGETS = 50;

export const VERIFY_REQUEST_VERSION = 1;

export const VerifyRequestSchema = v.object({
  v: v.literal(VERIFY_REQUEST_VERSION),
  targets: v.pipe(
    v.array(
      v.object({
        /** The checker's key for the answer (unique within the request). */
        id: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
        /** The site as the home check saw it: the verifier builds the same probe target from it (probeTargetOf). */
        site: SiteConfigSchema,
        /** The home check was the site's periodic full GET: verify with one too. */
        fullGet: v.optional(v.boolean()),
      }),
    ),
    v.minLength(1),
    v.maxLength(MAX_VERIFY_TARGETS),
  ),
});
export type VerifyRequest = v.InferInput<typeof VerifyRequestSchema>;

export const VerifyResponseSchema = v.object({
  /** The verifier's own location (its AWS_REGION, or the local runtime's name for it). */
  location: LocationSchema,
  /** One per target, by id; a target the verifier could not finish in time is a `fault` (checker-fault). */
  answers: v.array(v.object({ id: v.string(), result: CheckResultSchema })),
});
export type VerifyResponse = v.InferOutput<typeof VerifyResponseSchema>;
