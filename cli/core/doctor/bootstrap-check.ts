import { type CheckLine, type Probe, unknownLine } from './check-line.ts';
import type { CallerIdentity } from './facts.ts';

/** The CDK's default bootstrap qualifier (`@aws-cdk/core:bootstrapQualifier` when cdk.json sets none). */
export const DEFAULT_BOOTSTRAP_QUALIFIER = 'hnb659fds';

/**
 * The bootstrap version the stack's template requires. aws-cdk-lib's DefaultStackSynthesizer writes it as
 * the CheckBootstrapVersion rule (`Fn::Not Fn::Contains [["1",…,"5"], Ref BootstrapVersion]`), from its
 * MIN_BOOTSTRAP_STACK_VERSION (6 in aws-cdk-lib 2.276). test/cli/core/doctor/bootstrap-check.test.ts
 * synthesizes a stack with the installed aws-cdk-lib and fails when this number falls behind it.
 */
export const REQUIRED_BOOTSTRAP_VERSION = 6;

export const bootstrapParameterName = (qualifier: string): string => `/cdk-bootstrap/${qualifier}/version`;

/**
 * Reads the minimum bootstrap version from a synthesized template's CheckBootstrapVersion rule: one more
 * than the highest version it rejects. undefined when the template has no such rule.
 */
export function requiredBootstrapVersionOf(template: unknown): number | undefined {
  const rule = (template as { Rules?: { CheckBootstrapVersion?: { Assertions?: unknown[] } } })?.Rules
    ?.CheckBootstrapVersion;
  const assertion = rule?.Assertions?.[0] as { Assert?: { 'Fn::Not'?: unknown[] } } | undefined;
  const contains = (assertion?.Assert?.['Fn::Not']?.[0] as { 'Fn::Contains'?: unknown[] } | undefined)?.[
    'Fn::Contains'
  ];
  const rejected = contains?.[0];
  if (!Array.isArray(rejected)) return undefined;
  const versions = rejected.map(Number).filter(Number.isInteger);
  return versions.length === 0 ? undefined : Math.max(...versions) + 1;
}

/** The bootstrap line: the SSM parameter the bootstrap stack writes, against what the template requires. */
export function checkBootstrap(
  version: Probe<number | undefined>,
  identity: Probe<CallerIdentity>,
  region: string,
  requirement: { readonly version: number; readonly qualifier: string },
): CheckLine {
  if (!version.ok) return unknownLine('cdk-bootstrap', version.failure);
  const parameter = bootstrapParameterName(requirement.qualifier);
  const account = identity.ok ? identity.value.account : 'ACCOUNT';
  const qualifierFlag =
    requirement.qualifier === DEFAULT_BOOTSTRAP_QUALIFIER ? '' : ` --qualifier ${requirement.qualifier}`;
  const fix = `npx cdk bootstrap aws://${account}/${region}${qualifierFlag}`;
  if (version.value === undefined) {
    return {
      check: 'cdk-bootstrap',
      status: 'fail',
      found: `not bootstrapped: no SSM parameter ${parameter} in ${region}`,
      fix,
    };
  }
  if (version.value < requirement.version) {
    return {
      check: 'cdk-bootstrap',
      status: 'fail',
      found: `bootstrap version ${version.value}, the stack needs ${requirement.version} or later`,
      fix,
    };
  }
  return {
    check: 'cdk-bootstrap',
    status: 'pass',
    found: `bootstrap version ${version.value} (the stack needs ${requirement.version} or later)`,
  };
}
