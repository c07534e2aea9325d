import { readFile } from 'node:fs/promises';
import { DynamoDBDocumentClient, GetCommand, paginateScan, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { type SiteRecord, SiteStore } from '../../functions/adapters/site-store.ts';
import type { SiteConfig } from '../../functions/domain/site.ts';
import { isSameSiteUrl } from '../../functions/domain/site-url.ts';
import {
  describeIdTaken,
  type ImportPlan,
  parseImportFile,
  planImport,
  validateImportEntries,
} from '../core/import-file.ts';
import { describeSiteExtras, renderSiteList, siteListJson, toJsonLine } from '../core/render.ts';
import {
  assertSiteId,
  describeFlagProblems,
  findBlankFlags,
  type InputField,
  mergeSiteUpdate,
  parseSiteInput,
} from '../core/site-input.ts';
import {
  describeSameUrl,
  findSameUrl,
  type MonitoredUrl,
  warnAboutPrivateTarget,
} from '../core/site-warnings.ts';
import { CommandError, EXIT, InputError } from '../errors.ts';
import type { Io } from '../io.ts';
import { type Target, type TargetOptions, withTarget } from '../target.ts';

// program.ts loads every `sites …` command through this module.
export {
  addMaintenance,
  clearMaintenance,
  listMaintenance,
  removeMaintenance,
} from './sites-maintenance.ts';

// Enough parallel writes to import thousands of sites in seconds without throttling on-demand tables.
const IMPORT_WRITE_CONCURRENCY = 8;

export interface AddSiteOptions {
  readonly id?: string;
  readonly name?: string;
  readonly owner?: string;
  readonly interval?: string;
  readonly timeoutMs?: string;
  readonly method?: string;
  readonly expect?: string;
  readonly failureThreshold?: string;
  readonly recoveryThreshold?: string;
  readonly confirmDelaySeconds?: string;
  /** `false`: --no-max-response-ms. */
  readonly maxResponseMs?: string | false;
  /** `false`: --no-keyword. */
  readonly keyword?: string | false;
  readonly keywordAbsent?: string;
  /** `false`: --no-header. */
  readonly header?: readonly string[] | false;
  readonly treatBlockedAsDown?: boolean;
  readonly reminderMinutes?: string;
  readonly tlsWarnDays?: string;
  readonly fullGetMinutes?: string;
  /** `false`: --no-public (never public); absent: as the owner's sites. */
  readonly public?: boolean;
  readonly json?: boolean;
}

/** Optional settings `sites add` can remove (`--no-…`); the others are turned off with a value (0, off). */
const CLEARABLE = ['maxResponseMs', 'keyword', 'headers'] as const satisfies ReadonlyArray<keyof SiteConfig>;
type Clearable = (typeof CLEARABLE)[number];

/**
 * `sites add URL`: validates everything, then writes the site. Adding a URL that is already there (same id)
 * changes only the settings given, so a paused site stays paused; another URL under that id is refused
 * (exit 1), never overwritten. A flag given empty (`--name ""`) is refused rather than read as "default". A new
 * site is added with a warning when another id already watches its URL, or its target is not public.
 */
export async function addSite(
  url: string,
  options: AddSiteOptions,
  target: TargetOptions,
  io: Io,
): Promise<number> {
  const clears: Clearable[] = [];
  if (options.maxResponseMs === false) clears.push('maxResponseMs');
  if (options.keyword === false) clears.push('keyword');
  if (options.header === false) clears.push('headers');
  if (options.keyword === false && options.keywordAbsent !== undefined) {
    throw new InputError('--no-keyword: cannot remove the keyword and set --keyword-absent in one command');
  }
  const given = <T>(value: T | false | undefined): T | undefined => (value === false ? undefined : value);
  const raw: Partial<Record<InputField, unknown>> = {
    url,
    siteId: options.id,
    name: options.name,
    owner: options.owner,
    intervalMinutes: options.interval,
    timeoutMs: options.timeoutMs,
    method: options.method,
    expectStatus: options.expect,
    failureThreshold: options.failureThreshold,
    recoveryThreshold: options.recoveryThreshold,
    confirmDelaySeconds: options.confirmDelaySeconds,
    maxResponseMs: given(options.maxResponseMs),
    keyword: given(options.keyword),
    keywordAbsent: options.keywordAbsent,
    headers: given(options.header),
    treatBlockedAsDown: options.treatBlockedAsDown,
    reminderMinutes: options.reminderMinutes,
    tlsWarnDays: options.tlsWarnDays,
    fullGetMinutes: options.fullGetMinutes,
    public: options.public,
  };
  const blank = findBlankFlags(raw);
  if (blank.length > 0) throw new InputError(describeFlagProblems(blank));
  const parsed = parseSiteInput(raw);
  if (!parsed.ok) throw new InputError(describeFlagProblems(parsed.problems));

  return withTarget(target, async (resolved) => {
    const { siteId } = parsed.config;
    const existing = await readItem(resolved, siteId);
    if (existing !== undefined && !isSameSiteUrl(String(existing.url), parsed.config.url)) {
      throw new CommandError(describeIdTaken(siteId, String(existing.url)));
    }
    const merged =
      existing === undefined ? parsed.config : mergeSiteUpdate(existing, parsed.given, parsed.config);
    const config = withoutFields(merged, clears);
    // The read above gives the better message; the write's own condition closes the race with another add.
    if ((await new SiteStore(resolved.dynamodb(), resolved.tableName).putSiteConfig(config)) === 'id-taken') {
      throw new CommandError(describeIdTaken(siteId, 'another URL'));
    }
    const removed = clears.filter((field) => existing?.[field] !== undefined);
    if (removed.length > 0) await removeConfigFields(resolved, config, removed);
    const outcome = existing === undefined ? 'added' : 'updated';
    // An update changes settings of a site the user already has: only a new site needs these warnings.
    const warnings = existing === undefined ? await warnAboutNewSite(resolved, config) : [];
    if (options.json)
      io.out(toJsonLine({ ...config, outcome, ...(warnings.length > 0 ? { warnings } : {}) }));
    else io.out(`${outcome} ${siteId}  ${config.url}  (${describeSettings(config)})`);
    for (const warning of warnings) io.err(`warning: ${warning}`);
    return EXIT.ok;
  });
}

/** What may be a mistake about a site just added: another id already has its URL; its target is private. */
async function warnAboutNewSite(target: Target, config: SiteConfig): Promise<string[]> {
  const warnings: string[] = [];
  const sameUrl = findSameUrl(config, await listSiteUrls(target));
  if (sameUrl.length > 0) warnings.push(describeSameUrl(config, sameUrl));
  const privateTarget = warnAboutPrivateTarget(config.url, target.isLocal);
  if (privateTarget !== undefined) warnings.push(privateTarget);
  return warnings;
}

/**
 * Every site's id and URL, read with a projection (a Scan is billed by the items read, not returned, so this
 * costs what one sweep's scan costs; only an add of a new site pays it).
 */
async function listSiteUrls(target: Target): Promise<MonitoredUrl[]> {
  const doc = DynamoDBDocumentClient.from(target.dynamodb());
  const sites: MonitoredUrl[] = [];
  const pages = paginateScan(
    { client: doc },
    {
      TableName: target.tableName,
      ProjectionExpression: '#siteId, #url',
      ExpressionAttributeNames: { '#siteId': 'siteId', '#url': 'url' },
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      // Bookkeeping items (the sweep lease) have no URL.
      if (typeof item.siteId === 'string' && typeof item.url === 'string') {
        sites.push({ siteId: item.siteId, url: item.url });
      }
    }
  }
  return sites;
}

/** `sites list`: every site's configuration. */
export async function listSites(
  options: { readonly json?: boolean },
  target: TargetOptions,
  io: Io,
): Promise<number> {
  return withTarget(target, async (resolved) => {
    const records = await scanAll(resolved, io);
    if (options.json) for (const line of siteListJson(records)) io.out(line);
    else if (records.length === 0) io.err('no sites yet: add one with `squirrel sites add URL`');
    else io.out(renderSiteList(records));
    return EXIT.ok;
  });
}

/** `sites remove ID`. */
export async function removeSite(siteId: string, target: TargetOptions, io: Io): Promise<number> {
  assertSiteId(siteId);
  return withTarget(target, async (resolved) => {
    const store = new SiteStore(resolved.dynamodb(), resolved.tableName);
    if (!(await store.deleteSite(siteId))) throw new CommandError(`no site with id "${siteId}"`);
    io.out(`removed ${siteId}`);
    return EXIT.ok;
  });
}

/**
 * `sites pause ID` / `sites resume ID`: flips `enabled` and bumps `version` in one conditional write, so a
 * checker holding an older snapshot of the site cannot commit over the change.
 */
export async function setSiteEnabled(
  siteId: string,
  isEnabled: boolean,
  target: TargetOptions,
  io: Io,
): Promise<number> {
  assertSiteId(siteId);
  return withTarget(target, async (resolved) => {
    const before = await new SiteStore(resolved.dynamodb(), resolved.tableName).setEnabled(siteId, isEnabled);
    if (!before) throw new CommandError(`no site with id "${siteId}"`);
    const verb = isEnabled ? 'resumed' : 'paused';
    io.out(before.wasEnabled === isEnabled ? `${siteId} was already ${verb}` : `${verb} ${siteId}`);
    return EXIT.ok;
  });
}

/**
 * `sites import FILE`: validates every line first, then writes the good ones. Every rejected line is reported
 * with its number and reason. Exit 0 when all were imported, 1 when any line was rejected, 2 when the file as
 * a whole is unusable (nothing written).
 */
export async function importSites(
  file: string,
  options: { readonly json?: boolean },
  target: TargetOptions,
  io: Io,
): Promise<number> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InputError(`cannot read FILE "${file}": ${error.code ?? error.message}`);
  });
  let parsed: ReturnType<typeof parseImportFile>;
  try {
    parsed = parseImportFile(text);
  } catch (error) {
    if (error instanceof InputError) throw new InputError(`${file}: ${error.message}`);
    throw error;
  }
  const validated = validateImportEntries(parsed.entries);
  const rejectedEarly = [...parsed.rejected, ...validated.rejected];
  if (validated.valid.length === 0 && rejectedEarly.length === 0)
    throw new InputError(`${file} has no sites in it`);

  return withTarget(target, async (resolved) => {
    const records = await scanAll(resolved, io);
    const existing = new Map(records.map((record) => [record.config.siteId, { ...record.config }]));
    const plan = planImport({ valid: validated.valid, rejected: rejectedEarly }, existing, resolved.isLocal);
    const written = await writePlan(plan, resolved, io, options.json === true);
    for (const warning of plan.warnings) io.err(`${file}:${warning.line}: warning: ${warning.message}`);
    for (const rejection of plan.rejected) {
      if (options.json)
        io.out(toJsonLine({ line: rejection.line, outcome: 'rejected', reason: rejection.reason }));
      else io.err(`${file}:${rejection.line}: rejected: ${rejection.reason}`);
    }
    const added = written.filter((write) => !write.isUpdate).length;
    io.err(
      `imported ${written.length} of ${written.length + plan.rejected.length} sites from ${file} (${parsed.format}): ` +
        `${added} added, ${written.length - added} updated, ${plan.rejected.length} rejected`,
    );
    return plan.rejected.length > 0 ? EXIT.failure : EXIT.ok;
  });
}

