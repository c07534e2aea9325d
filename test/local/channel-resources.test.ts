import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_CHANNEL_SETTINGS, LOCAL_NAMES } from '../../local/resources.ts';
import type { LocalRuntime } from '../../local/runtime.ts';
import { PARAMETERS_FILE_NAME } from '../../local/ssm-emulator.ts';
import { makeDataDir, startTestRuntime } from '../helpers/local-runtime.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const CHANNEL_ID = 'ch-abcdefghij';

/** Clients pointed at the runtime's emulators, as the CLI builds them from runtime.json. */
function clientsOf(runtime: LocalRuntime) {
  const { region, dynamodbEndpoint, sqsEndpoint, snsEndpoint, ssmEndpoint } = runtime.endpoints;
  const config = { region, credentials: CREDENTIALS };
  const clients = {
    dynamodb: new DynamoDBClient({ ...config, endpoint: dynamodbEndpoint }),
    sqs: new SQSClient({ ...config, endpoint: sqsEndpoint }),
    sns: new SNSClient({ ...config, endpoint: snsEndpoint }),
    ssm: new SSMClient({ ...config, endpoint: ssmEndpoint }),
  };
  cleanups.push(() => {
    for (const client of Object.values(clients)) client.destroy();
  });
  return clients;
}

/** A queue's attributes, found by name as `aws sqs get-queue-url` would. */
async function attributesOf(sqs: SQSClient, queueName: string): Promise<Record<string, string>> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }),
  );
  return Attributes;
}

describe('local runtime: alert channel resources', () => {
  it('creates the channel resources, names them in runtime.json, and a restart keeps the table and the secrets', async () => {
    // Prepare
    const dir = await makeDataDir();
    cleanups.push(dir.remove);
    const first = await startTestRuntime(dir.path);
    cleanups.push(() => first.stop());
    const before = clientsOf(first);
    const secretName = `${first.endpoints.channelSecretsPrefix}/${CHANNEL_ID}`;
    await before.ssm.send(
      new PutParameterCommand({
        Name: secretName,
        Type: 'SecureString',
        Value: '{"kind":"discord","url":"x"}',
      }),
    );
    await before.dynamodb.send(
      new PutItemCommand({
        TableName: first.endpoints.channelsTable,
        Item: { owner: { S: 'acme' }, channelId: { S: CHANNEL_ID }, kind: { S: 'discord' } },
      }),
    );
    const runtimeFile = JSON.parse(await readFile(join(dir.path, 'runtime.json'), 'utf8'));
    const subscriptions =
      (await before.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: first.endpoints.topicArn })))
        .Subscriptions ?? [];
    const dispatch = subscriptions.find(
      (subscription) => subscription.Endpoint === first.endpoints.dispatchQueueArn,
    );
    const { Attributes: dispatchSubscription = {} } = await before.sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: dispatch?.SubscriptionArn }),
    );

    // Act
    await first.stop();
    const second = await startTestRuntime(dir.path);
    cleanups.push(() => second.stop());
    const after = clientsOf(second);
    const secret = await after.ssm.send(new GetParameterCommand({ Name: secretName, WithDecryption: true }));
    const { Item } = await after.dynamodb.send(
      new GetItemCommand({
        TableName: second.endpoints.channelsTable,
        Key: { owner: { S: 'acme' }, channelId: { S: CHANNEL_ID } },
      }),
    );
    const [dispatchQueue, delivery, deliveryDlq] = await Promise.all([
      attributesOf(after.sqs, LOCAL_NAMES.dispatchQueue),
      attributesOf(after.sqs, LOCAL_NAMES.deliveryQueue),
      attributesOf(after.sqs, LOCAL_NAMES.deliveryDeadLetterQueue),
    ]);

    // Assess: runtime.json names what the CLI needs
    expect(runtimeFile).toMatchObject({
      channelsTable: 'uptime-squirrel-channels',
      channelSecretsPrefix: '/uptime-squirrel/local/channels',
      ssmEndpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      dispatchQueueArn: expect.stringMatching(/:uptime-squirrel-alert-dispatch$/),
    });
    // The dispatch queue gets the SNS envelope (its `notification` attribute) of every alert
    expect(dispatch?.Protocol).toBe('sqs');
    expect(dispatchSubscription.RawMessageDelivery ?? 'false').toBe('false');
    expect(dispatchSubscription.FilterPolicy ?? '').toBe('');
    // The table and the secrets survived; the secret file is the user's only
    expect(secret.Parameter).toMatchObject({ Type: 'SecureString', Value: '{"kind":"discord","url":"x"}' });
    expect(Item?.kind).toEqual({ S: 'discord' });
    expect((await stat(join(dir.path, PARAMETERS_FILE_NAME))).mode & 0o777).toBe(0o600);
    // The queues (in memory) were made again, as the contract sets them
    expect(delivery).toMatchObject({
      FifoQueue: 'true',
      VisibilityTimeout: String(LOCAL_CHANNEL_SETTINGS.deliveryVisibilityTimeoutSeconds),
    });
    expect(JSON.parse(delivery.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: deliveryDlq.QueueArn,
      maxReceiveCount: 50,
    });
    expect(deliveryDlq.FifoQueue).toBe('true');
    expect(JSON.parse(dispatchQueue.RedrivePolicy ?? '{}')).toMatchObject({ maxReceiveCount: 5 });
    expect(second.endpoints.dispatchQueueArn).toBe(first.endpoints.dispatchQueueArn);
  }, 90_000);
});
