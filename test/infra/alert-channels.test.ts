import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config.ts';
import {
  channelSecretsPrefixOf,
  DELIVERY_MAX_RECEIVE_COUNT,
  DELIVERY_VISIBILITY_FACTOR,
} from '../../infra/alert-channels.ts';
import { OutdirPool, onlyResource, SYNTH_TIMEOUT_MS, synthStack } from './synth-stack.ts';

const outdirs = new OutdirPool();
afterAll(() => outdirs.removeAll());

const STACK_NAME = 'UptimeSquirrelTest';
const ref = (logicalId: string) => ({ Ref: logicalId });
const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

// Each resource is told apart by what only it has.
const findChannelsTable = (template: Template) =>
  onlyResource(template, 'AWS::DynamoDB::Table', {
    KeySchema: Match.arrayWith([{ AttributeName: 'owner', KeyType: 'HASH' }]),
  });
const findTopic = (template: Template) => onlyResource(template, 'AWS::SNS::Topic');
const findDispatcher = (template: Template) =>
  onlyResource(template, 'AWS::Lambda::Function', {
    Environment: {
      Variables: Match.objectLike({
        [ENV.channelsTable]: Match.anyValue(),
        [ENV.deliveryDeadLetterQueueUrl]: Match.absent(),
      }),
    },
  });
const findDeliverer = (template: Template) =>
  onlyResource(template, 'AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ [ENV.deliveryDeadLetterQueueUrl]: Match.anyValue() }) },
  });
const findDeliveryQueue = (template: Template) =>
  onlyResource(template, 'AWS::SQS::Queue', { FifoQueue: true, RedrivePolicy: Match.anyValue() });
const findDeliveryDeadLetterQueue = (template: Template) =>
  onlyResource(template, 'AWS::SQS::Queue', { FifoQueue: true, RedrivePolicy: Match.absent() });
