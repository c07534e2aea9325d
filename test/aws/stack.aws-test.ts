import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ChannelSecrets } from '../../functions/adapters/channel-secrets.ts';
import { ChannelStore } from '../../functions/adapters/channel-store.ts';
import { ENV } from '../../functions/config.ts';
import { ALL_OWNERS, type Channel, ChannelSchema } from '../../functions/domain/channels/channel.ts';
import type { ChannelSecret } from '../../functions/domain/channels/channel-secret.ts';
import { minuteOfEpoch } from '../../functions/domain/schedule.ts';
import { SqsEventSource } from '../../local/sqs-event-source.ts';
import { type SwitchableSite, startSwitchableSite } from '../helpers/switchable-site.ts';
import { AlertInbox } from './support/alert-inbox.ts';
import { motoClientConfig, TIER_ACCOUNT_ID, TIER_REGION } from './support/aws-environment.ts';
import { BundledFunction } from './support/bundled-function.ts';
import { type CreatedStack, createStackInMoto } from './support/deploy.ts';
import { type MotoServer, startMotoServer } from './support/moto-server.ts';
import { SquirrelCli } from './support/squirrel-cli.ts';
import { Summary } from './support/summary.ts';
import { REPO_ROOT } from './support/synth.ts';

const MINUTE_MS = 60_000;
// A DOWN needs a failed check and its confirming re-check (1 s later here): seconds, not minutes.
const DOWN_WITHIN_MS = 30_000;
// The UP comes from the next minute's sweep, at most a minute away, plus the check itself.
const UP_WITHIN_MS = 30_000;

const assembly = inject('assembly');
const summary = new Summary(inject('workDir'), 'b-moto');
// Below the repository's node_modules, so bundles that leave `@aws-sdk/*` external resolve it there.
const unpackDir = join(REPO_ROOT, 'node_modules/.cache/uptime-squirrel-aws-tier', randomUUID());

let moto: MotoServer | undefined;
let stack: CreatedStack;
let cli: SquirrelCli;
const started: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  moto = await startMotoServer();
  stack = await createStackInMoto(assembly, moto.endpoint, inject('workDir'));
  cli = new SquirrelCli(moto.endpoint, stack.stackName);
});

afterAll(async () => {
  // Whatever happened above: stop in reverse order what was started, moto last.
  for (const thing of started.reverse()) await thing.stop().catch(() => {});
  await moto?.stop();
  rmSync(unpackDir, { recursive: true, force: true });
  if (cli !== undefined) summary.add(`CLI commands run (--stack): ${cli.commandsRun.join(', ')}`);
});

