import { existsSync, readFileSync } from 'node:fs';
import * as v from 'valibot';

/**
 * The deploy settings a user keeps between deploys: `squirrel.config.json` at the repository root, read by the
 * CDK app (`infra/app.ts`) and by the preflight (`squirrel doctor`). A plain `cdk deploy` keeps what is here;
 * `-c key=value` still overrides a key for one synth (and says it is not kept).
 */
export const DEPLOY_CONFIG_FILE = 'squirrel.config.json';

export const DEFAULT_STACK_NAME = 'uptime-squirrel';
export const DEFAULT_CHECKER_CONCURRENCY = 10;
// The SQS event source's MaximumConcurrency accepts 2-1000.
export const CHECKER_CONCURRENCY_LIMITS = { min: 2, max: 1000 } as const;
// SNS's default account spend limit for SMS, in USD a month.
export const DEFAULT_SMS_SPEND_LIMIT_USD = 1;

export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// E.164: a plus, a country code that does not start with 0, 8-15 digits in all.
export const E164_PATTERN = /^\+[1-9]\d{7,14}$/;
// CloudFormation stack names: a letter, then letters, digits and dashes, at most 128 characters.
export const STACK_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

const CheckerConcurrencySchema = v.pipe(
  v.number(),
  v.integer(),
  v.minValue(CHECKER_CONCURRENCY_LIMITS.min),
  v.maxValue(CHECKER_CONCURRENCY_LIMITS.max),
);

/**
 * `auto`: reserve `checkerConcurrency` when the account can spare it, deploy without a reservation (and say so)
 * when it cannot; `off`: never reserve; a number: reserve exactly that (the deploy fails if the account cannot).
 */
export const CheckerReservationSchema = v.union([
  v.literal('auto'),
  v.literal('off'),
  CheckerConcurrencySchema,
]);

export const DeployConfigSchema = v.strictObject({
  /** Lets editors validate the file; ignored by the app. */
  $schema: v.optional(v.string()),
  stackName: v.optional(v.pipe(v.string(), v.regex(STACK_NAME_PATTERN)), DEFAULT_STACK_NAME),
  /** Subscribed to every alert and alarm by email. */
  alertEmail: v.optional(v.pipe(v.string(), v.regex(EMAIL_PATTERN))),
  /** Subscribed to every alert and alarm by SMS (E.164). */
  alertPhone: v.optional(v.pipe(v.string(), v.regex(E164_PATTERN))),
  /** Synth stops when neither contact is set, unless this says a stack that tells nobody is intended. */
  allowNoAlertContact: v.optional(v.boolean(), false),
  /** Most checker Lambdas running at once: the SQS event source's maximum concurrency, always. */
  checkerConcurrency: v.optional(CheckerConcurrencySchema, DEFAULT_CHECKER_CONCURRENCY),
  checkerReservation: v.optional(CheckerReservationSchema, 'auto'),
  /** false turns the every-minute sweep off (nothing is checked) without deleting anything. */
  sweepEnabled: v.optional(v.boolean(), true),
  /** The account's SMS spend limit (SNS text messaging preferences); the spend alarm fires near it. */
  smsMonthlySpendLimitUsd: v.optional(v.pipe(v.number(), v.minValue(0)), DEFAULT_SMS_SPEND_LIMIT_USD),
});

export type DeployConfigInput = v.InferInput<typeof DeployConfigSchema>;
export type DeployConfig = v.InferOutput<typeof DeployConfigSchema>;

export class DeployConfigError extends Error {
  override name = 'DeployConfigError';
}

/** Validates a parsed config object; every problem is named by its key. */
export function parseDeployConfig(raw: unknown, source = DEPLOY_CONFIG_FILE): DeployConfig {
  const result = v.safeParse(DeployConfigSchema, raw);
  if (result.success) return result.output;
  const problems = result.issues.map((issue) => {
    const key = v.getDotPath(issue) ?? '(the file)';
    return `${key}: ${issue.message}`;
  });
  throw new DeployConfigError(`${source} is not valid:\n  ${problems.join('\n  ')}`);
}

/** Reads the config file, or the defaults when there is none. @throws DeployConfigError on bad JSON or values. */
export function loadDeployConfig(path: string): { config: DeployConfig; found: boolean } {
  if (!existsSync(path)) return { config: parseDeployConfig({}, path), found: false };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new DeployConfigError(`${path} is not JSON: ${(error as Error).message}`);
  }
  return { config: parseDeployConfig(raw, path), found: true };
}
