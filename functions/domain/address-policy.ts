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
