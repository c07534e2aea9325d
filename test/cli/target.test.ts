import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandError, InputError } from '../../cli/errors.ts';
import { explainTargetError, resolveDataDir, resolveTarget, stackRegionOf } from '../../cli/target.ts';

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'squirrel-target-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const writeRuntime = (pid: number, extra: Record<string, unknown> = {}) =>
  writeFile(
    join(dataDir, 'runtime.json'),
    JSON.stringify({
      ...extra,
      pid,
      region: 'eu-west-1',
      dynamodbEndpoint: 'http://127.0.0.1:1',
      sqsEndpoint: 'http://127.0.0.1:2',
      snsEndpoint: 'http://127.0.0.1:2',
      tableName: 'local-sites',
      queueUrl: 'http://127.0.0.1:2/000000000000/checks',
      dlqUrl: 'http://127.0.0.1:2/000000000000/checks-dlq',
      topicArn: 'arn:aws:sns:eu-west-1:000000000000:alerts',
      startedAt: '2026-11-25T09:00:00.000Z',
    }),
  );

/** The pid of a process that has exited. */
const deadPid = () =>
  new Promise<number>((done) => {
    const child = spawn(process.execPath, ['-e', '']);
    child.on('exit', () => done(child.pid ?? 0));
  });

describe('resolveDataDir', () => {
  it.each([
    ['opt', { SQUIRREL_DATA_DIR: '/env' }, resolve('opt')],
    [undefined, { SQUIRREL_DATA_DIR: '/env' }, '/env'],
    [undefined, {}, resolve(import.meta.dirname, '../../.squirrel')],
  ])(
    'prefers --data-dir, then $SQUIRREL_DATA_DIR, then the repo .squirrel/ (%#)',
    (option, env, expected) => {
      expect(resolveDataDir(option, env)).toBe(expected);
    },
  );
});

