import type { Probe } from './check-line.ts';
import type { CheckerReservation } from './concurrency-check.ts';
import type { RegionResolution } from './region-check.ts';

/** Who the credentials belong to (STS GetCallerIdentity). */
export interface CallerIdentity {
  readonly account: string;
  readonly arn: string;
}

/** Lambda GetAccountSettings: the account's concurrency in this region. */
export interface LambdaConcurrency {
  readonly concurrentExecutions: number;
  readonly unreservedConcurrentExecutions: number;
  /** The deployed checker's reservation now (a redeploy frees it first); undefined when not deployed or none. */
  readonly checkerReserved?: number;
}

/** The deploy settings the checks compare the account with (from squirrel.config.json and the flags). */
export interface DoctorSettings {
  readonly configPath: string;
  readonly configFound: boolean;
  readonly stackName: string;
  readonly alertEmail?: string;
  readonly alertPhone?: string;
  readonly allowNoAlertContact: boolean;
  readonly checkerConcurrency: number;
  readonly checkerReservation: CheckerReservation;
  readonly smsMonthlySpendLimitUsd: number;
  /** squirrel.config.json `verifierRegions` (issue 15): each gets its own lines. */
  readonly verifierRegions: readonly string[];
}

/** What the stack's template and the installed aws-cdk-lib say, offline. */
export interface StackRequirements {
  /** The `BootstrapVersion` the synthesized template's CheckBootstrapVersion rule requires. */
  readonly bootstrapVersion: number;
  readonly bootstrapQualifier: string;
  /** The functions' runtime, e.g. `nodejs24.x` (infra/monitor-function.ts MONITOR_RUNTIME). */
  readonly runtime: string;
  /** The newest Node.js Lambda runtime in the region per aws-cdk-lib's region facts; undefined: unknown region. */
  readonly latestNodeRuntimeInRegion: string | undefined;
  /** e.g. `aws-cdk-lib 2.276.0`: where the region fact came from. */
  readonly regionFactsSource: string;
}

export interface SandboxPhoneNumber {
  readonly phoneNumber: string;
  /** `Pending` or `Verified`. */
  readonly status: string;
}

export interface OriginationNumber {
  readonly phoneNumber: string;
  readonly iso2CountryCode: string;
  /** e.g. `ACTIVE`, `PENDING`. */
  readonly status: string;
  readonly capabilities: readonly string[];
}

export interface SmsAttributes {
  /** MonthlySpendLimit in USD; undefined when the account never set it (the default, 1 USD). */
  readonly monthlySpendLimitUsd: number | undefined;
}

/** The SMS facts, gathered only when a phone is configured. */
export interface SmsFacts {
  readonly phone: string;
  readonly isInSandbox: Probe<boolean>;
  /** Only asked when the account is in the sandbox. */
  readonly sandboxNumbers: Probe<readonly SandboxPhoneNumber[]>;
  readonly attributes: Probe<SmsAttributes>;
  readonly originationNumbers: Probe<readonly OriginationNumber[]>;
}

/** Everything the preflight learned; each check is a pure function of this. */
export interface DoctorFacts {
  readonly region: RegionResolution;
  readonly identity: Probe<CallerIdentity>;
  /** The bootstrap stack's version from SSM; undefined: the parameter does not exist (not bootstrapped). */
  readonly bootstrapVersion: Probe<number | undefined>;
  readonly lambdaConcurrency: Probe<LambdaConcurrency>;
  readonly requirements: StackRequirements;
  readonly settings: DoctorSettings;
  /** undefined: no phone configured, the SMS checks are skipped. */
  readonly sms: SmsFacts | undefined;
  /** One entry per configured verifier region, in the config's order; empty without verifierRegions. */
  readonly verifierRegions: readonly VerifierRegionFacts[];
}

/** What the account looks like in one verifier region, asked there with the same credentials. */
export interface VerifierRegionFacts {
  readonly region: string;
  /** STS GetCallerIdentity at the region's own endpoint: fails when the region is not enabled for the account. */
  readonly identity: Probe<CallerIdentity>;
  readonly bootstrapVersion: Probe<number | undefined>;
  readonly lambdaConcurrency: Probe<LambdaConcurrency>;
}
