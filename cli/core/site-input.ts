import { createHash } from 'node:crypto';
import * as v from 'valibot';
import {
  completeSiteConfig,
  explainBadUrl,
  SITE_ID_PATTERN,
  SITE_LIMITS,
  type SiteConfig,
  SiteConfigSchema,
} from '../../functions/domain/site.ts';
import { normalizeSiteUrl } from '../../functions/domain/site-url.ts';
import { showValue } from '../../functions/domain/values.ts';
import { InputError } from '../errors.ts';
import { coerceMaintenance } from './maintenance-spec.ts';

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
  'maxResponseMs',
  'keyword',
  'headers',
  'treatBlockedAsDown',
  'reminderMinutes',
  'tlsWarnDays',
  'fullGetMinutes',
  'maintenance',
  'public',
] as const satisfies ReadonlyArray<keyof SiteConfig>;

export type SiteField = (typeof SITE_FIELDS)[number];

/** What input may name beside the site fields: `keywordAbsent: TEXT` is `keyword: {text: TEXT, mode: absent}`. */
export const INPUT_FIELDS = [...SITE_FIELDS, 'keywordAbsent'] as const;

export type InputField = (typeof INPUT_FIELDS)[number];

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
  maxResponseMs: '--max-response-ms',
  keyword: '--keyword/--keyword-absent',
  headers: '--header',
  treatBlockedAsDown: '--treat-blocked-as-down',
  reminderMinutes: '--reminder-minutes',
  tlsWarnDays: '--tls-warn-days',
  fullGetMinutes: '--full-get-minutes',
  maintenance: 'maintenance',
  public: '--public/--no-public',
};

// Short names that import files may use for columns and keys, beside the field names themselves.
const FIELD_ALIASES: Readonly<Record<string, InputField>> = {
  id: 'siteId',
  interval: 'intervalMinutes',
  timeout: 'timeoutMs',
  expect: 'expectStatus',
  header: 'headers',
  reminder: 'reminderMinutes',
};

