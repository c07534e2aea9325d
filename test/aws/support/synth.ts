import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { DeployConfigInput } from '../../../infra/deploy-config.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const TIER_STACK_NAME = 'squirrel-aws-tier';

/**
 * The deploy settings of the tier's stack, as a user would keep them in squirrel.config.json. moto cannot run
 * the Lambda-backed custom resource behind `checkerReservation: 'auto'`, so the reservation is off. moto 5.2's
 * CloudFormation has no CloudFront resources: it skips them, and the stack's `Fn::GetAtt` of the distribution's
 * domain (the StatusPageUrl output) and of the origin access control's id then fail the whole create with
 * "Template error: instance of Fn::GetAtt references undefined resource". So the CDN is left out here
 * (`statusPage.cdn: false`); cfn-lint and the infra tests still see it (docs/aws-tests.md).
 */
export const TIER_DEPLOY_CONFIG = {
  stackName: TIER_STACK_NAME,
  alertEmail: 'ops@example.com',
  checkerConcurrency: 2,
  checkerReservation: 'off',
  statusPage: { cdn: false },
} as const satisfies DeployConfigInput;

// cdk synth of two bundled functions takes ~25 s on a busy 2-core machine; this bounds a hung one.
const SYNTH_TIMEOUT_MS = 180_000;

/** A synthesized cloud assembly: where it is and the files the tier reads. */
export interface Assembly {
  readonly outdir: string;
  readonly stackName: string;
  readonly templatePath: string;
  readonly assetManifestPath: string;
}

/** The one place that says how the tier synthesizes: every setting comes from the tier's squirrel.config.json. */
export function synthArguments(configPath: string, outdir: string): string[] {
  return ['synth', '--no-notices', '--quiet', '--output', outdir, '-c', `configFile=${configPath}`];
}

/** Writes the tier's config file into `workDir` and runs `cdk synth` into `workDir/cdk.out`, offline. */
export async function synthesizeTierStack(workDir: string, signal?: AbortSignal): Promise<Assembly> {
  const outdir = await synthesizeApp(workDir, 'cdk.out', TIER_DEPLOY_CONFIG, {}, signal);
  return assemblyOf(outdir, TIER_DEPLOY_CONFIG.stackName);
}

/** A synthesized stack's files in `outdir`. */
export const assemblyOf = (outdir: string, stackName: string): Assembly => ({
  outdir,
  stackName,
  templatePath: join(outdir, `${stackName}.template.json`),
  assetManifestPath: join(outdir, `${stackName}.assets.json`),
});

/**
 * Writes `config` as a squirrel.config.json in `workDir` and runs `cdk synth` (every stack of the app) into
 * `workDir/<name>`, offline; `env` adds to the environment (AWS_REGION: the home region the CDK CLI resolves).
 */
export async function synthesizeApp(
  workDir: string,
  name: string,
  config: DeployConfigInput,
  env: Readonly<Record<string, string>>,
  signal?: AbortSignal,
): Promise<string> {
  const configPath = join(workDir, `${name}.squirrel.config.json`);
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  const outdir = join(workDir, name);
  try {
    await promisify(execFile)(join(REPO_ROOT, 'node_modules/.bin/cdk'), synthArguments(configPath, outdir), {
      cwd: REPO_ROOT,
      timeout: SYNTH_TIMEOUT_MS,
      ...(signal === undefined ? {} : { signal }),
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: '1', ...env },
    });
  } catch (error) {
    const { stdout = '', stderr = '', message } = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`cdk synth failed: ${message}\n${stdout}\n${stderr}`.trim(), { cause: error });
  }
  return outdir;
}
