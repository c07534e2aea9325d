import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config.ts';
import { SITE_LIMITS } from '../../functions/domain/site.ts';
import { VERIFIER_NO_ANSWER_MESSAGE } from '../../functions/services/verifiers.ts';
import { MONITOR_RUNTIME_NAME } from '../../infra/monitor-runtime.ts';
import { VERIFIER_NO_ANSWER_METRIC } from '../../infra/verifier-access.ts';
import { verifierFunctionNameOf, verifierStackNameOf } from '../../infra/verifier-names.ts';
import {
  NO_CONTACT_CONFIG,
  OutdirPool,
  onlyResource,
  SYNTH_TIMEOUT_MS,
  synthMonitorApp,
} from './synth-stack.ts';

const outdirs = new OutdirPool();
afterAll(() => outdirs.removeAll());

const HOME = { CDK_DEFAULT_REGION: 'us-east-1', CDK_DEFAULT_ACCOUNT: '111122223333' };
const REGIONS = ['us-west-2', 'eu-west-1'];
const PARTITION = { Ref: 'AWS::Partition' };
const CONTACTS = { alertEmail: 'ops@acme.test', alertPhone: '+15555550100' };

const findChecker = (template: Template) =>
  onlyResource(template, 'AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ [ENV.checkConcurrency]: Match.anyValue() }) },
  });

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };
const statementsOf = (template: Template): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
  );
const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
const invokeStatements = (template: Template) =>
  statementsOf(template).filter((statement) => actionsOf(statement).includes('lambda:InvokeFunction'));

describe('without verifierRegions', () => {
  it(
    'synthesizes the home stack alone, the same template whatever the CDK knows of the region, with nothing of the verifiers',
    () => {
      // Act: no key; no key with a known region and account; the key given empty for one synth
      const plain = synthMonitorApp(outdirs, { config: { ...NO_CONTACT_CONFIG, checkerReservation: 'off' } });
      const regionKnown = synthMonitorApp(outdirs, {
        config: { ...NO_CONTACT_CONFIG, checkerReservation: 'off' },
        environment: HOME,
      });
      const emptyContext = synthMonitorApp(outdirs, {
        config: { ...NO_CONTACT_CONFIG, checkerReservation: 'off', verifierRegions: REGIONS },
        context: { verifierRegions: '' },
        environment: HOME,
      });

      // Assess
      for (const run of [plain, regionKnown, emptyContext]) {
        expect(run.stacks.verifiers).toEqual([]);
        expect(run.assembly.stacks.map((stack) => stack.stackName)).toEqual(['uptime-squirrel']);
        expect(run.stacks.home.environment).toBe('aws://unknown-account/unknown-region');
      }
      expect(regionKnown.home.toJSON()).toEqual(plain.home.toJSON());
      expect(emptyContext.home.toJSON()).toEqual(plain.home.toJSON());
      const variables = (findChecker(plain.home).properties.Environment as { Variables: object }).Variables;
      for (const name of [ENV.verifierRegions, ENV.verifierFunctionName, ENV.homeLocation]) {
        expect(variables).not.toHaveProperty(name);
      }
      expect(invokeStatements(plain.home)).toEqual([]);
      expect(plain.home.findResources('AWS::Logs::MetricFilter')).toEqual({});
      expect(Object.keys(plain.home.toJSON().Outputs)).not.toContain('VerifierRegions');
    },
    SYNTH_TIMEOUT_MS,
  );
});

