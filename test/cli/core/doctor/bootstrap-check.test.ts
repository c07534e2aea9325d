import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnResource, DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import {
  checkBootstrap,
  REQUIRED_BOOTSTRAP_VERSION,
  requiredBootstrapVersionOf,
} from '../../../../cli/core/doctor/bootstrap-check.ts';
import { answered, failed } from '../../../../cli/core/doctor/check-line.ts';

const identity = answered({ account: '111122223333', arn: 'arn:aws:iam::111122223333:user/a' });
const requirement = { version: 6, qualifier: 'hnb659fds' };

describe('requiredBootstrapVersionOf', () => {
  it('matches what the installed aws-cdk-lib writes into a synthesized template', () => {
    // Prepare
    const outdir = mkdtempSync(join(tmpdir(), 'doctor-synth-'));
    try {
      const app = new App({ outdir, analyticsReporting: false });
      const stack = new Stack(app, 'Probe', { synthesizer: new DefaultStackSynthesizer() });
      new CfnResource(stack, 'Handle', { type: 'AWS::CloudFormation::WaitConditionHandle' });

      // Act
      const template = app.synth().getStackByName('Probe').template;

      // Assess: REQUIRED_BOOTSTRAP_VERSION must follow aws-cdk-lib upgrades.
      expect(requiredBootstrapVersionOf(template)).toBe(REQUIRED_BOOTSTRAP_VERSION);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);

  it('reads one more than the highest rejected version, and nothing from a template without the rule', () => {
    // Prepare
    const template = {
      Rules: {
        CheckBootstrapVersion: {
          Assertions: [
            {
              Assert: {
                'Fn::Not': [
                  { 'Fn::Contains': [['1', '2', '3', '4', '5', '6', '7'], { Ref: 'BootstrapVersion' }] },
                ],
              },
            },
          ],
        },
      },
    };

    // Act / Assess
    expect(requiredBootstrapVersionOf(template)).toBe(8);
    expect(requiredBootstrapVersionOf({ Resources: {} })).toBeUndefined();
    expect(requiredBootstrapVersionOf(null)).toBeUndefined();
  });
});

describe('checkBootstrap', () => {
  it.each([
    [
      answered(undefined),
      'fail',
      'not bootstrapped: no SSM parameter /cdk-bootstrap/hnb659fds/version in eu-west-1',
    ],
    [answered(5), 'fail', 'bootstrap version 5, the stack needs 6 or later'],
    [answered(6), 'pass', 'bootstrap version 6 (the stack needs 6 or later)'],
    [answered(29), 'pass', 'bootstrap version 29 (the stack needs 6 or later)'],
  ])('%o: %s', (version, status, found) => {
    // Act
    const line = checkBootstrap(version, identity, 'eu-west-1', requirement);

    // Assess
    expect(line).toMatchObject({ status, found });
    expect(line.fix).toBe(status === 'fail' ? 'npx cdk bootstrap aws://111122223333/eu-west-1' : undefined);
  });

  it('adds --qualifier to the fix for a custom qualifier', () => {
    // Act
    const line = checkBootstrap(answered(undefined), identity, 'eu-west-1', {
      version: 6,
      qualifier: 'squirrel1',
    });

    // Assess
    expect(line.found).toContain('/cdk-bootstrap/squirrel1/version');
    expect(line.fix).toBe('npx cdk bootstrap aws://111122223333/eu-west-1 --qualifier squirrel1');
  });

  it('is unknown, naming ssm:GetParameter, when SSM refused', () => {
    // Act
    const line = checkBootstrap(
      failed({ kind: 'denied', action: 'ssm:GetParameter', detail: 'AccessDeniedException: no' }),
      identity,
      'eu-west-1',
      requirement,
    );

    // Assess
    expect(line.status).toBe('unknown');
    expect(line.found).toBe('no permission for ssm:GetParameter (AccessDeniedException: no)');
  });
});
