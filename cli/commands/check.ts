import { readFile } from 'node:fs/promises';
import pLimit from 'p-limit';
import { createProbe } from '../../functions/adapters/http-probe.ts';
import { readNameservers } from '../../functions/config.ts';
import type { CheckResult } from '../../functions/domain/check-result.ts';
import type { SiteConfig } from '../../functions/domain/site.ts';
import { parseStatusRanges } from '../../functions/domain/status-range.ts';
import { parseImportFile } from '../core/import-file.ts';
import { checkJson, renderChecks } from '../core/render.ts';
import {
  describeFieldProblems,
  describeFlagProblems,
  parseSiteInput,
  parseWholeNumberOption,
  type SiteField,
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
  readonly allowPrivate?: boolean;
  readonly dnsServer?: readonly string[];
}

export const DEFAULT_CHECK_CONCURRENCY = 16;
const MAX_CHECK_CONCURRENCY = 256;

/**
 * `check URL... | --file FILE`: checks each URL once, now, with the same probe the checker uses, and prints
 * the verdicts in the order given. Exit 0 when all are up, 1 when any is not up (down, or not checked: a
 * blocked private address or a checker fault), 2 on bad input (nothing checked).
 */
export async function checkUrls(urls: readonly string[], options: CheckOptions, io: Io): Promise<number> {
  const concurrency = readConcurrency(options.concurrency);
  const targets = await readTargets(urls, options, io);
  const probe = createProbe({
    allowPrivateTargets: options.allowPrivate === true,
    ...(options.dnsServer === undefined ? {} : { dnsServers: readDnsServers(options.dnsServer) }),
  });
  const limit = pLimit(concurrency);
  const results: Array<CheckResult | undefined> = targets.map(() => undefined);
  let printed = 0;
  // JSON lines stream out as soon as every earlier URL is done, so the output order is the input order.
  const flush = () => {
    while (printed < targets.length && results[printed] !== undefined) {
      io.out(checkJson(targets[printed]?.url ?? '', results[printed] as CheckResult));
      printed += 1;
    }
  };
  try {
    await Promise.all(
      targets.map((config, index) =>
        limit(async () => {
          results[index] = await probe.check({
            url: config.url,
            method: config.method,
            timeoutMs: config.timeoutMs,
            expectStatus: parseStatusRanges(config.expectStatus),
          });
          if (options.json) flush();
        }),
      ),
    );
  } finally {
    await probe.close();
  }

  const done = targets.map((config, index) => ({ url: config.url, result: results[index] as CheckResult }));
  if (!options.json) io.out(renderChecks(done));
  const blocked = done.filter(({ result }) => result.kind === 'fault' && result.reason === 'blocked-address');
  if (blocked.length > 0 && options.allowPrivate !== true) {
    io.err(
      `${blocked.length} URL(s) resolve to private, loopback or link-local addresses and were not checked ` +
        '(counted as not up); pass --allow-private to check them',
    );
  }
  const notUp = done.filter(({ result }) => result.kind !== 'up').length;
  if (!options.json) io.err(`${done.length - notUp} of ${done.length} up`);
  return notUp === 0 ? EXIT.ok : EXIT.failure;
}

function readConcurrency(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_CHECK_CONCURRENCY;
  const parsed = parseWholeNumberOption('--concurrency', raw, 1, MAX_CHECK_CONCURRENCY);
  if (!parsed.ok) throw new InputError(parsed.message);
  return parsed.value;
}

/** Every URL validated (with the flags' method, timeout and expected statuses) before any is checked. */
async function readTargets(urls: readonly string[], options: CheckOptions, io: Io): Promise<SiteConfig[]> {
  const flags: Partial<Record<SiteField, unknown>> = {
    timeoutMs: options.timeoutMs,
    method: options.method,
    expectStatus: options.expect,
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
  const configs = entries.entries.flatMap((entry) => {
    const parsed = parseSiteInput({ ...flags, ...withoutEmpty(entry.fields) });
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
  return configs;
}

/** Empty CSV cells fall back to the flags rather than overriding them with nothing. */
const withoutEmpty = (fields: Readonly<Partial<Record<SiteField, unknown>>>) =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== ''));

/** The --dns-server values, checked as the checker checks DNS_SERVERS. */
function readDnsServers(values: readonly string[]): readonly string[] {
  try {
    return readNameservers({ DNS_SERVERS: values.join(',') }, 'DNS_SERVERS');
  } catch {
    throw new InputError(`--dns-server must be an ip or ip:port, got ${JSON.stringify(values.join(', '))}`);
  }
}
