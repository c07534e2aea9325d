import * as v from 'valibot';
import { MaintenanceWindowsSchema } from './maintenance-window.ts';
import { defaultSiteName, MAX_SITE_NAME_LENGTH } from './site-url.ts';
import { DEFAULT_EXPECT_STATUS, parseStatusRanges, StatusRangeError } from './status-range.ts';
import { showValue, withoutUndefined } from './values.ts';

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
  maxResponseMs: { min: 1, max: 30_000, default: undefined },
  // 0 = no reminders.
  reminderMinutes: { min: 0, max: 1440, default: 0 },
  // 0 = off. A full GET this often catches what HEAD cannot see (a GET that fails, a cut or stalled body).
  fullGetMinutes: { min: 0, max: 1440, default: 10 },
} as const;

export const DEFAULT_TLS_WARN_DAYS: readonly number[] = [14, 7, 1];
export const MAX_HEADERS = 10;
// Headers the probe sets itself or that would change how the request is framed.
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'upgrade',
  'te',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;

export class SiteValidationError extends Error {
  override name = 'SiteValidationError';
}

/** A message function for valibot that names the field, says what it must be and shows the bad value. */
const mustBe =
  (field: string, what: string) =>
  (issue: { input: unknown }): string =>
    `${field} must be ${what}, got ${showValue(issue.input)}`;

// Control characters would let a value add lines to alert emails or break log lines.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** Returns the reason a URL cannot be monitored, or undefined when it is acceptable. */
export function explainBadUrl(raw: string): string | undefined {
  if (raw.length > MAX_URL_LENGTH) return `url is longer than ${MAX_URL_LENGTH} characters (${raw.length})`;
  // The URL parser quietly drops these, but the raw string is what gets stored and shown in alerts.
  if (/\s/.test(raw) || CONTROL_CHARACTERS.test(raw)) {
    return `url must not contain spaces or control characters, got ${JSON.stringify(raw.slice(0, 80))}`;
  }
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
    v.number(mustBe(field, `a whole number from ${min} to ${max}`)),
    v.check(
      (n) => Number.isInteger(n) && n >= min && n <= max,
      mustBe(field, `a whole number from ${min} to ${max}`),
    ),
  );
};