describe('resolveTarget', () => {
  it('uses the local runtime named by runtime.json when its process is alive', async () => {
    // Prepare
    await writeRuntime(process.pid);

    // Act
    const target = await resolveTarget({ dataDir });

    // Assess
    expect(target).toMatchObject({
      description: `local runtime (pid ${process.pid})`,
      isLocal: true,
      tableName: 'local-sites',
      topicArn: 'arn:aws:sns:eu-west-1:000000000000:alerts',
      deadLetterQueueUrl: 'http://127.0.0.1:2/000000000000/checks-dlq',
    });
    expect(await target.dynamodb().config.region()).toBe('eu-west-1');
    target.close();
  });

  it("reaches the runtime's history bucket path-style on its S3 endpoint", async () => {
    // Prepare
    await writeRuntime(process.pid, { historyBucket: 'local-history', s3Endpoint: 'http://127.0.0.1:3' });
    const target = await resolveTarget({ dataDir });

    // Act
    const history = await target.history();

    // Assess
    expect(target.historyBucket).toBe('local-history');
    expect(history).toBe(await target.history());
    target.close();
  });

  it('says a runtime from before history has no history bucket, and to restart it', async () => {
    // Prepare
    await writeRuntime(process.pid);
    const target = await resolveTarget({ dataDir });

    // Act
    const history = target.history();

    // Assess
    await expect(history).rejects.toThrow(CommandError);
    await expect(history).rejects.toThrow(
      `the local runtime (pid ${process.pid}) has no history bucket: it was started before history existed: restart \`npm start\``,
    );
    target.close();
  });

  it("gives the runtime's alert channels, its SSM emulator and private targets allowed", async () => {
    // Prepare
    await writeRuntime(process.pid, {
      channelsTable: 'uptime-squirrel-channels',
      channelSecretsPrefix: '/uptime-squirrel/local/channels',
      ssmEndpoint: 'http://127.0.0.1:4',
      dispatchQueueArn: 'arn:aws:sqs:eu-west-1:000000000000:alert-dispatch',
    });
    const target = await resolveTarget({ dataDir });

    // Act
    const ssm = await target.ssm();

    // Assess
    expect(target.channels()).toEqual({
      tableName: 'uptime-squirrel-channels',
      secretsPrefix: '/uptime-squirrel/local/channels',
    });
    expect(target).toMatchObject({
      allowPrivateTargets: true,
      dispatchQueueArn: 'arn:aws:sqs:eu-west-1:000000000000:alert-dispatch',
    });
    expect(await ssm.config.endpoint?.()).toMatchObject({ hostname: '127.0.0.1', port: 4 });
    target.close();
  });

  it('says a runtime from before alert channels has none, and to restart it', async () => {
    // Prepare
    await writeRuntime(process.pid);
    const target = await resolveTarget({ dataDir });

    // Act + Assess
    expect(() => target.channels()).toThrow(
      new CommandError(
        `the local runtime (pid ${process.pid}) has no alert channels: it was started before alert channels existed: restart \`npm start\``,
      ),
    );
    target.close();
  });

  it("reads a stack's channel outputs, allows no private targets, and says to deploy again when it has none", async () => {
    // Prepare
    const cloudFormation = mockClient(CloudFormationClient);
    const base = [
      { OutputKey: 'TableName', OutputValue: 't' },
      { OutputKey: 'QueueUrl', OutputValue: 'q' },
      { OutputKey: 'TopicArn', OutputValue: 'arn:aws:sns:eu-west-1:1:alerts' },
      { OutputKey: 'DeadLetterQueueUrl', OutputValue: 'd' },
    ];
    cloudFormation
      .on(DescribeStacksCommand, { StackName: 'new' })
      .resolves({
        Stacks: [
          {
            StackName: 'new',
            CreationTime: new Date(0),
            StackStatus: 'UPDATE_COMPLETE',
            Outputs: [
              ...base,
              { OutputKey: 'ChannelsTableName', OutputValue: 'new-Channels' },
              { OutputKey: 'ChannelSecretsPrefix', OutputValue: '/uptime-squirrel/new/channels' },
            ],
          },
        ],
      })
      .on(DescribeStacksCommand, { StackName: 'old' })
      .resolves({
        Stacks: [
          { StackName: 'old', CreationTime: new Date(0), StackStatus: 'UPDATE_COMPLETE', Outputs: base },
        ],
      });

    // Act
    const current = await resolveTarget({ stack: 'new', region: 'eu-west-1' });
    const old = await resolveTarget({ stack: 'old', region: 'eu-west-1' });
    cloudFormation.restore();

    // Assess
    expect(current.channels()).toEqual({
      tableName: 'new-Channels',
      secretsPrefix: '/uptime-squirrel/new/channels',
    });
    expect(current.allowPrivateTargets).toBe(false);
    expect(() => old.channels()).toThrow(
      'the stack old in eu-west-1 has no alert channels: this stack predates alert channels (no output ChannelsTableName): `cdk deploy` again',
    );
    current.close();
    old.close();
  });

  it('says to run npm start or pass --stack when no runtime file exists', async () => {
    await expect(resolveTarget({ dataDir })).rejects.toThrow(
      new CommandError(
        `no local runtime is running (no ${join(dataDir, 'runtime.json')}): start one with \`npm start\` in the repo, or pass --stack NAME for a deployed stack`,
      ),
    );
  });

  it('refuses a runtime file whose process is gone', async () => {
    // Prepare
    const pid = await deadPid();
    await writeRuntime(pid);

    // Act / Assess
    await expect(resolveTarget({ dataDir })).rejects.toThrow(`(pid ${pid}) is not running`);
  });

  it('refuses --region without --stack', async () => {
    await expect(resolveTarget({ dataDir, region: 'eu-west-1' })).rejects.toThrow(InputError);
  });
});

describe('explainTargetError', () => {
  it.each([
    [
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      'cannot reach the local runtime (pid 1) (ECONNREFUSED): is it still running?',
    ],
    [
      Object.assign(new Error('Requested resource not found'), {
        name: 'ResourceNotFoundException',
        $metadata: {},
      }),
      'local runtime (pid 1): ResourceNotFoundException: Requested resource not found',
    ],
  ])('turns %s into a one-line CommandError naming the target', (error, message) => {
    const explained = explainTargetError(error, 'local runtime (pid 1)');

    expect(explained).toBeInstanceOf(CommandError);
    expect((explained as Error).message).toBe(message);
  });

  it('leaves bugs and the CLI own errors as they are', () => {
    const bug = new TypeError('x is undefined');
    const input = new InputError('bad');

    expect(explainTargetError(bug, 't')).toBe(bug);
    expect(explainTargetError(input, 't')).toBe(input);
  });
});

describe('stackRegionOf', () => {
  it.each([
    [
      '--region first',
      'us-west-2',
      { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-central-1' },
      'us-west-2',
    ],
    [
      'then AWS_REGION',
      undefined,
      { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-central-1' },
      'eu-west-1',
    ],
    [
      'then AWS_DEFAULT_REGION, as cdk deploy reads it',
      undefined,
      { AWS_DEFAULT_REGION: 'eu-central-1' },
      'eu-central-1',
    ],
    ["else the SDK's profile lookup", undefined, {}, undefined],
  ])('%s', (_name, flag, env, region) => {
    expect(stackRegionOf(flag, env)).toBe(region);
  });
});
