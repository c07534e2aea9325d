import { isPublicAddress } from '../domain/address-policy.ts';
import type { ResolvedAddress } from './dns-resolver.ts';

/** `code` of BlockedAddressError; the probe turns it into a `blocked-address` fault. */
export const BLOCKED_ADDRESS_CODE = 'ESQUIRREL_BLOCKED_ADDRESS';

/** Decides whether a check may connect to an address. */
export type AddressPolicy = (ip: string) => boolean;

/** The production policy, or allow-all for the local runtime and tests. */
export const addressPolicyFor = (allowPrivateTargets: boolean): AddressPolicy =>
  allowPrivateTargets ? () => true : isPublicAddress;

/** No address of a host may be connected to: it resolves only to private, loopback or metadata addresses. */
export class BlockedAddressError extends Error {
  override name = 'BlockedAddressError';
  readonly code = BLOCKED_ADDRESS_CODE;
  readonly host: string;
  readonly addresses: readonly string[];

  constructor(host: string, addresses: readonly string[]) {
    const shown = addresses.length === 0 ? 'no address' : addresses.join(', ');
    const where = addresses.length === 1 && addresses[0] === host ? host : `${host} at ${shown}`;
    super(`blocked connection to ${where}: not an allowed (public) address`);
    this.host = host;
    this.addresses = addresses;
  }
}

/**
 * The addresses a check may connect to, judged on the addresses it will actually connect to (every hop,
 * every check: a DNS answer that changes between checks is judged again). Disallowed ones are dropped; when
 * none is left, the host is blocked.
 */
export function guardAddresses(
  host: string,
  addresses: readonly ResolvedAddress[],
  isAllowed: AddressPolicy,
): readonly ResolvedAddress[] | BlockedAddressError {
  const allowed = addresses.filter((entry) => isAllowed(entry.address));
  if (allowed.length > 0) return allowed;
  return new BlockedAddressError(
    host,
    addresses.map((entry) => entry.address),
  );
}
