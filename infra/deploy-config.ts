import { existsSync, readFileSync } from 'node:fs';
import * as v from 'valibot';
import {
  E164_EXPECTED,
  EMAIL_EXPECTED,
  isE164PhoneNumber,
  isEmailAddress,
} from '../functions/domain/contact-address.ts';
import { showValue } from '../functions/domain/values.ts';
import { MAX_VERIFIER_REGIONS } from '../functions/domain/verification.ts';

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

// CloudFormation stack names: a letter, then letters, digits and dashes, at most 128 characters.
export const STACK_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

const CONCURRENCY_EXPECTED = `a whole number from ${CHECKER_CONCURRENCY_LIMITS.min} to ${CHECKER_CONCURRENCY_LIMITS.max}`;

const CheckerConcurrencySchema = v.pipe(
  v.number((issue) => `must be ${CONCURRENCY_EXPECTED}, got ${showValue(issue.input)}`),
  v.integer((issue) => `must be ${CONCURRENCY_EXPECTED}, got ${showValue(issue.input)}`),
  v.minValue(
    CHECKER_CONCURRENCY_LIMITS.min,
    (issue) => `must be ${CONCURRENCY_EXPECTED}, got ${showValue(issue.input)}`,
  ),
  v.maxValue(
    CHECKER_CONCURRENCY_LIMITS.max,
    (issue) => `must be ${CONCURRENCY_EXPECTED}, got ${showValue(issue.input)}`,
  ),
);

/** A string that matches `pattern`; the message says what is expected and shows the bad value. */
const patternString = (pattern: RegExp, expected: string) =>
  v.pipe(
    v.string((issue) => `must be ${expected}, got ${showValue(issue.input)}`),
    v.regex(pattern, (issue) => `must be ${expected}, got ${showValue(issue.input)}`),
  );

/** A string `accepts` takes; the message says what is expected and shows the bad value. */
const checkedString = (accepts: (text: string) => boolean, expected: string) =>
  v.pipe(
    v.string((issue) => `must be ${expected}, got ${showValue(issue.input)}`),
    v.check(accepts, (issue) => `must be ${expected}, got ${showValue(issue.input)}`),
  );

const flag = v.boolean((issue) => `must be true or false, got ${showValue(issue.input)}`);

// functions/config.ts reads the same two settings from the fan-out's environment, with the same limits.
export const STATUS_PAGE_TITLE_MAX_LENGTH = 100;
// An owner as functions/domain/site.ts stores it; the list reaches the fan-out comma-separated.
const OWNER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;
const OWNER_EXPECTED = 'an owner (a letter or digit, then letters, digits or . _ @ + -, at most 64)';

/** The public status page (issue 13): its title, whose sites are on it unless a site says otherwise, its CDN. */
export const StatusPageSettingsSchema = v.strictObject(
  {
    /** Shown at the top of the page and in status.json. */
    title: v.optional(
      v.pipe(
        v.string((issue) => `must be text, got ${showValue(issue.input)}`),
        v.trim(),
        v.minLength(1, 'must not be empty (leave title out for the default "Status")'),
        v.maxLength(
          STATUS_PAGE_TITLE_MAX_LENGTH,
          (issue) =>
            `must be at most ${STATUS_PAGE_TITLE_MAX_LENGTH} characters, got ${String(issue.input).length}`,
        ),
      ),
    ),
    /** Owners whose sites are public unless a site sets `public: false`. Empty: only sites marked public. */
    publicOwners: v.optional(
      v.array(
        patternString(OWNER_PATTERN, OWNER_EXPECTED),
        (issue) => `must be a list of owners, like ["ops"], got ${showValue(issue.input)}`,
      ),
      [],
    ),
    /**
     * false leaves CloudFront out: the page's files are still written to the bucket, nothing serves them. The AWS
     * test tier uses it (moto 5.2's CloudFormation cannot create CloudFront resources, docs/aws-tests.md).
     */
    cdn: v.optional(flag, true),
  },
  (issue) =>
    // An unknown key comes here too (expected "never"): name the keys there are.
    issue.expected === 'never'
      ? `is not a status page setting (there are title, publicOwners and cdn)`
      : `must be an object like { "title": "Acme status", "publicOwners": ["ops"] }, got ${showValue(issue.input)}`,
);

export type StatusPageSettings = v.InferOutput<typeof StatusPageSettingsSchema>;

/**
 * `auto`: reserve `checkerConcurrency` when the account can spare it, deploy without a reservation (and say so)
 * when it cannot; `off`: never reserve; a number: reserve exactly that (the deploy fails if the account cannot).
 */
export const CheckerReservationSchema = v.union(
  [v.literal('auto'), v.literal('off'), CheckerConcurrencySchema],
  (issue) => `must be "auto", "off" or ${CONCURRENCY_EXPECTED}, got ${showValue(issue.input)}`,
);

export type CheckerReservation = v.InferOutput<typeof CheckerReservationSchema>;

/**
 * An AWS region's name: two letters, one or more words, a number (us-west-2, eu-central-1, us-gov-west-1). Also a
 * valid location (functions/domain/verification.ts LOCATION_PATTERN) and part of a stack name.
 */
const REGION_NAME_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const REGION_EXPECTED = 'an AWS region name like us-west-2';
const VERIFIER_REGIONS_EXPECTED = `a list of at most ${MAX_VERIFIER_REGIONS} distinct AWS regions, like ["us-west-2", "eu-west-1"] (or "us-west-2,eu-west-1")`;

