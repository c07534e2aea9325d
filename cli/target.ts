import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { HistoryStore } from '../functions/adapters/history-store.ts';
import { resolveRegion } from './core/doctor/region-check.ts';
import { parseRuntimeFile, RUNTIME_FILE_NAME, readStackOutputs } from './core/runtime-file.ts';
import { CommandError, InputError } from './errors.ts';

/** Where to look: a deployed stack by name, or the local runtime's data directory. */
export interface TargetOptions {
  readonly stack?: string;
  readonly region?: string;
  readonly dataDir?: string;
}

/** The resources a command works on, and clients for them. */
export interface Target {
  /** "local runtime (pid 123)" or "stack prod in eu-west-1": for messages. */
  readonly description: string;
  /** The local runtime's emulators deliver no email or SMS: alerts show in the `npm start` window. */
  readonly isLocal: boolean;
  readonly tableName: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly topicArn: string;
  /** Local only: the endpoint of the runtime's own subscription, which prints alerts; never unsubscribed. */
  readonly alertPrinterEndpoint?: string;
  /** The history bucket; absent for a stack or runtime from before history (issue 13). */
  readonly historyBucket?: string;
  /** The local runtime delivers to loopback receivers: http:// and private addresses are allowed. */
  readonly allowPrivateTargets: boolean;
  /** The queue the stack subscribes to the topic for alert channels: its subscription is never removed. */
  readonly dispatchQueueArn?: string;
  /**
   * The alert channels' table and SSM parameter prefix (issue 14).
   * @throws CommandError saying how to get them when the stack or runtime predates alert channels.
   */
  channels(): ChannelResources;
  dynamodb(): DynamoDBClient;
  sns(): SNSClient;
  /** SSM Parameter Store, where channel secrets live (the SDK loads on first use). */
  ssm(): Promise<SSMClient>;
  /**
   * The history bucket's store (the S3 SDK loads on first use: commands without history start as fast as
   * before). @throws CommandError saying how to get one when the target has no bucket.
   */
  history(): Promise<HistoryStore>;
  /** Closes the clients' sockets so the process can exit at once. */
  close(): void;
}

/** Where a target keeps its alert channels. */
export interface ChannelResources {
  readonly tableName: string;
  readonly secretsPrefix: string;
}

export const DATA_DIR_ENV = 'SQUIRREL_DATA_DIR';

// `npm start` runs at the repo root and keeps its data in .squirrel/ there, wherever the CLI is run from.
const DEFAULT_DATA_DIR = fileURLToPath(new URL('../.squirrel/', import.meta.url));

// The emulators accept any credentials; fixed fake ones keep the SDK from looking for real ones.
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
// A local emulator answers in milliseconds or not at all: fail fast instead of retrying for a minute.
const LOCAL_CLIENT_LIMITS = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 2_000, requestTimeout: 15_000 },
};

/** The data directory: --data-dir, else $SQUIRREL_DATA_DIR, else .squirrel/ at the repo root. */
export const resolveDataDir = (option: string | undefined, env: NodeJS.ProcessEnv): string =>
  resolve(option ?? env[DATA_DIR_ENV] ?? DEFAULT_DATA_DIR);

/**
 * Finds the target: `--stack` (CloudFormation outputs, the default AWS credential chain), otherwise the
 * local runtime named by runtime.json when its process is alive.
 * @throws CommandError saying what to do when there is neither.
 */
export async function resolveTarget(options: TargetOptions, env = process.env): Promise<Target> {
  if (options.stack !== undefined) return resolveStack(options.stack, stackRegionOf(options.region, env));
  if (options.region !== undefined) throw new InputError('--region only applies with --stack NAME');
  return resolveLocal(resolveDataDir(options.dataDir, env));
}

/**
 * Runs `work` against the target and closes it afterwards. AWS and network failures become one-line
 * CommandErrors that say which target failed; bugs stay as they are.
 */
export async function withTarget<T>(
  options: TargetOptions,
  work: (target: Target) => Promise<T>,
): Promise<T> {
  const target = await resolveTarget(options);
  try {
    return await work(target);
  } catch (error) {
    throw explainTargetError(error, target.description);
  } finally {
    target.close();
  }
}

