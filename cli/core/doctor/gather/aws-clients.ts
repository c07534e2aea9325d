import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';

/** The clients the preflight reads with; one set per run, all in the checked region. */
export interface DoctorClients {
  readonly cloudformation: CloudFormationClient;
  readonly sts: STSClient;
  readonly lambda: LambdaClient;
  readonly ssm: SSMClient;
  readonly sns: SNSClient;
  /** Closes their sockets so the process exits at once. */
  destroy(): void;
}

// Each attempt gives up on a silent network in seconds; the SDK's standard retry (3 attempts, with backoff on
// throttling) stays on. gather-facts.ts also bounds every call as a whole with an abort signal.
const CLIENT_LIMITS = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 3_000, requestTimeout: 5_000 },
} as const;

/** Where the clients connect when not to AWS itself (an emulator, a test's endpoint). */
export interface ClientOverrides {
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** Clients on the default credential chain (env, SSO, profile, instance role) in `region`. */
export function createDoctorClients(region: string, overrides: ClientOverrides = {}): DoctorClients {
  const config = { region, ...CLIENT_LIMITS, ...overrides };
  const clients = {
    cloudformation: new CloudFormationClient(config),
    sts: new STSClient(config),
    lambda: new LambdaClient(config),
    ssm: new SSMClient(config),
    sns: new SNSClient(config),
  };
  return {
    ...clients,
    destroy: () => {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}

/**
 * The region of the profile in use (AWS_PROFILE, else default) from ~/.aws/config, as the SDK reads it.
 * Only asked when the flag and the environment name none, so the SDK's answer is the profile's.
 */
export async function readProfileRegion(): Promise<string | undefined> {
  const client = new STSClient({});
  try {
    return await client.config.region();
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}
