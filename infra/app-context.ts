import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Node } from 'constructs';
import { showValue } from '../functions/domain/values.ts';
import {
  assertAlertContact,
  DEPLOY_CONFIG_FILE,
  DEPLOY_SETTING_KEYS,
  type DeployConfig,
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
export function readAppSettings(node: Node, repoRoot: string = REPO_ROOT): AppSettings {
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
  return {
    config,
    configFile,
    configFileFound: found,
    overriddenKeys,
    warnings: [...overrideWarnings, ...exampleWarnings],
  };
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
  };
}
