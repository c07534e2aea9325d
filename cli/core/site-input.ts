import { createHash } from 'node:crypto';
import * as v from 'valibot';
import {
  completeSiteConfig,
  explainBadUrl,
  SITE_LIMITS,
  type SiteConfig,
  SiteConfigSchema,
} from '../../functions/domain/site.ts';

/** The site fields a user may set, from flags, CSV columns or JSON keys. */
export const SITE_FIELDS = [
  'siteId',
  'url',
  'name',
  'owner',
  'intervalMinutes',
  'timeoutMs',
  'method',
  'expectStatus',
  'enabled',
  'failureThreshold',
  'recoveryThreshold',
  'confirmDelaySeconds',
] as const satisfies ReadonlyArray<keyof SiteConfig>;

export type SiteField = (typeof SITE_FIELDS)[number];

/** What the user calls each field on the command line, so errors name what they typed. */
export const SITE_FLAGS: Readonly<Record<SiteField, string>> = {
  siteId: '--id',
  url: 'URL',
  name: '--name',
  owner: '--owner',
  intervalMinutes: '--interval',
  timeoutMs: '--timeout-ms',
  method: '--method',
  expectStatus: '--expect',
  enabled: '--enabled',
  failureThreshold: '--failure-threshold',
  recoveryThreshold: '--recovery-threshold',
  confirmDelaySeconds: '--confirm-delay-seconds',
};

// Short names that import files may use for columns and keys, beside the field names themselves.
const FIELD_ALIASES: Readonly<Record<string, SiteField>> = {
  id: 'siteId',
  interval: 'intervalMinutes',
  timeout: 'timeoutMs',
  expect: 'expectStatus',
};

const INTEGER_FIELDS = new Set<SiteField>([
  'intervalMinutes',
  'timeoutMs',
  'failureThreshold',
  'recoveryThreshold',
  'confirmDelaySeconds',
]);

// A readable slug, a dash and a 6-hex hash must fit SITE_ID_PATTERN's 63 characters.
const ID_HASH_LENGTH = 6;
const MAX_ID_SLUG_LENGTH = 63 - 1 - ID_HASH_LENGTH;

/** One problem with one field, in words that name the field and show the bad value. */
export interface FieldProblem {
  readonly field: SiteField;
  readonly message: string;
}

export type SiteInputResult =
  | {
      readonly ok: true;
      readonly config: SiteConfig;
      /** Only the fields the user gave (coerced and normalized): what an update of an existing site changes. */
      readonly given: Readonly<Partial<SiteConfig>>;
    }
  | { readonly ok: false; readonly problems: readonly FieldProblem[] };

/**
 * Maps a column or key name ("interval", "timeout-ms", "Expect_Status") to its site field; undefined when it
 * is none. Case, dashes and underscores do not matter.
 */
export function resolveSiteField(name: string): SiteField | undefined {
  const key = name
    .trim()
    .toLowerCase()
    .replace(/[-_\s]/g, '');
  return FIELD_ALIASES[key] ?? SITE_FIELDS.find((field) => field.toLowerCase() === key);
}

/** The URL as stored and hashed: WHATWG-normalized (lowercase host, default port dropped), no fragment. */
export function normalizeUrl(raw: string): string {
  const url = new URL(raw);
  url.hash = '';
  return url.href;
}

/** True when both are the same URL once normalized (a stored URL may predate normalization). */
export function isSameUrl(a: string, b: string): boolean {
  try {
    return normalizeUrl(a) === normalizeUrl(b);
  } catch {
    return a === b;
  }
}

/**
 * A stable id for a URL: a readable slug of host and path plus a short hash of the whole normalized URL,
 * e.g. "example-com-status-3f9a2c". The hash keeps http/https, query strings and long paths apart.
 */
