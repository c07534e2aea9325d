import { checkBootstrap } from './bootstrap-check.ts';
import type { CheckLine, CheckStatus } from './check-line.ts';
import { checkLambdaConcurrency } from './concurrency-check.ts';
import { checkAlertContacts } from './contacts-check.ts';
import type { DoctorFacts } from './facts.ts';
import { checkCredentials, checkRegion } from './region-check.ts';
import { checkLambdaRuntime } from './runtime-check.ts';
import { checkSmsOrigination, checkSmsRegion, checkSmsSandbox, checkSmsSpendLimit } from './sms-check.ts';
import { checkVerifierRegions } from './verifier-check.ts';

/** Every check, in the order a first deploy meets them. */
export function runChecks(facts: DoctorFacts): CheckLine[] {
  const regionLine = checkRegion(facts.region);
  const lines: CheckLine[] = [regionLine];
  const profileName = facts.region.inputs.profileName;
  lines.push(checkCredentials(facts.identity, profileName));
  if (!facts.region.found || regionLine.status === 'fail') {
    lines.push(...skippedAwsLines('needs a region'), checkAlertContacts(facts.settings));
    return lines;
  }
  const { region } = facts.region;
  lines.push(
    checkBootstrap(facts.bootstrapVersion, facts.identity, region, {
      version: facts.requirements.bootstrapVersion,
      qualifier: facts.requirements.bootstrapQualifier,
    }),
    checkLambdaConcurrency(facts.lambdaConcurrency, facts.settings, region),
    checkLambdaRuntime(facts.requirements, region),
    checkAlertContacts(facts.settings),
  );
  const { sms } = facts;
  if (sms === undefined) {
    lines.push({
      check: 'sms-sandbox',
      status: 'skip',
      found: 'no alertPhone in squirrel.config.json (or --phone): the SMS checks are skipped',
    });
  } else {
    lines.push(
      checkSmsRegion(sms, region),
      checkSmsSandbox(sms, region),
      checkSmsSpendLimit(sms, region, facts.settings.smsMonthlySpendLimitUsd),
      checkSmsOrigination(sms, region),
    );
  }
  // Each verifier region (issue 15): enabled, bootstrapped, room for the verifier's invokes.
  lines.push(
    ...checkVerifierRegions(
      facts.verifierRegions,
      { region, identity: facts.identity },
      { version: facts.requirements.bootstrapVersion, qualifier: facts.requirements.bootstrapQualifier },
      facts.settings.checkerConcurrency,
    ),
  );
  return lines;
}

function skippedAwsLines(reason: string): CheckLine[] {
  return (['cdk-bootstrap', 'lambda-concurrency', 'lambda-runtime'] as const).map((check) => ({
    check,
    status: 'unknown',
    found: `not checked: ${reason}`,
  }));
}

/** 0 when nothing fails (warnings and unknowns included), 1 otherwise. */
export const exitCodeOf = (lines: readonly CheckLine[]): number =>
  lines.some((line) => line.status === 'fail') ? 1 : 0;

const countOf = (lines: readonly CheckLine[], status: CheckStatus): number =>
  lines.filter((line) => line.status === status).length;

/**
 * The human report: one line per check (status, check, what it found), the fix indented under it, and a
 * summary. Plain text, no colour, so it pastes into an issue as it is.
 */
export function renderReport(lines: readonly CheckLine[]): string {
  const checkWidth = Math.max(...lines.map((line) => line.check.length));
  const statusWidth = Math.max(...lines.map((line) => line.status.length));
  const indent = ' '.repeat(statusWidth + checkWidth + 4);
  const out: string[] = [];
  for (const line of lines) {
    out.push(`${line.status.padEnd(statusWidth)}  ${line.check.padEnd(checkWidth)}  ${line.found}`);
    if (line.fix !== undefined) out.push(`${indent}fix: ${line.fix}`);
  }
  out.push('', summarize(lines));
  return out.join('\n');
}

export function summarize(lines: readonly CheckLine[]): string {
  const failures = countOf(lines, 'fail');
  const counts = (['pass', 'warn', 'fail', 'unknown', 'skip'] as const)
    .map((status) => [status, countOf(lines, status)] as const)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  return failures > 0
    ? `${counts}: fix the failures above before \`npx cdk deploy\`.`
    : `${counts}: ready for \`npx cdk deploy\`${countOf(lines, 'warn') > 0 ? ' (read the warnings first)' : ''}.`;
}
