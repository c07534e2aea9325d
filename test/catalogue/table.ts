import { fileURLToPath } from 'node:url';
import { CATALOGUE_TIMEOUT_MS, CATEGORIES, type FailureCase, showVerdict, type Verdict } from './cases.ts';
import type { Comparison, ToolResult } from './compare-tools.ts';
import { whyCheckCannotExpress, whyRuntimeCannotRun } from './harness.ts';

// The README section "What each failure is called", rendered from cases.ts and comparison.json: `npm run
// catalogue` writes it, catalogue.test.ts checks that the README still holds exactly this.

export const README_FILE = fileURLToPath(new URL('../../README.md', import.meta.url));
export const COMPARISON_FILE = fileURLToPath(new URL('./comparison.json', import.meta.url));
export const SECTION_START = '<!-- failure-catalogue:start -->';
export const SECTION_END = '<!-- failure-catalogue:end -->';

/** The text between the markers (without them), or undefined when the README lacks them. */
export function extractSection(readme: string): string | undefined {
  const start = readme.indexOf(SECTION_START);
  const end = readme.indexOf(SECTION_END);
  if (start === -1 || end === -1 || end < start) return undefined;
  return readme.slice(start + SECTION_START.length, end);
}

/** The README with `section` between the markers. @throws when the markers are missing. */
export function replaceSection(readme: string, section: string): string {
  if (extractSection(readme) === undefined) {
    throw new Error(`README.md has no ${SECTION_START} … ${SECTION_END} region`);
  }
  const start = readme.indexOf(SECTION_START) + SECTION_START.length;
  return `${readme.slice(0, start)}${section}${readme.slice(readme.indexOf(SECTION_END))}`;
}

/** The uptime-squirrel cell of a case's row: the verdict, what it needs, and where a column does not apply. */
export function verdictCell(failure: FailureCase): string {
  const needs = settingsOf(failure);
  const notes = [
    ...(needs.length > 0 ? [needs.join(', ')] : []),
    ...(whyCheckCannotExpress(failure) === undefined ? [] : ['check: not run (see below)']),
    ...(whyRuntimeCannotRun(failure) === undefined ? [] : ['runtime: see W4']),
  ];
  return [showVerdictMarkdown(failure.verdict), ...notes.map((note) => `<br>${note}`)].join('');
}

/** The whole section, between the markers. */
export function renderSection(cases: readonly FailureCase[], comparison: Comparison): string {
  const lines: string[] = [
    '',
    `${cases.length} ways a site fails or almost fails, each a loopback server in \`test/catalogue/cases.ts\`, and`,
    'the verdict a careful person gives it. `npm test` (`test/catalogue/catalogue.test.ts`) holds three things to',
    'every verdict: the probe (the checker’s target, built by `probeTargetOf` from the site’s settings),',
    '`squirrel check --json --allow-private --dns-server … --file sites.json` (one process for all, each case’s',
    'settings as its columns) and the local runtime',
    '(real handlers, 2 sweeps: one alert per failing case, with that event and reason; none for an UP one). It also',
    'checks that this section is what `npm run catalogue` renders from `cases.ts` and `comparison.json`, which that',
    'script writes after running `curl -I` and Python’s `requests.head` against the same servers.',
    '',
    `Every site: \`timeoutMs\` ${CATALOGUE_TIMEOUT_MS}, \`failureThreshold\` 1, no full GET unless the row says`,
    '"full GET" (then `fullGetMinutes` 1: the HEAD heartbeats between full GETs say UP). Names resolve through a',
    'loopback nameserver; certificates come from a test CA that all clients here trust. BLOCKED, DEGRADED and',
    'UNCHECKED are alerts of their own, not DOWN pages (see [Features](#features)).',
  ];
  for (const category of CATEGORIES) {
    const inCategory = cases.filter((failure) => failure.category === category);
    if (inCategory.length === 0) continue;
    lines.push(
      '',
      `**${category}**`,
      '',
      '| case | what the site does | what its visitors see | uptime-squirrel (probe = check = runtime) | `curl -I` (exit / status) | `requests.head` |',
      '|---|---|---|---|---|---|',
    );
    for (const failure of inCategory) {
      const compared = comparison.cases[failure.id];
      const cells = [
        `\`${failure.id}\`${failure.why === undefined ? '' : ' ¹'}`,
        escapeCell(failure.does),
        escapeCell(failure.visitors),
        verdictCell(failure),
        compared === undefined ? 'not run' : curlCell(compared.curl),
        compared === undefined ? 'not run' : requestsCell(compared.requests),
      ];
      lines.push(`| ${cells.join(' | ')} |`);
    }
  }
  lines.push('', '¹ Why this verdict, where a reasonable person could argue for another:', '');
  for (const failure of cases) {
    if (failure.why !== undefined)
      lines.push(`- \`${failure.id}\` (${showVerdict(failure.verdict)}): ${failure.why}`);
  }
  const unexpressed = cases.filter((failure) => whyCheckCannotExpress(failure) !== undefined);
  lines.push(
    '',
    'Not run through `squirrel check` (asserted):',
    `${unexpressed.map((failure) => `\`${failure.id}\` (${whyCheckCannotExpress(failure)})`).join('; ')}.`,
    '',
    'The local runtime always allows private addresses, so `dns-private-address` runs against the probe with the',
    'production policy; the runtime’s handling of it (UNCHECKED, one alert, never connected) is scenario W4 of',
    '[Fault injection](docs/faults.md#fault-injection-what-was-tried-what-users-saw).',
    '',
    `Comparison columns from \`test/catalogue/comparison.json\`: ${comparison.tools.curl},`,
    `\`${comparison.commands.curl}\` (${curlExitLegend(comparison)}); ${comparison.tools.requests},`,
    `\`${comparison.commands.requests}\` (the status, or the exception's class), names looked up from the same`,
    'nameserver. Neither follows redirects nor reads a body: what a HEAD-only check that never looks twice says.',
    '',
  );
  return lines.join('\n');
}

