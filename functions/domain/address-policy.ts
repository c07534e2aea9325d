import ipaddr from 'ipaddr.js';

// 64:ff9b::/96 (RFC 6052 well-known NAT64 prefix) carries the IPv4 address in its last 32 bits.
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');
// ::/96 is the deprecated IPv4-compatible form (::a.b.c.d); ipaddr.js calls it unicast, so block it here.
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');

/**
 * True when `ip` is a public unicast address a check may connect to.
 *
 * Public means ipaddr.js's `unicast` range and nothing else: loopback, private, unique-local, link-local
 * (incl. the 169.254.169.254 metadata endpoint), CGNAT, multicast, unspecified, broadcast and reserved
 * ranges are blocked. IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses
 * are judged by the IPv4 address they embed; teredo, IPv4-translated, local-use NAT64 and IPv4-compatible
 * forms are blocked outright. Anything that is not a plain dotted-quad IPv4 or a valid IPv6 is false.
 */
export function isPublicAddress(ip: string): boolean {
  // Only canonical forms: resolvers return them, and "0x7f.1"-style spellings have no business here.
  if (ipaddr.IPv4.isValidFourPartDecimal(ip)) return isPublicIPv4(ipaddr.IPv4.parse(ip));
  if (!ipaddr.IPv6.isValid(ip) || ip.includes('%')) return false;
  return isPublicIPv6(ipaddr.IPv6.parse(ip));
}

const isPublicIPv4 = (address: ipaddr.IPv4): boolean => address.range() === 'unicast';

function isPublicIPv6(address: ipaddr.IPv6): boolean {
  const range = address.range();
  if (range === 'ipv4Mapped') return isPublicIPv4(address.toIPv4Address());
  if (address.match(NAT64_WELL_KNOWN)) return isPublicIPv4(embeddedIPv4(address.parts[6], address.parts[7]));
  if (range === '6to4') return isPublicIPv4(embeddedIPv4(address.parts[1], address.parts[2]));
  return range === 'unicast' && !address.match(IPV4_COMPATIBLE);
}

/** Builds the IPv4 address held in two 16-bit IPv6 groups (high, low). */
const embeddedIPv4 = (high = 0, low = 0): ipaddr.IPv4 =>
  new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);

// Where clouds serve instance credentials (AWS, GCP, Azure: 169.254.169.254; AWS over IPv6: fd00:ec2::254).
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254']);

// ipaddr.js range names, in words a user knows.
const RANGE_WORDS: Readonly<Record<string, string>> = {
  loopback: 'loopback',
  private: 'private',
  uniqueLocal: 'private (unique local)',
  linkLocal: 'link-local',
  carrierGradeNat: 'carrier-grade NAT',
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
};

/**
 * Why checks never connect to `ip` (see isPublicAddress), in words: "loopback", "private", "link-local",
 * "cloud metadata", …; undefined when it is public or not an IP address at all. Embedded IPv4 addresses
 * (IPv4-mapped, NAT64, 6to4) are described by the address they carry.
 */
export function describeBlockedAddress(ip: string): string | undefined {
  if (isPublicAddress(ip) || !ipaddr.isValid(ip) || ip.includes('%')) return undefined;
  if (ipaddr.IPv4.isValid(ip) && !ipaddr.IPv4.isValidFourPartDecimal(ip)) return undefined;
  let address = ipaddr.parse(ip);
  if (address.kind() === 'ipv6') {
    const v6 = address as ipaddr.IPv6;
    if (v6.range() === 'ipv4Mapped') address = v6.toIPv4Address();
    else if (v6.match(NAT64_WELL_KNOWN)) address = embeddedIPv4(v6.parts[6], v6.parts[7]);
    else if (v6.range() === '6to4') address = embeddedIPv4(v6.parts[1], v6.parts[2]);
  }
  if (METADATA_ADDRESSES.has(address.toNormalizedString()) || METADATA_ADDRESSES.has(address.toString())) {
    return 'cloud metadata';
  }
  const range = address.range();
  const words = RANGE_WORDS[range];
  if (words !== undefined) return words;
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).match(IPV4_COMPATIBLE)) {
    return 'IPv4-compatible (deprecated)';
  }
  return range === 'reserved' ? 'reserved' : `reserved (${range})`;
}