describe('with verifierRegions us-west-2, eu-west-1 (home us-east-1)', () => {
  let run: ReturnType<typeof synthMonitorApp>;

  beforeAll(() => {
    run = synthMonitorApp(outdirs, {
      config: { ...CONTACTS, checkerReservation: 'off', verifierRegions: REGIONS },
      environment: HOME,
    });
  }, SYNTH_TIMEOUT_MS);

  it('adds one verifier stack a region, named after the home stack, pinned to its region; the home stack deploys after them', () => {
    // Assess
    const names = REGIONS.map((region) => `uptime-squirrel-verifier-${region}`);
    expect(run.stacks.verifiers.map((stack) => stack.stackName)).toEqual(names);
    expect(run.stacks.verifiers.map((stack) => stack.environment)).toEqual([
      'aws://111122223333/us-west-2',
      'aws://111122223333/eu-west-1',
    ]);
    expect(run.stacks.home.environment).toBe('aws://111122223333/us-east-1');
    const home = run.assembly.getStackByName('uptime-squirrel');
    expect(home.dependencies.map((artifact) => artifact.id)).toEqual(expect.arrayContaining(names));
  });

  it('gives each verifier the same fixed name, the functions runtime, a timeout above the longest site timeout, modest memory, its region as location', () => {
    for (const [index, template] of run.verifiers.entries()) {
      // Prepare
      const fn = onlyResource(template, 'AWS::Lambda::Function').properties;

      // Assess
      expect(fn).toMatchObject({
        FunctionName: 'uptime-squirrel-verifier',
        Runtime: MONITOR_RUNTIME_NAME,
        Architectures: ['arm64'],
        MemorySize: 256,
        Environment: { Variables: { [ENV.verifierLocation]: REGIONS[index] } },
      });
      expect(fn.Timeout as number).toBeGreaterThanOrEqual(SITE_LIMITS.timeoutMs.max / 1000 + 10);
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    }
  });

  it('lets the verifier write its own logs and nothing else', () => {
    for (const template of run.verifiers) {
      // Assess
      const actions = statementsOf(template).flatMap(actionsOf);
      expect(new Set(actions)).toEqual(new Set(['logs:CreateLogStream', 'logs:PutLogEvents']));
    }
  });

  it("alarms on the verifier's errors and throttles through a topic of its region, subscribed by the alert email only", () => {
    for (const template of run.verifiers) {
      // Prepare
      const topic = onlyResource(template, 'AWS::SNS::Topic').logicalId;
      const fn = onlyResource(template, 'AWS::Lambda::Function').logicalId;
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
        (alarm) => alarm.Properties,
      );

      // Assess
      expect(alarms.map((alarm) => alarm.MetricName).sort()).toEqual(['Errors', 'Throttles']);
      for (const alarm of alarms) {
        expect(alarm).toMatchObject({
          Namespace: 'AWS/Lambda',
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn } }],
          Threshold: 1,
          EvaluationPeriods: 1,
          TreatMissingData: 'notBreaching',
          AlarmActions: [{ Ref: topic }],
          OKActions: [{ Ref: topic }],
        });
      }
      const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription')).map(
        (subscription) => subscription.Properties,
      );
      expect(subscriptions).toEqual([
        { Protocol: 'email', Endpoint: CONTACTS.alertEmail, TopicArn: { Ref: topic } },
      ]);
      // CloudWatch may publish these two alarms to the topic, over TLS only.
      const policy = onlyResource(template, 'AWS::SNS::TopicPolicy').properties;
      const statements = (policy.PolicyDocument as { Statement: { Sid?: string; Condition: unknown }[] })
        .Statement;
      const allow = statements.find((statement) => statement.Sid === 'AllowStackAlarmsToPublish');
      expect(allow?.Condition).toMatchObject({
        ArnEquals: { 'aws:SourceArn': expect.arrayContaining([expect.anything(), expect.anything()]) },
      });
    }
  });

  it("tells the checker the regions, the verifiers' name and its own location", () => {
    // Assess
    const variables = (findChecker(run.home).properties.Environment as { Variables: object }).Variables;
    expect(variables).toMatchObject({
      [ENV.verifierRegions]: 'us-west-2,eu-west-1',
      [ENV.verifierFunctionName]: 'uptime-squirrel-verifier',
      [ENV.homeLocation]: 'us-east-1',
    });
  });

  it('lets the checker invoke exactly the verifier function of each configured region, and nothing else may invoke', () => {
    // Assess
    const statements = invokeStatements(run.home);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Effect: 'Allow', Action: 'lambda:InvokeFunction' });
    const arns = ((statements[0]?.Resource ?? []) as unknown[]).map((arn) => JSON.stringify(arn));
    // The partition stays the home stack's own (a token here; cdk.json's enablePartitionLiterals makes it "aws").
    expect(arns.sort()).toEqual(
      REGIONS.map((region) =>
        JSON.stringify({
          'Fn::Join': [
            '',
            ['arn:', PARTITION, `:lambda:${region}:111122223333:function:uptime-squirrel-verifier`],
          ],
        }),
      ).sort(),
    );
    // The statement sits in the checker's policy: its role is the checker's.
    const checkerRole = (findChecker(run.home).properties.Role as { 'Fn::GetAtt': string[] })[
      'Fn::GetAtt'
    ][0];
    const withInvoke = Object.values(run.home.findResources('AWS::IAM::Policy')).filter((policy) =>
      (policy.Properties.PolicyDocument.Statement as Statement[]).some((statement) =>
        actionsOf(statement).includes('lambda:InvokeFunction'),
      ),
    );
    expect(withInvoke.map((policy) => policy.Properties.Roles)).toEqual([[{ Ref: checkerRole }]]);
  });

  it('builds the ARNs from the account token when the CDK does not know the account', () => {
    // Act
    const { home } = synthMonitorApp(outdirs, {
      config: { ...NO_CONTACT_CONFIG, checkerReservation: 'off', verifierRegions: ['us-west-2'] },
      environment: { CDK_DEFAULT_REGION: 'us-east-1' },
    });

    // Assess
    expect(invokeStatements(home)[0]?.Resource).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:',
          PARTITION,
          ':lambda:us-west-2:',
          { Ref: 'AWS::AccountId' },
          ':function:uptime-squirrel-verifier',
        ],
      ],
    });
  });

  it('alarms through the alerts topic on the checker log line "verifier did not answer"', () => {
    // Prepare
    const checkerLogGroup = (findChecker(run.home).properties.LoggingConfig as { LogGroup: { Ref: string } })
      .LogGroup.Ref;
    const alertsTopic = onlyResource(run.home, 'AWS::SNS::Topic').logicalId;

    // Assess
    expect(onlyResource(run.home, 'AWS::Logs::MetricFilter').properties).toEqual({
      LogGroupName: { Ref: checkerLogGroup },
      FilterPattern: `{ ($.level = "WARN") && ($.message = "${VERIFIER_NO_ANSWER_MESSAGE}") }`,
      MetricTransformations: [
        {
          MetricNamespace: VERIFIER_NO_ANSWER_METRIC.namespace,
          MetricName: VERIFIER_NO_ANSWER_METRIC.metricName,
          MetricValue: '1',
        },
      ],
    });
    const alarm = onlyResource(run.home, 'AWS::CloudWatch::Alarm', {
      MetricName: VERIFIER_NO_ANSWER_METRIC.metricName,
    }).properties;
    expect(alarm).toMatchObject({
      Namespace: VERIFIER_NO_ANSWER_METRIC.namespace,
      Statistic: 'Sum',
      Threshold: 1,
      AlarmActions: [{ Ref: alertsTopic }],
      OKActions: [{ Ref: alertsTopic }],
    });
  });

  it('outputs the regions and the function name, nothing secret', () => {
    // Assess
    const outputs = run.home.toJSON().Outputs;
    expect(outputs.VerifierRegions.Value).toBe('us-west-2,eu-west-1');
    expect(outputs.VerifierFunctionName.Value).toBe('uptime-squirrel-verifier');
    for (const template of run.verifiers) {
      expect(JSON.stringify(template.toJSON().Outputs)).not.toContain(CONTACTS.alertEmail);
    }
  });

  it('subscribes the phone in the verifier regions only when there is no email', () => {
    // Act
    const { verifiers } = synthMonitorApp(outdirs, {
      config: { alertPhone: CONTACTS.alertPhone, checkerReservation: 'off', verifierRegions: ['us-west-2'] },
      environment: HOME,
    });

    // Assess
    expect(
      Object.values(verifiers[0]?.findResources('AWS::SNS::Subscription') ?? {}).map(
        (subscription) => subscription.Properties.Protocol,
      ),
    ).toEqual(['sms']);
  });

  it(
    'passes cdk-nag on every stack',
    () => {
      // Act
      const { assembly } = synthMonitorApp(outdirs, {
        config: { ...CONTACTS, verifierRegions: REGIONS },
        environment: HOME,
        nag: true,
      });

      // Assess
      const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8')) as {
        pluginReports: { violations: unknown[] }[];
      };
      expect(report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
      expect(assembly.stacks).toHaveLength(3);
    },
    SYNTH_TIMEOUT_MS,
  );
});

