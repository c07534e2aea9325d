import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { packCheckMessages } from '../../functions/domain/check-message.ts';
import { INITIAL_STATE } from '../../functions/domain/site-state.ts';
import { aSite } from '../support/fixtures.ts';
import { startTestSite, type TestSite } from '../support/http-sites.ts';

// The checker module's cold start with verifier regions (issue 15): VERIFIER_REGIONS wires the verifier client,
// and a bad verification setting fails the cold start by name.

const BASE_ENV = {
  AWS_REGION: 'us-east-1',
  TABLE_NAME: 'sites',
  QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/checks',
  TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alerts',
  ALLOW_PRIVATE_TARGETS: 'true',
  VERIFIER_REGIONS: 'us-west-2,eu-west-1',
  VERIFIER_FUNCTION_NAME: 'squirrel-verifier',
};
const saved = { ...process.env };
const dynamo = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);
const lambda = mockClient(LambdaClient);
let healthy: TestSite;

beforeAll(async () => {
  healthy = await startTestSite(200);
});
afterEach(() => {
  process.env = { ...saved };
  vi.resetModules();
  for (const client of [dynamo, sns, sqs, lambda]) client.reset();
});
afterAll(async () => {
  for (const client of [dynamo, sns, sqs, lambda]) client.restore();
  await healthy.close();
});

describe('checker cold start with verifier regions', () => {
  it('starts and checks as before; a site that is up asks no verifier', async () => {
    // Prepare
    Object.assign(process.env, BASE_ENV);
    dynamo.on(UpdateCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'x' });
    const [body] = packCheckMessages(
      [{ checkId: 'm1', site: aSite({ siteId: 'up', url: healthy.url }), state: INITIAL_STATE }],
      { maxTasks: 1 },
    );
    const record = { messageId: 'm', body, receiptHandle: 'rh' } as SQSRecord;

    // Act
    const { handler } = await import('../../functions/checker.ts');
    const response = await handler({ Records: [record] }, { getRemainingTimeInMillis: () => 30_000 });

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(1);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  it.each([
    [{ VERIFIER_FUNCTION_NAME: '' }, 'environment variable VERIFIER_FUNCTION_NAME is required'],
    [{ VERIFIER_REGIONS: 'us-west-2,us-east-1' }, 'names the home location "us-east-1"'],
  ])('fails the cold start by name with %o', async (env, message) => {
    // Prepare
    Object.assign(process.env, BASE_ENV, env);

    // Act
    const load = import('../../functions/checker.ts');

    // Assess
    await expect(load).rejects.toThrow(message);
  });
});
