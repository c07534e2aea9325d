import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isE164PhoneNumber } from '../../functions/domain/contact-address.ts';
import {
  DEPLOY_CONFIG_FILE,
  type DeployConfig,
  DeployConfigError,
  loadDeployConfig,
} from '../../infra/deploy-config.ts';
import type { DoctorSettings, StackRequirements } from '../core/doctor/facts.ts';
import type { DoctorClients } from '../core/doctor/gather/aws-clients.ts';
import { resolveRegion } from '../core/doctor/region-check.ts';
import { exitCodeOf, renderReport, runChecks } from '../core/doctor/report.ts';
import { toJsonLine } from '../core/render.ts';
import { InputError } from '../errors.ts';
import type { Io } from '../io.ts';

// `npm run preflight` and `squirrel doctor` look at the repository's own squirrel.config.json, cdk.json and
// cdk.out, wherever they are run from: the CDK app reads the same files.
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface DoctorOptions {
  readonly json?: boolean;
  /** squirrel.config.json to read (default: the repository's). */
  readonly config?: string;
  /** Check SMS for this number instead of the config's alertPhone. */
  readonly phone?: string;
}

/** What `doctor` needs from the world; tests replace the AWS parts with aws-sdk-client-mock'ed clients. */
export interface DoctorDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly repoRoot: string;
  /** Paths under it are shown relative to it. */
  readonly cwd: string;
  createClients(region: string): Promise<DoctorClients>;
  readProfileRegion(): Promise<string | undefined>;
  loadRequirements(
    repoRoot: string,
    stackName: string,
    region: string | undefined,
  ): Promise<StackRequirements>;
  readonly callTimeoutMs?: number;
}

// The SDK modules load only when `doctor` runs: every other command starts without them.
const defaultDeps: DoctorDeps = {
  env: process.env,
  repoRoot: REPO_ROOT,
  cwd: process.cwd(),
  createClients: async (region) =>
    (await import('../core/doctor/gather/aws-clients.ts')).createDoctorClients(region),
  readProfileRegion: async () => (await import('../core/doctor/gather/aws-clients.ts')).readProfileRegion(),
  loadRequirements: async (repoRoot, stackName, region) =>
    (await import('../core/doctor/gather/stack-requirements.ts')).loadStackRequirements(
      repoRoot,
      stackName,
      region,
    ),
};

/**
 * `doctor`: checks the account and region a deploy would go to, with the user's own credentials, and prints
 * one line per check with the fix for anything not passing. Exit 0 when nothing fails, 1 otherwise.
 * @throws InputError for a bad --config file or --phone (exit 2).
 */
export async function runDoctor(
  options: DoctorOptions,
  target: { readonly region?: string; readonly stack?: string },
  io: Io,
  deps: DoctorDeps = defaultDeps,
): Promise<number> {
  const configPath = resolve(options.config ?? join(deps.repoRoot, DEPLOY_CONFIG_FILE));
  const { config, found } = readConfig(configPath);
  const phone = options.phone === undefined ? config.alertPhone : parsePhoneOption(options.phone);
  const settings = settingsOf(config, showPath(configPath, deps.cwd), found, target.stack);

  const { env } = deps;
  const profileName = env.AWS_PROFILE || 'default';
  const namedElsewhere = target.region || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  const region = resolveRegion({
    flag: target.region,
    awsRegion: env.AWS_REGION,
    awsDefaultRegion: env.AWS_DEFAULT_REGION,
    profileName,
    profileRegion: namedElsewhere ? undefined : await deps.readProfileRegion(),
  });
  if (!options.json) {
    io.err(
      region.found
        ? `checking the account in ${region.region} (a few seconds)…`
        : 'no region: checking what can be',
    );
  }

  const clients = region.found ? await deps.createClients(region.region) : undefined;
  // Each verifier region is asked at its own endpoints, with the same credentials.
  const verifierClients = new Map<string, DoctorClients>();
  if (clients !== undefined) {
    for (const verifierRegion of settings.verifierRegions) {
      verifierClients.set(verifierRegion, await deps.createClients(verifierRegion));
    }
  }
  try {
    const { gatherAwsFacts } = await import('../core/doctor/gather/gather-facts.ts');
    const { readBootstrapQualifier } = await import('../core/doctor/gather/stack-requirements.ts');
    const [awsFacts, requirements] = await Promise.all([
      gatherAwsFacts(
        {
          region,
          settings,
          bootstrapQualifier: readBootstrapQualifier(deps.repoRoot),
          phone,
          callTimeoutMs: deps.callTimeoutMs,
        },
        clients,
        verifierClients,
      ),
      deps.loadRequirements(deps.repoRoot, settings.stackName, region.found ? region.region : undefined),
    ]);
    const lines = runChecks({ ...awsFacts, requirements });
    if (options.json) {
      for (const line of lines) io.out(toJsonLine(line));
    } else {
      io.out(renderReport(lines));
    }
    return exitCodeOf(lines);
  } finally {
    clients?.destroy();
    for (const regional of verifierClients.values()) regional.destroy();
  }
}

/** `squirrel.config.json` when run in the repo, the absolute path elsewhere. */
function showPath(path: string, cwd: string): string {
  const fromCwd = relative(cwd, path);
  return fromCwd.startsWith('..') || isAbsolute(fromCwd) ? path : fromCwd;
}

function readConfig(path: string): { config: DeployConfig; found: boolean } {
  try {
    return loadDeployConfig(path);
  } catch (error) {
    if (error instanceof DeployConfigError) throw new InputError(error.message, { cause: error });
    throw error;
  }
}

function parsePhoneOption(raw: string): string {
  if (!isE164PhoneNumber(raw)) {
    throw new InputError(`--phone must be an E.164 phone number like +14155550123 (no spaces), got "${raw}"`);
  }
  return raw;
}

function settingsOf(
  config: DeployConfig,
  configPath: string,
  configFound: boolean,
  stackFlag: string | undefined,
): DoctorSettings {
  return {
    configPath,
    configFound,
    stackName: stackFlag ?? config.stackName,
    alertEmail: config.alertEmail,
    alertPhone: config.alertPhone,
    allowNoAlertContact: config.allowNoAlertContact,
    checkerConcurrency: config.checkerConcurrency,
    checkerReservation: config.checkerReservation,
    smsMonthlySpendLimitUsd: config.smsMonthlySpendLimitUsd,
    verifierRegions: config.verifierRegions,
  };
}