// curl(1), EXIT CODES: the ones this catalogue meets.
const CURL_EXIT_MEANINGS: Readonly<Record<number, string>> = {
  0: 'a response',
  1: 'not an HTTP response curl accepts',
  6: 'could not resolve',
  7: 'could not connect',
  8: 'weird server reply',
  18: 'partial file',
  28: 'timed out',
  35: 'TLS handshake failed',
  47: 'too many redirects',
  52: 'empty reply',
  56: 'receive failure',
  60: 'certificate not trusted or invalid',
};

/** "exit 0: a response; 7: could not connect; …" for the exit codes that appear. */
function curlExitLegend(comparison: Comparison): string {
  const codes = new Set<number>();
  for (const { curl } of Object.values(comparison.cases)) if ('exitCode' in curl) codes.add(curl.exitCode);
  const shown = [...codes]
    .sort((a, b) => a - b)
    .map((code) => `${code}: ${CURL_EXIT_MEANINGS[code] ?? 'see curl(1)'}`);
  return shown.length === 0 ? 'not run' : `exit ${shown.join('; ')}`;
}

function settingsOf(failure: FailureCase): string[] {
  const settings = failure.settings ?? {};
  return [
    ...(settings.expectStatus === undefined ? [] : [`expect ${settings.expectStatus}`]),
    ...(settings.method === undefined ? [] : [`method ${settings.method}`]),
    ...(settings.keyword === undefined
      ? []
      : [
          settings.keyword.mode === 'absent'
            ? `keyword absent "${settings.keyword.text}"`
            : `keyword "${settings.keyword.text}"`,
        ]),
    ...(settings.maxResponseMs === undefined ? [] : [`maxResponseMs ${settings.maxResponseMs}`]),
    ...(failure.isFullGet === true ? ['full GET'] : []),
  ];
}

const showVerdictMarkdown = (verdict: Verdict): string =>
  'reason' in verdict ? `**${verdict.event}** \`${verdict.reason}\`` : `**${verdict.event}**`;

function curlCell(result: ToolResult): string {
  if ('notRun' in result) return 'not run';
  if ('result' in result) return escapeCell(result.result);
  return `${result.exitCode} / ${result.httpCode === '000' || result.httpCode === '' ? '–' : result.httpCode}`;
}

function requestsCell(result: ToolResult): string {
  if ('notRun' in result) return 'not run';
  if ('result' in result) return escapeCell(result.result);
  return String(result.httpCode);
}

const escapeCell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
