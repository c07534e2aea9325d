import type { CheckLine, Probe } from './check-line.ts';
import type { CallerIdentity } from './facts.ts';

/** Where the region came from, in the order the preflight looks (the CDK CLI's order, after the flag). */
export type RegionSource = '--region' | 'AWS_REGION' | 'AWS_DEFAULT_REGION' | 'profile';

export interface RegionInputs {
  readonly flag?: string;
  readonly awsRegion?: string;
  readonly awsDefaultRegion?: string;
  /** The profile in use: AWS_PROFILE, else `default`. */
  readonly profileName: string;
  /** The `region` of that profile in ~/.aws/config, when the environment names none. */
  readonly profileRegion?: string;
}

export type RegionResolution =
  | {
      readonly found: true;
      readonly region: string;
      readonly source: RegionSource;
      readonly inputs: RegionInputs;
    }
  | { readonly found: false; readonly inputs: RegionInputs };

// Region names: two letters, a direction and a digit (eu-west-1, us-gov-west-1, ap-southeast-5).
const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;
export const isRegionName = (value: string): boolean => REGION_PATTERN.test(value);

/**
 * The flag, then AWS_REGION, AWS_DEFAULT_REGION, then the profile. The JS SDK alone ignores
 * AWS_DEFAULT_REGION, but the CDK CLI and the AWS CLI read it, so a deploy would use it: the preflight does.
 */
export function resolveRegion(inputs: RegionInputs): RegionResolution {
  const candidates: ReadonlyArray<[RegionSource, string | undefined]> = [
    ['--region', inputs.flag],
    ['AWS_REGION', inputs.awsRegion],
    ['AWS_DEFAULT_REGION', inputs.awsDefaultRegion],
    ['profile', inputs.profileRegion],
  ];
  for (const [source, value] of candidates) {
    if (value !== undefined && value !== '') return { found: true, region: value, source, inputs };
  }
  return { found: false, inputs };
}

const describeSource = (resolution: Extract<RegionResolution, { found: true }>): string =>
  resolution.source === 'profile'
    ? `profile "${resolution.inputs.profileName}" in ~/.aws/config`
    : resolution.source;

/** The region line: which region, from where, and whether the deploy tools would agree. */
export function checkRegion(resolution: RegionResolution): CheckLine {
  if (!resolution.found) {
    return {
      check: 'region',
      status: 'fail',
      found: 'no region: neither --region, AWS_REGION, AWS_DEFAULT_REGION nor the profile names one',
      fix: 'export AWS_REGION=eu-west-1   (or: aws configure set region eu-west-1)',
    };
  }
  const { region, inputs } = resolution;
  if (!isRegionName(region)) {
    return {
      check: 'region',
      status: 'fail',
      found: `"${region}" (from ${describeSource(resolution)}) is not a region name`,
      fix: 'export AWS_REGION=eu-west-1   (a name such as eu-west-1, us-east-1)',
    };
  }
  const found = `${region} (from ${describeSource(resolution)})`;
  const { awsRegion, awsDefaultRegion } = inputs;
  if (awsRegion && awsDefaultRegion && awsRegion !== awsDefaultRegion) {
    return {
      check: 'region',
      status: 'warn',
      found: `${found}; but AWS_DEFAULT_REGION=${awsDefaultRegion}: AWS CLI v1 would work in another region than the CDK and squirrel`,
      fix: `export AWS_DEFAULT_REGION=${awsRegion}`,
    };
  }
  if (resolution.source === '--region') {
    // `cdk deploy` has no region flag: it reads the environment or the profile.
    const deployRegion = awsRegion || awsDefaultRegion || inputs.profileRegion;
    if (deployRegion !== region) {
      return {
        check: 'region',
        status: 'warn',
        found: `${found}; \`cdk deploy\` would use ${deployRegion ?? 'no region'} (it has no --region flag)`,
        fix: `export AWS_REGION=${region}`,
      };
    }
  }
  return { check: 'region', status: 'pass', found };
}

/** The credentials line: whose account a deploy would go to. */
export function checkCredentials(identity: Probe<CallerIdentity>, profileName: string): CheckLine {
  if (identity.ok) {
    return {
      check: 'credentials',
      status: 'pass',
      found: `account ${identity.value.account} as ${identity.value.arn}`,
    };
  }
  const { kind, detail } = identity.failure;
  const login =
    profileName === 'default'
      ? 'aws configure   (or: aws sso login, or export AWS_PROFILE=NAME)'
      : `aws sso login --profile ${profileName}   (or: aws configure --profile ${profileName})`;
  switch (kind) {
    case 'no-credentials':
      return {
        check: 'credentials',
        status: 'fail',
        found: `no AWS credentials found (${detail})`,
        fix: login,
      };
    case 'bad-credentials':
      return {
        check: 'credentials',
        status: 'fail',
        found: `the credentials were refused: expired or wrong (${detail})`,
        fix: login,
      };
    case 'not-run':
      return { check: 'credentials', status: 'unknown', found: `not checked: ${detail}` };
    default:
      return {
        check: 'credentials',
        status: 'fail',
        found: `sts:GetCallerIdentity failed, so nothing else could be checked (${detail})`,
        fix: `aws sts get-caller-identity   (shows the same problem with the AWS CLI)`,
      };
  }
}
