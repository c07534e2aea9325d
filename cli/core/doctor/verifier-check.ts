import { checkBootstrap } from './bootstrap-check.ts';
import { type CheckLine, type Probe, unknownLine } from './check-line.ts';
import { requestIncrease } from './concurrency-check.ts';
import type { CallerIdentity, VerifierRegionFacts } from './facts.ts';

const ENABLE_REGIONS_PAGE = 'https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html';

// What STS answers, at a region's own endpoint, for credentials the home region accepted: the region is not
// enabled (an opt-in region the account has not opted into), not bad keys.
const REGION_DISABLED_KINDS = new Set(['bad-credentials', 'denied']);

/**
 * The region line: the credentials that work at home work there too (STS at the region's own endpoint answers
 * only in a region the account has enabled), and it is not the home region.
 */
export function checkVerifierRegion(
  facts: VerifierRegionFacts,
  homeRegion: string,
  homeIdentity: Probe<CallerIdentity>,
): CheckLine {
  const { region, identity } = facts;
  if (region === homeRegion) {
    return {
      check: 'verifier-region',
      status: 'fail',
      found: `${region} is the home region: a verifier there only repeats the home check (cdk synth stops)`,
      fix: `remove "${region}" from "verifierRegions" in squirrel.config.json`,
    };
  }
  if (identity.ok) {
    const sameAccount = !homeIdentity.ok || homeIdentity.value.account === identity.value.account;
    return {
      check: 'verifier-region',
      status: sameAccount ? 'pass' : 'fail',
      found: sameAccount
        ? `${region}: enabled for account ${identity.value.account}, the credentials work there`
        : `${region}: the credentials act for account ${identity.value.account} there, not ${homeIdentity.ok ? homeIdentity.value.account : '?'}: the checker could not invoke that verifier`,
      ...(sameAccount ? {} : { fix: 'use one profile for the whole deploy (AWS_PROFILE)' }),
    };
  }
  const { failure } = identity;
  if (homeIdentity.ok && REGION_DISABLED_KINDS.has(failure.kind)) {
    return {
      check: 'verifier-region',
      status: 'fail',
      found: `${region}: STS there refused the credentials the home region accepts (${failure.detail}): the region is not enabled for this account (an opt-in region)`,
      fix: `aws account enable-region --region-name ${region}   (then wait until aws account get-region-opt-status --region-name ${region} says ENABLED; ${ENABLE_REGIONS_PAGE}), or choose another region`,
    };
  }
  return withRegion(unknownLine('verifier-region', failure), region);
}

/** The bootstrap line of one verifier region: `cdk deploy --all` needs the CDK bootstrap stack there too. */
function checkVerifierBootstrap(
  facts: VerifierRegionFacts,
  identity: Probe<CallerIdentity>,
  requirement: { readonly version: number; readonly qualifier: string },
): CheckLine {
  const line = checkBootstrap(facts.bootstrapVersion, identity, facts.region, requirement);
  return withRegion({ ...line, check: 'verifier-bootstrap' }, facts.region);
}

/**
 * The concurrency line of one verifier region. A checker invocation asks each region once per batch of sites
 * failing together (coalesced; one batch per site timeout in use), so about `checkerConcurrency` verifier
 * executions run at once in a region at most, usually one or two (only while sites fail). A quota of 10 still
 * works: past the unreserved count, invokes are throttled and count as "no answer" (a REGIONAL site stays
 * REGIONAL; a first confirmation is home's alone) and raise the region's throttle alarm.
 */
export function checkVerifierConcurrency(facts: VerifierRegionFacts, checkerConcurrency: number): CheckLine {
  const { region, lambdaConcurrency } = facts;
  if (!lambdaConcurrency.ok) {
    return withRegion(unknownLine('verifier-concurrency', lambdaConcurrency.failure), region);
  }
  const { concurrentExecutions: quota, unreservedConcurrentExecutions: unreserved } = lambdaConcurrency.value;
  const expected = `about ${checkerConcurrency} verifier invokes at once at most (one per running checker, checkerConcurrency, and batch of sites failing together), usually 1-2 and only while sites fail`;
  const counts = `quota ${quota}, unreserved ${unreserved}`;
  if (unreserved >= checkerConcurrency) {
    return {
      check: 'verifier-concurrency',
      status: 'pass',
      found: `${region}: ${counts}; expect ${expected}`,
    };
  }
  return {
    check: 'verifier-concurrency',
    status: 'warn',
    found: `${region}: ${counts}; expect ${expected}: a burst above ${unreserved} is throttled, and a throttled verifier counts as "no answer" (the region's throttle alarm says so)`,
    fix: `the deploy works as it is; raise the quota there: ${requestIncrease(region, 1000)}`,
  };
}

/** Every line of one verifier region, in the order a deploy meets them. */
export function checkVerifierRegions(
  regions: readonly VerifierRegionFacts[],
  home: { readonly region: string; readonly identity: Probe<CallerIdentity> },
  requirement: { readonly version: number; readonly qualifier: string },
  checkerConcurrency: number,
): CheckLine[] {
  return regions.flatMap((facts) => {
    const regionLine = checkVerifierRegion(facts, home.region, home.identity);
    if (regionLine.status === 'fail') return [regionLine];
    return [
      regionLine,
      checkVerifierBootstrap(facts, facts.identity.ok ? facts.identity : home.identity, requirement),
      checkVerifierConcurrency(facts, checkerConcurrency),
    ];
  });
}

/** Every line names its region first: several regions print the same checks. */
function withRegion(line: CheckLine, region: string): CheckLine {
  return line.found.startsWith(`${region}: `) ? line : { ...line, found: `${region}: ${line.found}` };
}