export const SiteConfigSchema = v.object({
  siteId: v.pipe(
    v.string(mustBe('siteId', 'a string')),
    v.check((id) => SITE_ID_PATTERN.test(id), mustBe('siteId', '1-63 lowercase letters, digits or dashes')),
  ),
  url: v.pipe(
    v.string(mustBe('url', 'a string')),
    v.check(
      (url) => explainBadUrl(url) === undefined,
      (issue) => explainBadUrl(String(issue.input)) ?? 'bad url',
    ),
  ),
  name: v.optional(
    v.pipe(
      v.string(mustBe('name', 'a string')),
      v.check((name) => !CONTROL_CHARACTERS.test(name), mustBe('name', 'free of control characters')),
      v.trim(),
      v.check(
        (name) => name.length >= 1 && name.length <= MAX_SITE_NAME_LENGTH,
        mustBe('name', `1-${MAX_SITE_NAME_LENGTH} characters`),
      ),
    ),
  ),
  owner: v.optional(
    v.pipe(
      v.string(mustBe('owner', 'a string')),
      v.check(
        (owner) => OWNER_PATTERN.test(owner),
        mustBe('owner', '1-64 characters of letters, digits and . _ @ + -'),
      ),
    ),
    DEFAULT_OWNER,
  ),
  intervalMinutes: v.optional(integerIn('intervalMinutes'), SITE_LIMITS.intervalMinutes.default),
  timeoutMs: v.optional(integerIn('timeoutMs'), SITE_LIMITS.timeoutMs.default),
  method: v.optional(v.picklist(['HEAD', 'GET'], mustBe('method', 'HEAD or GET')), 'HEAD'),
  expectStatus: v.optional(
    v.pipe(
      v.string(mustBe('expectStatus', 'a string like "200-399"')),
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
  enabled: v.optional(v.boolean(mustBe('enabled', 'true or false')), true),
  failureThreshold: v.optional(integerIn('failureThreshold'), SITE_LIMITS.failureThreshold.default),
  recoveryThreshold: v.optional(integerIn('recoveryThreshold'), SITE_LIMITS.recoveryThreshold.default),
  confirmDelaySeconds: v.optional(integerIn('confirmDelaySeconds'), SITE_LIMITS.confirmDelaySeconds.default),
  /** Slower than this (but up) is DEGRADED, alerted apart from DOWN. Absent: no response-time check. */
  maxResponseMs: v.optional(integerIn('maxResponseMs')),
  /** A text that must be present (or absent) in the first bytes of the body; the check then uses GET. */
  keyword: v.optional(
    v.object({
      text: v.pipe(
        v.string(mustBe('keyword.text', 'a string')),
        v.check(
          (text) => text.length >= 1 && text.length <= 200 && !CONTROL_CHARACTERS.test(text),
          mustBe('keyword.text', '1-200 characters without control characters'),
        ),
      ),
      mode: v.optional(
        v.picklist(['present', 'absent'], mustBe('keyword.mode', 'present or absent')),
        'present',
      ),
    }),
  ),
  headers: v.optional(
    v.pipe(
      v.record(
        v.pipe(
          v.string(),
          v.check((name) => HEADER_NAME.test(name), mustBe('header name', 'an HTTP token')),
          v.check(
            (name) => !RESERVED_HEADERS.has(name.toLowerCase()),
            mustBe('header name', 'one the probe does not set itself'),
          ),
        ),
        v.pipe(
          // Header values are often credentials: errors describe them, never echo them.
          v.string('header value must be a string'),
          v.check(
            (value) => value.length <= 1024 && !CONTROL_CHARACTERS.test(value),
            'header value must be at most 1024 characters without control characters (value not shown)',
          ),
        ),
      ),
      v.check((headers) => Object.keys(headers).length <= MAX_HEADERS, `at most ${MAX_HEADERS} headers`),
    ),
  ),
  /** 401/403/429 and bot challenges are BLOCKED (not paged as an outage) unless this is true. */
  treatBlockedAsDown: v.optional(v.boolean(mustBe('treatBlockedAsDown', 'true or false')), false),
  reminderMinutes: v.optional(
    v.pipe(
      v.number(mustBe('reminderMinutes', '0 (off) or a whole number from 5 to 1440')),
      v.check(
        (n) => n === 0 || (Number.isInteger(n) && n >= 5 && n <= 1440),
        mustBe('reminderMinutes', '0 (off) or a whole number from 5 to 1440'),
      ),
    ),
    SITE_LIMITS.reminderMinutes.default,
  ),
  /**
   * Every this many minutes (aligned to the site's own schedule) a check is a full GET that reads the whole body
   * (up to 1 MiB); 0 = off. Sites on GET read the body on every check.
   */
  fullGetMinutes: v.optional(integerIn('fullGetMinutes'), SITE_LIMITS.fullGetMinutes.default),
  maintenance: v.optional(MaintenanceWindowsSchema, []),
  /**
   * On the public status page (true) or not (false); absent: as its owner is (the deploy setting
   * statusPage.publicOwners). Private by default: sites can be internal.
   */
  public: v.optional(v.boolean(mustBe('public', 'true or false'))),
  tlsWarnDays: v.optional(
    v.pipe(
      v.array(
        v.pipe(
          v.number(),
          v.check(
            (n) => Number.isInteger(n) && n >= 1 && n <= 365,
            mustBe('tlsWarnDays', 'whole numbers from 1 to 365'),
          ),
        ),
      ),
      v.maxLength(5, 'at most 5 tlsWarnDays thresholds'),
    ),
    [...DEFAULT_TLS_WARN_DAYS],
  ),
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

/** Applies the one default that depends on another field: a site is named after its host and path. */
export const completeSiteConfig = (config: v.InferOutput<typeof SiteConfigSchema>): SiteConfig =>
  // Absent optional settings stay absent (not `undefined`), so configs compare and serialise cleanly.
  withoutUndefined({ ...config, name: config.name ?? defaultSiteName(config.url) }) as SiteConfig;