const INTEGER_FIELDS = new Set<SiteField>([
  'intervalMinutes',
  'timeoutMs',
  'failureThreshold',
  'recoveryThreshold',
  'confirmDelaySeconds',
  'maxResponseMs',
  'reminderMinutes',
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
export function resolveSiteField(name: string): InputField | undefined {
  const key = name
    .trim()
    .toLowerCase()
    .replace(/[-_\s]/g, '');
  return FIELD_ALIASES[key] ?? INPUT_FIELDS.find((field) => field.toLowerCase() === key);
}

/**
 * A stable id for a URL: a readable slug of host and path plus a short hash of the whole normalized URL,
 * e.g. "example-com-status-3f9a2c". The hash keeps http/https, query strings and long paths apart.
 */
export function deriveSiteId(rawUrl: string): string {
  const url = new URL(normalizeSiteUrl(rawUrl));
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
export function parseSiteInput(raw: Readonly<Partial<Record<InputField, unknown>>>): SiteInputResult {
  const problems: FieldProblem[] = [];
  const input: Record<string, unknown> = {};
  const fields = foldKeywordAbsent(raw, problems);
  for (const field of SITE_FIELDS) {
    const value = typeof fields[field] === 'string' ? (fields[field] as string).trim() : fields[field];
    if (value === undefined || value === null || value === '') continue;
    const coerced = coerceField(field, value);
    if (coerced.ok) input[field] = coerced.value;
    else problems.push({ field, message: coerced.message });
  }

  const isUrlGood = typeof input.url === 'string' && explainBadUrl(input.url) === undefined;
  if (isUrlGood) {
    input.url = normalizeSiteUrl(input.url as string);
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

/** `keywordAbsent: TEXT` becomes `keyword: {text: TEXT, mode: 'absent'}`; giving both is a problem. */
function foldKeywordAbsent(
  raw: Readonly<Partial<Record<InputField, unknown>>>,
  problems: FieldProblem[],
): Partial<Record<SiteField, unknown>> {
  const { keywordAbsent, ...fields } = raw;
  const isGiven = (value: unknown) => value !== undefined && value !== null && value !== '';
  if (!isGiven(keywordAbsent)) return fields;
  if (isGiven(fields.keyword)) {
    problems.push({
      field: 'keyword',
      message: `keyword: give a text that must be present or one that must be absent, not both (got ${JSON.stringify(fields.keyword)} and ${JSON.stringify(keywordAbsent)})`,
    });
    return { ...fields, keyword: undefined };
  }
  const text = typeof keywordAbsent === 'string' ? keywordAbsent.trim() : keywordAbsent;
  return { ...fields, keyword: { text, mode: 'absent' } };
}

/** Strings become the types the schema expects; anything unparseable is reported with the value as typed. */
function coerceField(field: SiteField, value: unknown): Coerced {
  switch (field) {
    case 'headers':
      return coerceHeaders(value);
    case 'maintenance':
      return coerceMaintenance(value);
    case 'tlsWarnDays':
      return typeof value === 'string' ? coerceDays(value) : { ok: true, value };
    case 'fullGetMinutes':
      return typeof value === 'string' ? coerceFullGetMinutes(value) : { ok: true, value };
    case 'keyword':
      return typeof value === 'string'
        ? { ok: true, value: { text: value, mode: 'present' } }
        : { ok: true, value };
    default:
      break;
  }
  if (typeof value !== 'string') return { ok: true, value };
  if (INTEGER_FIELDS.has(field)) {
    const { min, max } = SITE_LIMITS[field as keyof typeof SITE_LIMITS];
    const range =
      field === 'reminderMinutes'
        ? `0 (off) or a whole number from 5 to ${max}`
        : `a whole number from ${min} to ${max}`;
    if (!/^-?\d+$/.test(value)) {
      return { ok: false, message: `${field} must be ${range}, got "${value}"` };
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
  if (field === 'enabled' || field === 'treatBlockedAsDown' || field === 'public') {
    const lower = value.toLowerCase();
    if (lower === 'true' || lower === 'false') return { ok: true, value: lower === 'true' };
    return { ok: false, message: `${field} must be true or false, got "${value}"` };
  }
  return { ok: true, value };
}

/** "14,7,1", "14 7 1" or "off" (no warnings). */
function coerceDays(value: string): Coerced {
  if (/^(off|none)$/i.test(value)) return { ok: true, value: [] };
  const parts = value.split(/[\s,;]+/).filter((part) => part !== '');
  if (parts.length === 0 || parts.some((part) => !/^\d+$/.test(part))) {
    return {
      ok: false,
      message: `tlsWarnDays must be whole numbers from 1 to 365 separated by commas (e.g. 14,7,1) or "off", got "${value}"`,
    };
  }
  return { ok: true, value: parts.map(Number) };
}

/** "30" or "off" (0: every check is a HEAD heartbeat, unless the site is on GET). */
function coerceFullGetMinutes(value: string): Coerced {
  if (/^off$/i.test(value)) return { ok: true, value: 0 };
  if (!/^\d+$/.test(value)) {
    const { max } = SITE_LIMITS.fullGetMinutes;
    return {
      ok: false,
      message: `fullGetMinutes must be a whole number of minutes up to ${max}, or "off" (or 0), got "${value}"`,
    };
  }
  return { ok: true, value: Number(value) };
}

/**
 * Request headers as a JSON object, a JSON object in a string (a CSV cell), or "Name: value" strings (one per
 * `--header` flag, or an array of them in a JSON import). A name given twice (in any case) is a problem.
 */
function coerceHeaders(value: unknown): Coerced {
  let lines: unknown = value;
  if (typeof value === 'string') {
    if (!value.startsWith('{')) lines = [value];
    else {
      try {
        return { ok: true, value: JSON.parse(value) };
      } catch {
        return {
          ok: false,
          message: `headers must be a JSON object or "Name: value", got ${showValue(value)}`,
        };
      }
    }
  }
  if (!Array.isArray(lines)) return { ok: true, value };
  const headers: Record<string, string> = {};
  const seen = new Map<string, string>();
  for (const line of lines) {
    const match = typeof line === 'string' ? /^([^:]*):(.*)$/.exec(line) : null;
    const name = match?.[1]?.trim() ?? '';
    if (!match || name === '') {
      return { ok: false, message: `header must look like "Name: value", got ${showValue(line)}` };
    }
    const earlier = seen.get(name.toLowerCase());
    if (earlier !== undefined) {
      return { ok: false, message: `header "${name}" is given twice (also as "${earlier}")` };
    }
    seen.set(name.toLowerCase(), name);
    headers[name] = (match[2] ?? '').trim();
  }
  return { ok: true, value: headers };
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

/**
 * Flags given as empty or blank strings (`--name ""`, `--owner " "`): refused, because input elsewhere (a CSV
 * cell) reads empty as "use the default", which would quietly turn a flag into nothing. The URL is left to
 * parseSiteInput.
 */
export function findBlankFlags(raw: Readonly<Partial<Record<InputField, unknown>>>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (name === 'url' || typeof value !== 'string' || value.trim() !== '') continue;
    const field: SiteField = name === 'keywordAbsent' ? 'keyword' : (name as SiteField);
    problems.push({
      field,
      message: `${name} must not be empty, got ${JSON.stringify(value)} (leave the flag out for the default)`,
    });
  }
  return problems;
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

/** @throws InputError when ID (a command argument) cannot be a site id. */
export function assertSiteId(siteId: string): void {
  if (!SITE_ID_PATTERN.test(siteId)) {
    throw new InputError(`ID must be 1-63 lowercase letters, digits or dashes, got "${siteId.slice(0, 80)}"`);
  }
}
