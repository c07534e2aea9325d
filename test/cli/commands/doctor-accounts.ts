import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  GetSMSAttributesCommand,
  GetSMSSandboxAccountStatusCommand,
  ListOriginationNumbersCommand,
  ListSMSSandboxPhoneNumbersCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import type { DoctorDeps } from '../../../cli/commands/doctor.ts';
import type { Io } from '../../../cli/io.ts';

/** Mocked SDK clients for the four services `doctor` reads; every client of these classes is mocked. */
export interface AccountMocks {
  readonly sts: AwsClientStub<STSClient>;
  readonly lambda: AwsClientStub<LambdaClient>;
  readonly ssm: AwsClientStub<SSMClient>;
  readonly sns: AwsClientStub<SNSClient>;
  readonly cloudformation: AwsClientStub<CloudFormationClient>;
  reset(): void;
  restore(): void;
}

export function mockAccountClients(): AccountMocks {
  const mocks = {
    sts: mockClient(STSClient),
    lambda: mockClient(LambdaClient),
    ssm: mockClient(SSMClient),
    sns: mockClient(SNSClient),
    cloudformation: mockClient(CloudFormationClient),
  };
  return {
    ...mocks,
    reset: () => {
      for (const mock of Object.values(mocks)) mock.reset();
    },
    restore: () => {
      for (const mock of Object.values(mocks)) mock.restore();
    },
  };
}

export const ACCOUNT = '123456789012';
export const ARN = `arn:aws:iam::${ACCOUNT}:user/alice`;
export const US_PHONE = '+14155550123';

/** An AWS service error as the SDK throws it: a name, a message and the HTTP status in $metadata. */
export function awsError(name: string, message: string, httpStatusCode: number): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
}

/**
 * A brand-new account as AWS hands it out: Lambda quota 10 (all unreserved), never bootstrapped, SMS
 * sandbox with no verified numbers, the $1 default spend limit (never set), no origination numbers.
 */
/** CloudFormation's answer for a stack that does not exist (yet): nothing deployed, nothing to count back. */
export function mockNoStack(mocks: AccountMocks): void {
  mocks.cloudformation
    .on(DescribeStackResourcesCommand)
    .rejects(awsError('ValidationError', 'Stack with id uptime-squirrel does not exist', 400));
}

export function mockNewAccount(mocks: AccountMocks): void {
  mockNoStack(mocks);
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: ARN, UserId: 'AIDAEXAMPLE' });
  mocks.ssm
    .on(GetParameterCommand)
    .rejects(awsError('ParameterNotFound', 'Parameter /cdk-bootstrap/hnb659fds/version not found.', 400));
  mocks.lambda.on(GetAccountSettingsCommand).resolves({
    AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 },
    AccountUsage: { FunctionCount: 0, TotalCodeSize: 0 },
  });
  mocks.sns.on(GetSMSSandboxAccountStatusCommand).resolves({ IsInSandbox: true });
  mocks.sns.on(ListSMSSandboxPhoneNumbersCommand).resolves({ PhoneNumbers: [] });
  mocks.sns.on(GetSMSAttributesCommand).resolves({ attributes: {} });
  mocks.sns.on(ListOriginationNumbersCommand).resolves({ PhoneNumbers: [] });
}

/**
 * An account ready for the stack: quota 1000, bootstrapped at version 29, out of the SMS sandbox, a $20
 * limit (the config's), an active US toll-free number.
 */
export function mockReadyAccount(mocks: AccountMocks): void {
  mockNoStack(mocks);
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: ARN, UserId: 'AIDAEXAMPLE' });
  mocks.ssm.on(GetParameterCommand).resolves({
    Parameter: { Name: '/cdk-bootstrap/hnb659fds/version', Value: '29', Type: 'String' },
  });
  mocks.lambda.on(GetAccountSettingsCommand).resolves({
    AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 },
  });
  mocks.sns.on(GetSMSSandboxAccountStatusCommand).resolves({ IsInSandbox: false });
  mocks.sns.on(GetSMSAttributesCommand).resolves({
    attributes: { MonthlySpendLimit: '20', DefaultSMSType: 'Transactional' },
  });
  mocks.sns.on(ListOriginationNumbersCommand).resolves({
    PhoneNumbers: [
      {
        PhoneNumber: '+18885550100',
        Iso2CountryCode: 'US',
        Status: 'ACTIVE',
        RouteType: 'Transactional',
        NumberCapabilities: ['SMS'],
      },
    ],
  });
}

/** An Io that keeps what a command printed. */
export function captureIo(): Io & { readonly stdout: string[]; readonly stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (text) => stdout.push(text), err: (text) => stderr.push(text) };
}

/** Deps for `runDoctor` in a temp repo root, with the region only from the given environment. */
export function doctorDeps(
  repoRoot: string,
  env: NodeJS.ProcessEnv,
  overrides: Partial<DoctorDeps> = {},
): DoctorDeps {
  return {
    env,
    repoRoot,
    cwd: repoRoot,
    createClients: async (region) =>
      (await import('../../../cli/core/doctor/gather/aws-clients.ts')).createDoctorClients(region),
    // No ~/.aws/config in tests: the profile names no region.
    readProfileRegion: async () => undefined,
    loadRequirements: async (root, stackName, region) =>
      (await import('../../../cli/core/doctor/gather/stack-requirements.ts')).loadStackRequirements(
        root,
        stackName,
        region,
      ),
    ...overrides,
  };
}
