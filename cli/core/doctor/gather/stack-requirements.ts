import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { MONITOR_RUNTIME_NAME } from '../../../../infra/monitor-runtime.ts';
import {
  DEFAULT_BOOTSTRAP_QUALIFIER,
  REQUIRED_BOOTSTRAP_VERSION,
  requiredBootstrapVersionOf,
} from '../bootstrap-check.ts';
import type { StackRequirements } from '../facts.ts';

// cdk.json context key that changes the bootstrap qualifier (and so the SSM parameter's name).
const QUALIFIER_CONTEXT_KEY = '@aws-cdk/core:bootstrapQualifier';

/** The qualifier `cdk deploy` will look for: cdk.json's context, else the CDK default. */
export function readBootstrapQualifier(repoRoot: string): string {
  const path = join(repoRoot, 'cdk.json');
  if (!existsSync(path)) return DEFAULT_BOOTSTRAP_QUALIFIER;
  try {
    const cdkJson = JSON.parse(readFileSync(path, 'utf8')) as { context?: Record<string, unknown> };
    const qualifier = cdkJson.context?.[QUALIFIER_CONTEXT_KEY];
    return typeof qualifier === 'string' && qualifier !== '' ? qualifier : DEFAULT_BOOTSTRAP_QUALIFIER;
  } catch {
    // A broken cdk.json stops `cdk deploy` with its own message; the preflight checks the default.
    return DEFAULT_BOOTSTRAP_QUALIFIER;
  }
}

/**
 * The bootstrap version the deploy needs: the synthesizer's minimum, or more when the stack's last synthesized
 * template (cdk.out) asks for more.
 */
export function readRequiredBootstrapVersion(repoRoot: string, stackName: string): number {
  const path = join(repoRoot, 'cdk.out', `${stackName}.template.json`);
  if (!existsSync(path)) return REQUIRED_BOOTSTRAP_VERSION;
  try {
    const fromTemplate = requiredBootstrapVersionOf(JSON.parse(readFileSync(path, 'utf8')));
    return Math.max(REQUIRED_BOOTSTRAP_VERSION, fromTemplate ?? 0);
  } catch {
    return REQUIRED_BOOTSTRAP_VERSION;
  }
}

/**
 * What the stack needs from the region, read offline: the functions' runtime (infra's MONITOR_RUNTIME_NAME, the one
 * definition) and aws-cdk-lib's region facts. Loads aws-cdk-lib (about a second), so only `doctor` calls it.
 */
export async function loadStackRequirements(
  repoRoot: string,
  stackName: string,
  region: string | undefined,
): Promise<StackRequirements> {
  const { Fact, FactName } = await import('aws-cdk-lib/region-info');
  const cdkVersion = readPackageVersion('aws-cdk-lib');
  return {
    bootstrapVersion: readRequiredBootstrapVersion(repoRoot, stackName),
    bootstrapQualifier: readBootstrapQualifier(repoRoot),
    runtime: MONITOR_RUNTIME_NAME,
    latestNodeRuntimeInRegion:
      region === undefined ? undefined : Fact.find(region, FactName.LATEST_NODE_RUNTIME),
    regionFactsSource: `aws-cdk-lib ${cdkVersion}`,
  };
}

/** The installed version of a package: the one this very module resolves, as the region facts came from it. */
function readPackageVersion(name: string): string {
  try {
    const path = createRequire(import.meta.url).resolve(`${name}/package.json`);
    const manifest = JSON.parse(readFileSync(path, 'utf8'));
    return typeof manifest.version === 'string' ? manifest.version : '?';
  } catch {
    return '?';
  }
}
