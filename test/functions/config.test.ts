import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ENV,
  readCheckerConfig,
  readCompactorConfig,
  readDelivererConfig,
  readNameservers,
} from '../../functions/config.ts';

const CHECKER_ENV = {
  TABLE_NAME: 'sites',
  QUEUE_URL: 'https://sqs/q',
  TOPIC_ARN: 'arn:aws:sns:us-east-1:1:t',
};

describe('readNameservers', () => {
  it.each([
    ['127.0.0.1', ['127.0.0.1']],
    ['127.0.0.1:5353', ['127.0.0.1:5353']],
    ['::1', ['::1']],
    ['[::1]:5353', ['[::1]:5353']],
    ['10.0.0.2, 10.0.0.3:53', ['10.0.0.2', '10.0.0.3:53']],
  ])('reads %s', (raw, expected) => {
    // Act
    const servers = readNameservers({ DNS_SERVERS: raw }, ENV.dnsServers);

    // Assess
    expect(servers).toEqual(expected);
  });

  it('is empty when unset: the system resolver settings apply', () => {
    // Act
    const servers = readNameservers({}, ENV.dnsServers);

    // Assess
    expect(servers).toEqual([]);
  });

  it.each(['ns1.example', '127.0.0.1:abc', 'http://127.0.0.1'])(
    'refuses %s, naming the variable and the value',
    (raw) => {
      // Act
      const read = () => readNameservers({ DNS_SERVERS: raw }, ENV.dnsServers);

      // Assess
      expect(read).toThrow(ConfigError);
      expect(read).toThrow(
        `environment variable DNS_SERVERS must list nameservers as ip or ip:port, got "${raw}"`,
      );
    },
  );
});

describe('readCheckerConfig', () => {
  it('passes DNS_SERVERS to the checker', () => {
    // Act
    const config = readCheckerConfig({ ...CHECKER_ENV, DNS_SERVERS: '127.0.0.1:5353' });

    // Assess
    expect(config.dnsServers).toEqual(['127.0.0.1:5353']);
  });
});

describe('readCompactorConfig', () => {
  const COMPACTOR_ENV = { TABLE_NAME: 'sites', HISTORY_BUCKET: 'history' };

  it("reads PUBLIC_OWNERS as the fan-out does (its public summary holds those owners' sites)", () => {
    // Act
    const listed = readCompactorConfig({ ...COMPACTOR_ENV, PUBLIC_OWNERS: 'team-a, ops@example.com' });
    const unset = readCompactorConfig(COMPACTOR_ENV);

    // Assess
    expect(listed.publicOwners).toEqual(['team-a', 'ops@example.com']);
    expect(unset.publicOwners).toEqual([]);
  });

  it('refuses an owner that cannot exist, naming the variable and the value', () => {
    // Act
    const read = () => readCompactorConfig({ ...COMPACTOR_ENV, PUBLIC_OWNERS: 'team-a,team b' });

    // Assess
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(
      'environment variable PUBLIC_OWNERS must list owners (letters, digits, . _ @ + -), got "team b"',
    );
  });
});

describe('readDelivererConfig', () => {
  const DELIVERER_ENV = {
    CHANNELS_TABLE: 'channels',
    DELIVERY_QUEUE_URL: 'https://sqs/deliveries.fifo',
    DELIVERY_DLQ_URL: 'https://sqs/deliveries-dlq.fifo',
    CHANNEL_SECRETS_PREFIX: '/uptime-squirrel/Stack/channels',
    TOPIC_ARN: 'arn:aws:sns:us-east-1:1:t',
  };

  it("reads the deliverer's settings, with the services' public endpoints by default", () => {
    expect(readDelivererConfig(DELIVERER_ENV)).toEqual({
      channelsTable: 'channels',
      deliveryQueueUrl: 'https://sqs/deliveries.fifo',
      deliveryDeadLetterQueueUrl: 'https://sqs/deliveries-dlq.fifo',
      channelSecretsPrefix: '/uptime-squirrel/Stack/channels',
      topicArn: 'arn:aws:sns:us-east-1:1:t',
      allowPrivateTargets: false,
      dnsServers: [],
      endpoints: {
        telegramApiUrl: 'https://api.telegram.org',
        pagerDutyEventsUrl: 'https://events.pagerduty.com/v2/enqueue',
      },
    });
  });

  it('takes loopback endpoints, private targets and nameservers for tests and the local runtime', () => {
    const config = readDelivererConfig({
      ...DELIVERER_ENV,
      ALLOW_PRIVATE_TARGETS: 'true',
      DNS_SERVERS: '127.0.0.1:5353',
      TELEGRAM_API_URL: 'http://127.0.0.1:4001/',
      PAGERDUTY_EVENTS_URL: 'http://127.0.0.1:4002/v2/enqueue',
    });

    expect(config).toMatchObject({
      allowPrivateTargets: true,
      dnsServers: ['127.0.0.1:5353'],
      endpoints: {
        telegramApiUrl: 'http://127.0.0.1:4001',
        pagerDutyEventsUrl: 'http://127.0.0.1:4002/v2/enqueue',
      },
    });
  });

  it.each([
    'CHANNELS_TABLE',
    'DELIVERY_QUEUE_URL',
    'DELIVERY_DLQ_URL',
    'CHANNEL_SECRETS_PREFIX',
    'TOPIC_ARN',
  ])('fails by name without %s', (name) => {
    expect(() => readDelivererConfig({ ...DELIVERER_ENV, [name]: undefined })).toThrow(
      new ConfigError(`environment variable ${name} is required`),
    );
  });

  it.each(['telegram.local', 'ftp://127.0.0.1/'])('refuses TELEGRAM_API_URL %s', (raw) => {
    expect(() => readDelivererConfig({ ...DELIVERER_ENV, TELEGRAM_API_URL: raw })).toThrow(
      `environment variable TELEGRAM_API_URL must be an http(s) URL, got "${raw}"`,
    );
  });
});
