import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ENV,
  readCheckerConfig,
  readCompactorConfig,
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