const RegionNameSchema = patternString(REGION_NAME_PATTERN, REGION_EXPECTED);
const RegionListSchema = v.pipe(
  v.array(RegionNameSchema),
  v.maxLength(
    MAX_VERIFIER_REGIONS,
    (issue) =>
      `must be at most ${MAX_VERIFIER_REGIONS} regions (2 are recommended), got ${(issue.input as unknown[]).length}`,
  ),
  v.check(
    (regions) => new Set(regions).size === regions.length,
    (issue) =>
      `must name each region once, got ${(issue.input as string[]).filter((region, index, all) => all.indexOf(region) !== index).join(', ')} twice`,
  ),
);

/**
 * The regions that confirm a DOWN (issue 15), in the order alerts list them. A JSON list in the file; `-c
 * verifierRegions=us-west-2,eu-west-1` gives the same as one comma-separated string (and `-c verifierRegions=`
 * turns them off for one synth). The home region must not be among them: the app checks that, since only it
 * knows where the home stack goes.
 */
export const VerifierRegionsSchema = v.union(
  [
    RegionListSchema,
    v.pipe(
      v.string(),
      v.transform((text) =>
        text
          .split(',')
          .map((region) => region.trim())
          .filter((region) => region !== ''),
      ),
      RegionListSchema,
    ),
  ],
  (issue) => `must be ${VERIFIER_REGIONS_EXPECTED}, got ${showValue(issue.input)}`,
);

export const DeployConfigSchema = v.strictObject({
  /** Lets editors validate the file; ignored by the app. */
  $schema: v.optional(v.string()),
  stackName: v.optional(
    patternString(
      STACK_NAME_PATTERN,
      'a CloudFormation stack name (a letter, then letters, digits or dashes, at most 128)',
    ),
    DEFAULT_STACK_NAME,
  ),
  /** Subscribed to every alert and alarm by email. */
  alertEmail: v.optional(checkedString(isEmailAddress, EMAIL_EXPECTED)),
  /** Subscribed to every alert and alarm by SMS (E.164). */
  alertPhone: v.optional(checkedString(isE164PhoneNumber, E164_EXPECTED)),
  /** Synth stops when neither contact is set, unless this says a stack that tells nobody is intended. */
  allowNoAlertContact: v.optional(flag, false),
  /** Most checker Lambdas running at once: the SQS event source's maximum concurrency, always. */
  checkerConcurrency: v.optional(CheckerConcurrencySchema, DEFAULT_CHECKER_CONCURRENCY),
  /** Whether the checker reserves `checkerConcurrency`: decided at deploy time (`auto`), never, or pinned. */
  checkerReservation: v.optional(CheckerReservationSchema, 'auto'),
  /** false turns the every-minute sweep off (nothing is checked) without deleting anything. */
  sweepEnabled: v.optional(flag, true),
  /** The account's SMS spend limit (SNS text messaging preferences); the spend alarm fires near it. */
  smsMonthlySpendLimitUsd: v.optional(
    v.pipe(
      v.number((issue) => `must be a number of US dollars, 0 or more, got ${showValue(issue.input)}`),
      v.minValue(0, (issue) => `must be a number of US dollars, 0 or more, got ${showValue(issue.input)}`),
    ),
    DEFAULT_SMS_SPEND_LIMIT_USD,
  ),
  /** The public status page: title, owners whose sites are public, CloudFront on or off. */
  statusPage: v.optional(StatusPageSettingsSchema, {}),
  /** Regions whose verifier confirms a DOWN before it pages (issue 15); none: today's behaviour exactly. */
  verifierRegions: v.optional(VerifierRegionsSchema, []),
});

export type DeployConfigInput = v.InferInput<typeof DeployConfigSchema>;
export type DeployConfig = v.InferOutput<typeof DeployConfigSchema>;

export class DeployConfigError extends Error {
  override name = 'DeployConfigError';
}

/** The keys a user can set (the file's, and `-c key=value` for one synth). */
export const DEPLOY_SETTING_KEYS = Object.keys(DeployConfigSchema.entries).filter(
  (key): key is Exclude<keyof DeployConfig, '$schema'> => key !== '$schema',
);

/** Validates a parsed config object; every problem is named by its key. */
export function parseDeployConfig(raw: unknown, source = DEPLOY_CONFIG_FILE): DeployConfig {
  const result = v.safeParse(DeployConfigSchema, raw);
  if (!result.success) {
    const problems = result.issues.map((issue) => {
      const key = v.getDotPath(issue) ?? '(the file)';
      return `${key}: ${issue.message}`;
    });
    throw new DeployConfigError(`${source} is not valid:\n  ${problems.join('\n  ')}`);
  }
  const config = result.output;
  // The event source would start pollers the reservation throttles.
  if (
    typeof config.checkerReservation === 'number' &&
    config.checkerReservation < config.checkerConcurrency
  ) {
    throw new DeployConfigError(
      `${source} is not valid:\n  checkerReservation: a pinned reservation must be at least checkerConcurrency (${config.checkerConcurrency}), got ${config.checkerReservation}`,
    );
  }
  return config;
}

/**
 * Synth stops when no one would hear an alarm: neither contact set and no explicit opt-out.
 * @throws DeployConfigError saying which keys to set, and in which file.
 */
export function assertAlertContact(config: DeployConfig, file: string, found: boolean): void {
  if (config.alertEmail !== undefined || config.alertPhone !== undefined || config.allowNoAlertContact)
    return;
  const where = found
    ? `${file} sets neither alertEmail nor alertPhone`
    : `${file} does not exist (copy squirrel.config.example.json there)`;
  throw new DeployConfigError(
    `No alert contact: ${where}. Set "alertEmail" and/or "alertPhone" in it, or set "allowNoAlertContact": true ` +
      'to deploy a stack whose alerts and alarms notify nobody.',
  );
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