describe('verifierRegions validation', () => {
  const synthWith =
    (verifierRegions: unknown, environment: object = HOME, context = {}) =>
    () =>
      synthMonitorApp(outdirs, {
        config: { ...NO_CONTACT_CONFIG, checkerReservation: 'off', verifierRegions },
        environment,
        context,
      });

  it('takes -c verifierRegions=us-west-2,eu-west-1 as the list, in order', () => {
    // Act
    const { settings } = synthMonitorApp(outdirs, {
      config: { ...NO_CONTACT_CONFIG, checkerReservation: 'off' },
      context: { verifierRegions: 'eu-west-1, us-west-2' },
      environment: HOME,
    });

    // Assess
    expect(settings.config.verifierRegions).toEqual(['eu-west-1', 'us-west-2']);
    expect(settings.homeEnvironment).toEqual({ region: 'us-east-1', account: '111122223333' });
  });

  it('refuses the home region among them', () => {
    expect(synthWith(['us-west-2', 'us-east-1'])).toThrow(
      /verifierRegions: us-east-1 is the home region \(the stack deploys there\)/,
    );
  });

  it('refuses verifiers when the home region is unknown, saying how to name it', () => {
    expect(synthWith(['us-west-2'], {})).toThrow(
      /verifierRegions \(us-west-2\) needs the home region, and the CDK found none: export AWS_REGION=/,
    );
  });

  it('refuses a region twice, more than four, and names that are not regions', () => {
    expect(synthWith('us-west-2,us-west-2')).toThrow(/must name each region once, got us-west-2 twice/);
    expect(synthWith(['us-west-2', 'eu-west-1', 'eu-west-2', 'ap-south-1', 'sa-east-1'])).toThrow(
      /verifierRegions: must be at most 4 regions \(2 are recommended\), got 5/,
    );
    expect(synthWith(['uswest2'])).toThrow(/verifierRegions.0: must be an AWS region name like us-west-2/);
    expect(synthWith(2)).toThrow(/verifierRegions: must be a list of at most 4 distinct AWS regions/);
  });

  it('refuses a region of another partition than home', () => {
    expect(synthWith(['cn-north-1'])).toThrow(/cn-north-1 is not in the home region us-east-1's partition/);
  });

  it('warns about a region name aws-cdk-lib does not know, and still synthesizes', () => {
    // Act
    const { settings } = synthWith(['us-west-9'])();

    // Assess
    expect(settings.warnings).toContain(
      'verifierRegions: us-west-9 is not a region this aws-cdk-lib knows: check the spelling (a new region needs `npm update aws-cdk-lib`).',
    );
  });
});

describe('verifier names', () => {
  it('are the stack name plus -verifier (and the region), cut with a hash where Lambda and CloudFormation limits end', () => {
    // Prepare
    const long = `a${'b'.repeat(127)}`;
    const longToo = `a${'b'.repeat(126)}c`;

    // Assess
    expect(verifierFunctionNameOf('uptime-squirrel')).toBe('uptime-squirrel-verifier');
    expect(verifierStackNameOf('uptime-squirrel', 'eu-west-1')).toBe('uptime-squirrel-verifier-eu-west-1');
    expect(verifierFunctionNameOf(long)).toHaveLength(64);
    expect(verifierFunctionNameOf(long)).toMatch(/^ab+-[0-9a-f]{8}-verifier$/);
    expect(verifierFunctionNameOf(long)).not.toBe(verifierFunctionNameOf(longToo));
    expect(verifierStackNameOf(long, 'ap-southeast-2').length).toBeLessThanOrEqual(128);
    expect(verifierStackNameOf(long, 'ap-southeast-2')).toMatch(/-verifier-ap-southeast-2$/);
  });
});