describe('the synthesized stack in moto', () => {
  it('reaches CREATE_COMPLETE with every resource of the template and the outputs the CLI reads', () => {
    // Assess
    const template = JSON.parse(readFileSync(assembly.templatePath, 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    const templateIds = Object.keys(template.Resources);
    const listed = new Set(stack.resources.map((resource) => resource.LogicalResourceId));
    // moto keeps some resource types as placeholders it does not list (queue/topic policies, alarms…).
    const placeholders = templateIds.filter((id) => !listed.has(id));
    const placeholderTypes = [...new Set(placeholders.map((id) => template.Resources[id]?.Type))].sort();
    summary.add(
      `stack ${stack.stackName}: CREATE_COMPLETE in ${(stack.createMs / 1000).toFixed(1)} s, ` +
        `${stack.assetsUploaded} assets uploaded, ${templateIds.length} resources in the template, ` +
        `${templateIds.length - placeholders.length} listed by moto, ${placeholders.length} kept as ` +
        `placeholders (${placeholderTypes.join(', ')}); FIFO queues named for moto as CloudFormation would: ` +
        `${stack.fifoQueuesNamed.join(', ')}`,
    );
    // The deliveries queue and its dead-letter queue, and no other.
    expect(stack.fifoQueuesNamed).toHaveLength(2);
    expect(stack.resources.every((resource) => resource.ResourceStatus === 'CREATE_COMPLETE')).toBe(true);
    for (const type of [
      'AWS::DynamoDB::Table',
      'AWS::SQS::Queue',
      'AWS::SNS::Topic',
      'AWS::Lambda::Function',
      'AWS::S3::Bucket',
    ]) {
      expect(stack.resources.map((resource) => resource.ResourceType)).toContain(type);
    }
    expect(Object.keys(stack.outputs).sort()).toEqual([
      'ChannelSecretsPrefix',
      'ChannelsTableName',
      'CheckerReservedConcurrency',
      'DeadLetterQueueUrl',
      'DeliveryDeadLetterQueueUrl',
      'DispatchQueueArn',
      'HistoryBucketName',
      'QueueUrl',
      'SmsDeliveryStatusLoggingCommand',
      'TableName',
      'TopicArn',
    ]);
    // checkerReservation "off": no custom resource decided it, and the output says it is not managed.
    expect(stack.outputs.CheckerReservedConcurrency).toBe(
      'not managed: checkerReservation is "off" (a reservation an earlier auto deploy made stays until aws lambda delete-function-concurrency)',
    );
  });
});

describe('the alert channels in the created stack (issue 14)', () => {
  // The stack's own queue URLs, by the construct that made them (the outputs name only the parked deliveries').
  const queueUrlOf = (logicalIdPrefix: string) => {
    const found = stack.resources.filter(
      (resource) =>
        resource.ResourceType === 'AWS::SQS::Queue' &&
        resource.LogicalResourceId?.startsWith(logicalIdPrefix),
    );
    expect(found).toHaveLength(1);
    return found[0]?.PhysicalResourceId ?? '';
  };
  const clients = () => {
    const config = motoClientConfig(moto?.endpoint ?? '');
    const made = {
      dynamodb: DynamoDBDocumentClient.from(new DynamoDBClient(config)),
      ssm: new SSMClient(config),
      sqs: new SQSClient({ ...config, useQueueUrlAsEndpoint: false }),
    };
    started.push({
      stop: async () => {
        made.dynamodb.destroy();
        made.ssm.destroy();
        made.sqs.destroy();
      },
    });
    return made;
  };

  it('has the channels table keyed by owner and channelId, on demand', async () => {
    // Prepare
    const { dynamodb } = clients();

    // Act
    const { Table } = await dynamodb.send(
      new DescribeTableCommand({ TableName: stack.outputs.ChannelsTableName }),
    );

    // Assess
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'owner', KeyType: 'HASH' },
      { AttributeName: 'channelId', KeyType: 'RANGE' },
    ]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('has the deliveries FIFO queue (ids from the dispatcher, 50 receives at most) and its FIFO dead-letter queue', async () => {
    // Prepare
    const { sqs } = clients();
    const attributesOf = async (queueUrl: string) =>
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] })))
        .Attributes ?? {};

    // Act
    const deliveries = await attributesOf(queueUrlOf('AlertChannelsDeliveryQueue'));
    const parked = await attributesOf(stack.outputs.DeliveryDeadLetterQueueUrl ?? '');

    // Assess
    expect(deliveries).toMatchObject({
      FifoQueue: 'true',
      ContentBasedDeduplication: 'false',
      VisibilityTimeout: '120',
    });
    expect(JSON.parse(deliveries.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: parked.QueueArn,
      maxReceiveCount: 50,
    });
    expect(parked.FifoQueue).toBe('true');
    summary.add(
      `alert channels: table ${stack.outputs.ChannelsTableName}, deliveries FIFO + FIFO DLQ, secrets under ${stack.outputs.ChannelSecretsPrefix}`,
    );
  });

  it("keeps a channel's secret with ChannelSecrets: a SecureString under the stack's prefix, never overwritten", async () => {
    // Prepare: the adapter the CLI writes with at subscribe and the deliverer reads with
    const { ssm } = clients();
    const prefix = stack.outputs.ChannelSecretsPrefix ?? '';
    const secrets = new ChannelSecrets(ssm, prefix);
    const secret: ChannelSecret = {
      kind: 'webhook',
      url: 'https://hooks.example.com/squirrel',
      signingSecret: `whsec_${'A'.repeat(43)}`,
    };

    // Act
    const name = await secrets.put('ch-abcdefghij', secret);
    const read = await new ChannelSecrets(ssm, prefix).get(name);
    const encrypted = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: false }));
    const again = await secrets
      .put('ch-abcdefghij', { kind: 'slack', url: 'https://hooks.slack.com/x' })
      .then(
        () => 'overwritten',
        (error: Error) => error.name,
      );
    await secrets.delete(name);
    const afterDelete = await new ChannelSecrets(ssm, prefix).get(name).then(
      () => 'still there',
      (error: Error) => error.name,
    );

    // Assess
    expect(prefix).toBe(`/uptime-squirrel/${stack.stackName}/channels`);
    expect(name).toBe(`${prefix}/ch-abcdefghij`);
    expect(read).toEqual(secret);
    expect(encrypted.Parameter?.Type).toBe('SecureString');
    // Without decryption, not the plain value (AWS answers ciphertext; moto marks it with the key's prefix).
    expect(encrypted.Parameter?.Value).not.toBe(JSON.stringify(secret));
    expect(again).toBe('ChannelSecretExistsError');
    expect(afterDelete).toBe('ChannelSecretMissingError');
  });

  it("stores channels with ChannelStore: no id taken twice, the owner's and ALL_OWNERS' listed, marked broken once", async () => {
    // Prepare
    const dynamodb = new DynamoDBClient(motoClientConfig(moto?.endpoint ?? ''));
    started.push({ stop: async () => dynamodb.destroy() });
    const store = new ChannelStore(dynamodb, stack.outputs.ChannelsTableName ?? '');
    const channel = (owner: string, channelId: string, kind: Channel['kind']): Channel =>
      v.parse(ChannelSchema, {
        owner,
        channelId,
        kind,
        label: `${kind} …${channelId.slice(-4)}`,
        secretName: `${stack.outputs.ChannelSecretsPrefix}/${channelId}`,
        createdAtMs: 1_765_000_000_000,
      });
    const teamA = [
      channel('team-a', 'ch-aaaaaaaaaa', 'slack'),
      channel('team-a', 'ch-bbbbbbbbbb', 'pagerduty'),
    ];
    const everyone = channel(ALL_OWNERS, 'ch-cccccccccc', 'webhook');
    const teamB = channel('team-b', 'ch-dddddddddd', 'discord');

    // Act
    for (const item of [...teamA, everyone, teamB]) await store.put(item);
    const duplicate = await store.put({ ...teamA[0], label: 'another' } as Channel).then(
      () => 'stored',
      (error: Error) => error.name,
    );
    const dispatchedTo = await store.listForOwner('team-a');
    const marks = [
      await store.markBroken('team-a', 'ch-aaaaaaaaaa', 1_765_000_100_000, 'HTTP 404: no_service'),
      await store.markBroken('team-a', 'ch-aaaaaaaaaa', 1_765_000_200_000, 'HTTP 404: no_service'),
    ];
    const broken = await store.get('team-a', 'ch-aaaaaaaaaa');
    await store.clearBroken('team-a', 'ch-aaaaaaaaaa');
    const cleared = await store.get('team-a', 'ch-aaaaaaaaaa');

    // Assess
    expect(duplicate).toBe('ChannelIdTakenError');
    expect(dispatchedTo).toEqual([...teamA, everyone]);
    expect(marks).toEqual([true, false]);
    expect(broken).toMatchObject({ brokenSinceMs: 1_765_000_100_000, brokenDetail: 'HTTP 404: no_service' });
    expect(cleared?.brokenSinceMs).toBeUndefined();
  });
});

