import type { Alert } from '../../functions/domain/alert.ts';
import { parseSiteConfig, type SiteConfig, type SiteConfigInput } from '../../functions/domain/site.ts';

/** A valid site config with defaults applied; override what a test cares about. */
export const aSite = (overrides: Partial<SiteConfigInput> = {}): SiteConfig =>
  parseSiteConfig({ siteId: 'example', url: 'https://example.com/', ...overrides });

export const anAlert = (overrides: Partial<Alert> = {}): Alert => ({
  alertId: 'example:3',
  event: 'DOWN',
  siteId: 'example',
  siteName: 'Example',
  url: 'https://example.com/',
  owner: 'ops',
  atMs: Date.UTC(2026, 10, 25, 9, 2, 0),
  outageSinceMs: Date.UTC(2026, 10, 25, 9, 1, 30),
  reason: 'timeout',
  detail: 'timed out after 5000 ms waiting for HEAD https://example.com/',
  latencyMs: 5000,
  ...overrides,
});
