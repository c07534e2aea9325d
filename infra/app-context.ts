import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { Node } from 'constructs';
import { showValue } from '../functions/domain/values.ts';
import {
  assertAlertContact,
  DEPLOY_CONFIG_FILE,
  DEPLOY_SETTING_KEYS,
  type DeployConfig,
  DeployConfigError,
  loadDeployConfig,
  parseDeployConfig,
} from './deploy-config.ts';
import type { UptimeSquirrelStackProps } from './uptime-squirrel-stack.ts';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Context key naming the settings file (`cdk deploy -c configFile=../ops/squirrel.config.json`). */
export const CONFIG_FILE_CONTEXT_KEY = 'configFile';

/** The deploy settings the app builds the stack from, and where they came from. */
export interface AppSettings {
  readonly config: DeployConfig;
  /** Absolute path of the settings file, whether or not it exists. */
  readonly configFile: string;
  readonly configFileFound: boolean;
  /** Settings given as context (`-c key=value`) for this synth only. */
  readonly overriddenKeys: readonly string[];
  /** Printed by the app: each says what is not kept and where to keep it. */
  readonly warnings: readonly string[];
  /**
   * Where the home stack goes, pinned only when verifierRegions are configured (the checker must know its own
   * region and it must not be one of them); undefined without verifiers, so the home template stays as it was.
   */
  readonly homeEnvironment: HomeEnvironment | undefined;
}

/** The account (when the CDK CLI knows it) and region the home stack deploys to. */
export interface HomeEnvironment {
  readonly region: string;
  readonly account?: string;
}

/** What the CDK CLI resolves from AWS_REGION / AWS_DEFAULT_REGION / the profile and the credentials. */
export interface CdkEnvironment {
  readonly CDK_DEFAULT_REGION?: string;
  readonly CDK_DEFAULT_ACCOUNT?: string;
}

export class ContextError extends Error {
  override name = 'ContextError';
}

const NUMBER_PATTERN = /^\d+(\.\d+)?$/;

// `-c key=value` always arrives as a string. No valid string setting looks like a number or a boolean (a phone
// starts with +, a stack name with a letter), so those strings are the numbers and flags they spell.
function coerceContextValue(raw: unknown): unknown {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (typeof raw === 'string' && NUMBER_PATTERN.test(raw)) return Number(raw);
  return raw;
}

function readConfigFilePath(node: Node, repoRoot: string): string {
  const raw: unknown = node.tryGetContext(CONFIG_FILE_CONTEXT_KEY);
  if (raw === undefined) return resolve(repoRoot, DEPLOY_CONFIG_FILE);
  if (typeof raw !== 'string' || raw === '') {
    throw new ContextError(`context ${CONFIG_FILE_CONTEXT_KEY} must be a file path, got ${showValue(raw)}`);
  }
  return resolve(repoRoot, raw);
}

/** The path as the user would type it from the repository root. */
function displayPath(path: string, repoRoot: string): string {
  const fromRoot = relative(repoRoot, path);
  return fromRoot.startsWith('..') || isAbsolute(fromRoot) ? path : fromRoot;
}

/**
 * Reads the settings file (context `configFile`, default squirrel.config.json at the repository root), applies
 * one-synth overrides from context, and stops when no one would hear an alert.
 * @throws DeployConfigError naming the file and the key; ContextError for a bad `configFile`.
 */