async function writePlan(
  plan: ImportPlan,
  target: Target,
  io: Io,
  isJson: boolean,
): Promise<ImportPlan['writes']> {
  const store = new SiteStore(target.dynamodb(), target.tableName);
  const limit = pLimit(IMPORT_WRITE_CONCURRENCY);
  const written: Array<ImportPlan['writes'][number]> = [];
  try {
    await Promise.all(
      plan.writes.map((write) =>
        limit(async () => {
          if ((await store.putSiteConfig(write.config)) === 'id-taken') {
            throw new CommandError(
              `line ${write.line}: ${describeIdTaken(write.config.siteId, 'another URL')}`,
            );
          }
          written.push(write);
          if (isJson) {
            const outcome = write.isUpdate ? 'updated' : 'added';
            io.out(
              toJsonLine({ line: write.line, outcome, siteId: write.config.siteId, url: write.config.url }),
            );
          }
        }),
      ),
    );
  } catch (error) {
    limit.clearQueue();
    const lines = written.map((write) => write.line).sort((a, b) => a - b);
    io.err(
      `import stopped after writing ${written.length} of ${plan.writes.length} sites (lines ${lines.join(', ') || 'none'})`,
    );
    throw error;
  }
  return written;
}

/** Every site in the table; items that are not valid sites are reported on stderr, not hidden. */
export async function scanAll(target: Target, io: Io): Promise<SiteRecord[]> {
  const store = new SiteStore(target.dynamodb(), target.tableName);
  const records: SiteRecord[] = [];
  await store.scanSites(1, async (page) => {
    records.push(...page.sites);
    for (const item of page.invalid)
      io.err(`warning: item "${item.siteId}" is not a valid site: ${item.reason}`);
  });
  return records;
}