// In order, each building on the last: the site the CLI adds is the one the bundled handlers then check.
describe('squirrel --stack against the created stack', () => {
  let site: SwitchableSite;

  beforeAll(async () => {
    site = await startSwitchableSite(200);
    started.push({ stop: () => site.close() });
  });

  it('adds, lists, pauses, shows and removes sites', async () => {
    // Act
    // A 1 s confirmation delay: the DOWN is confirmed by a delayed SQS message seconds after the first failure.
    await cli.ok(
      'sites',
      'add',
      site.url,
      '--id',
      'shop',
      '--name',
      'Shop',
      '--owner',
      'team-a',
      '--confirm-delay-seconds',
      '1',
    );
    await cli.ok('sites', 'add', `${site.url}blog`, '--id', 'blog');
    const listed = await cli.json('sites', 'list');
    await cli.ok('sites', 'pause', 'blog');
    const afterPause = await cli.json('sites', 'list');
    const status = await cli.json('status');
    await cli.ok('sites', 'remove', 'blog');
    const afterRemove = await cli.json('sites', 'list');

    // Assess
    expect(listed.map((s) => [s.siteId, s.url, s.owner, s.enabled])).toEqual([
      ['blog', `${site.url}blog`, 'default', true],
      ['shop', site.url, 'team-a', true],
    ]);
    expect(afterPause.find((s) => s.siteId === 'blog')?.enabled).toBe(false);
    expect(status.map((s) => [s.siteId, s.state])).toEqual([
      ['blog', 'UNKNOWN'],
      ['shop', 'UNKNOWN'],
    ]);
    expect(afterRemove.map((s) => s.siteId)).toEqual(['shop']);
  });

  it('subscribes, lists and unsubscribes a contact', async () => {
    // Act
    const before = await cli.json('subscriptions', 'list');
    await cli.ok('subscribe', '--email', 'alice@example.com', '--owner', 'team-a');
    const during = await cli.json('subscriptions', 'list');
    await cli.ok('unsubscribe', '--email', 'alice@example.com');
    const after = await cli.json('subscriptions', 'list');

    // Assess: the deploy-time subscription (alertEmail) is one of moto's placeholders, not listed by SNS.
    expect(during).toHaveLength(before.length + 1);
    expect(during.filter((s) => !before.some((b) => b.subscriptionArn === s.subscriptionArn))).toMatchObject([
      {
        protocol: 'email',
        endpoint: 'alice@example.com',
        filterPolicy: JSON.stringify({ owner: ['team-a'] }),
      },
    ]);
    expect(after).toEqual(before);
  });

  it('subscribes, lists and unsubscribes a PagerDuty channel: the key in SSM, the item in the table, neither printed', async () => {
    // Prepare: a routing key has no host to resolve, so the CLI's subscribe-time guard needs no DNS here
    const ssm = new SSMClient(motoClientConfig(moto?.endpoint ?? ''));
    started.push({ stop: async () => ssm.destroy() });
    const routingKey = 'R0UT1NGKEYmotomotomotomotomoto42';

    // Act
    const [subscribed] = await cli.json('subscribe', '--pagerduty', routingKey, '--owner', 'team-a');
    const channelId = String(subscribed?.channelId);
    const during = await cli.json('subscriptions', 'list');
    const stored = await ssm.send(
      new GetParameterCommand({
        Name: `${stack.outputs.ChannelSecretsPrefix}/${channelId}`,
        WithDecryption: true,
      }),
    );
    await cli.ok('unsubscribe', channelId);
    const after = await cli.json('subscriptions', 'list');
    const gone = await ssm
      .send(new GetParameterCommand({ Name: `${stack.outputs.ChannelSecretsPrefix}/${channelId}` }))
      .then(
        () => 'still there',
        (error: Error) => error.name,
      );

    // Assess
    expect(subscribed).toMatchObject({
      kind: 'pagerduty',
      owner: 'team-a',
      label: 'PagerDuty …to42',
    });
    expect(during.filter((row) => row.channelId === channelId)).toMatchObject([
      { kind: 'pagerduty', owner: 'team-a' },
    ]);
    // (The stack's own dispatch-queue subscription is one of moto's placeholders, not listed by its SNS: that it is
    // named through DispatchQueueArn is tested in test/cli against the runtime file's field of the same name.)
    expect(JSON.stringify(during)).not.toContain(routingKey);
    expect(JSON.parse(stored.Parameter?.Value ?? '{}')).toEqual({ kind: 'pagerduty', routingKey });
    expect(after.some((row) => row.channelId === channelId)).toBe(false);
    expect(gone).toBe('ParameterNotFound');
  });

  it('runs the bundled handlers: a sweep enqueues, the checker confirms one DOWN and one UP', async () => {
    // Prepare: the functions as the stack defines them, fed as Lambda would feed them.
    const endpoint = moto?.endpoint ?? '';
    const sqs = new SQSClient({ ...motoClientConfig(endpoint), useQueueUrlAsEndpoint: false });
    const sns = new SNSClient(motoClientConfig(endpoint));
    started.push({
      stop: async () => {
        sqs.destroy();
        sns.destroy();
      },
    });
    const inbox = await AlertInbox.subscribe(sqs, sns, stack.outputs.TopicArn ?? '', 'aws-tier-alerts');
    const common = {
      endpoint,
      templatePath: assembly.templatePath,
      stackName: assembly.stackName,
      resources: stack.resources,
      unpackDir,
    };
    const fanOut = await BundledFunction.start({ ...common, constructPath: 'FanOut/Function/Resource' });
    started.push(fanOut);
    const checker = await BundledFunction.start({
      ...common,
      constructPath: 'Checker/Function/Resource',
      // The sites are loopback servers of this test: only here may the checker reach them.
      extraEnvironment: { [ENV.allowPrivateTargets]: 'true' },
    });
    started.push(checker);
    const checksQueueUrl = stack.outputs.QueueUrl ?? '';
    const problems: string[] = [];
    const eventSource = new SqsEventSource({
      sqs,
      queueUrl: checksQueueUrl,
      queueArn: await queueArnOf(sqs, checksQueueUrl),
      region: TIER_REGION,
      pollers: 1,
      batchSize: 10,
      waitTimeSeconds: 1,
      invoke: (event: SQSEvent) => checker.invoke<SQSBatchResponse>(event),
      onProblem: (problem) => problems.push(problem),
    });
    eventSource.start();
    started.push(eventSource);
    const sweep = (minuteStartMs: number) =>
      fanOut.invoke<{ outcome: string; due: number; messages: number }>(scheduledEvent(minuteStartMs));
    const startedMs = Date.now();

    // Act: the site fails; this minute's sweep checks it, the delayed re-check confirms it.
    const run = await withLogsOnFailure([fanOut, checker], async () => {
      site.answer(503);
      const firstMinuteMs = minuteOfEpoch(Date.now()) * MINUTE_MS;
      const firstSweep = await sweep(firstMinuteMs);
      const down = await inbox.waitFor((alert) => alert.event === 'DOWN', DOWN_WITHIN_MS);
      const statusWhenDown = await cli.json('status');
      // The site heals; the next minute's sweep (EventBridge's next event) finds it up.
      site.answer(200);
      await sleepUntil(firstMinuteMs + MINUTE_MS);
      const secondSweep = await sweep(firstMinuteMs + MINUTE_MS);
      const up = await inbox.waitFor((alert) => alert.event === 'UP', UP_WITHIN_MS);
      // Nothing else is on its way: the checks queue is empty and the inbox stays so.
      await waitForEmptyQueue(sqs, checksQueueUrl, UP_WITHIN_MS);
      while ((await inbox.receiveOnce()) > 0) {
        // Keeps receiving until a long poll comes back empty.
      }
      const statusWhenUp = await cli.json('status');
      return { firstSweep, secondSweep, down, up, statusWhenDown, statusWhenUp };
    });
    const { firstSweep, secondSweep, down, up, statusWhenDown, statusWhenUp } = run;

    // Assess
    summary.add(
      `bundled handlers: ${eventSource.stats.invocations} checker invocation(s) for ` +
        `${eventSource.stats.messagesReceived} message(s), ${site.requestCount()} request(s) to the site; alerts ` +
        `received: ${inbox.received.map((a) => `${a.event} ${a.siteId} at +${((a.receivedMs - startedMs) / 1000).toFixed(1)} s`).join(', ')}`,
    );
    expect(problems).toEqual([]);
    expect(firstSweep).toMatchObject({ outcome: 'swept', due: 1, messages: 1 });
    expect(secondSweep).toMatchObject({ outcome: 'swept', due: 1, messages: 1 });
    expect(inbox.received.map((alert) => [alert.event, alert.siteId, alert.owner])).toEqual([
      ['DOWN', 'shop', 'team-a'],
      ['UP', 'shop', 'team-a'],
    ]);
    expect(down.subject).toContain('Shop');
    expect(up.subject).toContain('Shop');
    expect(statusWhenDown.map((s) => [s.siteId, s.state])).toEqual([['shop', 'DOWN']]);
    expect(statusWhenUp.map((s) => [s.siteId, s.state])).toEqual([['shop', 'UP']]);
  });
});

