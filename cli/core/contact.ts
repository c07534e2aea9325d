import { isE164PhoneNumber, isEmailAddress } from '../../functions/domain/contact-address.ts';

// Masking lives with the contact rules (functions/domain/contact-address.ts): the local runtime masks too.
export { maskEmail, maskEndpoint, maskPhone } from '../../functions/domain/contact-address.ts';

import { OWNER_PATTERN } from '../../functions/domain/site.ts';
import { InputError } from '../errors.ts';

/** Where an alert goes: the SNS protocol and endpoint of a subscription. */
export type Contact =
  | { readonly protocol: 'email'; readonly endpoint: string }
  | { readonly protocol: 'sms'; readonly endpoint: string };

/** @throws InputError naming `--email` and the bad value. */
export function parseEmail(raw: string): string {
  const email = raw.trim();
  if (!isEmailAddress(email)) {
    throw new InputError(`--email must be an email address like alice@example.com, got "${raw}"`);
  }
  return email;
}

/** @throws InputError naming `--sms` and the bad value. */
export function parsePhone(raw: string): string {
  const phone = raw.trim();
  if (!isE164PhoneNumber(phone)) {
    throw new InputError(`--sms must be an E.164 phone number like +14155550123 (no spaces), got "${raw}"`);
  }
  return phone;
}

/** @throws InputError naming `--owner` and the bad value. */
export function parseOwner(raw: string): string {
  if (!OWNER_PATTERN.test(raw)) {
    throw new InputError(
      `--owner must be 1-64 characters of letters, digits and . _ @ + - (starting with a letter or digit), got "${raw}"`,
    );
  }
  return raw;
}

/** Exactly one of --email and --sms, validated. @throws InputError otherwise. */
export function parseContact(options: { readonly email?: string; readonly sms?: string }): Contact {
  if (options.email !== undefined && options.sms !== undefined) {
    throw new InputError('give either --email or --sms, not both');
  }
  if (options.email !== undefined) return { protocol: 'email', endpoint: parseEmail(options.email) };
  if (options.sms !== undefined) return { protocol: 'sms', endpoint: parsePhone(options.sms) };
  throw new InputError('give --email ADDRESS or --sms +E164NUMBER');
}

/** The filter policy that limits a subscription to one owner's alerts (matched on the `owner` attribute). */
export const ownerFilterPolicy = (owner: string): string => JSON.stringify({ owner: [owner] });

/**
 * Which alerts a subscription receives, from its FilterPolicy: "all" without one, the owner names when it
 * filters on owner only, "custom" for anything else.
 */
export function describeFilterPolicy(policy: string | undefined): string {
  if (policy === undefined || policy.trim() === '') return 'all';
  try {
    const parsed: unknown = JSON.parse(policy);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      const { owner, ...rest } = parsed as Record<string, unknown>;
      const isOwnerList = Array.isArray(owner) && owner.every((name) => typeof name === 'string');
      if (isOwnerList && Object.keys(rest).length === 0) return `owner ${owner.join(', ')}`;
    }
  } catch {
    // An unparseable policy is shown as custom: SNS validated it, we only describe it.
  }
  return 'custom';
}

/**
 * True when a message with this `owner` attribute passes the filter policy: no policy, or an owner-only
 * policy naming it. A custom policy is not judged (false): we only ever write the owner one.
 */
export function isReceivedUnderPolicy(policy: string | undefined, owner: string): boolean {
  const receives = describeFilterPolicy(policy);
  if (receives === 'all') return true;
  if (receives === 'custom') return false;
  const { owner: owners } = JSON.parse(policy as string) as { owner: string[] };
  return owners.includes(owner);
}

/** True when `endpoint` of `protocol` is the contact: emails compare case-insensitively. */
export function isSameContact(contact: Contact, protocol: string, endpoint: string): boolean {
  if (protocol !== contact.protocol) return false;
  return contact.protocol === 'email'
    ? endpoint.toLowerCase() === contact.endpoint.toLowerCase()
    : endpoint === contact.endpoint;
}

/** Checks the shape of a subscription ARN (`arn:aws:sns:REGION:ACCOUNT:TOPIC:ID`). @throws InputError naming it. */
export function parseSubscriptionArn(raw: string): string {
  const arn = raw.trim();
  if (!/^arn:aws[a-z-]*:sns:[^:]*:\d*:[^:]+:[^:]+$/.test(arn)) {
    throw new InputError(
      `give a channel id (ch- and 10 letters or digits 2-7, as \`squirrel subscriptions list\` shows) or a ` +
        `SUBSCRIPTION_ARN like arn:aws:sns:REGION:ACCOUNT:TOPIC:ID, got "${raw}"`,
    );
  }
  return arn;
}

/**
 * A subscription ARN is `<topicArn>:<id>`: refusing the others keeps `unsubscribe` from removing a subscription
 * to some other topic. @throws InputError naming the ARN and the topic.
 */
export function assertSubscriptionOfTopic(arn: string, topicArn: string): void {
  if (!arn.startsWith(`${topicArn}:`)) {
    throw new InputError(
      `SUBSCRIPTION_ARN "${arn}" is not a subscription to this target's topic ${topicArn}`,
    );
  }
}
