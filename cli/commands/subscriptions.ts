import {
  GetSubscriptionAttributesCommand,
  paginateListSubscriptionsByTopic,
  type SNSClient,
  SubscribeCommand,
  type Subscription,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import pLimit from 'p-limit';
import type { Channel } from '../../functions/domain/channels/channel.ts';
import { loadChannelBackends } from '../core/channel-backends.ts';
import {
  DESTINATION_FLAGS,
  type DestinationOptions,
  parseChannelOwner,
  parseDestination,
} from '../core/channel-input.ts';
import { channelJson, toChannelRow } from '../core/channel-render.ts';
import {
  assertSubscriptionOfTopic,
  type Contact,
  describeFilterPolicy,
  isSameContact,
  maskEndpoint,
  ownerFilterPolicy,
  parseContact,
  parseOwner,
  parseSubscriptionArn,
} from '../core/contact.ts';
import { renderSubscriptions, type SubscriptionView, toJsonLine } from '../core/render.ts';
import { CommandError, EXIT, InputError } from '../errors.ts';
import type { Io } from '../io.ts';
import { type Target, type TargetOptions, withTarget } from '../target.ts';
import {
  type ChannelCommandDeps,
  type ChannelSelector,
  isChannelId,
  subscribeChannel,
  unsubscribeChannels,
} from './channel-subscriptions.ts';

// What SNS lists in place of the ARN until the endpoint confirms (email: a click on the confirmation link).
const PENDING_ARN = 'PendingConfirmation';
// GetSubscriptionAttributes calls in flight while listing: well under SNS's per-account rate.
const ATTRIBUTE_READ_CONCURRENCY = 4;

/** The real channel store and secrets; tests pass fakes honest to the contract. */
const DEFAULT_CHANNEL_DEPS: ChannelCommandDeps = { backends: loadChannelBackends };

export interface SubscribeOptions extends DestinationOptions {
  readonly owner?: string;
  readonly json?: boolean;
}

/**
 * `subscribe --email ADDR | --sms +E164 | --webhook URL | --slack URL | … [--owner NAME]`. Email and SMS
 * subscribe to the alerts topic (with --owner, a filter policy on the `owner` attribute); a channel is stored
 * as an item (owner, or '*' for every owner) and a SecureString parameter holding its secret.
 */
export async function subscribe(
  options: SubscribeOptions,
  target: TargetOptions,
  io: Io,
  deps: ChannelCommandDeps = DEFAULT_CHANNEL_DEPS,
): Promise<number> {
  const hasChannelFlag = DESTINATION_FLAGS.some(
    ([key]) => key !== 'email' && key !== 'sms' && options[key] !== undefined,
  );
  if (!hasChannelFlag) return subscribeContact(options, target, io);
  const owner = parseChannelOwner(options.owner);
  // Local or not, the flag must be well-formed before the target is looked for.
  parseDestination(options, { allowPrivateTargets: true });
  return withTarget(target, async (resolved) => {
    resolved.channels(); // a target from before alert channels: say so before any warning about the URL
    const parsed = parseDestination(options, {
      allowPrivateTargets: resolved.allowPrivateTargets,
      ...(deps.random === undefined ? {} : { random: deps.random }),
    });
    for (const warning of parsed.warnings) io.err(warning);
    if (parsed.destination.kind !== 'channel') throw new Error('a channel flag parsed as a contact');
    return subscribeChannel(parsed.destination.secret, owner, options, resolved, deps, io);
  });
}

async function subscribeContact(options: SubscribeOptions, target: TargetOptions, io: Io): Promise<number> {
  const parsed = parseDestination(options, { allowPrivateTargets: false });
  if (parsed.destination.kind !== 'contact') throw new Error('a contact flag parsed as a channel');
  const { contact } = parsed.destination;
  const owner = options.owner === undefined ? undefined : parseOwner(options.owner);
  const shown = maskEndpoint(contact.protocol, contact.endpoint);

  return withTarget(target, async (resolved) => {
    const sns = resolved.sns();
    let subscriptionArn: string;
    try {
      const response = await sns.send(
        new SubscribeCommand({
          TopicArn: resolved.topicArn,
          Protocol: contact.protocol,
          Endpoint: contact.endpoint,
          ReturnSubscriptionArn: true,
          Attributes:
            owner === undefined
              ? undefined
              : { FilterPolicy: ownerFilterPolicy(owner), FilterPolicyScope: 'MessageAttributes' },
        }),
      );
      subscriptionArn = response.SubscriptionArn ?? '';
    } catch (error) {
      if (/already exists with different attributes/i.test((error as Error).message)) {
        throw new CommandError(
          `${shown} is already subscribed with a different filter; run \`squirrel unsubscribe --${contact.protocol} …\` first`,
          { cause: error },
        );
      }
      throw error;
    }
    const isPending = await readIsPending(sns, subscriptionArn);
    const receives = owner === undefined ? 'all alerts' : `alerts for owner ${owner}`;
    if (options.json) {
      io.out(
        toJsonLine({
          subscriptionArn,
          protocol: contact.protocol,
          endpoint: shown,
          owner: owner ?? null,
          isPending,
        }),
      );
    } else {
      io.out(`subscribed ${shown} to ${receives}: ${subscriptionArn}`);
      if (resolved.isLocal) {
        io.err('the local runtime sends no email or SMS: its alerts appear in the `npm start` window');
      } else if (isPending) io.err(describePending(contact));
    }
    return EXIT.ok;
  });
}

/**
 * `unsubscribe SUBSCRIPTION_ARN | CHANNEL_ID | --email ADDR | --sms NUMBER | --slack URL | …`: a channel flag
 * removes the channels whose stored secret has that URL, bot and chat, or routing key.
 */
export async function unsubscribe(
  idArgument: string | undefined,
  options: DestinationOptions,
  target: TargetOptions,
  io: Io,
  deps: ChannelCommandDeps = DEFAULT_CHANNEL_DEPS,
): Promise<number> {
  const given = [idArgument, ...Object.values(options)].filter((value) => value !== undefined).length;
  if (given !== 1) {
    throw new InputError(
      'give exactly one of SUBSCRIPTION_ARN, CHANNEL_ID, --email ADDRESS, --sms NUMBER, --webhook URL, --slack URL, ' +
        '--teams URL, --discord URL, --telegram BOT_TOKEN:CHAT_ID or --pagerduty ROUTING_KEY',
    );
  }
  if (idArgument !== undefined && isChannelId(idArgument.trim())) {
    const selector: ChannelSelector = { by: 'id', channelId: idArgument.trim() };
    return withTarget(target, (resolved) => unsubscribeChannels(selector, resolved, deps, io));
  }
  if (idArgument === undefined && options.email === undefined && options.sms === undefined) {
    // http:// is accepted here whatever the target: it only selects what is already stored.
    const { destination } = parseDestination(options, { allowPrivateTargets: true });
    if (destination.kind !== 'channel') throw new Error('a channel flag parsed as a contact');
    const selector: ChannelSelector = { by: 'secret', secret: destination.secret };
    return withTarget(target, (resolved) => unsubscribeChannels(selector, resolved, deps, io));
  }
  const arn = idArgument === undefined ? undefined : parseSubscriptionArn(idArgument);
  const contact = arn === undefined ? parseContact(options) : undefined;

  return withTarget(target, async (resolved) => {
    const sns = resolved.sns();
    if (arn !== undefined) {
      assertSubscriptionOfTopic(arn, resolved.topicArn);
      const attributes = await readAttributes(sns, arn);
      if (attributes === undefined) throw new CommandError(`no subscription ${arn}`);
      if (
        resolved.alertPrinterEndpoint !== undefined &&
        attributes.Endpoint === resolved.alertPrinterEndpoint
      ) {
        throw new CommandError(
          `${arn} is the local runtime's own alert printer (it shows alerts in the \`npm start\` window) and ` +
            'cannot be removed; subscriptions you added can, and stopping the runtime stops the printer',
        );
      }
      if (resolved.dispatchQueueArn !== undefined && attributes.Endpoint === resolved.dispatchQueueArn) {
        throw new CommandError(
          `${arn} is the ${resolved.isLocal ? "local runtime's" : "stack's"} own channel dispatcher (it hands ` +
            'alerts to the webhook, Slack, Teams, Discord, Telegram and PagerDuty channels) and cannot be removed; ' +
            'remove a channel with `squirrel unsubscribe CHANNEL_ID`',
        );
      }
      await sns.send(new UnsubscribeCommand({ SubscriptionArn: arn }));
      io.out(`unsubscribed ${maskEndpoint(attributes.Protocol ?? '', attributes.Endpoint ?? '')}: ${arn}`);
      return EXIT.ok;
    }
    const wanted = contact as Contact;
    const shown = maskEndpoint(wanted.protocol, wanted.endpoint);
    const matches = (await listTopicSubscriptions(sns, resolved)).filter((subscription) =>
      isSameContact(wanted, subscription.Protocol ?? '', subscription.Endpoint ?? ''),
    );
    if (matches.length === 0) throw new CommandError(`no ${wanted.protocol} subscription for ${shown}`);
    const confirmed = matches.filter((subscription) => subscription.SubscriptionArn !== PENDING_ARN);
    if (confirmed.length === 0) {
      throw new CommandError(
        `the subscription for ${shown} is still pending confirmation and cannot be removed; SNS deletes it after 3 days unconfirmed`,
      );
    }
    for (const subscription of confirmed) {
      await sns.send(new UnsubscribeCommand({ SubscriptionArn: subscription.SubscriptionArn }));
      const stored = maskEndpoint(subscription.Protocol ?? '', subscription.Endpoint ?? '');
      io.out(`unsubscribed ${stored}: ${subscription.SubscriptionArn}`);
    }
    return EXIT.ok;
  });
}

/**
 * `subscriptions list`: every subscription to the alerts topic (endpoints in full: they are the user's own
 * addresses) and every alert channel (its masked label), and what each receives.
 */
export async function listSubscriptions(
  options: { readonly json?: boolean },
  target: TargetOptions,
  io: Io,
  deps: ChannelCommandDeps = DEFAULT_CHANNEL_DEPS,
): Promise<number> {
  return withTarget(target, async (resolved) => {
    const sns = resolved.sns();
    const subscriptions = await listTopicSubscriptions(sns, resolved);
    const limit = pLimit(ATTRIBUTE_READ_CONCURRENCY);
    const views = await Promise.all(
      subscriptions.map((subscription) =>
        limit(async (): Promise<SubscriptionView> => {
          const listedArn = subscription.SubscriptionArn ?? PENDING_ARN;
          const subscriptionArn = listedArn === PENDING_ARN ? null : listedArn;
          const attributes =
            subscriptionArn === null ? undefined : await readAttributes(sns, subscriptionArn);
          return {
            subscriptionArn,
            protocol: subscription.Protocol ?? '',
            endpoint: subscription.Endpoint ?? '',
            receives:
              subscriptionArn === null
                ? 'unknown until confirmed'
                : describeReceives(resolved, subscription.Endpoint, attributes?.FilterPolicy),
            filterPolicy: attributes?.FilterPolicy ?? null,
            isPending: subscriptionArn === null || attributes?.PendingConfirmation === 'true',
          };
        }),
      ),
    );
    const channels = await listChannelsIfAny(resolved, deps, io);
    if (options.json) {
      for (const view of views) io.out(toJsonLine(view));
      for (const channel of channels) io.out(toJsonLine(channelJson(channel)));
    } else if (views.length === 0 && channels.length === 0) {
      io.err(
        'no subscriptions: add one with `squirrel subscribe --email ADDRESS` (or --slack URL, --webhook URL, …)',
      );
    } else io.out(renderSubscriptions(views, channels.map(toChannelRow)));
    return EXIT.ok;
  });
}

/** The target's channels, sorted by id; none (with a note) when the target predates them. */
async function listChannelsIfAny(target: Target, deps: ChannelCommandDeps, io: Io): Promise<Channel[]> {
  try {
    target.channels();
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    io.err(`note: ${error.message}`);
    return [];
  }
  const { store } = await deps.backends(target);
  return (await store.listAll()).sort((a, b) => a.channelId.localeCompare(b.channelId));
}

/** What a subscription receives, naming the target's own two: the alert printer and the channel dispatcher. */
function describeReceives(
  target: Target,
  endpoint: string | undefined,
  filterPolicy: string | undefined,
): string {
  const receives = describeFilterPolicy(filterPolicy);
  if (endpoint !== undefined && endpoint === target.alertPrinterEndpoint) {
    return `${receives} (the local runtime prints them)`;
  }
  if (endpoint !== undefined && endpoint === target.dispatchQueueArn) {
    return `${receives}: channel dispatcher (the ${target.isLocal ? "local runtime's" : "stack's"})`;
  }
  return receives;
}

async function listTopicSubscriptions(sns: SNSClient, target: Target): Promise<Subscription[]> {
  const subscriptions: Subscription[] = [];
  for await (const page of paginateListSubscriptionsByTopic({ client: sns }, { TopicArn: target.topicArn })) {
    subscriptions.push(...(page.Subscriptions ?? []));
  }
  return subscriptions;
}

/** A subscription's attributes, or undefined when SNS says it does not exist. */
async function readAttributes(sns: SNSClient, arn: string): Promise<Record<string, string> | undefined> {
  try {
    const { Attributes } = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn }));
    return Attributes ?? {};
  } catch (error) {
    const { name } = error as Error;
    if (name === 'NotFoundException' || name === 'NotFound') return undefined;
    throw error;
  }
}

async function readIsPending(sns: SNSClient, arn: string): Promise<boolean> {
  if (arn === '' || arn === PENDING_ARN) return true;
  const attributes = await readAttributes(sns, arn);
  return attributes?.PendingConfirmation === 'true';
}

const describePending = (contact: Contact): string =>
  contact.protocol === 'email'
    ? 'AWS sent a confirmation email: alerts start once the link in it is clicked'
    : 'pending confirmation: alerts start once the subscription is confirmed';
