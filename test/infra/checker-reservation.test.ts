import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config.ts';
import { CHECKER_RESERVATION_RESOURCE_TYPE } from '../../infra/checker-reservation.ts';
import { NO_CONTACT_CONFIG, OutdirPool, onlyResource, synthStack } from './synth-stack.ts';

const outdirs = new OutdirPool();
afterAll(() => outdirs.removeAll());

const ref = (logicalId: string) => ({ Ref: logicalId });
const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

const findChecker = (template: Template) =>
  onlyResource(template, 'AWS::Lambda::Function', {
    // The deliverer has TOPIC_ARN too: CHECK_CONCURRENCY is the checker's alone.
    Environment: { Variables: Match.objectLike({ [ENV.checkConcurrency]: Match.anyValue() }) },
  });
const findDecider = (template: Template) =>
  onlyResource(template, 'AWS::Lambda::Function', {
    Description: Match.stringLikeRegexp('checker reservation'),
  });
// A synth takes a second or two, several on a busy machine.
const SYNTH_TIMEOUT_MS = 60_000;
const synthWith = (config: Record<string, unknown>) =>
  synthStack(outdirs, { config: { ...NO_CONTACT_CONFIG, ...config } }).template;

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

/** The statements of the identity policies attached to a role. */
const statementsOfRole = (template: Template, roleLogicalId: string): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
    (policy.Properties.Roles as unknown[]).some(
      (role) => JSON.stringify(role) === JSON.stringify(ref(roleLogicalId)),
    )
      ? (policy.Properties.PolicyDocument.Statement as Statement[])
      : [],
  );

describe('checker reservation', () => {
  describe('auto (the default)', () => {
    let template: Template;
    beforeAll(() => {
      template = synthWith({ checkerConcurrency: 12 });
    }, SYNTH_TIMEOUT_MS);

    it('leaves the reservation out of the checker function: the deploy decides it', () => {
      // Assess
      expect(findChecker(template).properties.ReservedConcurrentExecutions).toBeUndefined();
    });

    it('asks the custom resource to reserve checkerConcurrency on the checker, again whenever its code changes', () => {
      // Prepare
      const checker = findChecker(template);

      // Assess
      const resource = onlyResource(template, CHECKER_RESERVATION_RESOURCE_TYPE);
      expect(resource.properties).toEqual({
        ServiceToken: arnOf(findDecider(template).logicalId),
        // Five minutes, not CloudFormation's default hour, if the decider never answers.
        ServiceTimeout: '300',
        FunctionName: ref(checker.logicalId),
        ReservedConcurrency: 12,
        CheckerCode: (checker.properties.Code as { S3Key: unknown }).S3Key,
      });
    });

    it('still caps the checkers at checkerConcurrency through the event source', () => {
      // Assess
      expect(
        onlyResource(template, 'AWS::Lambda::EventSourceMapping', {
          FunctionName: { Ref: findChecker(template).logicalId },
        }).properties.ScalingConfig,
      ).toEqual({
        MaximumConcurrency: 12,
      });
    });

    it('reports the decision as the stack output CheckerReservedConcurrency', () => {
      // Prepare
      const resource = onlyResource(template, CHECKER_RESERVATION_RESOURCE_TYPE);

      // Assess
      template.hasOutput('CheckerReservedConcurrency', {
        Value: { 'Fn::GetAtt': [resource.logicalId, 'Summary'] },
      });
    });

    it('runs the decider on arm64 Node with its own log group, and is attached its policy before it runs', () => {
      // Prepare
      const decider = findDecider(template);
      const roleLogicalId = (decider.properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const [policyLogicalId] = Object.entries(template.findResources('AWS::IAM::Policy'))
        .filter(
          ([, policy]) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([ref(roleLogicalId)]),
        )
        .map(([logicalId]) => logicalId);

      // Assess
      expect(decider.properties).toMatchObject({
        Architectures: ['arm64'],
        Runtime: expect.stringMatching(/^nodejs(2[2-9]|[3-9]\d)\.x$/),
        Timeout: 60,
        LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
      });
      template.hasResource('AWS::Lambda::Function', {
        Properties: Match.objectLike({ Description: decider.properties.Description }),
        DependsOn: Match.arrayWith([policyLogicalId]),
      });
    });

    it('lets the decider read the account settings and set only the checker’s concurrency, nothing else', () => {
      // Prepare
      const decider = findDecider(template);
      const roleLogicalId = (decider.properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];

      // Assess
      const statements = statementsOfRole(template, roleLogicalId).filter(
        (statement) => !JSON.stringify(statement.Action).includes('logs:'),
      );
      expect(statements).toEqual([
        { Effect: 'Allow', Action: 'lambda:GetAccountSettings', Resource: '*' },
        {
          Effect: 'Allow',
          Action: [
            'lambda:GetFunctionConcurrency',
            'lambda:PutFunctionConcurrency',
            'lambda:DeleteFunctionConcurrency',
          ],
          Resource: arnOf(findChecker(template).logicalId),
        },
      ]);
    });
  });

  describe('off', () => {
    let template: Template;
    beforeAll(() => {
      template = synthWith({ checkerReservation: 'off' });
    }, SYNTH_TIMEOUT_MS);

    it('has no custom resource and no decider at all (moto cannot run Lambda-backed custom resources)', () => {
      // Assess
      template.resourceCountIs(CHECKER_RESERVATION_RESOURCE_TYPE, 0);
      // Fan-out, checker, history compactor, channel dispatcher and deliverer.
      expect(Object.keys(template.findResources('AWS::Lambda::Function'))).toHaveLength(5);
      expect(JSON.stringify(template.toJSON())).not.toContain('ServiceToken');
    });

    it('reserves nothing and says so', () => {
      // Assess
      expect(findChecker(template).properties.ReservedConcurrentExecutions).toBeUndefined();
      template.hasOutput('CheckerReservedConcurrency', {
        Value:
          'not managed: checkerReservation is "off" (a reservation an earlier auto deploy made stays until aws lambda delete-function-concurrency)',
      });
    });
  });

  describe('pinned', () => {
    let template: Template;
    beforeAll(() => {
      template = synthWith({ checkerConcurrency: 10, checkerReservation: 25 });
    }, SYNTH_TIMEOUT_MS);

    it('sets the reservation on the checker itself, with no custom resource', () => {
      // Assess
      expect(findChecker(template).properties.ReservedConcurrentExecutions).toBe(25);
      template.resourceCountIs(CHECKER_RESERVATION_RESOURCE_TYPE, 0);
    });

    it('keeps the event source at checkerConcurrency, within the reservation', () => {
      // Assess
      expect(
        onlyResource(template, 'AWS::Lambda::EventSourceMapping', {
          FunctionName: { Ref: findChecker(template).logicalId },
        }).properties.ScalingConfig,
      ).toEqual({
        MaximumConcurrency: 10,
      });
    });

    it('says it is pinned, and that a small account refuses it', () => {
      // Assess
      template.hasOutput('CheckerReservedConcurrency', {
        Value: '25: pinned by checkerReservation (the deploy fails if the account cannot give it)',
      });
    });
  });
});

describe('sweepEnabled', () => {
  it.each([
    [true, 'ENABLED'],
    [false, 'DISABLED'],
  ])(
    '%s gives the schedule state %s',
    (sweepEnabled, state) => {
      // Act
      const template = synthWith({ sweepEnabled, checkerReservation: 'off' });

      // Assess
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        State: state,
      });
    },
    SYNTH_TIMEOUT_MS,
  );
});
