import { describe, expect, it } from 'vitest';
import { answered, failed } from '../../../../cli/core/doctor/check-line.ts';
import {
  checkCredentials,
  checkRegion,
  type RegionInputs,
  resolveRegion,
} from '../../../../cli/core/doctor/region-check.ts';

const inputs = (partial: Partial<RegionInputs>): RegionInputs => ({ profileName: 'default', ...partial });

describe('resolveRegion', () => {
  it.each([
    [{ flag: 'eu-west-1', awsRegion: 'us-east-1', profileRegion: 'ap-south-1' }, 'eu-west-1', '--region'],
    [{ awsRegion: 'us-east-1', awsDefaultRegion: 'us-west-2' }, 'us-east-1', 'AWS_REGION'],
    [{ awsRegion: '', awsDefaultRegion: 'us-west-2' }, 'us-west-2', 'AWS_DEFAULT_REGION'],
    [{ profileRegion: 'ap-south-1' }, 'ap-south-1', 'profile'],
  ])('%o resolves to %s from %s', (partial, region, source) => {
    // Act
    const resolution = resolveRegion(inputs(partial));

    // Assess
    expect(resolution).toMatchObject({ found: true, region, source });
  });

  it('finds none when nothing names a region', () => {
    expect(resolveRegion(inputs({}))).toMatchObject({ found: false });
  });
});

describe('checkRegion', () => {
  it('passes a region from the profile and names the profile', () => {
    // Act
    const line = checkRegion(resolveRegion(inputs({ profileName: 'work', profileRegion: 'eu-central-1' })));

    // Assess
    expect(line).toEqual({
      check: 'region',
      status: 'pass',
      found: 'eu-central-1 (from profile "work" in ~/.aws/config)',
    });
  });

  it('fails without a region, with the command that sets one', () => {
    // Act
    const line = checkRegion(resolveRegion(inputs({})));

    // Assess
    expect(line.status).toBe('fail');
    expect(line.fix).toBe('export AWS_REGION=eu-west-1   (or: aws configure set region eu-west-1)');
  });

  it('fails a value that is not a region name', () => {
    expect(checkRegion(resolveRegion(inputs({ awsRegion: 'Frankfurt' }))).status).toBe('fail');
  });

  it('warns when AWS_REGION and AWS_DEFAULT_REGION disagree: AWS CLI v1 would use the other one', () => {
    // Act
    const line = checkRegion(
      resolveRegion(inputs({ awsRegion: 'eu-west-1', awsDefaultRegion: 'us-east-1' })),
    );

    // Assess
    expect(line).toMatchObject({ status: 'warn', fix: 'export AWS_DEFAULT_REGION=eu-west-1' });
  });

  it('warns when --region differs from what `cdk deploy` would use', () => {
    // Act
    const differs = checkRegion(resolveRegion(inputs({ flag: 'eu-west-1', profileRegion: 'us-east-1' })));
    const agrees = checkRegion(resolveRegion(inputs({ flag: 'eu-west-1', awsRegion: 'eu-west-1' })));

    // Assess
    expect(differs).toMatchObject({ status: 'warn', fix: 'export AWS_REGION=eu-west-1' });
    expect(differs.found).toContain('`cdk deploy` would use us-east-1');
    expect(agrees.status).toBe('pass');
  });
});

describe('checkCredentials', () => {
  it('shows the account and ARN a deploy would use', () => {
    // Act
    const line = checkCredentials(
      answered({ account: '111122223333', arn: 'arn:aws:sts::111122223333:assumed-role/Admin/alice' }),
      'default',
    );

    // Assess
    expect(line).toEqual({
      check: 'credentials',
      status: 'pass',
      found: 'account 111122223333 as arn:aws:sts::111122223333:assumed-role/Admin/alice',
    });
  });

  it('fails missing credentials with the login command for the profile in use', () => {
    // Act
    const line = checkCredentials(
      failed({ kind: 'no-credentials', action: 'sts:GetCallerIdentity', detail: 'CredentialsProviderError' }),
      'dev',
    );

    // Assess
    expect(line).toMatchObject({
      status: 'fail',
      fix: 'aws sso login --profile dev   (or: aws configure --profile dev)',
    });
  });
});
