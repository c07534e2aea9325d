import { describe, expect, it } from 'vitest';
import { describeBlockedAddress, isPublicAddress } from '../../functions/domain/address-policy.ts';

// Addresses are only classified as strings here, never connected to.
describe('isPublicAddress', () => {
  it.each([
    // Public IPv4
    ['8.8.8.8', true],
    ['1.1.1.1', true],
    ['93.184.216.34', true],
    ['9.255.255.255', true],
    ['11.0.0.0', true],
    ['100.63.255.255', true],
    ['100.128.0.0', true],
    ['169.253.255.255', true],
    ['169.255.0.0', true],
    ['172.15.255.255', true],
    ['172.32.0.0', true],
    ['192.167.255.255', true],
    ['192.169.0.0', true],
    ['223.255.255.255', true],
    // Loopback, unspecified, broadcast
    ['127.0.0.1', false],
    ['127.255.255.255', false],
    ['0.0.0.0', false],
    ['0.255.255.255', false],
    ['255.255.255.255', false],
    // RFC 1918 private, edges of each range
    ['10.0.0.0', false],
    ['10.255.255.255', false],
    ['172.16.0.0', false],
    ['172.31.255.255', false],
    ['192.168.0.0', false],
    ['192.168.255.255', false],
    // Link-local, cloud metadata, CGNAT
    ['169.254.0.0', false],
    ['169.254.169.254', false],
    ['169.254.255.255', false],
    ['100.64.0.0', false],
    ['100.127.255.255', false],
    // Multicast and reserved
    ['224.0.0.1', false],
    ['239.255.255.255', false],
    ['240.0.0.1', false],
    ['192.0.2.1', false],
    ['198.18.0.1', false],
    ['198.51.100.7', false],
    ['203.0.113.9', false],
    // Public IPv6
    ['2606:4700::1111', true],
    ['2001:4860:4860::8888', true],
    ['2a00:1450:4001:80b::200e', true],
    // Special IPv6
    ['::1', false],
    ['::', false],
    ['fc00::1', false],
    ['fd12:3456:789a::1', false],
    ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', false],
    ['fe80::1', false],
    ['febf:ffff::1', false],
    ['fe80::1%eth0', false],
    ['fec0::1', false],
    ['ff02::1', false],
    ['2001:db8::1', false],
    ['100::1', false],
    // IPv4-mapped: judged by the IPv4 address inside
    ['::ffff:127.0.0.1', false],
    ['::ffff:7f00:1', false],
    ['::ffff:10.0.0.1', false],
    ['::ffff:169.254.169.254', false],
    ['::ffff:8.8.8.8', true],
    // NAT64 and 6to4 embed an IPv4 address; teredo, IPv4-translated and IPv4-compatible forms are blocked
    ['64:ff9b::7f00:1', false],
    ['64:ff9b::a9fe:a9fe', false],
    ['64:ff9b::808:808', true],
    ['64:ff9b:1::808:808', false],
    ['2002:7f00:1::1', false],
    ['2002:a9fe:a9fe::1', false],
    ['2002:808:808::1', true],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', false],
    ['::ffff:0:7f00:1', false],
    ['::7f00:1', false],
    ['::808:808', false],
    // Not an address at all
    ['', false],
    ['localhost', false],
    ['example.com', false],
    ['256.1.1.1', false],
    ['8.8.8', false],
    ['0x7f.1', false],
    ['2130706433', false],
    ['[::1]', false],
    ['8.8.8.8/32', false],
    [' 8.8.8.8', false],
    ['2606:4700::1111::1', false],
  ])('classifies %s as public: %s', (ip, expected) => {
    // Prepare: the address comes from the table

    // Act
    const isPublic = isPublicAddress(ip);

    // Assess
    expect(isPublic).toBe(expected);
  });
});

describe('describeBlockedAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['fc00::1', 'private (unique local)'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['169.254.169.254', 'cloud metadata'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['::ffff:169.254.169.254', 'cloud metadata'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['192.0.2.1', 'reserved'],
    ['::a00:1', 'IPv4-compatible (deprecated)'],
  ])('%s is %s', (ip, words) => {
    expect(describeBlockedAddress(ip)).toBe(words);
    expect(isPublicAddress(ip)).toBe(false);
  });

  it.each(['8.8.8.8', '2001:4860:4860::8888', 'example.com', '0x7f.1', 'fe80::1%eth0'])(
    '%s gets no description (public, or not an address checks would connect to as written)',
    (ip) => {
      expect(describeBlockedAddress(ip)).toBeUndefined();
    },
  );
});
