import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startFauxqs } from 'fauxqs';
import { HistoryStore } from '../../../functions/adapters/history-store.ts';
import { startDynamoEmulator } from '../../support/dynamo-emulator.ts';

/** The real command, run the way `npx squirrel` runs it (the bin file, through tsx), minus npx's own start-up. */
export const SQUIRREL_BIN = fileURLToPath(new URL('../../../cli/bin/squirrel.js', import.meta.url));

export const TABLE_NAME = 'sites';
export const HISTORY_BUCKET = 'history';
export const CHANNELS_TABLE = 'channels';
export const CHANNEL_SECRETS_PREFIX = '/uptime-squirrel/local/channels';
const REGION = 'us-east-1';

export interface SquirrelRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Emulators in this process, and a runtime.json in a temp data dir that points the CLI at them. */
export interface LocalTarget {
  readonly dataDir: string;
  readonly doc: DynamoDBDocumentClient;
  readonly sns: SNSClient;
  readonly topicArn: string;
  /** The queue runtime.json names as the runtime's own alert printer. */
  readonly alertPrinterQueueArn: string;
  /** The queue runtime.json names as the runtime's channel dispatcher (not subscribed here either). */
  readonly dispatchQueueArn: string;
  /** The history bucket runtime.json names, through the handlers' adapter (to write a scripted history). */
  readonly history: HistoryStore;
  /** Runs `squirrel ...args` as a child process against this target. */
  run(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<SquirrelRun>;
  stop(): Promise<void>;
}

/**
 * Plays the local runtime for CLI tests: dynalite and fauxqs on free loopback ports, the table, queue, DLQ
 * and topic, and runtime.json naming this (live) process as the runtime's pid.
 */
export async function startLocalTarget(
  options: { readonly withChannels?: boolean } = {},
): Promise<LocalTarget> {
  const dynamo = await startDynamoEmulator();
  await dynamo.createSitesTable(TABLE_NAME);
  const fauxqs = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  const queue = fauxqs.createQueue('checks', { region: REGION });
  const dlq = fauxqs.createQueue('checks-dlq', { region: REGION });
  const { topicArn } = fauxqs.createTopic('alerts', { region: REGION });
  // Not subscribed here: a test that needs the runtime's printer subscription makes it.
  const printer = fauxqs.createQueue('alert-printer', { region: REGION });
  const dispatch = fauxqs.createQueue('alert-dispatch', { region: REGION });
  fauxqs.createBucket(HISTORY_BUCKET);
  const fauxqsEndpoint = `http://127.0.0.1:${fauxqs.port}`;
  const s3 = new S3Client({
    region: REGION,
    endpoint: fauxqsEndpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const sns = new SNSClient({
    region: REGION,
    endpoint: fauxqsEndpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });

  const dataDir = await mkdtemp(join(tmpdir(), 'squirrel-cli-'));
  await writeFile(
    join(dataDir, 'runtime.json'),
    JSON.stringify({
      pid: process.pid,
      region: REGION,
      dynamodbEndpoint: dynamo.endpoint,
      sqsEndpoint: fauxqsEndpoint,
      snsEndpoint: fauxqsEndpoint,
      tableName: TABLE_NAME,
      queueUrl: queue.queueUrl,
      dlqUrl: dlq.queueUrl,
      topicArn,
      alertPrinterQueueArn: printer.queueArn,
      historyBucket: HISTORY_BUCKET,
      s3Endpoint: fauxqsEndpoint,
      // Channel commands in tests get fake stores (test/cli/support/channel-fakes.ts): these only have to exist.
      // Without them the runtime is one from before alert channels.
      ...(options.withChannels
        ? {
            channelsTable: CHANNELS_TABLE,
            channelSecretsPrefix: CHANNEL_SECRETS_PREFIX,
            ssmEndpoint: fauxqsEndpoint,
            dispatchQueueArn: dispatch.queueArn,
          }
        : {}),
      startedAt: new Date().toISOString(),
    }),
  );

  return {
    dataDir,
    doc: DynamoDBDocumentClient.from(dynamo.client),
    sns,
    topicArn,
    alertPrinterQueueArn: printer.queueArn,
    dispatchQueueArn: dispatch.queueArn,
    history: new HistoryStore(s3, HISTORY_BUCKET),
    run: (args, env = {}) => runSquirrel(args, { SQUIRREL_DATA_DIR: dataDir, ...env }),
    async stop() {
      sns.destroy();
      s3.destroy();
      await Promise.all([dynamo.stop(), fauxqs.stop(), rm(dataDir, { recursive: true, force: true })]);
    },
  };
}

/** Runs the CLI as a child process; never rejects on a non-zero exit. */
export function runSquirrel(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<SquirrelRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [SQUIRREL_BIN, ...args],
      { env: { ...process.env, ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/** Parses JSON Lines output. */
export const parseJsonLines = (text: string): Array<Record<string, unknown>> =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
