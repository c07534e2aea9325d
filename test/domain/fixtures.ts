import type { CheckResult, DownReason } from '../../functions/domain/check-result.ts';
import { parseSiteConfig, type SiteConfig, type SiteConfigInput } from '../../functions/domain/site.ts';

/** 2026-11-25 09:00:00 UTC: a fixed clock, so times in messages are predictable. */
export const T0 = Date.UTC(2026, 10, 25, 9, 0, 0);

/** A valid site with every default applied; override any field. */
export const aSite = (overrides: Partial<SiteConfigInput> = {}): SiteConfig =>
  parseSiteConfig({
    siteId: 'shop',
    url: 'https://shop.example.com/health',
    name: 'Shop',
    owner: 'team-a',
    ...overrides,
  });

export const upResult = (status = 200, latencyMs = 42): CheckResult => ({ kind: 'up', status, latencyMs });

export const downResult = (
  reason: DownReason = 'timeout',
  detail = 'no response headers within 5000 ms',
  status?: number,
  latencyMs = 5_000,
): CheckResult =>
  status === undefined
    ? { kind: 'down', reason, detail, latencyMs }
    : { kind: 'down', reason, detail, status, latencyMs };

export const faultResult = (reason: 'checker-fault' | 'blocked-address' = 'checker-fault'): CheckResult => ({
  kind: 'fault',
  reason,
  detail: 'checker ran out of time; site not judged',
  latencyMs: 0,
});

/** mulberry32: a tiny seeded generator, so "random" tests fail the same way every time. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const ID_FIRST = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ID_REST = `${ID_FIRST}-`;

/** `count` distinct valid site ids (1-63 chars of a-z, 0-9 and dashes), reproducible from `seed`. */
export function randomSiteIds(count: number, seed: number): string[] {
  const random = seededRandom(seed);
  const pick = (alphabet: string) => alphabet[Math.floor(random() * alphabet.length)] ?? 'a';
  const ids = new Set<string>();
  while (ids.size < count) {
    const length = 1 + Math.floor(random() * 24);
    let id = pick(ID_FIRST);
    for (let i = 1; i < length; i++) id += pick(ID_REST);
    ids.add(id);
  }
  return [...ids];
}

/** The element at `index`, failing loudly instead of yielding undefined. */
export function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`no item at index ${index} (length ${items.length})`);
  return item;
}
