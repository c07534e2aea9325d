import type { CheckLine } from './check-line.ts';
import type { StackRequirements } from './facts.ts';

// No AWS API lists the runtimes or architectures a region offers (Lambda has no ListRuntimes; a layer's
// CompatibleArchitectures is not validated against the region). So this check reads documented lists:
//
// arm64: "The arm64 architecture is available in most AWS Regions" (https://docs.aws.amazon.com/lambda/latest/dg/foundation-arch.html,
// which points to the Arm price tab of https://aws.amazon.com/lambda/pricing/). The regions below are those
// Powertools for AWS Lambda publishes arm64 layers to (has_arm64_support: "true" for every one, including
// ca-west-1 since 2024) in
// https://github.com/aws-powertools/powertools-lambda-python/blob/develop/.github/workflows/reusable_deploy_v3_layer_stack.yml.
// A region missing here is not known to lack arm64, only not confirmed: the line warns, it does not fail.
export const ARM64_REGIONS: ReadonlySet<string> = new Set([
  'af-south-1',
  'ap-east-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ca-central-1',
  'ca-west-1',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
]);

const ARM64_SOURCE = 'https://aws.amazon.com/lambda/pricing/ (Arm price tab, Region list)';
const RUNTIMES_PAGE = 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html';

/** `nodejs24.x` → 24; undefined for anything else. */
export function nodeMajorOf(runtime: string): number | undefined {
  const match = /^nodejs(\d+)\.x$/.exec(runtime);
  return match ? Number(match[1]) : undefined;
}

/**
 * The runtime line: arm64 (documented list) and the stack's Node.js runtime (aws-cdk-lib's region facts,
 * which name the newest Node.js runtime per region) in the region. Both are documented lists, not an API
 * answer, and the line says so.
 */
export function checkLambdaRuntime(requirements: StackRequirements, region: string): CheckLine {
  const { runtime, latestNodeRuntimeInRegion, regionFactsSource } = requirements;
  const wanted = nodeMajorOf(runtime);
  const latest = latestNodeRuntimeInRegion === undefined ? undefined : nodeMajorOf(latestNodeRuntimeInRegion);
  const hasArm64 = ARM64_REGIONS.has(region);
  const hasRuntime = wanted !== undefined && latest !== undefined && latest >= wanted;
  const runtimeFound =
    latestNodeRuntimeInRegion === undefined
      ? `${region} is not in ${regionFactsSource}'s region facts`
      : `${regionFactsSource} lists ${latestNodeRuntimeInRegion} as ${region}'s newest Node.js runtime`;
  const arm64Found = hasArm64 ? `arm64 documented for ${region}` : `arm64 not confirmed for ${region}`;
  const found = `${runtime} on arm64: ${arm64Found}; ${runtimeFound} (documented lists, no AWS API reports this)`;

  if (latest !== undefined && wanted !== undefined && latest < wanted) {
    return {
      check: 'lambda-runtime',
      status: 'fail',
      found,
      fix: `deploy to a region with ${runtime} (export AWS_REGION=…), or update aws-cdk-lib (npm update aws-cdk-lib) if its facts are old: ${RUNTIMES_PAGE}`,
    };
  }
  if (!hasArm64 || !hasRuntime) {
    return {
      check: 'lambda-runtime',
      status: 'warn',
      found,
      fix: `confirm on ${hasArm64 ? RUNTIMES_PAGE : ARM64_SOURCE}; if the region lacks it, deploy to another region (export AWS_REGION=…)`,
    };
  }
  return { check: 'lambda-runtime', status: 'pass', found };
}
