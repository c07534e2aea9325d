import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ENV,
  readCheckerConfig,
  readCompactorConfig,
  readDelivererConfig,
  readNameservers,
  readVerifierConfig,
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

describe('readCheckerConfig: verification (issue 15)', () => {
  const WITH_REGIONS = {
    ...CHECKER_ENV,
    AWS_REGION: 'us-east-1',
    VERIFIER_REGIONS: 'us-west-2, eu-west-1',
    VERIFIER_FUNCTION_NAME: 'squirrel-verifier',
  };

  it.each([{}, { VERIFIER_REGIONS: '' }, { VERIFIER_REGIONS: ' ' }])(
    'has no verification without verifier regions (%o): the checker behaves as before',
    (env) => {
      // Act
      const config = readCheckerConfig({ ...CHECKER_ENV, ...env });

      // Assess
      expect(config.verification).toBeUndefined();
    },
  );

  it('reads the regions in order, the function name, and home from AWS_REGION', () => {
    // Act
    const config = readCheckerConfig(WITH_REGIONS);

    // Assess
    expect(config.verification).toEqual({
      home: 'us-east-1',
      regions: ['us-west-2', 'eu-west-1'],
      functionName: 'squirrel-verifier',
      endpoints: {},
    });
  });

  it('takes HOME_LOCATION over AWS_REGION, and "local" without either', () => {
    // Act
    const named = readCheckerConfig({ ...WITH_REGIONS, HOME_LOCATION: 'home-lab' });
    const local = readCheckerConfig({ ...WITH_REGIONS, AWS_REGION: undefined });

    // Assess
    expect(named.verification?.home).toBe('home-lab');
    expect(local.verification?.home).toBe('local');
  });

  it('reads local endpoints, one per region', () => {
    // Act
    const config = readCheckerConfig({
      ...WITH_REGIONS,
      HOME_LOCATION: 'local',
      VERIFIER_REGIONS: 'local-west,local-east',
      VERIFIER_ENDPOINTS: 'local-west=http://127.0.0.1:4101, local-east=http://127.0.0.1:4102/',
    });

    // Assess
    expect(config.verification?.endpoints).toEqual({
      'local-west': 'http://127.0.0.1:4101',
      'local-east': 'http://127.0.0.1:4102',
    });
  });

  it.each([
    [
      { VERIFIER_REGIONS: 'us-west-2,US_EAST' },
      'environment variable VERIFIER_REGIONS must list regions like us-west-2,eu-west-1, got "US_EAST"',
    ],
    [
      { VERIFIER_REGIONS: 'us-west-2,eu-west-1,us-west-2' },
      'environment variable VERIFIER_REGIONS names "us-west-2" twice',
    ],
    [
      { VERIFIER_REGIONS: 'us-west-1,us-west-2,eu-west-1,eu-west-2,ap-south-1' },
      'environment variable VERIFIER_REGIONS may name at most 4 regions, got 5',
    ],
    [
      { VERIFIER_REGIONS: 'us-west-2,us-east-1' },
      'environment variable VERIFIER_REGIONS names the home location "us-east-1": verifiers run elsewhere',
    ],
    [{ VERIFIER_FUNCTION_NAME: '' }, 'environment variable VERIFIER_FUNCTION_NAME is required'],
    [
      { HOME_LOCATION: 'Home' },
      'environment variable HOME_LOCATION must be a location like us-west-2 (lower case letters, digits, dashes), got "Home"',
    ],
    [
      { VERIFIER_ENDPOINTS: 'us-west-2=http://127.0.0.1:4101' },
      'environment variable VERIFIER_ENDPOINTS has no endpoint for "eu-west-1"',
    ],
    [
      { VERIFIER_ENDPOINTS: 'us-west-2=http://127.0.0.1:1,ap-south-1=http://127.0.0.1:2' },
      'environment variable VERIFIER_ENDPOINTS must pair each of us-west-2, eu-west-1 with a URL (location=http://host:port), got "ap-south-1=http://127.0.0.1:2"',
    ],
    [
      { VERIFIER_ENDPOINTS: 'us-west-2=127.0.0.1:1,eu-west-1=http://127.0.0.1:2' },
      'environment variable VERIFIER_ENDPOINTS must be an http(s) URL, got "127.0.0.1:1"',
    ],
  ])('refuses %o, naming the variable and the value', (env, message) => {
    // Act
    const read = () => readCheckerConfig({ ...WITH_REGIONS, ...env });

    // Assess
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(message);
  });

  it('reads PROBE_SOURCE_ADDRESS, refusing what is not an IP address', () => {
    // Act
    const config = readCheckerConfig({ ...CHECKER_ENV, PROBE_SOURCE_ADDRESS: '127.0.0.1' });
    const read = () => readCheckerConfig({ ...CHECKER_ENV, PROBE_SOURCE_ADDRESS: 'localhost' });

    // Assess
    expect(config.probeSourceAddress).toBe('127.0.0.1');
    expect(read).toThrow(
      new ConfigError('environment variable PROBE_SOURCE_ADDRESS must be an IP address, got "localhost"'),
    );
  });
});

describe('readVerifierConfig', () => {
  it('reads its location from AWS_REGION, with production probe settings by default', () => {
    // Act
    const config = readVerifierConfig({ AWS_REGION: 'eu-west-1' });

    // Assess
    expect(config).toEqual({ location: 'eu-west-1', allowPrivateTargets: false, dnsServers: [] });
  });

  it('takes VERIFIER_LOCATION, private targets, nameservers and a source address locally', () => {
    // Act
    const config = readVerifierConfig({
      AWS_REGION: 'us-east-1',
      VERIFIER_LOCATION: 'local-west',
      ALLOW_PRIVATE_TARGETS: 'true',
      DNS_SERVERS: '127.0.0.1:5353',
      PROBE_SOURCE_ADDRESS: '127.0.0.2',
    });

    // Assess
    expect(config).toEqual({
      location: 'local-west',
      allowPrivateTargets: true,
      dnsServers: ['127.0.0.1:5353'],
      probeSourceAddress: '127.0.0.2',
    });
  });

  it.each([
    [{}, 'environment variable VERIFIER_LOCATION (or AWS_REGION) is required'],
    [
      { VERIFIER_LOCATION: 'west coast' },
      'environment variable VERIFIER_LOCATION must be a location like us-west-2 (lower case letters, digits, dashes), got "west coast"',
    ],
    [
      { AWS_REGION: 'eu-west-1', PROBE_SOURCE_ADDRESS: '127.0.0' },
      'environment variable PROBE_SOURCE_ADDRESS must be an IP address, got "127.0.0"',
    ],
  ])('refuses %o by name', (env, message) => {
    expect(() => readVerifierConfig(env)).toThrow(new ConfigError(message));
  });
});
