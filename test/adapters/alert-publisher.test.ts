import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlertPublisher } from '../../functions/adapters/alert-publisher.ts';
import { CallDeadline } from '../../functions/adapters/call-deadline.ts';
import { anAlert } from '../support/fixtures.ts';
import {
  LOCAL_CLIENT,
  type SilentServer,
  startSilentServer,
  timeRejection,
} from '../support/silent-server.ts';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:alerts';

describe('AlertPublisher', () => {
  let sns: AwsClientStub<SNSClient>;
  beforeAll(() => {
    sns = mockClient(SNSClient);
  });
  afterEach(() => sns.reset());
  afterAll(() => sns.restore());

  it('publishes one text per protocol with the attributes subscriptions filter on', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const publisher = new AlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC_ARN);

    // Act
    await publisher.publish(anAlert({ owner: 'alice', siteId: 'shop', event: 'DOWN' }));

    // Assess
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      TopicArn: TOPIC_ARN,
      MessageStructure: 'json',
      Subject: 'DOWN: Example (shop) - timeout',
      MessageAttributes: {
        owner: { DataType: 'String', StringValue: 'alice' },
        siteId: { DataType: 'String', StringValue: 'shop' },
        event: { DataType: 'String', StringValue: 'DOWN' },
      },
    });
    expect(Object.keys(input?.MessageAttributes ?? {}).sort()).toEqual([
      'AWS.SNS.SMS.SMSType',
      'event',
      'owner',
      'siteId',
    ]);
    const message = JSON.parse(input?.Message ?? '{}');
    expect(Object.keys(message).sort()).toEqual(['default', 'email', 'sms']);
    expect(message.email).toContain('https://example.com/');
    expect(Buffer.byteLength(message.sms)).toBeLessThanOrEqual(140);
  });

  it('publishes a group as one DOWN message with the owner attribute and the *group* site id', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    const publisher = new AlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC_ARN);
    const alerts = ['a', 'b', 'c'].map((id) =>
      anAlert({
        alertId: `${id}:3`,
        siteId: id,
        siteName: id,
        owner: 'alice',
        url: `https://${id}.example.com/`,
      }),
    );

    // Act
    await publisher.publishGroup({ owner: 'alice', key: { kind: 'reason', reason: 'timeout' }, alerts });

    // Assess
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(input).toMatchObject({
      TopicArn: TOPIC_ARN,
      MessageStructure: 'json',
      Subject: 'DOWN: 3 sites of alice - timeout',
      MessageAttributes: {
        owner: { DataType: 'String', StringValue: 'alice' },
        siteId: { DataType: 'String', StringValue: '*group*' },
        event: { DataType: 'String', StringValue: 'DOWN' },
      },
    });
    const message = JSON.parse(input?.Message ?? '{}');
    for (const id of ['a', 'b', 'c']) expect(message.email).toContain(`https://${id}.example.com/`);
    expect(Buffer.byteLength(message.sms)).toBeLessThanOrEqual(140);
  });

  it.each([
    ['an alert', (publisher: AlertPublisher) => publisher.publish(anAlert())],
    [
      'a group',
      (publisher: AlertPublisher) =>
        publisher.publishGroup({
          owner: 'alice',
          key: { kind: 'reason', reason: 'timeout' },
          alerts: ['a', 'b'].map((id) => anAlert({ alertId: `${id}:1`, siteId: id, owner: 'alice' })),
        }),
    ],
  ])('sends %s to SMS subscribers as Transactional, not the account default', async (_name, publish) => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-3' });
    const publisher = new AlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC_ARN);

    // Act
    await publish(publisher);

    // Assess
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.MessageAttributes).toMatchObject({
      'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
    });
  });

  it('rejects when SNS does not accept the alert, so the caller keeps it in the outbox', async () => {
    // Prepare
    sns.on(PublishCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException' }));
    const publisher = new AlertPublisher(new SNSClient({ region: 'us-east-1', maxAttempts: 1 }), TOPIC_ARN);

    // Act
    const publishing = publisher.publish(anAlert());

    // Assess
    await expect(publishing).rejects.toThrow('Rate exceeded');
  });
});

describe('AlertPublisher against an endpoint that never answers', () => {
  let silent: SilentServer;
  beforeAll(async () => {
    silent = await startSilentServer();
  });
  afterAll(() => silent.close());

  it('aborts a Publish when the invocation’s 300 ms are up', async () => {
    // Prepare
    const sns = new SNSClient({ ...LOCAL_CLIENT, endpoint: silent.url });
    const deadline = new CallDeadline();
    deadline.startInvocation(Date.now() + 300);
    const publisher = new AlertPublisher(sns, TOPIC_ARN, { deadline });

    // Act
    const { error, elapsedMs } = await timeRejection(() => publisher.publish(anAlert()));
    sns.destroy();

    // Assess
    expect(error.name).toBe('AbortError');
    expect(elapsedMs).toBeGreaterThanOrEqual(250);
    expect(elapsedMs).toBeLessThan(3_000);
  });
});