/** The item stored under `siteId`, read raw (consistently) so that even an invalid item is never overwritten. */
async function readItem(target: Target, siteId: string): Promise<Record<string, unknown> | undefined> {
  const doc = DynamoDBDocumentClient.from(target.dynamodb());
  const { Item } = await doc.send(
    new GetCommand({ TableName: target.tableName, Key: { siteId }, ConsistentRead: true }),
  );
  return Item;
}

const withoutFields = (config: SiteConfig, fields: readonly Clearable[]): SiteConfig =>
  Object.fromEntries(
    Object.entries(config).filter(([field]) => !fields.includes(field as Clearable)),
  ) as SiteConfig;

/**
 * Removes optional settings from a stored site (`putSiteConfig` only sets what a config has), on the same
 * condition as that write (the id still monitors this URL), and bumps the version so checkers re-read it.
 */
async function removeConfigFields(
  target: Target,
  config: SiteConfig,
  fields: readonly Clearable[],
): Promise<void> {
  const doc = DynamoDBDocumentClient.from(target.dynamodb());
  const names = Object.fromEntries(fields.map((field, index) => [`#r${index}`, field]));
  await doc.send(
    new UpdateCommand({
      TableName: target.tableName,
      Key: { siteId: config.siteId },
      UpdateExpression: `REMOVE ${Object.keys(names).join(', ')} ADD #version :one`,
      ConditionExpression: '#url = :url',
      ExpressionAttributeNames: { ...names, '#url': 'url', '#version': 'version' },
      ExpressionAttributeValues: { ':url': config.url, ':one': 1 },
    }),
  );
}

const describeSettings = (config: SiteConfig): string => {
  const extras = describeSiteExtras(config);
  return `every ${config.intervalMinutes} min, ${config.method}, expect ${config.expectStatus}, timeout ${config.timeoutMs} ms, owner ${config.owner}${extras === '' ? '' : `, ${extras}`}${config.enabled ? '' : ', paused'}`;
};
