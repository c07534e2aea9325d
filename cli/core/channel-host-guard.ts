import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { describeBlockedAddress, isPublicAddress } from '../../functions/domain/address-policy.ts';
import type { ChannelSecret } from '../../functions/domain/channels/channel-secret.ts';
import { CommandError, InputError } from '../errors.ts';

/** Every address a host name resolves to (node:dns lookup with `all`: the hosts file, then DNS). */
export type LookupAll = (hostname: string) => Promise<ReadonlyArray<{ readonly address: string }>>;

export const systemLookupAll: LookupAll = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

export interface HostGuardContext {
  /** The local runtime: its receivers are on loopback, and nothing is refused. */
  readonly allowPrivateTargets: boolean;
  readonly lookup?: LookupAll;
}

/**
 * Refuses a channel URL whose host is, or resolves to, a private, loopback, link-local or cloud-metadata
 * address: early, clear feedback at subscribe time. The deliverer judges every address it connects to again
 * (a name can be re-pointed later), so this is a courtesy, not the protection. Telegram and PagerDuty go to
 * the services' fixed endpoints: nothing to judge.
 * @throws InputError naming the flag, host and address; CommandError when the name does not resolve.
 */
export async function assertPublicChannelHost(
  secret: ChannelSecret,
  context: HostGuardContext,
): Promise<void> {
  if (context.allowPrivateTargets || !('url' in secret)) return;
  const flag = `--${secret.kind}`;
  const host = new URL(secret.url).hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) !== 0) {
    assertPublic(flag, host, host);
    return;
  }
  let addresses: ReadonlyArray<{ readonly address: string }>;
  try {
    addresses = await (context.lookup ?? systemLookupAll)(host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new CommandError(`${flag} URL's host ${host} does not resolve (${code}): check the URL`, {
      cause: error,
    });
  }
  for (const { address } of addresses) assertPublic(flag, host, address);
}

function assertPublic(flag: string, host: string, address: string): void {
  if (isPublicAddress(address)) return;
  const why = describeBlockedAddress(address) ?? 'not a public address';
  const resolved = host === address ? `is ${address}` : `resolves to ${address}`;
  throw new InputError(
    `${flag} URL's host ${host} ${resolved} (${why}): alerts are never sent to private, loopback, link-local ` +
      'or cloud-metadata addresses (only the local runtime allows them)',
  );
}
