import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalTarget, parseJsonLines, startLocalTarget } from '../support/local-target.ts';

let target: LocalTarget;

beforeAll(async () => {
  target = await startLocalTarget();
});

afterAll(async () => {
  await target.stop();
});

const listEndpoints = async () =>
  (
    (await target.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: target.topicArn })))
      .Subscriptions ?? []
  ).map((subscription) => subscription.Endpoint);

describe('squirrel subscribe / subscriptions list / unsubscribe', () => {
  it('subscribes an email with an owner filter policy, lists it and unsubscribes it by address', async () => {
    // Act
    const subscribed = await target.run([
      'subscribe',
      '--email',
      'alice@example.com',
      '--owner',
      'acme',
      '--json',
    ]);
    const [created] = parseJsonLines(subscribed.stdout);
    const { Attributes } = await target.sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: String(created?.subscriptionArn) }),
    );
    const listed = await target.run(['subscriptions', 'list', '--json']);
    const removed = await target.run(['unsubscribe', '--email', 'Alice@Example.com']);

    // Assess
    expect(subscribed.code).toBe(0);
    expect(created).toMatchObject({ protocol: 'email', endpoint: 'a***@example.com', owner: 'acme' });
    expect(subscribed.stdout).not.toContain('alice@');
    expect(Attributes).toMatchObject({
      TopicArn: target.topicArn,
      Protocol: 'email',
      Endpoint: 'alice@example.com',
      FilterPolicy: JSON.stringify({ owner: ['acme'] }),
      FilterPolicyScope: 'MessageAttributes',
    });
    expect(parseJsonLines(listed.stdout)).toContainEqual(
      expect.objectContaining({
        subscriptionArn: created?.subscriptionArn,
        protocol: 'email',
        endpoint: 'alice@example.com',
        receives: 'owner acme',
      }),
    );
    expect(removed.code).toBe(0);
    expect(removed.stdout).toBe(`unsubscribed a***@example.com: ${created?.subscriptionArn}\n`);
    expect(await listEndpoints()).not.toContain('alice@example.com');
  });

  it.each([
    [
      ['--sms', '4155550123'],
      'error: --sms must be an E.164 phone number like +14155550123 (no spaces), got "4155550123"',
    ],
    [
      ['--email', 'bob-at-example.com'],
      'error: --email must be an email address like alice@example.com, got "bob-at-example.com"',
    ],
    [
      ['--sms', '+14155550123', '--owner', 'two words'],
      'error: --owner must be 1-64 characters of letters, digits and . _ @ + - (starting with a letter or digit), got "two words"',
    ],
    [
      [],
      'error: give one of --email ADDRESS, --sms +E164NUMBER, --webhook URL, --slack URL, --teams URL, ' +
        '--discord URL, --telegram BOT_TOKEN:CHAT_ID, --pagerduty ROUTING_KEY',
    ],
    [
      ['--pagerduty', 'R0UT1NGKEYR0UT1NGKEY'],
      'error: --pagerduty must be an Events API v2 integration key (the routing key of a service integration): ' +
        '32 letters and digits; got 20 characters starting "R0U…"',
    ],
    [
      ['--webhook', 'https://example.com/hook', '--email', 'alice@example.com'],
      'error: give only one of --email ADDRESS, --sms +E164NUMBER, --webhook URL, --slack URL, --teams URL, ' +
        '--discord URL, --telegram BOT_TOKEN:CHAT_ID, --pagerduty ROUTING_KEY; got --email and --webhook',
    ],
  ])('refuses subscribe %j with exit 2 and subscribes nothing', async (args, message) => {
    // Act
    const result = await target.run(['subscribe', ...args]);

    // Assess
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr.trim()).toBe(message);
    expect(await listEndpoints()).toEqual([]);
  });

  it("refuses to unsubscribe the local runtime's own alert printer (exit 1), and it stays subscribed", async () => {
    // Prepare
    const { SubscriptionArn = '' } = await target.sns.send(
      new SubscribeCommand({
        TopicArn: target.topicArn,
        Protocol: 'sqs',
        Endpoint: target.alertPrinterQueueArn,
        ReturnSubscriptionArn: true,
      }),
    );

    // Act
    const [result, listed] = await Promise.all([
      target.run(['unsubscribe', SubscriptionArn]),
      target.run(['subscriptions', 'list', '--json']),
    ]);
    const endpoints = await listEndpoints();
    await target.sns.send(new UnsubscribeCommand({ SubscriptionArn }));

    // Assess
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(
      `error: ${SubscriptionArn} is the local runtime's own alert printer (it shows alerts in the \`npm start\` ` +
        'window) and cannot be removed; subscriptions you added can, and stopping the runtime stops the printer\n',
    );
    expect(endpoints).toEqual([target.alertPrinterQueueArn]);
    expect(parseJsonLines(listed.stdout)).toEqual([
      expect.objectContaining({
        subscriptionArn: SubscriptionArn,
        receives: 'all (the local runtime prints them)',
      }),
    ]);
  }, 40_000);

  it('says a runtime from before alert channels has none: subscribe refuses (exit 1), list shows SNS with a note', async () => {
    // Act
    const subscribed = await target.run(['subscribe', '--slack', 'http://127.0.0.1:9/services/T0/B0/x']);
    const listed = await target.run(['subscriptions', 'list']);

    // Assess
    expect(subscribed).toMatchObject({ code: 1, stdout: '' });
    expect(subscribed.stderr).toBe(
      'error: the local runtime (pid ' +
        `${process.pid}) has no alert channels: it was started before alert channels existed: restart \`npm start\`\n`,
    );
    expect(listed.code).toBe(0);
    expect(listed.stderr).toContain('note: the local runtime');
  });
});
