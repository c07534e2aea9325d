import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMS_DELIVERY_LOGGING_OUTPUT } from '../../infra/alerts-topic.ts';
import { OutdirPool, onlyResource, SYNTH_TIMEOUT_MS, synthStack } from './synth-stack.ts';

const outdirs = new OutdirPool();
afterAll(() => outdirs.removeAll());

describe('AlertsTopic SMS delivery-status logging', () => {
  let template: Template;
  let roleLogicalId: string;

  beforeAll(() => {
    template = synthStack(outdirs).template;
    roleLogicalId = onlyResource(template, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'sns.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
        Version: '2012-10-17',
      },
    }).logicalId;
  }, SYNTH_TIMEOUT_MS);

  it('creates a role only SNS, acting for this account, may assume', () => {
    // Assess: found by its exact trust policy in beforeAll
    expect(roleLogicalId).toMatch(/SmsDeliveryStatusRole/);
  });

  it('lets it write to the two SMS delivery log groups of this account and region, nothing else', () => {
    // Prepare
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      (policy.Properties.Roles as unknown[]).some(
        (role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId }),
      ),
    );

    // Assess
    expect(policies).toHaveLength(1);
    const statements = policies[0]?.Properties.PolicyDocument.Statement as Record<string, unknown>[];
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({
      Effect: 'Allow',
      Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
    });
    const resources = JSON.stringify(statements[0]?.Resource);
    const group = (name: string) =>
      `:log-group:sns/",{"Ref":"AWS::Region"},"/",{"Ref":"AWS::AccountId"},"/${name}`;
    for (const name of ['DirectPublishToPhoneNumber', 'DirectPublishToPhoneNumber/Failure']) {
      expect(resources).toContain(`${group(name)}"]]}`);
      expect(resources).toContain(`${group(name)}:*"]]}`);
    }
    expect(statements[0]?.Resource).toHaveLength(4);
  });

  it('leaves the account setting alone and outputs the command that turns logging on with that role', () => {
    // Prepare
    const outputs = template.findOutputs(SMS_DELIVERY_LOGGING_OUTPUT);

    // Assess: nothing in the template calls SetSMSAttributes or may; the only custom resource is the checker's
    // reservation (Lambda concurrency, not SNS); the user runs the command knowingly
    expect(JSON.stringify(template.toJSON())).not.toMatch(/SetSMSAttributes|sns:Set/i);
    expect(
      Object.values(template.toJSON().Resources as Record<string, { Type: string }>)
        .map((resource) => resource.Type)
        .filter((type) => type.startsWith('Custom::')),
    ).toEqual(['Custom::CheckerReservation']);
    expect(outputs[SMS_DELIVERY_LOGGING_OUTPUT]?.Value).toEqual({
      'Fn::Join': [
        '',
        [
          'aws sns set-sms-attributes --region ',
          { Ref: 'AWS::Region' },
          ' --attributes DeliveryStatusIAMRole=',
          { 'Fn::GetAtt': [roleLogicalId, 'Arn'] },
          ',DeliveryStatusSuccessSamplingRate=100',
        ],
      ],
    });
  });
});
