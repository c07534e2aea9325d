import * as v from 'valibot';
import { DEFAULT_EXPECT_STATUS, parseStatusRanges, StatusRangeError } from './status-range.ts';

export const SITE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
// Owners end up in SNS filter policies and message attributes: keep them to a safe, printable set.
export const OWNER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;
export const MAX_URL_LENGTH = 2048;
export const DEFAULT_OWNER = 'default';

/** Limits a user can set, in one place so the CLI, the fan-out and the infra agree. */
export const SITE_LIMITS = {
  intervalMinutes: { min: 1, max: 60, default: 1 },
  timeoutMs: { min: 500, max: 30_000, default: 5_000 },
  failureThreshold: { min: 1, max: 10, default: 2 },
  recoveryThreshold: { min: 1, max: 10, default: 1 },
  // SQS DelaySeconds caps at 900.
  confirmDelaySeconds: { min: 0, max: 900, default: 30 },
} as const;

export class SiteValidationError extends Error {
  override name = 'SiteValidationError';
}

/** Returns the reason a URL cannot be monitored, or undefined when it is acceptable. */
export function explainBadUrl(raw: string): string | undefined {
  if (raw.length > MAX_URL_LENGTH) return `url is longer than ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `url "${raw}" is not an absolute URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `url scheme must be http or https, got "${url.protocol.replace(/:$/, '')}"`;
  }
  // Credentials in a URL would be stored, logged and sent in alerts.
  if (url.username !== '' || url.password !== '') return 'url must not contain credentials (user:password@)';
  if (url.hostname === '') return `url "${raw}" has no host`;
  return undefined;
}

const integerIn = (field: keyof typeof SITE_LIMITS) => {
  const { min, max } = SITE_LIMITS[field];
  return v.pipe(
    v.number(`${field} must be a number`),
    v.check(
      (n) => Number.isInteger(n) && n >= min && n <= max,
      (issue) => `${field} must be a whole number from ${min} to ${max}, got ${String(issue.input)}`,
    ),
  );
};

export const SiteConfigSchema = v.object({
  siteId: v.pipe(
    v.string('siteId must be a string'),
    v.check(
      (id) => SITE_ID_PATTERN.test(id),
      (issue) =>
        `siteId must be 1-63 lowercase letters, digits or dashes, got "${String(issue.input).slice(0, 80)}"`,
    ),
  ),
  url: v.pipe(
    v.string('url must be a string'),
    v.check(
      (url) => explainBadUrl(url) === undefined,
      (issue) => explainBadUrl(String(issue.input)) ?? 'bad url',
    ),
  ),
  name: v.optional(
    v.pipe(
      v.string('name must be a string'),
      v.trim(),
      v.check((name) => name.length >= 1 && name.length <= 100, 'name must be 1-100 characters'),
    ),
  ),
  owner: v.optional(
    v.pipe(
      v.string('owner must be a string'),
      v.check(
        (owner) => OWNER_PATTERN.test(owner),
        (issue) =>
          `owner must be 1-64 characters of letters, digits and . _ @ + -, got "${String(issue.input).slice(0, 80)}"`,
      ),
    ),
    DEFAULT_OWNER,
  ),
  intervalMinutes: v.optional(integerIn('intervalMinutes'), SITE_LIMITS.intervalMinutes.default),
  timeoutMs: v.optional(integerIn('timeoutMs'), SITE_LIMITS.timeoutMs.default),
  method: v.optional(v.picklist(['HEAD', 'GET'], 'method must be HEAD or GET'), 'HEAD'),
  expectStatus: v.optional(
    v.pipe(
      v.string('expectStatus must be a string'),
      v.rawCheck(({ dataset, addIssue }) => {
        if (!dataset.typed) return;
        try {
          parseStatusRanges(dataset.value);
        } catch (error) {
          if (!(error instanceof StatusRangeError)) throw error;
          addIssue({ message: error.message });
        }
      }),
    ),
    DEFAULT_EXPECT_STATUS,
  ),
  enabled: v.optional(v.boolean('enabled must be true or false'), true),
  failureThreshold: v.optional(integerIn('failureThreshold'), SITE_LIMITS.failureThreshold.default),
  recoveryThreshold: v.optional(integerIn('recoveryThreshold'), SITE_LIMITS.recoveryThreshold.default),
  confirmDelaySeconds: v.optional(integerIn('confirmDelaySeconds'), SITE_LIMITS.confirmDelaySeconds.default),
});

/** A site's configuration with every default applied. */
export type SiteConfig = Omit<v.InferOutput<typeof SiteConfigSchema>, 'name'> & { readonly name: string };

/** What a user may write (defaults optional). */
export type SiteConfigInput = v.InferInput<typeof SiteConfigSchema>;

/**
 * Validates a site's configuration from any edge (CLI, DynamoDB item, import file) and applies defaults.
 * Unknown fields are ignored so state attributes on the same item do not get in the way.
 * @throws SiteValidationError listing every problem, each naming the field and the bad value.
 */
export function parseSiteConfig(raw: unknown): SiteConfig {
  const result = v.safeParse(SiteConfigSchema, raw);
  if (!result.success) {
    throw new SiteValidationError(result.issues.map((issue) => issue.message).join('; '));
  }
  return completeSiteConfig(result.output);
}

/** Applies the one default that depends on another field: a site is named after its host. */
export const completeSiteConfig = (config: v.InferOutput<typeof SiteConfigSchema>): SiteConfig => ({
  ...config,
  name: config.name ?? new URL(config.url).host,
});