function resolveLocal(dataDir: string): Target {
  const path = join(dataDir, RUNTIME_FILE_NAME);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new CommandError(
      `no local runtime is running (no ${path}): start one with \`npm start\` in the repo, or pass --stack NAME for a deployed stack`,
    );
  }
  const runtime = parseRuntimeFile(text, path);
  if (!isProcessAlive(runtime.pid)) {
    throw new CommandError(
      `the local runtime that wrote ${path} (pid ${runtime.pid}) is not running: start it with \`npm start\`, or pass --stack NAME`,
    );
  }
  const clientConfig = { region: runtime.region, credentials: LOCAL_CREDENTIALS, ...LOCAL_CLIENT_LIMITS };
  return createTarget(`local runtime (pid ${runtime.pid})`, true, {
    tableName: runtime.tableName,
    queueUrl: runtime.queueUrl,
    deadLetterQueueUrl: runtime.dlqUrl,
    topicArn: runtime.topicArn,
    alertPrinterEndpoint: runtime.alertPrinterQueueArn,
    ...(runtime.historyBucket === undefined ? {} : { historyBucket: runtime.historyBucket }),
    noHistoryHint: 'it was started before history existed: restart `npm start`',
    allowPrivateTargets: true,
    ...(runtime.dispatchQueueArn === undefined ? {} : { dispatchQueueArn: runtime.dispatchQueueArn }),
    ...(runtime.channelsTable === undefined ||
    runtime.channelSecretsPrefix === undefined ||
    runtime.ssmEndpoint === undefined
      ? {}
      : { channels: { tableName: runtime.channelsTable, secretsPrefix: runtime.channelSecretsPrefix } }),
    noChannelsHint: 'it was started before alert channels existed: restart `npm start`',
    ssm: async () =>
      new (await import('@aws-sdk/client-ssm')).SSMClient({ ...clientConfig, endpoint: runtime.ssmEndpoint }),
    dynamodb: () => new DynamoDBClient({ ...clientConfig, endpoint: runtime.dynamodbEndpoint }),
    sns: () => new SNSClient({ ...clientConfig, endpoint: runtime.snsEndpoint }),
    // The emulator serves every bucket under its one host: path-style, as the handlers use it.
    s3: async () =>
      new (await import('@aws-sdk/client-s3')).S3Client({
        ...clientConfig,
        endpoint: runtime.s3Endpoint ?? runtime.sqsEndpoint,
        forcePathStyle: true,
      }),
  });
}

/**
 * The region `--stack` looks in, by the preflight's rule (the CDK CLI's order): --region, AWS_REGION, then
 * AWS_DEFAULT_REGION (which the JS SDK alone ignores, but `cdk deploy` and AWS CLI v1 read); undefined leaves it
 * to the SDK's profile lookup. So `squirrel --stack` finds the stack where `cdk deploy` put it.
 */
export function stackRegionOf(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const resolution = resolveRegion({
    flag,
    awsRegion: env.AWS_REGION,
    awsDefaultRegion: env.AWS_DEFAULT_REGION,
    profileName: env.AWS_PROFILE ?? 'default',
  });
  return resolution.found ? resolution.region : undefined;
}

async function resolveStack(stackName: string, region: string | undefined): Promise<Target> {
  const cloudFormation = new CloudFormationClient(region === undefined ? {} : { region });
  try {
    const resolvedRegion = await cloudFormation.config.region().catch(() => {
      throw new CommandError('no AWS region: pass --region REGION or set AWS_REGION');
    });
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = Stacks?.[0];
    if (stack === undefined) throw new CommandError(`stack ${stackName} not found in ${resolvedRegion}`);
    const outputs = readStackOutputs(stackName, stack.Outputs ?? []);
    const clientConfig = { region: resolvedRegion };
    return createTarget(`stack ${stackName} in ${resolvedRegion}`, false, {
      tableName: outputs.TableName,
      queueUrl: outputs.QueueUrl,
      deadLetterQueueUrl: outputs.DeadLetterQueueUrl,
      topicArn: outputs.TopicArn,
      ...(outputs.HistoryBucketName === undefined ? {} : { historyBucket: outputs.HistoryBucketName }),
      noHistoryHint: 'it has no output HistoryBucketName: deploy this version with `cdk deploy`',
      allowPrivateTargets: false,
      ...(outputs.DispatchQueueArn === undefined ? {} : { dispatchQueueArn: outputs.DispatchQueueArn }),
      ...(outputs.ChannelsTableName === undefined || outputs.ChannelSecretsPrefix === undefined
        ? {}
        : {
            channels: { tableName: outputs.ChannelsTableName, secretsPrefix: outputs.ChannelSecretsPrefix },
          }),
      noChannelsHint: 'this stack predates alert channels (no output ChannelsTableName): `cdk deploy` again',
      ssm: async () => new (await import('@aws-sdk/client-ssm')).SSMClient(clientConfig),
      dynamodb: () => new DynamoDBClient(clientConfig),
      sns: () => new SNSClient(clientConfig),
      s3: async () => new (await import('@aws-sdk/client-s3')).S3Client(clientConfig),
    });
  } catch (error) {
    throw explainStackError(error, stackName);
  } finally {
    cloudFormation.destroy();
  }
}

