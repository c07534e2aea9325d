import { describe, expect, it } from 'vitest';
import {
  assertSubscriptionOfTopic,
  describeFilterPolicy,
  isSameContact,
  maskEmail,
  maskEndpoint,
  maskPhone,
  ownerFilterPolicy,
  parseContact,
  parseEmail,
  parseOwner,
  parsePhone,
  parseSubscriptionArn,
} from '../../../cli/core/contact.ts';
import { InputError } from '../../../cli/errors.ts';

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:alerts';

describe('parseEmail', () => {
  it.each(['alice@example.com', 'a.b+tag@sub.example.co.uk', ' alice@example.com '])('accepts %j', (raw) => {
    expect(parseEmail(raw)).toBe(raw.trim());
  });

  it.each([
    'alice',
    'alice@',
    '@example.com',
    'alice@example',
    'a b@example.com',
    'a@@example.com',
    'a..b@x.com',
    `${'a'.repeat(250)}@x.com`,
  ])('rejects %j, naming --email and the value', (raw) => {
    expect(() => parseEmail(raw)).toThrow(InputError);
    expect(() => parseEmail(raw)).toThrow(
      `--email must be an email address like alice@example.com, got "${raw}"`,
    );
  });
});

describe('parsePhone', () => {
  it.each(['+14155550123', '+442071838750', '+4915123456789'])('accepts %j', (raw) => {
    expect(parsePhone(raw)).toBe(raw);
  });

  it.each(['14155550123', '+0123456789', '+1 415 555 0123', '+1415555012345678', '+12', 'phone'])(
    'rejects %j, naming --sms and the value',
    (raw) => {
      expect(() => parsePhone(raw)).toThrow(
        `--sms must be an E.164 phone number like +14155550123 (no spaces), got "${raw}"`,
      );
    },
  );
});

describe('parseOwner', () => {
  it.each(['acme', 'team.ops', 'a@b.c', 'A-1_2+3'])('accepts %j', (owner) => {
    expect(parseOwner(owner)).toBe(owner);
  });

  it.each(['', 'has space', '-leading', 'x'.repeat(65), 'quote"'])('rejects %j', (owner) => {
    expect(() => parseOwner(owner)).toThrow(`--owner must be 1-64 characters`);
    expect(() => parseOwner(owner)).toThrow(`got "${owner}"`);
  });
});

describe('parseContact', () => {
  it.each([
    [{ email: 'a@b.co' }, { protocol: 'email', endpoint: 'a@b.co' }],
    [{ sms: '+14155550123' }, { protocol: 'sms', endpoint: '+14155550123' }],
  ])('reads %j', (options, contact) => {
    expect(parseContact(options)).toEqual(contact);
  });

  it.each([
    [{}, 'give --email ADDRESS or --sms +E164NUMBER'],
    [{ email: 'a@b.co', sms: '+14155550123' }, 'give either --email or --sms, not both'],
  ])('refuses %j', (options, message) => {
    expect(() => parseContact(options)).toThrow(message);
  });
});

describe('filter policies', () => {
  it('limits a subscription to one owner through the owner message attribute', () => {
    expect(JSON.parse(ownerFilterPolicy('acme'))).toEqual({ owner: ['acme'] });
  });

  it.each([
    [undefined, 'all'],
    ['', 'all'],
    ['{"owner":["acme"]}', 'owner acme'],
    ['{"owner":["a","b"]}', 'owner a, b'],
    ['{"owner":["acme"],"event":["DOWN"]}', 'custom'],
    ['{"owner":[{"prefix":"a"}]}', 'custom'],
    ['not json', 'custom'],
  ])('describes %j as %j', (policy, description) => {
    expect(describeFilterPolicy(policy)).toBe(description);
  });
});

describe('masking', () => {
  it.each([
    ['alice@example.com', 'a***@example.com'],
    ['x@y.z', 'x***@y.z'],
    ['nonsense', '***'],
  ])('masks the email %j as %j', (email, masked) => {
    expect(maskEmail(email)).toBe(masked);
  });

  it.each([
    ['+14155550123', '+1*******123'],
    ['+442071838750', '+4********750'],
    ['+123', '***'],
  ])('masks the phone %j as %j', (phone, masked) => {
    expect(maskPhone(phone)).toBe(masked);
  });

  it.each([
    ['email', 'alice@example.com', 'a***@example.com'],
    ['email-json', 'alice@example.com', 'a***@example.com'],
    ['sms', '+14155550123', '+1*******123'],
    ['sqs', 'arn:aws:sqs:us-east-1:000000000000:printer', 'arn:aws:sqs:us-east-1:000000000000:printer'],
  ])('masks a %s endpoint only when it is personal', (protocol, endpoint, shown) => {
    expect(maskEndpoint(protocol, endpoint)).toBe(shown);
  });
});

describe('isSameContact', () => {
  it.each([
    ['email', 'Alice@Example.com', true],
    ['email', 'bob@example.com', false],
    ['sms', 'alice@example.com', false],
  ])('matches %s %s: %s', (protocol, endpoint, expected) => {
    expect(isSameContact({ protocol: 'email', endpoint: 'alice@example.com' }, protocol, endpoint)).toBe(
      expected,
    );
  });
});

describe('subscription ARNs', () => {
  it('accepts a subscription of the topic', () => {
    // Act
    const arn = parseSubscriptionArn(` ${TOPIC_ARN}:6f1c1c47-6a7e-4ad4-9a1b-0c2f7d9f1e55 `);

    // Assess
    expect(arn).toBe(`${TOPIC_ARN}:6f1c1c47-6a7e-4ad4-9a1b-0c2f7d9f1e55`);
    expect(() => assertSubscriptionOfTopic(arn, TOPIC_ARN)).not.toThrow();
  });

  it.each(['nope', TOPIC_ARN, 'arn:aws:sqs:eu-west-1:123456789012:alerts:abc', 'PendingConfirmation'])(
    'rejects %j as not a subscription ARN',
    (raw) => {
      expect(() => parseSubscriptionArn(raw)).toThrow(
        'give a channel id (ch- and 10 letters or digits 2-7, as `squirrel subscriptions list` shows) or a ' +
          `SUBSCRIPTION_ARN like arn:aws:sns:REGION:ACCOUNT:TOPIC:ID, got "${raw}"`,
      );
    },
  );

  it.each([`${TOPIC_ARN}-other:abc`, 'arn:aws:sns:eu-west-1:123456789012:other:abc'])(
    'refuses %j, a subscription to another topic',
    (arn) => {
      expect(() => assertSubscriptionOfTopic(arn, TOPIC_ARN)).toThrow(
        `is not a subscription to this target's topic ${TOPIC_ARN}`,
      );
    },
  );
});
