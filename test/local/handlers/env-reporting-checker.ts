import type { SQSBatchResponse } from 'aws-lambda';

// A stand-in for functions/checker.ts in the runtime's own tests: at its cold start it writes the verification
// settings the runtime gave it (one JSON line in checker.log), and it takes every batch without checking.
process.stdout.write(
  `${JSON.stringify({
    level: 'INFO',
    message: 'checker settings',
    settings: Object.fromEntries(
      [
        'VERIFIER_REGIONS',
        'VERIFIER_FUNCTION_NAME',
        'HOME_LOCATION',
        'VERIFIER_ENDPOINTS',
        'PROBE_SOURCE_ADDRESS',
      ].map((name) => [name, process.env[name] ?? null]),
    ),
  })}\n`,
);

export async function handler(): Promise<SQSBatchResponse> {
  return { batchItemFailures: [] };
}
