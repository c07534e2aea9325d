import { Agent, request } from 'undici';

// A stand-in for functions/verifier.ts in the runtime's own tests: for each target it GETs the site over a
// connection from PROBE_SOURCE_ADDRESS, as the verifier's probe does, and answers with the status (or the error
// code) and the settings the runtime gave this location.
const agent = new Agent({ localAddress: process.env.PROBE_SOURCE_ADDRESS });

interface Target {
  readonly id: string;
  readonly site: { readonly url: string };
}

export async function handler(event: { targets: readonly Target[] }) {
  const answers = await Promise.all(
    event.targets.map(async ({ id, site }) => {
      try {
        const response = await request(site.url, { dispatcher: agent, signal: AbortSignal.timeout(2_000) });
        await response.body.dump();
        return { id, status: response.statusCode };
      } catch (error) {
        return { id, error: String((error as { code?: unknown }).code) };
      }
    }),
  );
  process.stdout.write(
    `${JSON.stringify({ level: 'INFO', message: 'verified', targets: answers.length })}\n`,
  );
  return {
    location: process.env.VERIFIER_LOCATION,
    answers,
    settings: Object.fromEntries(
      ['PROBE_SOURCE_ADDRESS', 'ALLOW_PRIVATE_TARGETS', 'DNS_SERVERS', 'TABLE_NAME', 'VERIFIER_REGIONS'].map(
        (name) => [name, process.env[name] ?? null],
      ),
    ),
  };
}
