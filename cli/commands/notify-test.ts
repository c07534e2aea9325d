import { randomBytes } from 'node:crypto';
import {
  GetSubscriptionAttributesCommand,
  paginateListSubscriptionsByTopic,
  type SNSClient,
} from '@aws-sdk/client-sns';
import pLimit from 'p-limit';
import { ALL_OWNERS, type Channel } from '../../functions/domain/channels/channel.ts';
import { loadChannelBackends, loadChannelDelivery, loadNoticePublisher } from '../core/channel-backends.ts';
import type {
  ChannelBackends,
  ChannelDelivery,
  DeliverToChannel,
  NoticePublisherPort,
  TestNotification,
} from '../core/channel-ports.ts';
import { isFailedTest, renderTestResults, type TestResult, testResultOf } from '../core/channel-render.ts';
import { isReceivedUnderPolicy, parseOwner } from '../core/contact.ts';
import { toJsonLine } from '../core/render.ts';
import { EXIT } from '../errors.ts';
import type { Io } from '../io.ts';
import { type Target, type TargetOptions, withTarget } from '../target.ts';

// Deliveries in flight at once: a handful of channels answer in parallel, none is flooded.
const DELIVERY_CONCURRENCY = 4;

export interface NotifyTestDeps {
  readonly backends: (target: Target) => Promise<ChannelBackends>;
  readonly delivery: (target: Target) => Promise<ChannelDelivery>;
  readonly publisher: (target: Target) => Promise<NoticePublisherPort>;
  readonly nowMs?: () => number;
  readonly testId?: () => string;
}

const DEFAULT_DEPS: NotifyTestDeps = {
  backends: loadChannelBackends,
  delivery: loadChannelDelivery,
  publisher: loadNoticePublisher,
};

/**
 * `notify-test [--owner O]`: a `test` notification delivered now, from this machine, to every channel that
 * would receive the owner's alerts (the owner's and every-owner '*' channels; without --owner, all), with the
 * deployed code's rules (rendering, the address guard); and one test notice published to the topic for the
 * email and SMS subscriptions that would get it (SNS does not report their delivery back).
 * Exit 1 when any channel did not take it.
 */
export async function notifyTest(
  options: { readonly owner?: string; readonly json?: boolean },
  target: TargetOptions,
  io: Io,
  deps: NotifyTestDeps = DEFAULT_DEPS,
): Promise<number> {
  const owner = options.owner === undefined ? undefined : parseOwner(options.owner);
  return withTarget(target, async (resolved) => {
    const nowMs = (deps.nowMs ?? Date.now)();
    const testId = (deps.testId ?? (() => randomBytes(8).toString('hex')))();
    const notification: TestNotification = { type: 'test', owner: owner ?? ALL_OWNERS, atMs: nowMs, testId };
    const { store, secrets } = await deps.backends(resolved);
    const channels = owner === undefined ? await store.listAll() : await store.listForOwner(owner);
    const results =
      channels.length === 0 ? [] : await testChannels(channels, notification, secrets, resolved, deps, nowMs);
    const contacts = await countContactsReceiving(resolved.sns(), resolved, owner);
    if (contacts > 0) {
      await (await deps.publisher(resolved)).publishNotice(notification);
      results.push({
        target: 'sns',
        kind: 'email/sms',
        label: `${contacts} subscription${contacts === 1 ? '' : 's'}`,
        outcome: 'published',
        status: null,
        ms: null,
        detail: resolved.isLocal
          ? 'published to SNS (the local runtime sends no email or SMS: see the `npm start` window)'
          : 'published to SNS (delivery is not reported back)',
      });
    }
    if (options.json) {
      for (const result of results) io.out(toJsonLine(result));
    } else if (results.length === 0) {
      io.err(
        `no channel or email/SMS subscription receives ${owner === undefined ? 'alerts' : `owner ${owner}'s alerts`}: ` +
          'add one with `squirrel subscribe`',
      );
    } else io.out(renderTestResults(results));
    return results.some(isFailedTest) ? EXIT.failure : EXIT.ok;
  });
}

async function testChannels(
  channels: readonly Channel[],
  notification: TestNotification,
  secrets: ChannelBackends['secrets'],
  target: Target,
  deps: NotifyTestDeps,
  nowMs: number,
): Promise<TestResult[]> {
  const delivery = await deps.delivery(target);
  const limit = pLimit(DELIVERY_CONCURRENCY);
  try {
    return await Promise.all(
      [...channels]
        .sort((a, b) => a.channelId.localeCompare(b.channelId))
        .map((channel) =>
          limit(() => testChannel(channel, notification, { secrets, deliver: delivery.deliver, nowMs })),
        ),
    );
  } finally {
    await delivery.close();
  }
}

async function testChannel(
  channel: Channel,
  notification: TestNotification,
  context: { secrets: ChannelBackends['secrets']; deliver: DeliverToChannel; nowMs: number },
): Promise<TestResult> {
  try {
    const secret = await context.secrets.get(channel.secretName);
    const outcome = await context.deliver({
      secret,
      notification,
      deliveryId: `test:${notification.testId}:${channel.channelId}`,
      nowMs: context.nowMs,
    });
    return testResultOf(channel, outcome);
  } catch (error) {
    // One channel's unreadable secret (deleted parameter, no permission) must not hide the others' outcomes.
    return {
      target: channel.channelId,
      kind: channel.kind,
      label: channel.label,
      outcome: 'failed',
      status: null,
      ms: null,
      detail: `${(error as Error).name}: ${(error as Error).message}`,
    };
  }
}

/**
 * Confirmed email and SMS subscriptions the test notice reaches: those without a filter, and (with --owner)
 * those filtered on that owner. The notice carries owner '*' without --owner, which owner filters do not match.
 */
async function countContactsReceiving(
  sns: SNSClient,
  target: Target,
  owner: string | undefined,
): Promise<number> {
  let count = 0;
  for await (const page of paginateListSubscriptionsByTopic({ client: sns }, { TopicArn: target.topicArn })) {
    for (const subscription of page.Subscriptions ?? []) {
      const { Protocol, SubscriptionArn } = subscription;
      if ((Protocol !== 'email' && Protocol !== 'sms') || !SubscriptionArn?.startsWith('arn:')) continue;
      const { Attributes } = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }));
      if (isReceivedUnderPolicy(Attributes?.FilterPolicy, owner ?? ALL_OWNERS)) count += 1;
    }
  }
  return count;
}
