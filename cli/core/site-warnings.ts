import { describeBlockedAddress } from '../../functions/domain/address-policy.ts';
import { siteUrlKey } from '../../functions/domain/site-url.ts';

/** A site as far as duplicate URLs go. */
export interface MonitoredUrl {
  readonly siteId: string;
  readonly url: string;
}

// RFC 6761: `localhost` and every name under it resolve to loopback.
const LOCALHOST_NAME = /^(?:.+\.)?localhost\.?$/i;

/**
 * Says why a deployed monitor would not check `url`: its host is an IP literal that is not public (loopback,
 * private, link-local, cloud metadata, …) or a localhost name. Undefined for other names: what they resolve to
 * is only known at check time, where the checker decides on the address it connects to.
 * @param isLocal the target is the local runtime, which allows such addresses (its sites live on loopback).
 */
export function warnAboutPrivateTarget(url: string, isLocal: boolean): string | undefined {
  const hostname = new URL(url).hostname;
  const address = hostname.replace(/^\[|\]$/g, '');
  const kind = describeBlockedAddress(address) ?? (LOCALHOST_NAME.test(hostname) ? 'loopback' : undefined);
  if (kind === undefined) return undefined;
  const rule =
    'a deployed monitor never connects to private, loopback, link-local or metadata addresses, so there the ' +
    'site shows UNCHECKED (blocked-address), never UP or DOWN';
  return isLocal
    ? `${hostname} is not a public address (${kind}): the local runtime checks it, but ${rule}`
    : `${hostname} is not a public address (${kind}): ${rule}`;
}

/** The ids of the other sites that watch the same URL once normalized (case, default port, trailing dot, …). */
export function findSameUrl(site: MonitoredUrl, others: Iterable<MonitoredUrl>): string[] {
  const key = siteUrlKey(site.url);
  const ids: string[] = [];
  for (const other of others) {
    if (other.siteId !== site.siteId && siteUrlKey(other.url) === key) ids.push(other.siteId);
  }
  return ids.sort();
}

/**
 * A duplicate is usually a mistake, but not always (two owners, or other settings, on one URL): it is added,
 * and the warning names the id that already has it and how to undo the add.
 */
export const describeSameUrl = (site: MonitoredUrl, ids: readonly string[]): string =>
  `${site.url} is already monitored as ${ids.map((id) => `"${id}"`).join(', ')}; added it again as "${site.siteId}" ` +
  `(if that was a mistake: squirrel sites remove ${site.siteId})`;
