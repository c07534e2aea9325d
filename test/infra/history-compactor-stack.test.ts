import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config.ts';
import { findSitesTable, NO_CONTACT_CONFIG, OutdirPool, onlyResource, synthStack } from './synth-stack.ts';

// One synth of the whole stack: ~3-20 s on a busy 2-core machine.
const SYNTH_TIMEOUT_MS = 120_000;
const outdirs = new OutdirPool();
afterAll(() => outdirs.removeAll());

const findCompactor = (template: Template) =>
  onlyResource(template, 'AWS::Lambda::Function', {
    Environment: {
      Variables: Match.objectLike({ [ENV.historyBucket]: Match.anyValue(), [ENV.queueUrl]: Match.absent() }),
    },
  });

describe('the history compactor in the stack', () => {
  let template: Template;

  beforeAll(() => {
    template = synthStack(outdirs, { config: { ...NO_CONTACT_CONFIG, checkerReservation: 'off' } }).template;
  }, SYNTH_TIMEOUT_MS);

  it('runs on arm64, Node 22+, 1024 MB, 5 minutes, without reserved concurrency', () => {
    // Assess
    expect(findCompactor(template).properties).toMatchObject({
      Architectures: ['arm64'],
      Runtime: expect.stringMatching(/^nodejs(2[2-9]|[3-9]\d)\.x$/),
      Handler: 'index.handler',
      MemorySize: 1024,
      Timeout: 300,
    });
    expect(findCompactor(template).properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('is given the table, the history bucket and the public owners, nothing else', () => {
    // Assess
    expect(findCompactor(template).properties.Environment).toEqual({
      Variables: {
        [ENV.tableName]: { Ref: findSitesTable(template).logicalId },
        [ENV.historyBucket]: { Ref: onlyResource(template, 'AWS::S3::Bucket').logicalId },
        [ENV.publicOwners]: '',
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
  });

  it(
    'gets the same public owners as the fan-out, so the public summary holds the sites the page shows',
    () => {
      // Prepare
      const withOwners = synthStack(outdirs, {
        config: {
          ...NO_CONTACT_CONFIG,
          checkerReservation: 'off',
          statusPage: { publicOwners: ['ops', 'acme'] },
        },
      }).template;

      // Assess
      expect(findCompactor(withOwners).properties).toMatchObject({
        Environment: { Variables: { [ENV.publicOwners]: 'ops,acme' } },
      });
      withOwners.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({ [ENV.queueUrl]: Match.anyValue(), [ENV.publicOwners]: 'ops,acme' }),
        },
      });
    },
    SYNTH_TIMEOUT_MS,
  );

  it('runs every hour at minute 20, retried twice by EventBridge and once by Lambda within 30 minutes', () => {
    // Assess
    const compactor = findCompactor(template).logicalId;
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(20 * * * ? *)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [compactor, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 1800 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: compactor },
      MaximumEventAgeInSeconds: 1800,
      MaximumRetryAttempts: 1,
    });
  });

  it(
    'keeps compacting while the sweep is turned off (sweepEnabled false pauses checks, not history)',
    () => {
      // Act
      const { template: paused } = synthStack(outdirs, {
        config: { ...NO_CONTACT_CONFIG, checkerReservation: 'off', sweepEnabled: false },
      });

      // Assess
      paused.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'cron(20 * * * ? *)',
        State: 'ENABLED',
      });
    },
    SYNTH_TIMEOUT_MS,
  );
});
