import type { SiteConfig } from '../../functions/domain/site.ts';
import { isSameSiteUrl } from '../../functions/domain/site-url.ts';
import { InputError } from '../errors.ts';
import { describeEndedWindow } from './maintenance-spec.ts';
import {
  describeFieldProblems,
  INPUT_FIELDS,
  type InputField,
  mergeSiteUpdate,
  parseSiteInput,
  resolveSiteField,
} from './site-input.ts';
import { describeSameUrl, findSameUrl, type MonitoredUrl, warnAboutPrivateTarget } from './site-warnings.ts';

export type ImportFormat = 'lines' | 'csv' | 'json';

/** One site as written in the file, before validation; `line` is 1-based. */
export interface ImportEntry {
  readonly line: number;
  readonly fields: Readonly<Partial<Record<InputField, unknown>>>;
}

export interface ImportRejection {
  readonly line: number;
  readonly reason: string;
}

export interface ParsedImportFile {
  readonly format: ImportFormat;
  readonly entries: readonly ImportEntry[];
  readonly rejected: readonly ImportRejection[];
}

export interface ValidImportEntry {
  readonly line: number;
  readonly config: SiteConfig;
  /** The fields the line set: an existing site changes only these. */
  readonly given: Readonly<Partial<SiteConfig>>;
}

export interface ValidatedImport {
  readonly valid: readonly ValidImportEntry[];
  readonly rejected: readonly ImportRejection[];
}

/** Something that may be a mistake about a line that is imported all the same. */
export interface ImportWarning {
  readonly line: number;
  readonly message: string;
}

/** What an import will do, given the sites that already exist: every line ends up in exactly one list. */
export interface ImportPlan {
  readonly writes: ReadonlyArray<{
    readonly line: number;
    readonly config: SiteConfig;
    readonly isUpdate: boolean;
  }>;
  readonly rejected: readonly ImportRejection[];
  /** About lines among the writes: a URL another id already has, a target a deployed monitor never reaches. */
  readonly warnings: readonly ImportWarning[];
}

// Fields whose empty value in a JSON item is refused, as `sites add` refuses an empty flag.
const BLANK_REFUSED_FIELDS = ['siteId', 'name', 'owner'] as const satisfies readonly InputField[];

const KNOWN_COLUMNS = `${INPUT_FIELDS.join(', ')} (or id, interval, timeout, expect, header, reminder)`;

/**
 * Reads an import file in any of the three formats, detected from its content:
 * - JSON: an array whose items are URL strings or objects with site fields;
 * - CSV: a header row of site field names (must include url), then one site per row;
 * - lines: one URL per line. Blank lines and lines starting with # are skipped in CSV and lines.
 * A bad line is rejected with its reason; the others are kept.
 * @throws InputError when the file as a whole is unusable (bad JSON, unknown CSV column).
 */
