import { readFile } from 'node:fs/promises';
import pLimit from 'p-limit';
import { createProbe } from '../../functions/adapters/http-probe.ts';
import { readNameservers } from '../../functions/config.ts';
import type { SiteConfig } from '../../functions/domain/site.ts';
import { probeTargetOf } from '../../functions/services/probe-target.ts';
import { type CheckVerdict, type JudgedCheck, judgeCheck } from '../core/check-verdict.ts';
import { parseImportFile } from '../core/import-file.ts';
import { checkJson, renderChecks } from '../core/render.ts';
import {
  describeFieldProblems,
  describeFlagProblems,
  INPUT_FIELDS,
  type InputField,
  parseSiteInput,
  parseWholeNumberOption,
} from '../core/site-input.ts';
import { EXIT, InputError } from '../errors.ts';
import type { Io } from '../io.ts';

export interface CheckOptions {
  readonly file?: string;
  readonly json?: boolean;
  readonly concurrency?: string;
  readonly timeoutMs?: string;
  readonly method?: string;
  readonly expect?: string;
  readonly header?: readonly string[];
  readonly keyword?: string;
  readonly keywordAbsent?: string;
  readonly maxResponseMs?: string;
  readonly tlsWarnDays?: string;
  readonly treatBlockedAsDown?: boolean;
  readonly fullGetMinutes?: string;
  readonly allowPrivate?: boolean;
  readonly dnsServer?: readonly string[];
}

export const DEFAULT_CHECK_CONCURRENCY = 16;
const MAX_CHECK_CONCURRENCY = 256;

/**
 * What a one-shot check does with each setting a flag, column or key can give. `used`: it shapes the request
 * or the verdict, exactly as in the checker. `not used`: it needs a history (thresholds, confirmation,
 * reminders, windows, the schedule) or only names the site; accepted, so a `sites import` file can be checked
 * as is, and listed on stderr. A Record over every field: a new field does not compile until it is placed.
 */
const ONE_SHOT_USE = {
  siteId: 'not used',
  url: 'used',
  name: 'not used',
  owner: 'not used',
  intervalMinutes: 'not used',
  timeoutMs: 'used',
  method: 'used',
  expectStatus: 'used',
  enabled: 'not used',
  failureThreshold: 'not used',
  recoveryThreshold: 'not used',
  confirmDelaySeconds: 'not used',
  maxResponseMs: 'used',
  keyword: 'used',
  keywordAbsent: 'used',
  headers: 'used',
  treatBlockedAsDown: 'used',
  reminderMinutes: 'not used',
  tlsWarnDays: 'used',
  fullGetMinutes: 'used',
  maintenance: 'not used',
  public: 'not used',
} as const satisfies Readonly<Record<InputField, 'used' | 'not used'>>;

/**
 * A one-shot check is its own schedule: any fullGetMinutes but 0 (off) makes it the full GET, so the default
 * (10) checks what the checker's periodic full GET checks. A site on GET reads the body either way.
 */
export const isFullGetDueNow = (site: SiteConfig): boolean => site.fullGetMinutes !== 0;

/**
 * `check URL... | --file FILE`: checks each URL once, now, with the checker's probe and probe target, and reads
 * each result by the site's policy (treatBlockedAsDown, maxResponseMs, tlsWarnDays) with the alert policy's
 * own rules. Prints the verdicts in the order given. Exit 0 when every verdict is UP; 1 when any is not
 * (DEGRADED, BLOCKED, DOWN, or not checked: a blocked private address or a checker fault); 2 on bad input
 * (nothing checked).
 */
export async function checkUrls(urls: readonly string[], options: CheckOptions, io: Io): Promise<number> {
  const concurrency = readConcurrency(options.concurrency);
  const sites = await readSites(urls, options, io);
  const probe = createProbe({
    allowPrivateTargets: options.allowPrivate === true,
    ...(options.dnsServer === undefined ? {} : { dnsServers: readDnsServers(options.dnsServer) }),
  });
  const limit = pLimit(concurrency);
  const checks: Array<JudgedCheck | undefined> = sites.map(() => undefined);
  let printed = 0;
  // JSON lines stream out as soon as every earlier URL is done, so the output order is the input order.
  const flush = () => {
    for (let check = checks[printed]; check !== undefined; check = checks[printed]) {
      io.out(checkJson(check));
      printed += 1;
    }
  };
  try {
    await Promise.all(
      sites.map((site, index) =>
        limit(async () => {
          const result = await probe.check(probeTargetOf(site, isFullGetDueNow(site)));
          checks[index] = judgeCheck(site, result, Date.now());
          if (options.json) flush();
        }),
      ),
    );
  } finally {
    await probe.close();
  }

  const done = checks as JudgedCheck[];
  if (!options.json) io.out(renderChecks(done));
  const blocked = done.filter(({ result }) => result.kind === 'fault' && result.reason === 'blocked-address');
  if (blocked.length > 0 && options.allowPrivate !== true) {
    io.err(
      `${blocked.length} URL(s) resolve to private, loopback or link-local addresses and were not checked ` +
        '(counted as not up); pass --allow-private to check them',
    );
  }
  const notUp = done.filter(({ verdict }) => verdict !== 'UP');
  if (!options.json) io.err(summarizeChecks(done));
  return notUp.length === 0 ? EXIT.ok : EXIT.failure;
}

