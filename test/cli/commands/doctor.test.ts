import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeStackResourcesCommand, type StackResource } from '@aws-sdk/client-cloudformation';
import { GetAccountSettingsCommand, GetFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import {
  GetSMSAttributesCommand,
  ListOriginationNumbersCommand,
  ListSMSSandboxPhoneNumbersCommand,
} from '@aws-sdk/client-sns';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runDoctor } from '../../../cli/commands/doctor.ts';
import type { CheckLine } from '../../../cli/core/doctor/check-line.ts';
import { InputError } from '../../../cli/errors.ts';
import { createProgram } from '../../../cli/program.ts';
import {
  ACCOUNT,
  type AccountMocks,
  awsError,
  captureIo,
  doctorDeps,
  mockAccountClients,
  mockNewAccount,
  mockReadyAccount,
  US_PHONE,
} from './doctor-accounts.ts';

const REGION_ENV = { AWS_REGION: 'eu-west-1' };

let mocks: AccountMocks;
let repoRoot: string;

beforeAll(() => {
  mocks = mockAccountClients();
});
afterAll(() => mocks.restore());
beforeEach(async () => {
  repoRoot = await mkdtemp(join(tmpdir(), 'doctor-'));
});
afterEach(async () => {
  mocks.reset();
  await rm(repoRoot, { recursive: true, force: true });
});

const writeConfig = (config: Record<string, unknown>) =>
  writeFile(join(repoRoot, 'squirrel.config.json'), JSON.stringify(config));

/** Runs `doctor --json` and returns the exit code and the lines by check. */
async function runJson(env: NodeJS.ProcessEnv = REGION_ENV, options: { phone?: string } = {}) {
  const io = captureIo();
  const code = await runDoctor({ json: true, ...options }, {}, io, doctorDeps(repoRoot, env));
  const lines = io.stdout.map((text) => JSON.parse(text) as CheckLine);
  const byCheck = (check: CheckLine['check']) => lines.find((line) => line.check === check);
  return { code, lines, byCheck, io };
}

const stackResource = (logicalId: string, type: string, physicalId: string): StackResource => ({
  LogicalResourceId: logicalId,
  ResourceType: type,
  PhysicalResourceId: physicalId,
  ResourceStatus: 'CREATE_COMPLETE',
  Timestamp: new Date(0),
});

