import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STATUS_PAGE_TITLE, ENV } from '../../functions/config.ts';
import { SITE_LIMITS } from '../../functions/domain/site.ts';
import {
  findSitesTable,
  NO_CONTACT_CONFIG,
  OutdirPool,
  onlyResource,
  SYNTH_TIMEOUT_MS,
  synthStack,
} from './synth-stack.ts';

const outdirs = new OutdirPool();
afterAll(() => outdirs.removeAll());

const ref = (logicalId: string) => ({ Ref: logicalId });
const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

// Lambdas are told apart by the variables only one of them gets.
const findFanOut = (template: Template) =>
  onlyResource(template, 'AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ [ENV.scanSegments]: Match.anyValue() }) },
  });
const findChecker = (template: Template) =>
  onlyResource(template, 'AWS::Lambda::Function', {
    // The deliverer has TOPIC_ARN too: CHECK_CONCURRENCY is the checker's alone.
    Environment: { Variables: Match.objectLike({ [ENV.checkConcurrency]: Match.anyValue() }) },
  });
const findCompactor = (template: Template) =>
  onlyResource(template, 'AWS::Lambda::Function', {
    Environment: {
      Variables: Match.objectLike({ [ENV.historyBucket]: Match.anyValue(), [ENV.queueUrl]: Match.absent() }),
    },
  });
const findHistoryBucket = (template: Template) => onlyResource(template, 'AWS::S3::Bucket');
const findTable = findSitesTable;
const findTopic = (template: Template) => onlyResource(template, 'AWS::SNS::Topic');
type Found = { logicalId: string; properties: Record<string, unknown> };
const resourceOf = (template: Template, logicalId: string): Found => ({
  logicalId,
  properties: template.toJSON().Resources[logicalId].Properties,
});
// The checks queue is the one the fan-out sends to (the alert channels have queues of their own).
const findQueue = (template: Template): Found => {
  const variables = (
    findFanOut(template).properties.Environment as { Variables: Record<string, { Ref: string }> }
  ).Variables;
  return resourceOf(template, (variables[ENV.queueUrl] as { Ref: string }).Ref);
};
const findDeadLetterQueue = (template: Template): Found => {
  const redrive = findQueue(template).properties.RedrivePolicy as {
    deadLetterTargetArn: { 'Fn::GetAtt': string[] };
  };
  return resourceOf(template, redrive.deadLetterTargetArn['Fn::GetAtt'][0] as string);
};