interface TargetParts {
  readonly tableName: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly topicArn: string;
  readonly alertPrinterEndpoint?: string;
  readonly historyBucket?: string;
  /** Why there is no history bucket, and what to do. */
  readonly noHistoryHint: string;
  readonly allowPrivateTargets: boolean;
  readonly dispatchQueueArn?: string;
  readonly channels?: ChannelResources;
  /** Why there are no channel resources, and what to do. */
  readonly noChannelsHint: string;
  readonly ssm: () => Promise<SSMClient>;
  readonly dynamodb: () => DynamoDBClient;
  readonly sns: () => SNSClient;
  readonly s3: () => Promise<S3Client>;
}

function createTarget(description: string, isLocal: boolean, parts: TargetParts): Target {
  let dynamodb: DynamoDBClient | undefined;
  let sns: SNSClient | undefined;
  let s3: S3Client | undefined;
  let ssm: Promise<SSMClient> | undefined;
  let ssmClient: SSMClient | undefined;
  let history: Promise<HistoryStore> | undefined;
  const { historyBucket } = parts;
  return {
    description,
    isLocal,
    tableName: parts.tableName,
    queueUrl: parts.queueUrl,
    deadLetterQueueUrl: parts.deadLetterQueueUrl,
    topicArn: parts.topicArn,
    ...(parts.alertPrinterEndpoint === undefined ? {} : { alertPrinterEndpoint: parts.alertPrinterEndpoint }),
    ...(historyBucket === undefined ? {} : { historyBucket }),
    allowPrivateTargets: parts.allowPrivateTargets,
    ...(parts.dispatchQueueArn === undefined ? {} : { dispatchQueueArn: parts.dispatchQueueArn }),
    channels: () => {
      if (parts.channels === undefined) {
        throw new CommandError(`the ${description} has no alert channels: ${parts.noChannelsHint}`);
      }
      return parts.channels;
    },
    ssm: () => {
      ssm ??= parts.ssm().then((client) => {
        ssmClient = client;
        return client;
      });
      return ssm;
    },
    dynamodb: () => {
      dynamodb ??= parts.dynamodb();
      return dynamodb;
    },
    sns: () => {
      sns ??= parts.sns();
      return sns;
    },
    history: () => {
      if (historyBucket === undefined) {
        return Promise.reject(
          new CommandError(`the ${description} has no history bucket: ${parts.noHistoryHint}`),
        );
      }
      history ??= Promise.all([parts.s3(), import('../functions/adapters/history-store.ts')]).then(
        ([client, { HistoryStore }]) => {
          s3 = client;
          return new HistoryStore(client, historyBucket);
        },
      );
      return history;
    },
    close: () => {
      dynamodb?.destroy();
      sns?.destroy();
      s3?.destroy();
      ssmClient?.destroy();
    },
  };
}

/** Signal 0 tests for existence without touching the process; EPERM means it exists under another user. */
function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function explainStackError(error: unknown, stackName: string): unknown {
  if (error instanceof CommandError || error instanceof InputError) return error;
  const { name, message } = error as Error;
  if (name === 'CredentialsProviderError') {
    return new CommandError(
      `no AWS credentials for --stack ${stackName}: set AWS_PROFILE or run \`aws configure\` / \`aws sso login\``,
      { cause: error },
    );
  }
  if (name === 'ValidationError' && /does not exist/.test(message)) {
    return new CommandError(`stack ${stackName} does not exist (check --stack and --region)`, {
      cause: error,
    });
  }
  return explainTargetError(error, `stack ${stackName}`);
}

/** Network and AWS errors → CommandError naming the target; our own errors and bugs pass through. */
export function explainTargetError(error: unknown, description: string): unknown {
  if (error instanceof CommandError || error instanceof InputError) return error;
  const code = findErrorCode(error);
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT') {
    return new CommandError(`cannot reach the ${description} (${code}): is it still running?`, {
      cause: error,
    });
  }
  const isAwsError = typeof error === 'object' && error !== null && '$metadata' in error;
  if (isAwsError || code !== undefined) {
    const { name, message } = error as Error;
    return new CommandError(`${description}: ${name}: ${message}`, { cause: error });
  }
  return error;
}

function findErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string') return code;
    current = cause;
  }
  return undefined;
}
