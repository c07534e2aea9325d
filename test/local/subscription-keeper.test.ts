import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ListSubscriptionsByTopicCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalRuntime, Notice } from '../../local/runtime.ts';
import { describeRestoredSubscriptions, SUBSCRIPTIONS_FILE_NAME } from '../../local/subscription-keeper.ts';
import { makeDataDir, startTestRuntime, waitFor } from '../helpers/local-runtime.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

async function runtimeOn(dataDir: string): Promise<LocalRuntime> {
  const runtime = await startTestRuntime(dataDir);
  cleanups.push(() => runtime.stop());
  return runtime;
}

/** SDK clients pointed at this runtime's emulator, as a user's AWS CLI would be. */
function clientsOf(runtime: LocalRuntime): { sns: SNSClient; sqs: SQSClient } {
  const config = { region: runtime.endpoints.region, credentials: CREDENTIALS };
  const sns = new SNSClient({ ...config, endpoint: runtime.endpoints.snsEndpoint });
  const sqs = new SQSClient({ ...config, endpoint: runtime.endpoints.sqsEndpoint });
  cleanups.push(() => {
    sns.destroy();
    sqs.destroy();
  });
  return { sns, sqs };
}

const readSaved = async (dataDir: string) =>
  JSON.parse(await readFile(join(dataDir, SUBSCRIPTIONS_FILE_NAME), 'utf8').catch(() => '{}')) as {
    subscriptions?: Array<{ protocol: string; endpoint: string; attributes: Record<string, string> }>;
  };

const publishFor = (sns: SNSClient, topicArn: string, owner: string, text: string) =>
  sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Message: text,
      MessageAttributes: { owner: { DataType: 'String', StringValue: owner } },
    }),
  );

describe('local subscriptions survive a restart', () => {
  it('saves each subscription as it is made and, after a restart, it is back and still delivers', async () => {
    // Prepare
    const dir = await makeDataDir();
    cleanups.push(dir.remove);
    const first = await runtimeOn(dir.path);
    const before = clientsOf(first);
    await before.sqs.send(new CreateQueueCommand({ QueueName: 'acme-alerts' }));
    const queueArn = `arn:aws:sqs:${first.endpoints.region}:000000000000:acme-alerts`;
    await before.sns.send(
      new SubscribeCommand({
        TopicArn: first.endpoints.topicArn,
        Protocol: 'sqs',
        Endpoint: queueArn,
        Attributes: { FilterPolicy: JSON.stringify({ owner: ['acme'] }), RawMessageDelivery: 'true' },
      }),
    );
    await before.sns.send(
      new SubscribeCommand({
        TopicArn: first.endpoints.topicArn,
        Protocol: 'email',
        Endpoint: 'ops@example.com',
      }),
    );

    // Act
    const saved = await waitFor('both subscriptions saved', async () => {
      const file = await readSaved(dir.path);
      return file.subscriptions?.length === 2 && file.subscriptions;
    });
    await first.stop();
    const second = await runtimeOn(dir.path);
    const after = clientsOf(second);
    await publishFor(after.sns, second.endpoints.topicArn, 'other', 'not for acme');
    await publishFor(after.sns, second.endpoints.topicArn, 'acme', 'for acme');
    // The emulator forgot the queue with everything else: the restore created it again, empty.
    const { QueueUrl } = await after.sqs.send(new GetQueueUrlCommand({ QueueName: 'acme-alerts' }));
    const { Messages = [] } = await after.sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }),
    );

    // Assess
    expect(saved).toEqual([
      { protocol: 'email', endpoint: 'ops@example.com', attributes: {} },
      {
        protocol: 'sqs',
        endpoint: queueArn,
        attributes: expect.objectContaining({
          FilterPolicy: '{"owner":["acme"]}',
          RawMessageDelivery: 'true',
        }),
      },
    ]);
    expect((await stat(join(dir.path, SUBSCRIPTIONS_FILE_NAME))).mode & 0o777).toBe(0o600);
    expect(second.restoredSubscriptions).toEqual({ count: 2, problems: [] });
    expect(Messages.map((message) => message.Body)).toEqual(['for acme']);
    const { Subscriptions = [] } = await after.sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: second.endpoints.topicArn }),
    );
    expect(Subscriptions.map((subscription) => subscription.Endpoint).sort()).toEqual(
      [
        queueArn,
        second.endpoints.alertPrinterQueueArn,
        second.endpoints.dispatchQueueArn,
        'ops@example.com',
      ].sort(),
    );
  }, 60_000);

  it('moves an unreadable subscriptions file aside instead of overwriting it, and says so', async () => {
    // Prepare
    const dir = await makeDataDir();
    cleanups.push(dir.remove);
    await writeFile(join(dir.path, SUBSCRIPTIONS_FILE_NAME), '{"version": 1, "subscriptions": [');

    // Act
    const runtime = await runtimeOn(dir.path);

    // Assess
    expect(runtime.restoredSubscriptions.count).toBe(0);
    expect(runtime.restoredSubscriptions.problems).toEqual([
      expect.stringMatching(
        /subscriptions\.json is not valid JSON .*: moved it to .*subscriptions\.json\.invalid$/,
      ),
    ]);
    expect(await readFile(join(dir.path, `${SUBSCRIPTIONS_FILE_NAME}.invalid`), 'utf8')).toBe(
      '{"version": 1, "subscriptions": [',
    );
  }, 60_000);
});

