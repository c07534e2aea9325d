// The tier's account and region inside moto. moto's default account; a region other than us-east-1 so a
// region that is silently assumed somewhere shows up.
export const TIER_ACCOUNT_ID = '123456789012';
export const TIER_REGION = 'eu-west-1';

// moto accepts any credentials; fixed fake ones keep every SDK from looking for real ones.
const FAKE_CREDENTIALS = { accessKeyId: 'aws-tier-test', secretAccessKey: 'aws-tier-test' };

/** SDK client settings for moto at `endpoint`. */
export const motoClientConfig = (endpoint: string) => ({
  endpoint,
  region: TIER_REGION,
  credentials: FAKE_CREDENTIALS,
  maxAttempts: 2,
});

/**
 * The environment a child process (the CLI, a bundled handler) gets to reach moto the way a user's shell
 * reaches AWS: region and credentials from the standard variables, every service at AWS_ENDPOINT_URL, and no
 * config or credentials file of the machine's own.
 */
export const motoProcessEnvironment = (endpoint: string): Record<string, string> => ({
  AWS_ENDPOINT_URL: endpoint,
  AWS_REGION: TIER_REGION,
  AWS_DEFAULT_REGION: TIER_REGION,
  AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});
