import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { handler as CheckerHandler } from '../../functions/checker.ts';
import { packCheckMessages } from '../../functions/domain/check-message.ts';
import { INITIAL_STATE, type SiteState } from '../../functions/domain/site-state.ts';
import { aSite } from '../support/fixtures.ts';
import { startTestSite, type TestSite } from '../support/http-sites.ts';

const context = { getRemainingTimeInMillis: () => 30_000 };
const UP: SiteState = { ...INITIAL_STATE, status: 'UP', version: 7, statusSinceMs: 1_000 };
const PENDING: SiteState = {
  ...INITIAL_STATE,
  status: 'PENDING',
  version: 3,
  consecutiveFailures: 1,
  outage: { sinceMs: Date.now() - 30_000, reason: 'http-5xx', detail: 'HTTP 503' },
  lastCheckId: 'r2',
};

const record = (messageId: string, body: string): SQSRecord =>
  ({ messageId, body, receiptHandle: `rh-${messageId}`, attributes: {}, messageAttributes: {} }) as SQSRecord;

const messageFor = (siteId: string, url: string, state: SiteState, checkId = 'm29000000'): string => {
  const [body] = packCheckMessages([{ checkId, site: aSite({ siteId, url }), state }], { maxTasks: 10 });
  if (!body) throw new Error('nothing packed');
  return body;
};

describe('checker handler', () => {
  let healthy: TestSite;
  let broken: TestSite;
  let handler: typeof CheckerHandler;
  let dynamo: AwsClientStub<DynamoDBDocumentClient>;
  let sns: AwsClientStub<SNSClient>;
  let sqs: AwsClientStub<SQSClient>;

  beforeAll(async () => {
    healthy = await startTestSite(200);
    broken = await startTestSite(503);
    dynamo = mockClient(DynamoDBDocumentClient);
    sns = mockClient(SNSClient);
    sqs = mockClient(SQSClient);
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      TABLE_NAME: 'sites',
      QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/checks',
      TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alerts',
      // The test sites listen on loopback, which production checks refuse.
      ALLOW_PRIVATE_TARGETS: 'true',
    });
    ({ handler } = await import('../../functions/checker.ts'));
  });
  afterEach(() => {
    dynamo.reset();
    sns.reset();
    sqs.reset();
  });
  afterAll(async () => {
    dynamo.restore();
    sns.restore();
    sqs.restore();
    await Promise.all([healthy.close(), broken.close()]);
  });

  it('reports only a malformed message as failed and still runs its neighbours', async () => {
    // Prepare
    dynamo.on(UpdateCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'x' });
    const event: SQSEvent = {
      Records: [
        record('good-up', messageFor('healthy', healthy.url, UP)),
        record(
          'garbage',
          '{"v":1,"tasks":[{"checkId":"m1","site":{"siteId":"x","url":"ftp://nope"},"state":{}}]}',
        ),
        record('not-json', 'hello'),
        record('good-down', messageFor('broken', broken.url, PENDING)),
      ],
    };

    // Act
    const response = await handler(event, context);

    // Assess
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: 'garbage' },
      { itemIdentifier: 'not-json' },
    ]);
    expect(healthy.requests()).toBeGreaterThanOrEqual(1);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.MessageAttributes?.event?.StringValue).toBe(
      'DOWN',
    );
    // The healthy site's check changed nothing, so the only writes are the DOWN commit and the outbox clear.
    const updates = dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(updates).toHaveLength(2);
    expect(updates.every((input) => input.Key?.siteId === 'broken')).toBe(true);
  });

  it('reports the message whose alert SNS refused, and leaves that alert in the outbox', async () => {
    // Prepare
    dynamo.on(UpdateCommand).resolves({});
    sns.on(PublishCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException' }));
    const event: SQSEvent = {
      Records: [
        record('down', messageFor('broken', broken.url, PENDING)),
        record('up', messageFor('healthy', healthy.url, UP)),
      ],
    };

    // Act
    const response = await handler(event, context);

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'down' }]);
    const updates = dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(updates).toHaveLength(1);
    const committed = updates[0];
    expect(committed?.ConditionExpression).toBe('attribute_exists(#siteId) AND #version = :expected');
    const pendingAlerts = Object.entries(committed?.ExpressionAttributeNames ?? {}).find(
      ([, name]) => name === 'pendingAlerts',
    );
    expect(pendingAlerts).toBeDefined();
    const outbox = committed?.ExpressionAttributeValues?.[pendingAlerts?.[0].replace('#', ':') ?? ''];
    expect(Object.keys(outbox)).toEqual(['broken:4']);
    expect(updates.some((input) => input.UpdateExpression?.startsWith('REMOVE'))).toBe(false);
  });

  it('re-reads and re-decides after a version conflict, and does not count a redelivered check twice', async () => {
    // Prepare: another delivery of the same check already committed PENDING→DOWN.
    const committedByOther: SiteState = {
      ...PENDING,
      status: 'DOWN',
      version: 4,
      consecutiveFailures: 2,
      lastCheckId: 'm29000000',
    };
    dynamo
      .on(UpdateCommand)
      .rejects(Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' }));
    dynamo
      .on(GetCommand)
      .resolves({ Item: { ...aSite({ siteId: 'broken', url: broken.url }), ...committedByOther } });
    sns.on(PublishCommand).resolves({ MessageId: 'x' });

    // Act
    const response = await handler(
      { Records: [record('dup', messageFor('broken', broken.url, PENDING))] },
      context,
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(1);
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(1);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('schedules the confirming re-check with DelaySeconds after a first failure', async () => {
    // Prepare
    dynamo.on(UpdateCommand).resolves({});
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    // Act
    const response = await handler(
      { Records: [record('first-failure', messageFor('broken', broken.url, UP))] },
      context,
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const entries = sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries ?? [];
    expect(entries).toHaveLength(1);
    expect(entries[0]?.DelaySeconds).toBe(30);
    const recheck = JSON.parse(entries[0]?.MessageBody ?? '{}');
    expect(recheck.tasks[0]).toMatchObject({
      checkId: 'm29000000:r',
      state: { status: 'PENDING', version: 8 },
    });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });
});
