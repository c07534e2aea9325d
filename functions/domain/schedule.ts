const MS_PER_MINUTE = 60_000;

/** Whole minutes since the Unix epoch: the unit of scheduling. */
export const minuteOfEpoch = (timeMs: number): number => Math.floor(timeMs / MS_PER_MINUTE);

/** FNV-1a, 32-bit: cheap, stable across runtimes, and spreads similar ids well. */
export function hashSiteId(siteId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < siteId.length; i++) {
    hash ^= siteId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * A site with interval N is due when `minute % N == hash(siteId) % N`: every site exactly once per N minutes,
 * and sites with the same interval spread evenly over those minutes instead of all firing on minute 0.
 */
export const isDue = (siteId: string, intervalMinutes: number, minute: number): boolean =>
  minute % intervalMinutes === hashSiteId(siteId) % intervalMinutes;

/**
 * Whether a due check of the site (see isDue) is its periodic full GET: every ceil(fullGetMinutes / interval)-th
 * check, offset by the site's hash so that sites sharing an interval do not all read their bodies in the same
 * minute. 0 = never; an interval at least as long as fullGetMinutes makes every check one.
 */
export function isFullGetDue(
  siteId: string,
  intervalMinutes: number,
  fullGetMinutes: number,
  minute: number,
): boolean {
  if (fullGetMinutes === 0) return false;
  const everyChecks = Math.max(1, Math.ceil(fullGetMinutes / intervalMinutes));
  const checkNumber = Math.floor(minute / intervalMinutes);
  // A different spread than isDue's (hash / interval), so the full GETs of one minute are not all the same sites.
  return checkNumber % everyChecks === Math.floor(hashSiteId(siteId) / intervalMinutes) % everyChecks;
}
