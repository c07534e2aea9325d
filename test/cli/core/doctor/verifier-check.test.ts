import { describe, expect, it } from 'vitest';
import { answered, failed, notRun } from '../../../../cli/core/doctor/check-line.ts';
import type { VerifierRegionFacts } from '../../../../cli/core/doctor/facts.ts';
import {
  checkVerifierConcurrency,
  checkVerifierRegion,
  checkVerifierRegions,
} from '../../../../cli/core/doctor/verifier-check.ts';

const ACCOUNT = '111122223333';
const HOME = answered({ account: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/a` });
const REQUIREMENT = { version: 6, qualifier: 'hnb659fds' };

const ready = (region: string, partial: Partial<VerifierRegionFacts> = {}): VerifierRegionFacts => ({
  region,
  identity: HOME,
  bootstrapVersion: answered(29),
  lambdaConcurrency: answered({ concurrentExecutions: 1000, unreservedConcurrentExecutions: 1000 }),
  ...partial,
});

describe('checkVerifierRegions', () => {
  it('passes a ready region with three lines, each naming the region', () => {
    // Act
    const lines = checkVerifierRegions(
      [ready('us-west-2')],
      { region: 'us-east-1', identity: HOME },
      REQUIREMENT,
      10,
    );

    // Assess
    expect(lines.map((line) => [line.check, line.status])).toEqual([
      ['verifier-region', 'pass'],
      ['verifier-bootstrap', 'pass'],
      ['verifier-concurrency', 'pass'],
    ]);
    for (const line of lines) expect(line.found.startsWith('us-west-2: ')).toBe(true);
  });

  it('fails a region never bootstrapped with the bootstrap command for that region', () => {
    // Act
    const lines = checkVerifierRegions(
      [ready('eu-west-1', { bootstrapVersion: answered(undefined) })],
      { region: 'us-east-1', identity: HOME },
      REQUIREMENT,
      10,
    );

    // Assess
    expect(lines[1]).toEqual({
      check: 'verifier-bootstrap',
      status: 'fail',
      found: 'eu-west-1: not bootstrapped: no SSM parameter /cdk-bootstrap/hnb659fds/version in eu-west-1',
      fix: `npx cdk bootstrap aws://${ACCOUNT}/eu-west-1`,
    });
  });
});

describe('checkVerifierRegion', () => {
  it('fails an opt-in region the account has not enabled: its STS refuses credentials the home region accepts', () => {
    // Act
    const line = checkVerifierRegion(
      ready('ap-east-1', {
        identity: failed({
          kind: 'bad-credentials',
          action: 'sts:GetCallerIdentity',
          detail: 'InvalidClientTokenId: The security token included in the request is invalid',
        }),
      }),
      'us-east-1',
      HOME,
    );

    // Assess
    expect(line.status).toBe('fail');
    expect(line.found).toMatch(
      /^ap-east-1: STS there refused .* not enabled for this account \(an opt-in region\)$/,
    );
    expect(line.fix).toContain('aws account enable-region --region-name ap-east-1');
  });

  it('fails the home region named as a verifier region', () => {
    expect(checkVerifierRegion(ready('us-east-1'), 'us-east-1', HOME)).toMatchObject({
      status: 'fail',
      fix: 'remove "us-east-1" from "verifierRegions" in squirrel.config.json',
    });
  });

  it('says unknown, not disabled, when the region did not answer in time', () => {
    // Act
    const line = checkVerifierRegion(
      ready('eu-west-1', {
        identity: failed({
          kind: 'timeout',
          action: 'sts:GetCallerIdentity',
          detail: 'no answer within 15 s',
        }),
      }),
      'us-east-1',
      HOME,
    );

    // Assess
    expect(line).toMatchObject({ status: 'unknown' });
    expect(line.found).toBe(
      'eu-west-1: sts:GetCallerIdentity did not answer in time (no answer within 15 s)',
    );
  });

  it('says unknown when the home credentials did not work either (nothing was asked there)', () => {
    // Act
    const line = checkVerifierRegion(
      ready('eu-west-1', { identity: notRun('sts:GetCallerIdentity', 'the credentials did not work') }),
      'us-east-1',
      failed({ kind: 'no-credentials', action: 'sts:GetCallerIdentity', detail: 'none' }),
    );

    // Assess
    expect(line).toEqual({
      check: 'verifier-region',
      status: 'unknown',
      found: 'eu-west-1: not checked: the credentials did not work',
    });
  });
});

describe('checkVerifierConcurrency', () => {
  it('still works on a quota of 10 with checkerConcurrency 10: passes, saying how many invokes to expect', () => {
    // Act
    const line = checkVerifierConcurrency(
      ready('us-west-2', {
        lambdaConcurrency: answered({ concurrentExecutions: 10, unreservedConcurrentExecutions: 10 }),
      }),
      10,
    );

    // Assess
    expect(line).toEqual({
      check: 'verifier-concurrency',
      status: 'pass',
      found:
        'us-west-2: quota 10, unreserved 10; expect about 10 verifier invokes at once at most (one per running checker, checkerConcurrency, and batch of sites failing together), usually 1-2 and only while sites fail',
    });
  });

  it('warns when fewer executions are unreserved than checkers may ask at once, with the quota request for that region', () => {
    // Act
    const line = checkVerifierConcurrency(
      ready('us-west-2', {
        lambdaConcurrency: answered({ concurrentExecutions: 10, unreservedConcurrentExecutions: 4 }),
      }),
      10,
    );

    // Assess
    expect(line.status).toBe('warn');
    expect(line.found).toContain(
      'a burst above 4 is throttled, and a throttled verifier counts as "no answer"',
    );
    expect(line.fix).toContain('--quota-code L-B99A9384 --desired-value 1000 --region us-west-2');
  });
});