/** The event EventBridge's schedule rule sends the fan-out for the minute starting at `minuteStartMs`. */
function scheduledEvent(minuteStartMs: number) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: TIER_ACCOUNT_ID,
    time: new Date(minuteStartMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: TIER_REGION,
    resources: [],
    detail: {},
  };
}

async function queueArnOf(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  return Attributes?.QueueArn ?? '';
}

const sleepUntil = (atMs: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, atMs - Date.now())));

/** Waits until the queue holds nothing: no message visible, in flight or delayed. */
async function waitForEmptyQueue(sqs: SQSClient, queueUrl: string, timeoutMs: number): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs;
  const names = [
    'ApproximateNumberOfMessages',
    'ApproximateNumberOfMessagesNotVisible',
    'ApproximateNumberOfMessagesDelayed',
  ] as const;
  for (;;) {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [...names] }),
    );
    if (names.every((name) => Attributes[name] === '0')) return;
    if (Date.now() > deadlineMs)
      throw new Error(`the checks queue still holds ${JSON.stringify(Attributes)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Runs `work`; a failure carries what the functions logged, which is what explains it. */
async function withLogsOnFailure<T>(
  functions: readonly BundledFunction[],
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const logs = functions.map((fn) => `--- ${fn.name} ---\n${fn.output()}`).join('\n');
    throw new Error(`${(error as Error).message}\n${logs}`, { cause: error });
  }
}