export function deriveSiteId(rawUrl: string): string {
  const url = new URL(normalizeUrl(rawUrl));
  const hash = createHash('sha256').update(url.href).digest('hex').slice(0, ID_HASH_LENGTH);
  const path = url.pathname === '/' ? '' : url.pathname;
  const slug = `${url.host.replace(/^www\./, '')}${path}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, MAX_ID_SLUG_LENGTH)
    .replace(/-+$/, '');
  return `${slug === '' ? 'site' : slug}-${hash}`;
}

/**
 * Turns raw user input (strings from flags or CSV cells, or JSON values) into a validated site config with
 * every default applied. Empty strings mean "not given". Reports every problem, not just the first.
 */
export function parseSiteInput(raw: Readonly<Partial<Record<SiteField, unknown>>>): SiteInputResult {
  const problems: FieldProblem[] = [];
  const input: Record<string, unknown> = {};
  for (const field of SITE_FIELDS) {
    const value = typeof raw[field] === 'string' ? (raw[field] as string).trim() : raw[field];
    if (value === undefined || value === null || value === '') continue;
    const coerced = coerceField(field, value);
    if (coerced.ok) input[field] = coerced.value;
    else problems.push({ field, message: coerced.message });
  }

  const isUrlGood = typeof input.url === 'string' && explainBadUrl(input.url) === undefined;
  if (isUrlGood) {
    input.url = normalizeUrl(input.url as string);
    input.siteId ??= deriveSiteId(input.url as string);
  } else if (input.url === undefined) {
    problems.push({ field: 'url', message: 'url is required' });
  }

  // With a bad URL there is no derived id: the URL's problem is the one to report, not a missing id.
  const isIdMissingForBadUrl = input.siteId === undefined && !isUrlGood;
  const result = v.safeParse(SiteConfigSchema, { siteId: '', ...input });
  if (!result.success) {
    for (const issue of result.issues) {
      const key = issue.path?.[0]?.key;
      const field = SITE_FIELDS.find((name) => name === key) ?? 'url';
      const isKnown = problems.some((problem) => problem.field === field);
      if (!isKnown && !(field === 'siteId' && isIdMissingForBadUrl)) {
        problems.push({ field, message: issue.message });
      }
    }
  }
  if (problems.length > 0 || !result.success) {
    return { ok: false, problems: problems.sort((a, b) => fieldOrder(a.field) - fieldOrder(b.field)) };
  }
  return { ok: true, config: completeSiteConfig(result.output), given: input as Partial<SiteConfig> };
}

const fieldOrder = (field: SiteField): number => SITE_FIELDS.indexOf(field);

type Coerced =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly message: string };

/** Strings become the types the schema expects; anything unparseable is reported with the value as typed. */
function coerceField(field: SiteField, value: unknown): Coerced {
  if (typeof value !== 'string') return { ok: true, value };
  if (INTEGER_FIELDS.has(field)) {
    const { min, max } = SITE_LIMITS[field as keyof typeof SITE_LIMITS];
    if (!/^-?\d+$/.test(value)) {
      return { ok: false, message: `${field} must be a whole number from ${min} to ${max}, got "${value}"` };
    }
    return { ok: true, value: Number(value) };
  }
  if (field === 'method') {
    const method = value.toUpperCase();
    if (method !== 'HEAD' && method !== 'GET') {
      return { ok: false, message: `method must be HEAD or GET, got "${value}"` };
    }
    return { ok: true, value: method };
  }
  if (field === 'enabled') {
    const lower = value.toLowerCase();
    if (lower === 'true' || lower === 'false') return { ok: true, value: lower === 'true' };
    return { ok: false, message: `enabled must be true or false, got "${value}"` };
  }
  return { ok: true, value };
}

/**
 * The site after an update: `existing` with the `given` fields changed. Settings the user did not give keep
 * their stored values (a paused site stays paused); falls back to `replacement` when the stored item is not a
 * valid site, so the update repairs it.
 */
export function mergeSiteUpdate(
  existing: Readonly<Record<string, unknown>>,
  given: Readonly<Partial<SiteConfig>>,
  replacement: SiteConfig,
): SiteConfig {
  const stored = Object.fromEntries(SITE_FIELDS.map((field) => [field, existing[field]]));
  const merged = parseSiteInput({ ...stored, ...given });
  return merged.ok ? merged.config : replacement;
}

/** "--interval: intervalMinutes must be …": one line naming the flag, the field and the bad value. */
export const describeFlagProblems = (problems: readonly FieldProblem[]): string =>
  problems.map((problem) => `${SITE_FLAGS[problem.field]}: ${problem.message}`).join('; ');

/** "intervalMinutes must be …; owner must be …": for import lines, where fields are columns, not flags. */
export const describeFieldProblems = (problems: readonly FieldProblem[]): string =>
  problems.map((problem) => problem.message).join('; ');

/**
 * Parses a whole-number option such as --concurrency. @returns the number, or a message naming the option
 * and the bad value.
 */
export function parseWholeNumberOption(
  flag: string,
  raw: string,
  min: number,
  max: number,
): { ok: true; value: number } | { ok: false; message: string } {
  const value = Number(raw.trim());
  if (!/^\s*\d+\s*$/.test(raw) || value < min || value > max) {
    return { ok: false, message: `${flag} must be a whole number from ${min} to ${max}, got "${raw}"` };
  }
  return { ok: true, value };
}