export function parseImportFile(text: string): ParsedImportFile {
  const content = text.replace(/^\uFEFF/, '');
  if (/^\s*[[{]/.test(content)) return parseJson(content);
  const lines = content.split(/\r?\n/);
  const first = lines.find(isContentLine);
  if (first !== undefined && !first.includes('://')) return parseCsv(lines);
  const entries = lines.flatMap((line, index) =>
    isContentLine(line) ? [{ line: index + 1, fields: { url: line.trim() } }] : [],
  );
  return { format: 'lines', entries, rejected: [] };
}

/**
 * Validates every entry and rejects a second line for a site id an earlier line already claimed, and a line
 * whose one-off maintenance window has already ended.
 */
export function validateImportEntries(
  entries: readonly ImportEntry[],
  nowMs: number = Date.now(),
): ValidatedImport {
  const valid: ValidImportEntry[] = [];
  const rejected: ImportRejection[] = [];
  const lineById = new Map<string, number>();
  for (const entry of entries) {
    const result = parseSiteInput(entry.fields);
    if (!result.ok) {
      rejected.push({ line: entry.line, reason: describeFieldProblems(result.problems) });
      continue;
    }
    const ended = (result.given.maintenance ?? [])
      .map((window) => describeEndedWindow(window, nowMs))
      .find((reason) => reason !== undefined);
    if (ended !== undefined) {
      rejected.push({ line: entry.line, reason: `maintenance: ${ended}` });
      continue;
    }
    const { siteId } = result.config;
    const earlier = lineById.get(siteId);
    if (earlier !== undefined) {
      rejected.push({ line: entry.line, reason: `site id "${siteId}" is already used by line ${earlier}` });
      continue;
    }
    lineById.set(siteId, entry.line);
    valid.push({ line: entry.line, config: result.config, given: result.given });
  }
  return { valid, rejected };
}

/**
 * Decides each valid entry against the existing sites (by id): a new id is added; the same id with the same
 * URL is updated, changing only the fields the line set; the same id with another URL is rejected rather
 * than silently overwritten. A new site is added with a warning, as `sites add` gives, when an existing site
 * or an earlier line has its URL under another id, or its target is not a public address.
 * @param isLocal the target is the local runtime (which checks private addresses; a deployed stack does not).
 */
export function planImport(
  validated: ValidatedImport,
  existing: ReadonlyMap<string, Readonly<Record<string, unknown>>>,
  isLocal = false,
): ImportPlan {
  const writes: Array<ImportPlan['writes'][number]> = [];
  const rejected = [...validated.rejected];
  const warnings: ImportWarning[] = [];
  const known: MonitoredUrl[] = [...existing.values()].flatMap((item) =>
    typeof item.siteId === 'string' && typeof item.url === 'string'
      ? [{ siteId: item.siteId, url: item.url }]
      : [],
  );
  for (const entry of validated.valid) {
    const current = existing.get(entry.config.siteId);
    if (current === undefined) {
      writes.push({ line: entry.line, config: entry.config, isUpdate: false });
      const sameUrl = findSameUrl(entry.config, known);
      if (sameUrl.length > 0)
        warnings.push({ line: entry.line, message: describeSameUrl(entry.config, sameUrl) });
      const privateTarget = warnAboutPrivateTarget(entry.config.url, isLocal);
      if (privateTarget !== undefined) warnings.push({ line: entry.line, message: privateTarget });
      known.push(entry.config);
    } else if (!isSameSiteUrl(String(current.url), entry.config.url)) {
      rejected.push({ line: entry.line, reason: describeIdTaken(entry.config.siteId, String(current.url)) });
    } else {
      writes.push({
        line: entry.line,
        config: mergeSiteUpdate(current, entry.given, entry.config),
        isUpdate: true,
      });
    }
  }
  rejected.sort((a, b) => a.line - b.line);
  return { writes, rejected, warnings };
}

/** Why a site id cannot take a new URL; shared by `sites add` and `sites import`. */
export const describeIdTaken = (siteId: string, existingUrl: string): string =>
  `site id "${siteId}" already monitors ${existingUrl}; remove it first or choose another id`;

const isContentLine = (line: string): boolean => line.trim() !== '' && !line.trim().startsWith('#');

function parseCsv(lines: readonly string[]): ParsedImportFile {
  const headerIndex = lines.findIndex(isContentLine);
  const header = splitCsvLine(lines[headerIndex] ?? '');
  if (!header.ok) throw new InputError(`CSV header on line ${headerIndex + 1}: ${header.reason}`);
  const columns = header.cells.map((cell) => {
    const field = resolveSiteField(cell);
    if (field === undefined) {
      throw new InputError(
        `CSV header on line ${headerIndex + 1}: unknown column "${cell.trim()}"; known columns: ${KNOWN_COLUMNS}`,
      );
    }
    return field;
  });
  const duplicate = columns.find((field, index) => columns.indexOf(field) !== index);
  if (duplicate !== undefined) {
    throw new InputError(`CSV header on line ${headerIndex + 1}: column "${duplicate}" appears twice`);
  }
  if (!columns.includes('url')) {
    throw new InputError(`CSV header on line ${headerIndex + 1} has no "url" column`);
  }

  const entries: ImportEntry[] = [];
  const rejected: ImportRejection[] = [];
  lines.forEach((text, index) => {
    if (index <= headerIndex || !isContentLine(text)) return;
    const line = index + 1;
    const row = splitCsvLine(text);
    if (!row.ok) rejected.push({ line, reason: row.reason });
    else if (row.cells.length !== columns.length) {
      rejected.push({ line, reason: `has ${row.cells.length} fields, the header has ${columns.length}` });
    } else
      entries.push({ line, fields: Object.fromEntries(columns.map((field, i) => [field, row.cells[i]])) });
  });
  return { format: 'csv', entries, rejected };
}

type CsvCells =
  | { readonly ok: true; readonly cells: string[] }
  | { readonly ok: false; readonly reason: string };

/** Splits one CSV line (RFC 4180 quoting: "a,b" and "" for a quote; fields never span lines here). */
export function splitCsvLine(line: string): CsvCells {
  const cells: string[] = [];
  let cell = '';
  let isQuoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i];
    if (isQuoted) {
      if (char === '"' && line[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (char === '"') isQuoted = false;
      else cell += char;
    } else if (char === '"' && cell.trim() === '') {
      isQuoted = true;
      cell = '';
    } else if (char === ',') {
      cells.push(cell);
      cell = '';
    } else cell += char;
  }
  if (isQuoted) return { ok: false, reason: 'has a quote that is never closed' };
  cells.push(cell);
  return { ok: true, cells };
}

function parseJson(content: string): ParsedImportFile {
  let items: unknown;
  try {
    items = JSON.parse(content);
  } catch (error) {
    throw new InputError(`not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(items)) {
    throw new InputError('JSON must be an array of URLs or site objects, got an object');
  }
  const lines = findTopLevelItemLines(content);
  const entries: ImportEntry[] = [];
  const rejected: ImportRejection[] = [];
  items.forEach((item: unknown, index) => {
    const line = lines[index] ?? 1;
    if (typeof item === 'string') {
      entries.push({ line, fields: { url: item } });
      return;
    }
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      rejected.push({
        line,
        reason: `item ${index + 1} must be a URL string or an object, got ${JSON.stringify(item)}`,
      });
      return;
    }
    const fields: Partial<Record<InputField, unknown>> = {};
    const unknown: string[] = [];
    for (const [key, value] of Object.entries(item)) {
      const field = resolveSiteField(key);
      if (field === undefined) unknown.push(key);
      else fields[field] = value;
    }
    // A CSV cell is empty when a column does not apply to a row; a JSON key given empty is a mistake.
    const blank = BLANK_REFUSED_FIELDS.find(
      (field) => typeof fields[field] === 'string' && (fields[field] as string).trim() === '',
    );
    if (unknown.length > 0) {
      rejected.push({ line, reason: `unknown field "${unknown[0]}"; known fields: ${KNOWN_COLUMNS}` });
    } else if (blank !== undefined) {
      rejected.push({
        line,
        reason: `${blank} must not be empty, got ${JSON.stringify(fields[blank])} (leave the key out for the default)`,
      });
    } else entries.push({ line, fields });
  });
  return { format: 'json', entries, rejected };
}

/** The 1-based line on which each item of a (valid) top-level JSON array starts. */
export function findTopLevelItemLines(json: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let isInString = false;
  let isEscaped = false;
  let isAwaitingItem = false;
  const startItem = () => {
    if (depth === 1 && isAwaitingItem) {
      lines.push(line);
      isAwaitingItem = false;
    }
  };
  for (const char of json) {
    if (char === '\n') line += 1;
    if (isInString) {
      if (isEscaped) isEscaped = false;
      else if (char === '\\') isEscaped = true;
      else if (char === '"') isInString = false;
    } else if (char === '"') {
      startItem();
      isInString = true;
    } else if (char === '[' || char === '{') {
      startItem();
      depth += 1;
      if (depth === 1) isAwaitingItem = true;
    } else if (char === ']' || char === '}') depth -= 1;
    else if (char === ',' && depth === 1) isAwaitingItem = true;
    else if (!/\s/.test(char)) startItem();
  }
  return lines;
}
