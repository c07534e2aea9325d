import type { Context } from 'aws-lambda';
import { createProbe } from './adapters/http-probe.ts';
import { probeOptionsOf, readVerifierConfig } from './config.ts';
import type { VerifyResponse } from './domain/verify-request.ts';
import { verifyBatch } from './services/verify-batch.ts';

const config = readVerifierConfig(process.env);
// At module scope, like the checker's: a warm environment reuses its resolver and TLS context. The SSRF guard is
// on unless ALLOW_PRIVATE_TARGETS (local runtime and tests only): every region refuses what home refuses.
const probe = createProbe(probeOptionsOf(config));
const deps = { probe, location: config.location, nowMs: Date.now };

/**
 * Lambda Invoke (RequestResponse) from a checker in the home region → what this location sees of each site. An
 * invalid request throws (the checker gets a FunctionError and counts this location as no answer).
 */
export const handler = (
  event: unknown,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<VerifyResponse> =>
  verifyBatch(event, deps, { deadlineMs: Date.now() + context.getRemainingTimeInMillis() });