export function readAppSettings(
  node: Node,
  repoRoot: string = REPO_ROOT,
  environment: CdkEnvironment = process.env,
): AppSettings {
  const configFile = readConfigFilePath(node, repoRoot);
  const shown = displayPath(configFile, repoRoot);
  const { config: fromFile, found } = loadDeployConfig(configFile);

  const overrides: Record<string, unknown> = {};
  for (const key of DEPLOY_SETTING_KEYS) {
    const raw: unknown = node.tryGetContext(key);
    if (raw !== undefined) overrides[key] = coerceContextValue(raw);
  }
  const overriddenKeys = Object.keys(overrides);
  const config =
    overriddenKeys.length === 0
      ? fromFile
      : parseDeployConfig(
          { ...fromFile, ...overrides },
          `${shown} with context ${overriddenKeys.map((key) => `-c ${key}`).join(', ')}`,
        );
  assertAlertContact(config, shown, found);
  const homeEnvironment = homeEnvironmentOf(config, environment, shown);

  const overrideWarnings = overriddenKeys.map(
    (key) =>
      `-c ${key}=${String(node.tryGetContext(key))} applies to this synth only and is not kept: a plain \`cdk deploy\` ` +
      `goes back to ${found ? `the value in ${shown}` : 'the default'}. To keep it, put "${key}": ` +
      `${JSON.stringify(overrides[key])} in ${shown}.`,
  );
  // example.com never receives mail: a copied example that was not edited alerts nobody.
  const exampleWarnings =
    config.alertEmail?.endsWith('@example.com') === true
      ? [
          `alertEmail ${config.alertEmail} is an example address that receives nothing: put yours in ${shown}.`,
        ]
      : [];
  // aws-cdk-lib's region list lags new regions by a release or so: a name it does not know may still be right.
  const unknownRegionWarnings = config.verifierRegions
    .filter((region) => !RegionInfo.regions.some((known) => known.name === region))
    .map(
      (region) =>
        `verifierRegions: ${region} is not a region this aws-cdk-lib knows: check the spelling (a new region needs \`npm update aws-cdk-lib\`).`,
    );
  return {
    config,
    configFile,
    configFileFound: found,
    overriddenKeys,
    warnings: [...overrideWarnings, ...exampleWarnings, ...unknownRegionWarnings],
    homeEnvironment,
  };
}

/**
 * With verifier regions, the home stack is pinned to the region the CDK CLI deploys to: the checker names it as
 * its own location, and a verifier there would only repeat the home check. @throws DeployConfigError when the region
 * is unknown or among the verifier regions.
 */
function homeEnvironmentOf(
  config: DeployConfig,
  environment: CdkEnvironment,
  shown: string,
): HomeEnvironment | undefined {
  if (config.verifierRegions.length === 0) return undefined;
  const region = environment.CDK_DEFAULT_REGION;
  const regions = config.verifierRegions.join(', ');
  if (region === undefined || region === '') {
    throw new DeployConfigError(
      `verifierRegions (${regions}) needs the home region, and the CDK found none: export AWS_REGION=<home region> ` +
        '(or set a region in your AWS profile) and run cdk again.',
    );
  }
  if (config.verifierRegions.includes(region)) {
    throw new DeployConfigError(
      `${shown} is not valid:\n  verifierRegions: ${region} is the home region (the stack deploys there): a verifier ` +
        `there would only repeat the home check. Remove it, or deploy the home stack elsewhere (AWS_REGION).`,
    );
  }
  // An ARN names its partition: a verifier in another partition (China, GovCloud) is another account altogether.
  const homePartition = RegionInfo.get(region).partition;
  // A region aws-cdk-lib does not know yet has no partition here: it gets the warning, not this error.
  const elsewhere = config.verifierRegions.filter((verifier) => {
    const partition = RegionInfo.get(verifier).partition;
    return homePartition !== undefined && partition !== undefined && partition !== homePartition;
  });
  if (elsewhere.length > 0) {
    throw new DeployConfigError(
      `${shown} is not valid:\n  verifierRegions: ${elsewhere.join(', ')} is not in the home region ${region}'s ` +
        `partition (${homePartition}): the checker can invoke verifiers of its own partition only.`,
    );
  }
  const account = environment.CDK_DEFAULT_ACCOUNT;
  return account === undefined || account === '' ? { region } : { region, account };
}

/** Every setting the stack uses, as its props (allowNoAlertContact is the app's own check). */
export function stackPropsFrom(config: DeployConfig): UptimeSquirrelStackProps {
  return {
    stackName: config.stackName,
    alertEmail: config.alertEmail,
    alertPhone: config.alertPhone,
    checkerConcurrency: config.checkerConcurrency,
    checkerReservation: config.checkerReservation,
    sweepEnabled: config.sweepEnabled,
    smsMonthlySpendLimitUsd: config.smsMonthlySpendLimitUsd,
    statusPage: config.statusPage,
    verifierRegions: config.verifierRegions,
  };
}
