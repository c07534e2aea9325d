import {
  GetSubscriptionAttributesCommand,
  paginateListSubscriptionsByTopic,
  type SNSClient,
  SubscribeCommand,
  type Subscription,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import pLimit from 'p-limit';
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

// What SNS lists in place of the ARN until the endpoint confirms (email: a click on the confirmation link).
const PENDING_ARN = 'PendingConfirmation';
// GetSubscriptionAttributes calls in flight while listing: well under SNS's per-account rate.
const ATTRIBUTE_READ_CONCURRENCY = 4;

export interface SubscribeOptions {
  readonly email?: string;
  readonly sms?: string;
  readonly owner?: string;
  readonly json?: boolean;
}

/**
 * `subscribe --email ADDR | --sms +E164 [--owner NAME]`: subscribes to the alerts topic; with --owner, a
 * filter policy on the `owner` message attribute limits it to that owner's sites.
 */
export async function subscribe(options: SubscribeOptions, target: TargetOptions, io: Io): Promise<number> {
  const contact = parseContact(options);
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

/** `unsubscribe SUBSCRIPTION_ARN | --email ADDR | --sms NUMBER`. */
export async function unsubscribe(
  arnArgument: string | undefined,
  options: { readonly email?: string; readonly sms?: string },
  target: TargetOptions,
  io: Io,
): Promise<number> {
  const given = [arnArgument, options.email, options.sms].filter((value) => value !== undefined).length;
  if (given !== 1)
    throw new InputError('give exactly one of SUBSCRIPTION_ARN, --email ADDRESS or --sms NUMBER');
  const arn = arnArgument === undefined ? undefined : parseSubscriptionArn(arnArgument);
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

/** `subscriptions list`: every subscription to the alerts topic, endpoints in full, and what each receives. */
export async function listSubscriptions(
  options: { readonly json?: boolean },
  target: TargetOptions,
  io: Io,
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
                : subscription.Endpoint === resolved.alertPrinterEndpoint
                  ? `${describeFilterPolicy(attributes?.FilterPolicy)} (the local runtime prints them)`
                  : describeFilterPolicy(attributes?.FilterPolicy),
            filterPolicy: attributes?.FilterPolicy ?? null,
            isPending: subscriptionArn === null || attributes?.PendingConfirmation === 'true',
          };
        }),
      ),
    );
    if (options.json) {
      for (const view of views) io.out(toJsonLine(view));
    } else if (views.length === 0) {
      io.err('no subscriptions: add one with `squirrel subscribe --email ADDRESS`');
    } else io.out(renderSubscriptions(views));
    return EXIT.ok;
  });
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
