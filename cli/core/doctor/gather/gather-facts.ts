import { DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { GetAccountSettingsCommand, GetFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import {
  GetSMSAttributesCommand,
  GetSMSSandboxAccountStatusCommand,
  ListOriginationNumbersCommand,
  ListSMSSandboxPhoneNumbersCommand,
} from '@aws-sdk/client-sns';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { bootstrapParameterName } from '../bootstrap-check.ts';
import { classifyCallError } from '../call-failure.ts';
import { answered, failed, notRun, type Probe } from '../check-line.ts';
import type {
  CallerIdentity,
  DoctorFacts,
  DoctorSettings,
  LambdaConcurrency,
  OriginationNumber,
  SandboxPhoneNumber,
  SmsAttributes,
  SmsFacts,
  VerifierRegionFacts,
} from '../facts.ts';
import type { RegionResolution } from '../region-check.ts';
import type { DoctorClients } from './aws-clients.ts';

/** Bound on one call including the SDK's retries: a preflight that hangs helps nobody. */
export const DEFAULT_CALL_TIMEOUT_MS = 15_000;
// Enough pages for any real account's sandbox or origination numbers; a bound, so a looping token cannot spin.
const MAX_PAGES = 20;

export interface GatherInputs {
  readonly region: RegionResolution;
  readonly settings: DoctorSettings;
  readonly bootstrapQualifier: string;
  /** The phone to check SMS for: --phone, else alertPhone; undefined skips the SMS calls. */
  readonly phone: string | undefined;
  readonly callTimeoutMs?: number;
}

type Ask = <T>(action: string, call: (abortSignal: AbortSignal) => Promise<T>) => Promise<Probe<T>>;

/**
 * Runs one call with its own deadline; any error becomes a CallFailure naming the IAM action. The deadline
 * aborts the request and also stops waiting by itself, for the steps that do not watch the signal (a
 * credential provider, a stalled retry delay).
 */
const askWithin =
  (timeoutMs: number): Ask =>
  async (action, call) => {
    const abortSignal = AbortSignal.timeout(timeoutMs);
    const deadline = new Promise<never>((_, reject) => {
      abortSignal.addEventListener('abort', () => reject(abortSignal.reason), { once: true });
    });
    try {
      return answered(await Promise.race([call(abortSignal), deadline]));
    } catch (error) {
      if (abortSignal.aborted) {
        return failed({ kind: 'timeout', action, detail: `no answer within ${timeoutMs / 1000} s` });
      }
      return failed(classifyCallError(error, action));
    }
  };

/** The facts only AWS knows; the stack's own requirements are read offline beside them. */
export type AwsFacts = Omit<DoctorFacts, 'requirements'>;

/**
 * Asks AWS everything the checks need: the caller first (nothing else is asked when the credentials do not
 * work), then SSM, Lambda and SNS side by side. Never throws for an AWS error: each becomes its fact's failure.
 */
export async function gatherAwsFacts(
  inputs: GatherInputs,
  clients: DoctorClients | undefined,
  verifierClients: ReadonlyMap<string, DoctorClients> = new Map(),
): Promise<AwsFacts> {
  const ask = askWithin(inputs.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
  const base = { region: inputs.region, settings: inputs.settings };
  if (clients === undefined) {
    const reason = 'no region to check';
    return {
      ...base,
      identity: notRun('sts:GetCallerIdentity', reason),
      bootstrapVersion: notRun('ssm:GetParameter', reason),
      lambdaConcurrency: notRun('lambda:GetAccountSettings', reason),
      sms: undefined,
      verifierRegions: [],
    };
  }
  const identity = await askCallerIdentity(ask, clients);
  if (!identity.ok) {
    const reason = 'the credentials did not work (see the credentials line)';
    return {
      ...base,
      identity,
      bootstrapVersion: notRun('ssm:GetParameter', reason),
      lambdaConcurrency: notRun('lambda:GetAccountSettings', reason),
      sms: inputs.phone === undefined ? undefined : smsNotRun(inputs.phone, reason),
      verifierRegions: inputs.settings.verifierRegions.map((region) => verifierRegionNotRun(region, reason)),
    };
  }
  const [bootstrapVersion, lambdaConcurrency, sms, verifierRegions] = await Promise.all([
    askBootstrapVersion(ask, clients, inputs.bootstrapQualifier),
    askLambdaConcurrency(ask, clients, inputs.settings.stackName),
    inputs.phone === undefined ? Promise.resolve(undefined) : askSms(ask, clients, inputs.phone),
    Promise.all(
      inputs.settings.verifierRegions.map((region) => {
        const regional = verifierClients.get(region);
        return regional === undefined
          ? verifierRegionNotRun(region, `no client for ${region}`)
          : askVerifierRegion(ask, regional, region, inputs.bootstrapQualifier);
      }),
    ),
  ]);
  return { ...base, identity, bootstrapVersion, lambdaConcurrency, sms, verifierRegions };
}

/**
 * One verifier region, with clients of that region: STS first (at the region's own endpoint: a region the account
 * has not enabled refuses there), then the bootstrap parameter and Lambda's account settings side by side.
 */
async function askVerifierRegion(
  ask: Ask,
  clients: DoctorClients,
  region: string,
  qualifier: string,
): Promise<VerifierRegionFacts> {
  const identity = await askCallerIdentity(ask, clients);
  if (!identity.ok) {
    return { ...verifierRegionNotRun(region, `the credentials did not work in ${region}`), identity };
  }
  const [bootstrapVersion, lambdaConcurrency] = await Promise.all([
    askBootstrapVersion(ask, clients, qualifier),
    ask('lambda:GetAccountSettings', (abortSignal) => readAccountLimit(clients, abortSignal)),
  ]);
  return { region, identity, bootstrapVersion, lambdaConcurrency };
}

function verifierRegionNotRun(region: string, reason: string): VerifierRegionFacts {
  return {
    region,
    identity: notRun('sts:GetCallerIdentity', reason),
    bootstrapVersion: notRun('ssm:GetParameter', reason),
    lambdaConcurrency: notRun('lambda:GetAccountSettings', reason),
  };
}

async function askCallerIdentity(ask: Ask, clients: DoctorClients): Promise<Probe<CallerIdentity>> {
  return ask('sts:GetCallerIdentity', async (abortSignal) => {
    const output = await clients.sts.send(new GetCallerIdentityCommand({}), { abortSignal });
    return { account: output.Account ?? '?', arn: output.Arn ?? '?' };
  });
}

async function askBootstrapVersion(
  ask: Ask,
  clients: DoctorClients,
  qualifier: string,
): Promise<Probe<number | undefined>> {
  return ask('ssm:GetParameter', async (abortSignal) => {
    try {
      const { Parameter } = await clients.ssm.send(
        new GetParameterCommand({ Name: bootstrapParameterName(qualifier) }),
        { abortSignal },
      );
      const version = Number(Parameter?.Value);
      return Number.isInteger(version) ? version : undefined;
    } catch (error) {
      // No parameter: the region was never bootstrapped (with this qualifier). A fact, not a failure.
      if ((error as Error).name === 'ParameterNotFound') return undefined;
      throw error;
    }
  });
}

async function askLambdaConcurrency(
  ask: Ask,
  clients: DoctorClients,
  stackName: string,
): Promise<Probe<LambdaConcurrency>> {
  return ask('lambda:GetAccountSettings', async (abortSignal) => {
    const [limit, checkerReserved] = await Promise.all([
      readAccountLimit(clients, abortSignal),
      deployedCheckerReservation(clients, stackName, abortSignal),
    ]);
    return { ...limit, checkerReserved };
  });
}

/** The account's concurrency quota and unreserved executions in the clients' region (GetAccountSettings). */
async function readAccountLimit(
  clients: DoctorClients,
  abortSignal: AbortSignal,
): Promise<LambdaConcurrency> {
  const { AccountLimit } = await clients.lambda.send(new GetAccountSettingsCommand({}), { abortSignal });
  const concurrentExecutions = AccountLimit?.ConcurrentExecutions;
  const unreserved = AccountLimit?.UnreservedConcurrentExecutions;
  if (concurrentExecutions === undefined || unreserved === undefined) {
    throw new Error('GetAccountSettings returned no AccountLimit concurrency');
  }
  return { concurrentExecutions, unreservedConcurrentExecutions: unreserved };
}

/**
 * The reservation the deployed checker holds now, which a redeploy frees before it reserves again (the custom
 * resource counts it back the same way). Best effort: no stack yet, no checker in it, no permission for
 * cloudformation:DescribeStackResources or lambda:GetFunctionConcurrency — all mean "count nothing back", which
 * can only make the line stricter, never wrong the other way.
 */
async function deployedCheckerReservation(
  clients: DoctorClients,
  stackName: string,
  abortSignal: AbortSignal,
): Promise<number | undefined> {
  try {
    const { StackResources } = await clients.cloudformation.send(
      new DescribeStackResourcesCommand({ StackName: stackName }),
      { abortSignal },
    );
    const checker = (StackResources ?? []).find(
      (resource) =>
        resource.ResourceType === 'AWS::Lambda::Function' &&
        resource.LogicalResourceId?.startsWith(CHECKER_LOGICAL_ID_PREFIX) === true,
    )?.PhysicalResourceId;
    if (checker === undefined) return undefined;
    const { ReservedConcurrentExecutions } = await clients.lambda.send(
      new GetFunctionConcurrencyCommand({ FunctionName: checker }),
      { abortSignal },
    );
    return ReservedConcurrentExecutions;
  } catch {
    return undefined;
  }
}

// The checker's logical id in the template: construct "Checker", its function "Function", then CDK's hash.
const CHECKER_LOGICAL_ID_PREFIX = 'CheckerFunction';

async function askSms(ask: Ask, clients: DoctorClients, phone: string): Promise<SmsFacts> {
  const { sns } = clients;
  const [isInSandbox, attributes, originationNumbers] = await Promise.all([
    ask('sns:GetSMSSandboxAccountStatus', async (abortSignal) => {
      const output = await sns.send(new GetSMSSandboxAccountStatusCommand({}), { abortSignal });
      return output.IsInSandbox ?? true;
    }),
    ask('sns:GetSMSAttributes', async (abortSignal): Promise<SmsAttributes> => {
      const { attributes } = await sns.send(
        new GetSMSAttributesCommand({ attributes: ['MonthlySpendLimit'] }),
        { abortSignal },
      );
      const limit = attributes?.MonthlySpendLimit;
      const usd = limit === undefined || limit === '' ? Number.NaN : Number(limit);
      return { monthlySpendLimitUsd: Number.isFinite(usd) ? usd : undefined };
    }),
    ask('sns:ListOriginationNumbers', async (abortSignal) =>
      collectPages(async (NextToken) => {
        const output = await sns.send(new ListOriginationNumbersCommand({ NextToken }), { abortSignal });
        const items: OriginationNumber[] = (output.PhoneNumbers ?? []).map((number) => ({
          phoneNumber: number.PhoneNumber ?? '',
          iso2CountryCode: number.Iso2CountryCode ?? '',
          status: number.Status ?? '',
          capabilities: number.NumberCapabilities ?? [],
        }));
        return { items, next: output.NextToken };
      }),
    ),
  ]);
  const sandboxNumbers =
    isInSandbox.ok && isInSandbox.value
      ? await ask('sns:ListSMSSandboxPhoneNumbers', (abortSignal) => listSandboxNumbers(clients, abortSignal))
      : notRun<readonly SandboxPhoneNumber[]>('sns:ListSMSSandboxPhoneNumbers', 'not in the SMS sandbox');
  return { phone, isInSandbox, sandboxNumbers, attributes, originationNumbers };
}

async function listSandboxNumbers(clients: DoctorClients, abortSignal: AbortSignal) {
  try {
    return await collectPages(async (NextToken) => {
      const output = await clients.sns.send(new ListSMSSandboxPhoneNumbersCommand({ NextToken }), {
        abortSignal,
      });
      const items: SandboxPhoneNumber[] = (output.PhoneNumbers ?? []).map((number) => ({
        phoneNumber: number.PhoneNumber ?? '',
        status: number.Status ?? '',
      }));
      return { items, next: output.NextToken };
    });
  } catch (error) {
    // SNS answers ResourceNotFound when the account has no sandbox numbers at all.
    if (
      (error as Error).name === 'ResourceNotFoundException' ||
      (error as Error).name === 'ResourceNotFound'
    ) {
      return [];
    }
    throw error;
  }
}

async function collectPages<T>(
  page: (token: string | undefined) => Promise<{ items: readonly T[]; next: string | undefined }>,
): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  for (let count = 0; count < MAX_PAGES; count += 1) {
    const { items, next } = await page(token);
    all.push(...items);
    if (next === undefined || next === '') break;
    token = next;
  }
  return all;
}

function smsNotRun(phone: string, reason: string): SmsFacts {
  return {
    phone,
    isInSandbox: notRun('sns:GetSMSSandboxAccountStatus', reason),
    sandboxNumbers: notRun('sns:ListSMSSandboxPhoneNumbers', reason),
    attributes: notRun('sns:GetSMSAttributes', reason),
    originationNumbers: notRun('sns:ListOriginationNumbers', reason),
  };
}