/** The standard queue the alerts topic delivers to. */
const findDispatchQueue = (template: Template) => {
  const subscription = onlyResource(template, 'AWS::SNS::Subscription', { Protocol: 'sqs' });
  const [logicalId] = (subscription.properties.Endpoint as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
  return {
    logicalId,
    properties: template.toJSON().Resources[logicalId].Properties as Record<string, unknown>,
  };
};
const findDispatchDeadLetterQueue = (template: Template) => {
  const redrive = findDispatchQueue(template).properties.RedrivePolicy as {
    deadLetterTargetArn: { 'Fn::GetAtt': [string, string] };
  };
  const [logicalId] = redrive.deadLetterTargetArn['Fn::GetAtt'];
  return {
    logicalId,
    properties: template.toJSON().Resources[logicalId].Properties as Record<string, unknown>,
  };
};

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
/** The statements of the one policy attached to the function's role (MonitorFunction gives each its own). */
const statementsOf = (template: Template, fn: { properties: Record<string, unknown> }): Statement[] => {
  const role = (fn.properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const policy = onlyResource(template, 'AWS::IAM::Policy', { Roles: [ref(role)] });
  return (policy.properties.PolicyDocument as { Statement: Statement[] }).Statement;
};
const asList = (action: string | string[]) => (Array.isArray(action) ? action : [action]);
/** Every action the role may take, one [action, resource] pair per resource it may take it on. */
const grantsOf = (template: Template, fn: { properties: Record<string, unknown> }) =>
  statementsOf(template, fn).flatMap((statement) => {
    expect(statement.Effect).toBe('Allow');
    expect(statement.Condition).toBeUndefined();
    const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    return asList(statement.Action).flatMap((action) =>
      resources.map((resource) => [action, resource] as const),
    );
  });

const CONSUMER_ACTIONS = [
  'sqs:ChangeMessageVisibility',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
  'sqs:GetQueueUrl',
  'sqs:ReceiveMessage',
];

describe('AlertChannels', () => {
  let template: Template;

  beforeAll(() => {
    template = synthStack(outdirs, {
      config: { allowNoAlertContact: true, checkerReservation: 'off' },
    }).template;
  }, SYNTH_TIMEOUT_MS);

  describe('channels table', () => {
    it('is keyed by owner and channelId, on demand, with point-in-time recovery', () => {
      // Assess
      expect(findChannelsTable(template).properties).toMatchObject({
        KeySchema: [
          { AttributeName: 'owner', KeyType: 'HASH' },
          { AttributeName: 'channelId', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'owner', AttributeType: 'S' },
          { AttributeName: 'channelId', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      });
    });

    it('is kept like the sites table when the stack is deleted or the table replaced', () => {
      // Prepare
      const { logicalId } = findChannelsTable(template);

      // Assess
      expect(template.toJSON().Resources[logicalId]).toMatchObject({
        DeletionPolicy: 'RetainExceptOnCreate',
        UpdateReplacePolicy: 'Retain',
      });
    });
  });

  describe('alert-dispatch queue', () => {
    it('is subscribed to the alerts topic with every alert: no filter, raw delivery off', () => {
      // Prepare
      const subscription = onlyResource(template, 'AWS::SNS::Subscription', { Protocol: 'sqs' });

      // Assess
      expect(subscription.properties).toEqual({
        Protocol: 'sqs',
        TopicArn: ref(findTopic(template).logicalId),
        Endpoint: arnOf(findDispatchQueue(template).logicalId),
        RawMessageDelivery: false,
      });
    });

    it('lets only the alerts topic send to it, and only over TLS', () => {
      // Prepare
      const queue = findDispatchQueue(template);
      const policy = onlyResource(template, 'AWS::SQS::QueuePolicy', { Queues: [ref(queue.logicalId)] });
      const statements = (policy.properties.PolicyDocument as { Statement: Statement[] }).Statement;

      // Assess
      expect(statements).toEqual([
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'sns.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: arnOf(queue.logicalId),
          Condition: { ArnEquals: { 'aws:SourceArn': ref(findTopic(template).logicalId) } },
        }),
      ]);
    });

    it('is SQS-encrypted, standard, and sends a record that fails 5 times to its dead-letter queue', () => {
      // Prepare
      const queue = findDispatchQueue(template);
      const deadLetters = findDispatchDeadLetterQueue(template);

      // Assess
      expect(queue.properties).toMatchObject({
        SqsManagedSseEnabled: true,
        RedrivePolicy: { deadLetterTargetArn: arnOf(deadLetters.logicalId), maxReceiveCount: 5 },
      });
      expect(queue.properties.FifoQueue).toBeUndefined();
      expect(deadLetters.properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1_209_600,
      });
    });

    it('hides a received message for 6 times the dispatcher timeout', () => {
      // Assess
      expect(findDispatchQueue(template).properties.VisibilityTimeout).toBe(
        6 * Number(findDispatcher(template).properties.Timeout),
      );
    });
  });

  describe('channel-deliveries FIFO queue', () => {
    it('takes the deduplication ids the dispatcher sets, SQS-encrypted', () => {
      // Assess
      expect(findDeliveryQueue(template).properties).toMatchObject({
        FifoQueue: true,
        ContentBasedDeduplication: false,
        SqsManagedSseEnabled: true,
      });
    });

    it(`parks a message received ${DELIVERY_MAX_RECEIVE_COUNT} times in a FIFO dead-letter queue kept 14 days`, () => {
      // Prepare
      const deadLetters = findDeliveryDeadLetterQueue(template);

      // Assess
      expect(findDeliveryQueue(template).properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: arnOf(deadLetters.logicalId),
        maxReceiveCount: 50,
      });
      expect(deadLetters.properties).toMatchObject({
        FifoQueue: true,
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1_209_600,
      });
    });

    it('hides a received batch for at least twice the deliverer timeout', () => {
      // Prepare
      const timeoutSeconds = Number(findDeliverer(template).properties.Timeout);

      // Assess
      expect(DELIVERY_VISIBILITY_FACTOR).toBeGreaterThanOrEqual(2);
      expect(findDeliveryQueue(template).properties.VisibilityTimeout).toBe(
        DELIVERY_VISIBILITY_FACTOR * timeoutSeconds,
      );
    });

    it.each([
      ['delivery queue', findDeliveryQueue],
      ['delivery dead-letter queue', findDeliveryDeadLetterQueue],
      ['dispatch dead-letter queue', findDispatchDeadLetterQueue],
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
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Resource: arnOf(queue.logicalId),
            }),
          ]),
        },
      });
    });
  });

  describe('functions', () => {
    it.each([
      ['dispatcher', findDispatcher, 10],
      ['deliverer', findDeliverer, 60],
    ])('runs the %s on arm64 with Node 22+, 256 MB and a %i s timeout', (_name, find, timeoutSeconds) => {
      // Assess
      expect(find(template).properties).toMatchObject({
        Architectures: ['arm64'],
        Runtime: expect.stringMatching(/^nodejs(2[2-9]|[3-9]\d)\.x$/),
        Handler: 'index.handler',
        MemorySize: 256,
        Timeout: timeoutSeconds,
      });
    });

    it('gives the dispatcher the channels table and the deliveries queue, nothing else', () => {
      // Assess
      expect(findDispatcher(template).properties.Environment).toEqual({
        Variables: {
          [ENV.channelsTable]: ref(findChannelsTable(template).logicalId),
          [ENV.deliveryQueueUrl]: ref(findDeliveryQueue(template).logicalId),
          NODE_OPTIONS: '--enable-source-maps',
        },
      });
    });

    it("gives the deliverer the table, both delivery queues, this stack's secrets prefix and the topic; no private targets, no DNS servers", () => {
      // Assess
      expect(findDeliverer(template).properties.Environment).toEqual({
        Variables: {
          [ENV.channelsTable]: ref(findChannelsTable(template).logicalId),
          [ENV.deliveryQueueUrl]: ref(findDeliveryQueue(template).logicalId),
          [ENV.deliveryDeadLetterQueueUrl]: ref(findDeliveryDeadLetterQueue(template).logicalId),
          [ENV.channelSecretsPrefix]: `/uptime-squirrel/${STACK_NAME}/channels`,
          [ENV.topicArn]: ref(findTopic(template).logicalId),
          NODE_OPTIONS: '--enable-source-maps',
        },
      });
    });

    it.each([
      ['dispatcher', findDispatcher, findDispatchQueue],
      ['deliverer', findDeliverer, findDeliveryQueue],
    ])('feeds the %s batches of 10 and lets it report failed items', (_name, findFunction, findQueue) => {
      // Assess
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: arnOf(findQueue(template).logicalId),
        FunctionName: ref(findFunction(template).logicalId),
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });
  });

  describe('least privilege', () => {
    it('lets the dispatcher Query the channels table, send deliveries, consume the dispatch queue and log, nothing else', () => {
      // Prepare
      const dispatcher = findDispatcher(template);
      const logGroup = (dispatcher.properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;

      // Assess
      expect(grantsOf(template, dispatcher)).toEqual(
        expect.arrayContaining([
          ['dynamodb:Query', arnOf(findChannelsTable(template).logicalId)],
          ['sqs:SendMessage', arnOf(findDeliveryQueue(template).logicalId)],
          ...CONSUMER_ACTIONS.map((action) => [action, arnOf(findDispatchQueue(template).logicalId)]),
          ['logs:CreateLogStream', arnOf(logGroup)],
          ['logs:PutLogEvents', arnOf(logGroup)],
        ]),
      );
      expect(grantsOf(template, dispatcher)).toHaveLength(4 + CONSUMER_ACTIONS.length);
    });

    it("lets the deliverer read and mark channels, read this stack's channel parameters, publish notices, park deliveries, consume its queue and log, nothing else", () => {
      // Prepare
      const deliverer = findDeliverer(template);
      const logGroup = (deliverer.properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      const table = arnOf(findChannelsTable(template).logicalId);

      // Assess
      const grants = grantsOf(template, deliverer);
      expect(grants).toEqual(
        expect.arrayContaining([
          ['dynamodb:GetItem', table],
          ['dynamodb:UpdateItem', table],
          [
            'ssm:GetParameter',
            {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  ref('AWS::Partition'),
                  ':ssm:',
                  ref('AWS::Region'),
                  ':',
                  ref('AWS::AccountId'),
                  `:parameter/uptime-squirrel/${STACK_NAME}/channels/*`,
                ],
              ],
            },
          ],
          ['sns:Publish', ref(findTopic(template).logicalId)],
          ['sqs:SendMessage', arnOf(findDeliveryDeadLetterQueue(template).logicalId)],
          ...CONSUMER_ACTIONS.map((action) => [action, arnOf(findDeliveryQueue(template).logicalId)]),
          ['logs:CreateLogStream', arnOf(logGroup)],
          ['logs:PutLogEvents', arnOf(logGroup)],
        ]),
      );
      expect(grants).toHaveLength(7 + CONSUMER_ACTIONS.length);
      // aws/ssm decrypts for every principal of the account: no KMS grant, no other secret store.
      expect(grants.some(([action]) => /^(kms|secretsmanager):/.test(action))).toBe(false);
    });

    it('lets no other function read channels, their secrets or the delivery queues', () => {
      // Prepare
      const channelResources = [
        findChannelsTable(template),
        findDeliveryQueue(template),
        findDeliveryDeadLetterQueue(template),
      ].map((resource) => JSON.stringify(arnOf(resource.logicalId)));
      const others = Object.entries(template.findResources('AWS::Lambda::Function')).filter(
        ([logicalId]) =>
          logicalId !== findDispatcher(template).logicalId && logicalId !== findDeliverer(template).logicalId,
      );

      // Assess
      expect(others.length).toBeGreaterThanOrEqual(3);
      for (const [, fn] of others) {
        const text = JSON.stringify(statementsOf(template, { properties: fn.Properties }));
        expect(text).not.toContain('ssm:GetParameter');
        for (const resource of channelResources) expect(text).not.toContain(resource);
      }
    });
  });

  describe('alarms', () => {
    const alarmOn = (metricName: string, dimension: unknown) =>
      onlyResource(template, 'AWS::CloudWatch::Alarm', {
        MetricName: metricName,
        Dimensions: [Match.objectLike({ Value: dimension })],
      }).properties;

    it.each([
      ['dispatch', findDispatchDeadLetterQueue],
      ['delivery', findDeliveryDeadLetterQueue],
    ])(
      'raises the alarm on the first message in the %s dead-letter queue, and says when it clears',
      (_name, find) => {
        // Prepare
        const topic = ref(findTopic(template).logicalId);

        // Assess
        expect(
          alarmOn('ApproximateNumberOfMessagesVisible', {
            'Fn::GetAtt': [find(template).logicalId, 'QueueName'],
          }),
        ).toMatchObject({
          Namespace: 'AWS/SQS',
          Statistic: 'Maximum',
          Period: 300,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          EvaluationPeriods: 1,
          DatapointsToAlarm: 1,
          TreatMissingData: 'notBreaching',
          AlarmActions: [topic],
          OKActions: [topic],
        });
      },
    );

    it('raises the alarm when the deliverer fails in 2 of 3 five-minute periods', () => {
      // Prepare
      const topic = ref(findTopic(template).logicalId);

      // Assess
      expect(alarmOn('Errors', ref(findDeliverer(template).logicalId))).toMatchObject({
        Namespace: 'AWS/Lambda',
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        TreatMissingData: 'notBreaching',
        AlarmActions: [topic],
        OKActions: [topic],
      });
    });
  });

  describe('outputs', () => {
    it("names the channels table, this stack's secrets prefix and the parked deliveries' queue, and no secret", () => {
      // Assess
      const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
      expect(outputs.ChannelsTableName?.Value).toEqual(ref(findChannelsTable(template).logicalId));
      expect(outputs.ChannelSecretsPrefix?.Value).toBe(channelSecretsPrefixOf(STACK_NAME));
      expect(outputs.DeliveryDeadLetterQueueUrl?.Value).toEqual(
        ref(findDeliveryDeadLetterQueue(template).logicalId),
      );
      // The queue the topic delivers to, so that `squirrel subscriptions list` can name that subscription
      const [subscription] = Object.values(template.findResources('AWS::SNS::Subscription')).filter(
        (resource) => (resource.Properties as { Protocol?: string }).Protocol === 'sqs',
      );
      expect(outputs.DispatchQueueArn?.Value).toEqual(
        (subscription?.Properties as { Endpoint?: unknown } | undefined)?.Endpoint,
      );
    });

    it('puts each stack under its own secrets prefix', { timeout: SYNTH_TIMEOUT_MS }, () => {
      // Act
      const other = synthStack(outdirs, { props: { stackName: 'squirrel-two' } });

      // Assess
      const outputs = other.template.toJSON().Outputs as Record<string, { Value: unknown }>;
      expect(outputs.ChannelSecretsPrefix?.Value).toBe('/uptime-squirrel/squirrel-two/channels');
    });
  });
});