describe('UptimeSquirrelStack', () => {
  let template: Template;

  beforeAll(() => {
    // Without the reservation's custom resource and its function: checker-reservation.test.ts covers those.
    template = synthStack(outdirs, { config: { ...NO_CONTACT_CONFIG, checkerReservation: 'off' } }).template;
  }, SYNTH_TIMEOUT_MS);

  describe('sites table', () => {
    it('is keyed by siteId, on demand, with point-in-time recovery', () => {
      // Assess
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [{ AttributeName: 'siteId', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'siteId', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
    });

    it('is retained when the stack is deleted or the table replaced, not when its first create rolls back', () => {
      // Assess
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'RetainExceptOnCreate',
        UpdateReplacePolicy: 'Retain',
      });
    });

    it('is protected against deletion by anyone until that is turned off', () => {
      // Assess
      expect(findTable(template).properties.DeletionProtectionEnabled).toBe(true);
    });
  });

  describe('checks queue', () => {
    it('has a queue and its dead-letter queue, both SQS-encrypted (alert-channels.test.ts covers the other four)', () => {
      // Assess
      template.resourceCountIs('AWS::SQS::Queue', 6);
      expect(findDeadLetterQueue(template).logicalId).not.toBe(findQueue(template).logicalId);
      expect(findQueue(template).properties).toMatchObject({ SqsManagedSseEnabled: true });
      expect(findDeadLetterQueue(template).properties).toMatchObject({ SqsManagedSseEnabled: true });
    });

    it('sends a message to the dead-letter queue after 5 receives', () => {
      // Prepare
      const deadLetterQueue = findDeadLetterQueue(template);

      // Assess
      expect(findQueue(template).properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: arnOf(deadLetterQueue.logicalId),
        maxReceiveCount: 5,
      });
    });

    it('keeps dead letters for 14 days', () => {
      // Assess
      expect(findDeadLetterQueue(template).properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    });

    it('hides a received message for at least 6 times the checker timeout', () => {
      // Prepare
      const visibilitySeconds = Number(findQueue(template).properties.VisibilityTimeout);
      const checkerTimeoutSeconds = Number(findChecker(template).properties.Timeout);

      // Assess
      expect(checkerTimeoutSeconds).toBe(60);
      expect(visibilitySeconds).toBeGreaterThanOrEqual(6 * checkerTimeoutSeconds);
    });

    it.each([
      ['queue', findQueue],
      ['dead-letter queue', findDeadLetterQueue],
    ])('denies every request to the %s that does not use TLS', (_name, find) => {
      // Prepare
      const queue = find(template);

      // Assess
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(queue.logicalId)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Resource: arnOf(queue.logicalId),
            }),
          ]),
        },
      });
    });
  });

  describe('alerts topic', () => {
    it('denies publishing without TLS', () => {
      // Prepare
      const topic = findTopic(template);

      // Assess
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [ref(topic.logicalId)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Principal: '*',
              Action: 'sns:Publish',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it("lets CloudWatch publish only this stack's alarms, from this account", () => {
      // Prepare
      const alarmArns = Object.keys(template.findResources('AWS::CloudWatch::Alarm')).map(arnOf);
      const policy = onlyResource(template, 'AWS::SNS::TopicPolicy');
      const statements = (policy.properties.PolicyDocument as { Statement: Record<string, unknown>[] })
        .Statement;
      const fromCloudWatch = statements.filter((statement) => statement.Effect === 'Allow');

      // Assess
      expect(fromCloudWatch).toHaveLength(1);
      const [statement] = fromCloudWatch as [Record<string, unknown>];
      expect(statement).toMatchObject({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: ref(findTopic(template).logicalId),
        Condition: {
          StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') },
          ArnEquals: { 'aws:SourceArn': expect.arrayContaining(alarmArns) },
        },
      });
      expect(
        (statement.Condition as { ArnEquals: { 'aws:SourceArn': unknown[] } }).ArnEquals['aws:SourceArn'],
      ).toHaveLength(alarmArns.length);
    });

    it("has no subscription but the alert channels' queue without alertEmail and alertPhone context", () => {
      // Assess
      template.resourceCountIs('AWS::SNS::Subscription', 1);
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sqs' });
    });

    it('subscribes alertEmail and alertPhone from context to everything (no filter policy)', () => {
      // Prepare
      const withContext = synthStack(outdirs, {
        context: { alertEmail: 'ops@example.com', alertPhone: '+15555550100' },
      });
      const topic = findTopic(withContext.template);

      // Assess
      // Plus the alert channels' dispatch queue (alert-channels.test.ts).
      withContext.template.resourceCountIs('AWS::SNS::Subscription', 3);
      for (const [protocol, endpoint] of [
        ['email', 'ops@example.com'],
        ['sms', '+15555550100'],
      ]) {
        withContext.template.hasResourceProperties('AWS::SNS::Subscription', {
          Protocol: protocol,
          Endpoint: endpoint,
          TopicArn: ref(topic.logicalId),
          FilterPolicy: Match.absent(),
          FilterPolicyScope: Match.absent(),
        });
      }
    });
  });

  describe('functions', () => {
    it.each([
      ['fan-out', findFanOut, 512, 50],
      ['checker', findChecker, 512, 60],
    ])(
      'runs the %s on arm64 with Node 22+, %i MB and a %i s timeout',
      (_name, find, memoryMiB, timeoutSeconds) => {
        // Assess
        expect(find(template).properties).toMatchObject({
          Architectures: ['arm64'],
          Runtime: expect.stringMatching(/^nodejs(2[2-9]|[3-9]\d)\.x$/),
          Handler: 'index.handler',
          MemorySize: memoryMiB,
          Timeout: timeoutSeconds,
        });
      },
    );

    it('gives the fan-out the table, the queue and its batching settings', () => {
      // Assess
      expect(findFanOut(template).properties.Environment).toEqual({
        Variables: {
          [ENV.tableName]: ref(findTable(template).logicalId),
          [ENV.queueUrl]: ref(findQueue(template).logicalId),
          [ENV.scanSegments]: '4',
          [ENV.checksPerMessage]: '80',
          [ENV.historyBucket]: ref(findHistoryBucket(template).logicalId),
          [ENV.publicOwners]: '',
          [ENV.statusPageTitle]: DEFAULT_STATUS_PAGE_TITLE,
          NODE_OPTIONS: '--enable-source-maps',
        },
      });
    });

    it('gives the checker the table, the queue (for re-checks), the topic and its concurrency', () => {
      // Assess
      expect(findChecker(template).properties.Environment).toEqual({
        Variables: {
          [ENV.tableName]: ref(findTable(template).logicalId),
          [ENV.queueUrl]: ref(findQueue(template).logicalId),
          [ENV.topicArn]: ref(findTopic(template).logicalId),
          [ENV.checkConcurrency]: '30',
          [ENV.historyBucket]: ref(findHistoryBucket(template).logicalId),
        },
      });
    });

    it('never lets a deployed function reach private addresses', () => {
      // Assess
      const functions = Object.values(template.findResources('AWS::Lambda::Function'));
      // Fan-out, checker, compactor, channel dispatcher and deliverer.
      expect(functions).toHaveLength(5);
      for (const fn of functions) {
        expect(fn.Properties.Environment.Variables).not.toHaveProperty(ENV.allowPrivateTargets);
      }
    });

    it('gives the checker time for the longest site timeout, twice (HEAD then GET)', () => {
      // Assess
      const checkerTimeoutMs = Number(findChecker(template).properties.Timeout) * 1000;
      expect(checkerTimeoutMs).toBeGreaterThanOrEqual(2 * SITE_LIMITS.timeoutMs.max);
    });

    it('writes each function to its own log group kept for a month', () => {
      // Assess
      const logGroups = template.findResources('AWS::Logs::LogGroup');
      expect(Object.keys(logGroups)).toHaveLength(5);
      for (const logGroup of Object.values(logGroups)) expect(logGroup.Properties.RetentionInDays).toBe(30);
      const used = Object.entries(template.findResources('AWS::Lambda::Function')).map(([logicalId, fn]) => ({
        logicalId,
        properties: fn.Properties,
      }));
      expect(used.map((fn) => fn.logicalId)).toEqual(
        expect.arrayContaining(
          [findFanOut(template), findChecker(template), findCompactor(template)].map((fn) => fn.logicalId),
        ),
      );
      const usedGroups = used.map(
        (fn) => (fn.properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref,
      );
      expect(new Set(usedGroups)).toEqual(new Set(Object.keys(logGroups)));
    });

    it('gives up on a fan-out invocation that is over 2 minutes old', () => {
      // Assess
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: ref(findFanOut(template).logicalId),
        MaximumEventAgeInSeconds: 120,
        MaximumRetryAttempts: 1,
      });
    });
  });

  describe('schedule', () => {
    it('invokes the fan-out every minute, retrying twice within 2 minutes', () => {
      // Assess
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        Targets: [
          Match.objectLike({
            Arn: arnOf(findFanOut(template).logicalId),
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 120 },
          }),
        ],
      });
    });
  });

  describe('checker event source', () => {
    it('reads batches of 10 from the queue and reports failed items', () => {
      // Assess
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: arnOf(findQueue(template).logicalId),
        FunctionName: ref(findChecker(template).logicalId),
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });

    it.each([
      ['default', {}, 10],
      ['checkerConcurrency context', { checkerConcurrency: '37' }, 37],
    ])('caps the checkers at checkerConcurrency (%s)', (_name, context, expectedConcurrency) => {
      // Prepare
      const { template: subject } = synthStack(outdirs, { context });

      // Assess
      expect(
        onlyResource(subject, 'AWS::Lambda::EventSourceMapping', {
          FunctionName: ref(findChecker(subject).logicalId),
        }).properties.ScalingConfig,
      ).toEqual({
        MaximumConcurrency: expectedConcurrency,
      });
    });
  });

  describe('outputs', () => {
    it('exports what the CLI reads, under the keys it reads them by', () => {
      // Assess
      template.hasOutput('TableName', { Value: ref(findTable(template).logicalId) });
      template.hasOutput('QueueUrl', { Value: ref(findQueue(template).logicalId) });
      template.hasOutput('TopicArn', { Value: ref(findTopic(template).logicalId) });
      template.hasOutput('DeadLetterQueueUrl', { Value: ref(findDeadLetterQueue(template).logicalId) });
    });
  });

  describe('IAM', () => {
    type Statement = { Effect: string; Action: string | string[]; Resource?: unknown; Condition?: unknown };
    const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
    const isWildcardAction = (action: string) => action === '*' || action.endsWith(':*');

    /** Every statement of every policy document in the template, identity and resource policies alike. */
    const allStatements = (subject: Template) =>
      Object.entries(subject.toJSON().Resources as Record<string, { Properties?: unknown }>).flatMap(
        ([logicalId, resource]) => {
          const found: { logicalId: string; statement: Statement }[] = [];
          const visit = (node: unknown): void => {
            if (node === null || typeof node !== 'object') return;
            for (const [key, value] of Object.entries(node)) {
              if (key === 'PolicyDocument' || key === 'AssumeRolePolicyDocument') {
                for (const statement of (value as { Statement: Statement[] }).Statement) {
                  found.push({ logicalId, statement });
                }
              } else {
                visit(value);
              }
            }
          };
          visit(resource.Properties);
          return found;
        },
      );

    const actionsOfRole = (roleLogicalId: string) =>
      Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
        (policy.Properties.Roles as unknown[]).some(
          (role) => JSON.stringify(role) === JSON.stringify(ref(roleLogicalId)),
        )
          ? (policy.Properties.PolicyDocument.Statement as Statement[]).flatMap((s) => asList(s.Action))
          : [],
      );

    const roleOf = (fn: { properties: Record<string, unknown> }) =>
      (fn.properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];

    it('allows no wildcard action and no wildcard resource anywhere', () => {
      // Prepare
      const allows = allStatements(template).filter(({ statement }) => statement.Effect === 'Allow');

      // Assess
      expect(allows.length).toBeGreaterThan(0);
      for (const { logicalId, statement } of allows) {
        const where = `${logicalId}: ${JSON.stringify(statement)}`;
        for (const action of asList(statement.Action)) expect(isWildcardAction(action), where).toBe(false);
        if (statement.Resource !== undefined) {
          for (const resource of asList(statement.Resource)) expect(resource, where).not.toBe('*');
        }
      }
    });

    it('uses wildcards only to deny requests without TLS', () => {
      // Prepare
      const wildcardDenies = allStatements(template).filter(
        ({ statement }) => statement.Effect === 'Deny' && asList(statement.Action).some(isWildcardAction),
      );

      // Assess
      for (const { statement } of wildcardDenies) {
        expect(statement.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
      }
    });

    it('attaches no managed policy to any role', () => {
      // Assess
      for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    });

    it('lets the fan-out scan the table, write and delete lease items, send checks, publish the page and write its logs, nothing else', () => {
      // Assess
      expect(new Set(actionsOfRole(roleOf(findFanOut(template))))).toEqual(
        new Set([
          'dynamodb:Scan',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'sqs:SendMessage',
          's3:GetObject',
          's3:ListBucket',
          's3:PutObject',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
        ]),
      );
    });

    it('lets the checker read and update sites, consume and send checks, publish alerts, write raw history and log, nothing else', () => {
      // Assess
      expect(new Set(actionsOfRole(roleOf(findChecker(template))))).toEqual(
        new Set([
          'dynamodb:GetItem',
          'dynamodb:UpdateItem',
          'sqs:SendMessage',
          'sqs:ReceiveMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sns:Publish',
          's3:PutObject',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
        ]),
      );
    });
  });

  describe('cdk-nag AwsSolutions', () => {
    type ValidationReport = { pluginReports: { pluginName: string; violations: unknown[] }[] };
    const readReport = (directory: string) =>
      JSON.parse(readFileSync(join(directory, 'validation-report.json'), 'utf8')) as ValidationReport;

    it('reports no finding on the stack', () => {
      // Act
      const { assembly } = synthStack(outdirs, {
        context: { alertEmail: 'ops@example.com', alertPhone: '+15555550100' },
        nag: true,
      });

      // Assess
      expect(readReport(assembly.directory).pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
    });

    it('fails synth on a finding, so the test above does not pass vacuously', () => {
      // Prepare
      const app = new App({ outdir: outdirs.create() });
      new Topic(new Stack(app, 'Canary'), 'TopicWithoutTls');
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

      // Act + Assess
      expect(() => app.synth()).toThrow(/AwsSolutions-SNS3/);
    });
  });
});