describe("the runtime's own alert printer subscription", () => {
  it('is subscribed again, with a notice, when something removes it, and alerts still reach the printer', async () => {
    // Prepare
    const dir = await makeDataDir();
    cleanups.push(dir.remove);
    const runtime = await runtimeOn(dir.path);
    const { sns } = clientsOf(runtime);
    const notices: Notice[] = [];
    runtime.on('notice', (notice) => notices.push(notice));
    const printerArn = async () =>
      (
        (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: runtime.endpoints.topicArn })))
          .Subscriptions ?? []
      ).find((subscription) => subscription.Endpoint === runtime.endpoints.alertPrinterQueueArn)
        ?.SubscriptionArn;
    const removedArn = await printerArn();

    // Act
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: removedArn }));
    const restoredArn = await waitFor('the printer subscribed again', async () => {
      const arn = await printerArn();
      return arn !== removedArn && arn;
    });
    await publishFor(sns, runtime.endpoints.topicArn, 'default', 'DOWN: test\n\nstill printed');
    const printed = await waitFor('the alert printed', () => runtime.alerts[0]);

    // Assess
    expect(restoredArn).toBeDefined();
    expect(notices).toContainEqual({
      level: 'warn',
      message: expect.stringMatching(
        /^the alert printer subscription was removed from the topic: subscribed it again/,
      ),
    });
    expect(printed.subject).toBe('DOWN: test');
    expect((await readSaved(dir.path)).subscriptions).toEqual([]);
  }, 60_000);
});

describe("the runtime's own channel dispatch subscription", () => {
  it('is made at start, never saved, and subscribed again with a notice when something removes it', async () => {
    // Prepare
    const dir = await makeDataDir();
    cleanups.push(dir.remove);
    const runtime = await runtimeOn(dir.path);
    const { sns } = clientsOf(runtime);
    const notices: Notice[] = [];
    runtime.on('notice', (notice) => notices.push(notice));
    const dispatchSubscription = async () =>
      (
        (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: runtime.endpoints.topicArn })))
          .Subscriptions ?? []
      ).find((subscription) => subscription.Endpoint === runtime.endpoints.dispatchQueueArn);
    const removed = await dispatchSubscription();

    // Act
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: removed?.SubscriptionArn }));
    const restored = await waitFor('the dispatch queue subscribed again', async () => {
      const subscription = await dispatchSubscription();
      return subscription?.SubscriptionArn !== removed?.SubscriptionArn && subscription;
    });

    // Assess
    expect(removed).toMatchObject({ Protocol: 'sqs', Endpoint: runtime.endpoints.dispatchQueueArn });
    expect(runtime.endpoints.dispatchQueueArn).toMatch(/:uptime-squirrel-alert-dispatch$/);
    expect(restored.Protocol).toBe('sqs');
    expect(notices).toContainEqual({
      level: 'warn',
      message: expect.stringMatching(
        /^the channel dispatch subscription was removed from the topic: subscribed it again .*`squirrel unsubscribe` refuses/,
      ),
    });
    expect((await readSaved(dir.path)).subscriptions).toEqual([]);
  }, 60_000);
});

describe('describeRestoredSubscriptions', () => {
  it.each([
    [{ count: 0, problems: [] }, []],
    [{ count: 2, problems: [] }, ['Restored 2 subscription(s) to the alerts topic from subscriptions.json.']],
    [
      { count: 1, problems: ['email a***@example.com: not restored: boom'] },
      [
        'Restored 1 subscription(s) to the alerts topic from subscriptions.json.',
        'warning: email a***@example.com: not restored: boom',
      ],
    ],
  ])('tells the start banner about %j', (restored, lines) => {
    expect(describeRestoredSubscriptions(restored)).toEqual(lines);
  });
});