// Worst first, as `status` orders its sites.
const NOT_UP_ORDER: readonly CheckVerdict[] = ['DOWN', 'NOT CHECKED', 'BLOCKED', 'DEGRADED'];

/** "3 of 5 UP (1 DOWN, 1 DEGRADED)". */
function summarizeChecks(checks: readonly JudgedCheck[]): string {
  const countOf = (verdict: CheckVerdict) => checks.filter((check) => check.verdict === verdict).length;
  const others = NOT_UP_ORDER.filter((verdict) => countOf(verdict) > 0).map(
    (verdict) => `${countOf(verdict)} ${verdict}`,
  );
  const up = `${countOf('UP')} of ${checks.length} UP`;
  return others.length === 0 ? up : `${up} (${others.join(', ')})`;
}

function readConcurrency(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_CHECK_CONCURRENCY;
  const parsed = parseWholeNumberOption('--concurrency', raw, 1, MAX_CHECK_CONCURRENCY);
  if (!parsed.ok) throw new InputError(parsed.message);
  return parsed.value;
}

/**
 * Every URL validated, with the flags as every URL's settings (a file's column overrides them on its line),
 * before any is checked. Settings a one-shot check does not use are listed once on stderr.
 */
async function readSites(urls: readonly string[], options: CheckOptions, io: Io): Promise<SiteConfig[]> {
  const flags: Partial<Record<InputField, unknown>> = {
    timeoutMs: options.timeoutMs,
    method: options.method,
    expectStatus: options.expect,
    headers: options.header,
    keyword: options.keyword,
    keywordAbsent: options.keywordAbsent,
    maxResponseMs: options.maxResponseMs,
    tlsWarnDays: options.tlsWarnDays,
    treatBlockedAsDown: options.treatBlockedAsDown,
    fullGetMinutes: options.fullGetMinutes,
  };
  const flagCheck = parseSiteInput({ ...flags, url: 'https://example.com/' });
  if (!flagCheck.ok) throw new InputError(describeFlagProblems(flagCheck.problems));

  if (options.file !== undefined && urls.length > 0)
    throw new InputError('give URLs or --file FILE, not both');
  if (options.file === undefined) {
    if (urls.length === 0) throw new InputError('give at least one URL, or --file FILE');
    const problems: string[] = [];
    const configs = urls.flatMap((url) => {
      const parsed = parseSiteInput({ ...flags, url });
      if (parsed.ok) return [parsed.config];
      problems.push(describeFieldProblems(parsed.problems));
      return [];
    });
    if (problems.length > 0) throw new InputError(`${problems.join('; ')}; nothing checked`);
    return configs;
  }

  const file = options.file;
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InputError(`cannot read --file "${file}": ${error.code ?? error.message}`);
  });
  let entries: ReturnType<typeof parseImportFile>;
  try {
    entries = parseImportFile(text);
  } catch (error) {
    if (error instanceof InputError) throw new InputError(`${file}: ${error.message}`);
    throw error;
  }
  const rejected = [...entries.rejected];
  const unused = new Set<InputField>();
  const configs = entries.entries.flatMap((entry) => {
    const line = withoutEmpty(entry.fields);
    for (const field of Object.keys(line) as InputField[]) {
      if (ONE_SHOT_USE[field] === 'not used') unused.add(field);
    }
    const parsed = parseSiteInput({ ...flagsUnder(flags, line), ...line });
    if (parsed.ok) return [parsed.config];
    rejected.push({ line: entry.line, reason: describeFieldProblems(parsed.problems) });
    return [];
  });
  if (rejected.length > 0) {
    rejected.sort((a, b) => a.line - b.line);
    for (const { line, reason } of rejected) io.err(`${file}:${line}: ${reason}`);
    throw new InputError(`${file}: ${rejected.length} bad line(s); nothing checked`);
  }
  if (configs.length === 0) throw new InputError(`${file} has no URLs in it`);
  if (unused.size > 0) {
    const fields = INPUT_FIELDS.filter((field) => unused.has(field));
    io.err(`note: ${file}: not used by a one-shot check: ${fields.join(', ')}`);
  }
  return configs;
}

/** Empty CSV cells fall back to the flags rather than overriding them with nothing. */
const withoutEmpty = (
  fields: Readonly<Partial<Record<InputField, unknown>>>,
): Partial<Record<InputField, unknown>> =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== ''));

/** The flags a line's own settings leave in force: a line's keyword or keywordAbsent replaces both flags. */
function flagsUnder(
  flags: Readonly<Partial<Record<InputField, unknown>>>,
  line: Readonly<Partial<Record<InputField, unknown>>>,
): Partial<Record<InputField, unknown>> {
  const isKeywordInLine = line.keyword !== undefined || line.keywordAbsent !== undefined;
  return isKeywordInLine ? { ...flags, keyword: undefined, keywordAbsent: undefined } : flags;
}

/** The --dns-server values, checked as the checker checks DNS_SERVERS. */
function readDnsServers(values: readonly string[]): readonly string[] {
  try {
    return readNameservers({ DNS_SERVERS: values.join(',') }, 'DNS_SERVERS');
  } catch {
    throw new InputError(`--dns-server must be an ip or ip:port, got ${JSON.stringify(values.join(', '))}`);
  }
}