describe('squirrel doctor', () => {
  it('on a new account: fails bootstrap, the SMS sandbox and origination, and says the deploy reserves nothing', async () => {
    // Prepare
    mockNewAccount(mocks);
    await writeConfig({ alertEmail: 'ops@example.com', alertPhone: US_PHONE });

    // Act
    const { code, byCheck } = await runJson();

    // Assess
    expect(code).toBe(1);
    expect(byCheck('region')).toMatchObject({ status: 'pass', found: 'eu-west-1 (from AWS_REGION)' });
    expect(byCheck('credentials')).toMatchObject({
      status: 'pass',
      found: `account ${ACCOUNT} as arn:aws:iam::${ACCOUNT}:user/alice`,
    });
    expect(byCheck('cdk-bootstrap')).toMatchObject({
      status: 'fail',
      fix: `npx cdk bootstrap aws://${ACCOUNT}/eu-west-1`,
    });
    expect(byCheck('lambda-concurrency')).toMatchObject({ status: 'warn' });
    expect(byCheck('lambda-concurrency')?.found).toMatch(
      /^reservation: none, the account cannot spare 10 \(quota 10, unreserved 10, Lambda keeps 10 unreserved\); the SQS maximum concurrency 10 caps the checkers/,
    );
    expect(byCheck('lambda-concurrency')?.fix).toContain('--quota-code L-B99A9384');
    expect(byCheck('lambda-runtime')).toMatchObject({ status: 'pass' });
    expect(byCheck('alert-contacts')).toMatchObject({ status: 'pass' });
    expect(byCheck('sms-region')).toMatchObject({ status: 'pass' });
    expect(byCheck('sms-sandbox')).toMatchObject({ status: 'fail' });
    expect(byCheck('sms-sandbox')?.fix).toContain(
      `aws sns create-sms-sandbox-phone-number --phone-number ${US_PHONE} --region eu-west-1`,
    );
    expect(byCheck('sms-spend-limit')).toMatchObject({ status: 'warn' });
    expect(byCheck('sms-spend-limit')?.fix).toContain(
      'aws sns set-sms-attributes --attributes MonthlySpendLimit=10 --region eu-west-1',
    );
    expect(byCheck('sms-origination')).toMatchObject({ status: 'fail' });
    expect(mocks.ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
      Name: '/cdk-bootstrap/hnb659fds/version',
    });
  });

  it('on a ready account: every line passes, exit 0, and the sandbox numbers are not asked for', async () => {
    // Prepare
    mockReadyAccount(mocks);
    await writeConfig({ alertEmail: 'ops@example.com', alertPhone: US_PHONE, smsMonthlySpendLimitUsd: 20 });

    // Act
    const { code, lines } = await runJson();

    // Assess
    expect(lines.filter((line) => line.status !== 'pass')).toEqual([]);
    expect(lines).toHaveLength(10);
    expect(code).toBe(0);
    expect(mocks.sns.commandCalls(ListSMSSandboxPhoneNumbersCommand)).toHaveLength(0);
  });

  it('turns AccessDenied on one call into "unknown" naming the IAM action, and checks the rest', async () => {
    // Prepare
    mockReadyAccount(mocks);
    mocks.lambda
      .on(GetAccountSettingsCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          'User is not authorized to perform: lambda:GetAccountSettings',
          403,
        ),
      );
    mocks.sns
      .on(GetSMSAttributesCommand)
      .rejects(awsError('AuthorizationError', 'not authorized to perform: SNS:GetSMSAttributes', 403));
    await writeConfig({ alertEmail: 'ops@example.com', alertPhone: US_PHONE, smsMonthlySpendLimitUsd: 20 });

    // Act
    const { code, byCheck } = await runJson();

    // Assess
    expect(byCheck('lambda-concurrency')).toMatchObject({ status: 'unknown' });
    expect(byCheck('lambda-concurrency')?.found).toMatch(/^no permission for lambda:GetAccountSettings/);
    expect(byCheck('sms-spend-limit')?.found).toMatch(/^no permission for sns:GetSMSAttributes/);
    expect(byCheck('cdk-bootstrap')).toMatchObject({ status: 'pass' });
    expect(byCheck('sms-origination')).toMatchObject({ status: 'pass' });
    expect(code).toBe(0);
  });

  it('reports a throttled call and a call that never answers as unknown, without waiting for it', async () => {
    // Prepare
    mockReadyAccount(mocks);
    mocks.ssm.on(GetParameterCommand).rejects(awsError('ThrottlingException', 'Rate exceeded', 400));
    mocks.sns.on(ListOriginationNumbersCommand).callsFake(() => new Promise(() => {}));
    await writeConfig({ alertEmail: 'ops@example.com', alertPhone: US_PHONE, smsMonthlySpendLimitUsd: 20 });
    const io = captureIo();

    // Act
    const code = await runDoctor(
      { json: true },
      {},
      io,
      doctorDeps(repoRoot, REGION_ENV, { callTimeoutMs: 200 }),
    );
    const lines = io.stdout.map((text) => JSON.parse(text) as CheckLine);

    // Assess
    expect(lines.find((line) => line.check === 'cdk-bootstrap')).toMatchObject({
      status: 'unknown',
      found: 'AWS throttled ssm:GetParameter after retries (ThrottlingException: Rate exceeded)',
    });
    expect(lines.find((line) => line.check === 'sms-origination')).toMatchObject({
      status: 'unknown',
      found: 'sns:ListOriginationNumbers did not answer in time (no answer within 0.2 s)',
    });
    expect(lines.find((line) => line.check === 'sms-sandbox')).toMatchObject({ status: 'pass' });
    expect(code).toBe(0);
  });

  it('stops at expired credentials: the credentials line fails and nothing else is asked', async () => {
    // Prepare
    mocks.sts
      .on(GetCallerIdentityCommand)
      .rejects(awsError('ExpiredToken', 'The security token included in the request is expired', 403));
    await writeConfig({ alertEmail: 'ops@example.com', alertPhone: US_PHONE });

    // Act
    const { code, byCheck } = await runJson({ ...REGION_ENV, AWS_PROFILE: 'work' });

    // Assess
    expect(code).toBe(1);
    expect(byCheck('credentials')).toMatchObject({
      status: 'fail',
      fix: 'aws sso login --profile work   (or: aws configure --profile work)',
    });
    expect(byCheck('cdk-bootstrap')?.found).toMatch(/^not checked: the credentials did not work/);
    expect(byCheck('sms-sandbox')).toMatchObject({ status: 'unknown' });
    expect(mocks.ssm.calls()).toHaveLength(0);
    expect(mocks.lambda.calls()).toHaveLength(0);
    expect(mocks.sns.calls()).toHaveLength(0);
  });

  it('fails a pinned checkerReservation the account cannot spare, with the config change as the fix', async () => {
    // Prepare
    mockNewAccount(mocks);
    await writeConfig({ alertEmail: 'ops@example.com', checkerReservation: 10 });

    // Act
    const { code, byCheck } = await runJson();

    // Assess
    expect(code).toBe(1);
    expect(byCheck('lambda-concurrency')).toMatchObject({ status: 'fail' });
    expect(byCheck('lambda-concurrency')?.fix).toMatch(
      /^set "checkerReservation": "auto" in squirrel\.config\.json/,
    );
  });

  it("counts the deployed checker's own reservation back on a redeploy, as the custom resource does", async () => {
    // Prepare: quota 1000, the deployed checker holds 900 of it; pinned at 900 again
    mockReadyAccount(mocks);
    mocks.lambda.on(GetAccountSettingsCommand).resolves({
      AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 100 },
    });
    mocks.cloudformation.on(DescribeStackResourcesCommand, { StackName: 'uptime-squirrel' }).resolves({
      StackResources: [
        stackResource('ChecksQueue4DA222DC', 'AWS::SQS::Queue', 'https://sqs.example/q'),
        stackResource('CheckerReservationDeciderFunctionB8ACEC55', 'AWS::Lambda::Function', 'decider-fn'),
        stackResource('CheckerFunction288BE78F', 'AWS::Lambda::Function', 'uptime-squirrel-Checker-abc'),
      ],
    });
    mocks.lambda
      .on(GetFunctionConcurrencyCommand, { FunctionName: 'uptime-squirrel-Checker-abc' })
      .resolves({ ReservedConcurrentExecutions: 900 });
    await writeConfig({ alertEmail: 'ops@example.com', checkerConcurrency: 10, checkerReservation: 900 });

    // Act
    const { byCheck } = await runJson();

    // Assess: without counting it back, 100 unreserved would read "cannot spare 900" and fail
    expect(byCheck('lambda-concurrency')).toMatchObject({ status: 'pass' });
    expect(byCheck('lambda-concurrency')?.found).toMatch(
      /^reservation: 900 for the checker .*the deployed checker's 900/,
    );
  });

  it('skips the SMS calls without a phone, and checks --phone when given one', async () => {
    // Prepare
    mockNewAccount(mocks);
    await writeConfig({ alertEmail: 'ops@example.com' });

    // Act
    const withoutPhone = await runJson();
    const snsCallsWithoutPhone = mocks.sns.calls().length;
    const withPhone = await runJson(REGION_ENV, { phone: '+447700900123' });

    // Assess
    expect(withoutPhone.byCheck('sms-sandbox')).toMatchObject({ status: 'skip' });
    expect(snsCallsWithoutPhone).toBe(0);
    expect(withPhone.byCheck('sms-sandbox')).toMatchObject({ status: 'fail' });
    expect(withPhone.byCheck('sms-origination')).toMatchObject({ status: 'pass' });
  });

  it('uses AWS_DEFAULT_REGION, which the CDK CLI reads and the JS SDK alone would not', async () => {
    // Prepare
    mockNewAccount(mocks);
    await writeConfig({ alertEmail: 'ops@example.com' });

    // Act
    const { byCheck } = await runJson({ AWS_DEFAULT_REGION: 'ap-southeast-2' });

    // Assess
    expect(byCheck('region')).toMatchObject({
      status: 'pass',
      found: 'ap-southeast-2 (from AWS_DEFAULT_REGION)',
    });
    expect(byCheck('cdk-bootstrap')?.fix).toBe(`npx cdk bootstrap aws://${ACCOUNT}/ap-southeast-2`);
  });

  it('prints one line per check with the fix under it, and a summary', async () => {
    // Prepare
    mockNewAccount(mocks);
    await writeConfig({ alertEmail: 'ops@example.com', alertPhone: US_PHONE });
    const io = captureIo();

    // Act
    const code = await runDoctor({}, {}, io, doctorDeps(repoRoot, REGION_ENV));
    const text = io.stdout.join('\n');

    // Assess
    expect(code).toBe(1);
    const rows = text.split('\n');
    const bootstrapRow = rows.findIndex((row) => row.startsWith('fail  cdk-bootstrap  '));
    const [row, fixRow] = [rows[bootstrapRow] ?? '', rows[bootstrapRow + 1] ?? ''];
    expect(row).toMatch(/^fail {2}cdk-bootstrap {7}not bootstrapped: no SSM parameter/);
    expect(fixRow.trim()).toBe('fix: npx cdk bootstrap aws://123456789012/eu-west-1');
    // The fix sits under what the check found.
    expect(fixRow.indexOf('fix:')).toBe(row.indexOf('not bootstrapped'));
    expect(text.split('\n').at(-1)).toBe(
      '5 pass, 2 warn, 3 fail: fix the failures above before `npx cdk deploy`.',
    );
    expect(io.stderr).toEqual(['checking the account in eu-west-1 (a few seconds)…']);
  });

  it('refuses a bad config file or --phone as input errors (exit 2), before asking AWS anything', async () => {
    // Prepare
    await writeConfig({ checkerConcurrency: 1 });
    const io = captureIo();

    // Act
    const badConfig = runDoctor({}, {}, io, doctorDeps(repoRoot, REGION_ENV));
    const badPhone = runDoctor(
      { phone: '0170 1234', config: join(repoRoot, 'missing.json') },
      {},
      io,
      doctorDeps(repoRoot, REGION_ENV),
    );

    // Assess
    await expect(badConfig).rejects.toThrow(InputError);
    await expect(badConfig).rejects.toThrow(/checkerConcurrency/);
    await expect(badPhone).rejects.toThrow(
      '--phone must be an E.164 phone number like +14155550123 (no spaces), got "0170 1234"',
    );
    expect(mocks.sts.calls()).toHaveLength(0);
  });

  it('is registered as `squirrel doctor`: --region, --config, --phone and --json reach it', async () => {
    // Prepare
    mockNewAccount(mocks);
    const configPath = join(repoRoot, 'deploy.json');
    await writeFile(configPath, JSON.stringify({ alertEmail: 'ops@example.com' }));
    const io = captureIo();
    let exitCode: number | undefined;
    const program = createProgram(io, async (action) => {
      exitCode = await action;
    });

    // Act
    await program.parseAsync(
      ['doctor', '--region', 'sa-east-1', '--config', configPath, '--phone', US_PHONE, '--json'],
      { from: 'user' },
    );
    const lines = io.stdout.map((text) => JSON.parse(text) as CheckLine);

    // Assess
    expect(exitCode).toBe(1);
    expect(lines.find((line) => line.check === 'region')?.found).toMatch(/^sa-east-1 \(from --region/);
    expect(lines.find((line) => line.check === 'sms-sandbox')?.fix).toContain(`--phone-number ${US_PHONE}`);
    expect(lines.find((line) => line.check === 'alert-contacts')?.found).toContain(configPath);
  });
  it('with verifierRegions: asks each region at its own endpoint and prints its lines, region by region', async () => {
    // Prepare: ready at home (eu-west-1); us-west-2 bootstrapped with a quota of 10; ap-east-1 not enabled
    mockReadyAccount(mocks);
    const regionOf = async (getClient: () => { config: { region: () => Promise<string> } }) =>
      getClient().config.region();
    mocks.sts.on(GetCallerIdentityCommand).callsFake(async (_input, getClient) => {
      if ((await regionOf(getClient)) === 'ap-east-1') {
        throw awsError('InvalidClientTokenId', 'The security token included in the request is invalid', 403);
      }
      return { Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/alice` };
    });
    mocks.lambda
      .on(GetAccountSettingsCommand)
      .callsFake(async (_input, getClient) =>
        (await regionOf(getClient)) === 'us-west-2'
          ? { AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } }
          : { AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 } },
      );
    await writeConfig({ alertEmail: 'ops@example.com', verifierRegions: ['us-west-2', 'ap-east-1'] });

    // Act
    const { code, lines } = await runJson();

    // Assess
    const verifierLines = lines.filter((line) => line.check.startsWith('verifier-'));
    expect(verifierLines.map((line) => [line.check, line.status, line.found.split(':')[0]])).toEqual([
      ['verifier-region', 'pass', 'us-west-2'],
      ['verifier-bootstrap', 'pass', 'us-west-2'],
      ['verifier-concurrency', 'pass', 'us-west-2'],
      ['verifier-region', 'fail', 'ap-east-1'],
    ]);
    expect(verifierLines[2]?.found).toContain(
      'quota 10, unreserved 10; expect about 10 verifier invokes at once at most',
    );
    expect(code).toBe(1);
    // Lambda was asked in us-west-2 (and at home), never in the region that refused the credentials.
    const lambdaRegions = await Promise.all(
      mocks.lambda.commandCalls(GetAccountSettingsCommand).map((call) => call.thisValue.config.region()),
    );
    expect(lambdaRegions.sort()).toEqual(['eu-west-1', 'us-west-2']);
  });
});
