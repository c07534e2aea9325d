import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { HistoryStore } from '../functions/adapters/history-store.ts';
import { SiteStore } from '../functions/adapters/site-store.ts';
import { ENV, TUNING } from '../functions/config.ts';
import { type PortRequest, startEmulators } from './emulators.ts';
import { HistoryCompactions } from './history-compactions.ts';
import { type LambdaLogLine, LocalLambda } from './lambda-host.ts';
import { startLocalStatusPage } from './local-status-page.ts';
import {
  ensureResources,
  LOCAL_CHANNEL_SECRETS_PREFIX,
  LOCAL_CHANNEL_SETTINGS,
  LOCAL_QUEUE_SETTINGS,
} from './resources.ts';
import { Runtime } from './running-runtime.ts';
import {
  type HandlerEndpoints,
  type LocalRuntime,
  type LocalRuntimeOptions,
  type PortChoice,
  RuntimeAlreadyRunningError,
  type RuntimeEndpoints,
} from './runtime-contract.ts';
import { isProcessAlive, readRuntimeFile, removeRuntimeFile, writeRuntimeFile } from './runtime-file.ts';
import { hasNoSites, seedExampleSites } from './seed.ts';
import { SubscriptionKeeper } from './subscription-keeper.ts';
import { SweepClock } from './sweep-clock.ts';
import {
  checkerVerificationEnvironment,
  checkVerifierLocations,
  VerifierLocations,
} from './verifier-locations.ts';

export type {
  HandlerEndpointOverrides,
  HandlerEndpoints,
  LocalRuntime,
  LocalRuntimeOptions,
  Notice,
  PortChoice,
  QueueDepths,
  RuntimeEndpoints,
  RuntimeEvents,
  RuntimeStats,
  SweepOutcome,
  SweepSchedule,
} from './runtime-contract.ts';
export { RuntimeAlreadyRunningError } from './runtime-contract.ts';

// Same values as the stack (infra/uptime-squirrel-stack.ts).
const FAN_OUT = { name: 'uptime-squirrel-fan-out', timeoutMs: 50_000, memorySizeMiB: 512 } as const;
const CHECKER = { name: 'uptime-squirrel-checker', timeoutMs: 60_000, memorySizeMiB: 1024 } as const;
const COMPACTOR = {
  name: 'uptime-squirrel-history-compactor',
  timeoutMs: 300_000,
  memorySizeMiB: 1024,
} as const;
const DISPATCHER = {
  name: 'uptime-squirrel-channel-dispatcher',
  timeoutMs: LOCAL_CHANNEL_SETTINGS.dispatcher.timeoutSeconds * 1000,
  memorySizeMiB: LOCAL_CHANNEL_SETTINGS.dispatcher.memorySizeMiB,
} as const;
const DELIVERER = {
  name: 'uptime-squirrel-channel-deliverer',
  timeoutMs: LOCAL_CHANNEL_SETTINGS.deliverer.timeoutSeconds * 1000,
  memorySizeMiB: LOCAL_CHANNEL_SETTINGS.deliverer.memorySizeMiB,
} as const;
const FAKE_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

// dynalite keeps its LevelDB open exclusively: a second runtime on the same directory in this process would crash.
const activeDataDirs = new Set<string>();

/**
 * Starts the whole monitor on this machine: emulators, the stack's resources, the real handlers (each in its
 * own worker thread with the Lambda's environment), the schedule, the SQS event source and the alert printer.
 * @throws RuntimeAlreadyRunningError when another runtime uses the same data directory.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const dataDir = resolve(options.dataDir);
  const previous = await readRuntimeFile(dataDir);
  if (
    activeDataDirs.has(dataDir) ||
    (previous && previous.pid !== process.pid && isProcessAlive(previous.pid))
  ) {
    throw new RuntimeAlreadyRunningError(
      `a local runtime is already running on ${dataDir}${previous ? ` (pid ${previous.pid})` : ''}: stop it first or use another --data-dir`,
    );
  }
  activeDataDirs.add(dataDir);
  const cleanups: Array<() => Promise<void> | void> = [() => void activeDataDirs.delete(dataDir)];
  const cleanUp = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    return await launch(dataDir, options, cleanups, cleanUp);
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

async function launch(
  dataDir: string,
  options: LocalRuntimeOptions,
  cleanups: Array<() => Promise<void> | void>,
  cleanUp: () => Promise<void>,
): Promise<LocalRuntime> {
  const startedAtMs = Date.now();
  const region = options.region ?? 'us-east-1';
  const logsDir = join(dataDir, 'logs');
  await mkdir(logsDir, { recursive: true });

  // Bound once the subscription keeper exists: the runtime's own Subscribe calls before then are not changes.
  let onSubscriptionRequest = () => {};
  const emulators = await startEmulators({
    dynamodbPath: join(dataDir, 'dynamodb'),
    dynamodb: toPortRequest(options.dynamodbPort ?? 0),
    sqs: toPortRequest(options.sqsPort ?? 0),
    ssm: toPortRequest(options.ssmPort ?? 0),
    ssmDataDir: dataDir,
    region,
    onSubscriptionRequest: () => onSubscriptionRequest(),
  });
  cleanups.push(() => emulators.close());

  const clientConfig = { region, credentials: FAKE_CREDENTIALS };
  const dynamodb = new DynamoDBClient({ ...clientConfig, endpoint: emulators.dynamodbEndpoint });
  const sqs = new SQSClient({ ...clientConfig, endpoint: emulators.sqsEndpoint });
  const sns = new SNSClient({ ...clientConfig, endpoint: emulators.sqsEndpoint });
  // fauxqs serves S3 on its SQS/SNS endpoint, every bucket under that one host: path-style addressing.
  const s3 = new S3Client({ ...clientConfig, endpoint: emulators.sqsEndpoint, forcePathStyle: true });
  cleanups.push(() => {
    for (const client of [dynamodb, sqs, sns, s3]) client.destroy();
  });

  const resources = await ensureResources(
    { dynamodb, sqs, sns, s3 },
    {
      visibilityTimeoutSeconds:
        options.visibilityTimeoutSeconds ?? LOCAL_QUEUE_SETTINGS.visibilityTimeoutSeconds,
    },
  );
  let noticeSink: (level: 'info' | 'warn', message: string) => void = () => {};
  const subscriptions = new SubscriptionKeeper({
    dataDir,
    sns,
    sqs,
    region,
    topicArn: resources.topicArn,
    runtimeOwned: [
      { queueArn: resources.alertPrinterQueueArn, what: 'alert printer', why: 'alerts keep showing here' },
      {
        queueArn: resources.dispatchQueueArn,
        what: 'channel dispatch',
        why: 'alerts keep reaching the Slack, Teams, Discord, Telegram, PagerDuty and webhook channels',
      },
    ],
    // Bound to the runtime's notice listeners once the runtime exists (below).
    onNotice: (level, message) => noticeSink(level, message),
  });
  const restoredSubscriptions = await subscriptions.restore();
  onSubscriptionRequest = () => void subscriptions.sync();
  await subscriptions.sync();
  cleanups.push(() => subscriptions.stop());
  const store = new SiteStore(dynamodb, resources.tableName);
  const history = new HistoryStore(s3, resources.historyBucket);
  const seededSites = (options.seed ?? true) && (await hasNoSites(store)) ? await seedExampleSites(store) : 0;
  const clock = new SweepClock(await store.latestSweptMinute());

  const endpoints: RuntimeEndpoints = {
    region,
    dynamodbEndpoint: emulators.dynamodbEndpoint,
    sqsEndpoint: emulators.sqsEndpoint,
    snsEndpoint: emulators.sqsEndpoint,
    tableName: resources.tableName,
    queueUrl: resources.queueUrl,
    dlqUrl: resources.dlqUrl,
    topicArn: resources.topicArn,
    alertPrinterQueueArn: resources.alertPrinterQueueArn,
    historyBucket: resources.historyBucket,
    s3Endpoint: emulators.sqsEndpoint,
    channelsTable: resources.channelsTable,
    channelSecretsPrefix: LOCAL_CHANNEL_SECRETS_PREFIX,
    ssmEndpoint: emulators.ssmEndpoint,
    dispatchQueueArn: resources.dispatchQueueArn,
  };

  const emulatorEndpoints: HandlerEndpoints = {
    dynamodb: emulators.dynamodbEndpoint,
    sqs: emulators.sqsEndpoint,
    sns: emulators.sqsEndpoint,
    s3: emulators.sqsEndpoint,
    ssm: emulators.ssmEndpoint,
  };
  const routes = (await options.routeHandlerTraffic?.(emulatorEndpoints)) ?? {};
  const endpointEnvironment = (overrides: Partial<HandlerEndpoints> = {}) => {
    const chosen = { ...emulatorEndpoints, ...overrides };
    return {
      AWS_ENDPOINT_URL_DYNAMODB: chosen.dynamodb,
      AWS_ENDPOINT_URL_SQS: chosen.sqs,
      AWS_ENDPOINT_URL_SNS: chosen.sns,
      AWS_ENDPOINT_URL_S3: chosen.s3,
      AWS_ENDPOINT_URL_SSM: chosen.ssm,
    };
  };
  // The environment the stack gives each function, pointed at the emulators; nothing from the shell leaks in.
  const lambdaEnvironment = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
    // A profile in the developer's ~/.aws must not redirect or re-credential the handlers.
    AWS_CONFIG_FILE: join(dataDir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dataDir, 'no-aws-credentials'),
    // Local development runs on Node 20 knowingly (see TOOLCHAIN.md); the deployed functions do not.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  // The monitor's functions (fan-out, checker, compactor) share these; the channel functions do not see them.
  const sharedEnvironment = {
    ...lambdaEnvironment,
    [ENV.tableName]: resources.tableName,
    [ENV.queueUrl]: resources.queueUrl,
    [ENV.historyBucket]: resources.historyBucket,
    [ENV.s3ForcePathStyle]: 'true',
  };
  const dnsEnvironment: Record<string, string> =
    options.dnsServers && options.dnsServers.length > 0
      ? { [ENV.dnsServers]: options.dnsServers.join(',') }
      : {};
  // Both channel functions get the same settings, as the stack gives them (infra/alert-channels.ts).
  const channelEnvironment: Record<string, string> = {
    [ENV.channelsTable]: resources.channelsTable,
    [ENV.deliveryQueueUrl]: resources.deliveryQueueUrl,
    [ENV.deliveryDeadLetterQueueUrl]: resources.deliveryDlqUrl,
    [ENV.channelSecretsPrefix]: LOCAL_CHANNEL_SECRETS_PREFIX,
    [ENV.topicArn]: resources.topicArn,
    // Local receivers (a webhook on this machine) live on loopback, as local sites do; production never sets it.
    [ENV.allowPrivateTargets]: 'true',
    ...dnsEnvironment,
    ...(options.channelServiceUrls?.telegramApiUrl
      ? { [ENV.telegramApiUrl]: options.channelServiceUrls.telegramApiUrl }
      : {}),
    ...(options.channelServiceUrls?.pagerDutyEventsUrl
      ? { [ENV.pagerDutyEventsUrl]: options.channelServiceUrls.pagerDutyEventsUrl }
      : {}),
  };
  // Verifier locations (issue 15) start beside the other functions; only the checker waits for their endpoints.
  const requestedLocations = checkVerifierLocations(options.verifierLocations ?? []);
  const verifiersStarting =
    requestedLocations.length === 0
      ? Promise.resolve(undefined)
      : VerifierLocations.start({
          locations: requestedLocations,
          entry: options.handlerModules?.verifier ?? new URL('../functions/verifier.ts', import.meta.url),
          region,
          baseEnvironment: lambdaEnvironment,
          dnsEnvironment,
          logsDir,
        });
  cleanups.push(() => verifiersStarting.then((verifiers) => verifiers?.stop()).catch(() => undefined));
  const dispatcherEntry =
    options.handlerModules?.dispatcher ?? new URL('../functions/channel-dispatcher.ts', import.meta.url);
  const delivererEntry =
    options.handlerModules?.deliverer ?? new URL('../functions/channel-deliverer.ts', import.meta.url);
  const started = await Promise.allSettled([
    LocalLambda.start({
      functionName: FAN_OUT.name,
      entry: options.handlerModules?.fanOut ?? new URL('../functions/fan-out.ts', import.meta.url),
      timeoutMs: FAN_OUT.timeoutMs,
      memorySizeMiB: FAN_OUT.memorySizeMiB,
      region,
      environment: {
        ...sharedEnvironment,
        ...endpointEnvironment(routes.fanOut),
        [ENV.scanSegments]: String(TUNING.scanSegments),
        [ENV.checksPerMessage]: String(TUNING.checksPerMessage),
      },
      logFile: join(logsDir, 'fan-out.log'),
    }),
    verifiersStarting.then((verifiers) =>
      LocalLambda.start({
        functionName: CHECKER.name,
        entry: options.handlerModules?.checker ?? new URL('../functions/checker.ts', import.meta.url),
        timeoutMs: CHECKER.timeoutMs,
        memorySizeMiB: CHECKER.memorySizeMiB,
        region,
        environment: {
          ...sharedEnvironment,
          ...endpointEnvironment(routes.checker),
          [ENV.topicArn]: resources.topicArn,
          [ENV.checkConcurrency]: String(TUNING.checkConcurrency),
          // Local sites live on loopback; production never sets this.
          [ENV.allowPrivateTargets]: 'true',
          ...dnsEnvironment,
          ...checkerVerificationEnvironment(verifiers?.running ?? []),
        },
        logFile: join(logsDir, 'checker.log'),
      }),
    ),
    LocalLambda.start({
      functionName: DISPATCHER.name,
      entry: dispatcherEntry,
      timeoutMs: DISPATCHER.timeoutMs,
      memorySizeMiB: DISPATCHER.memorySizeMiB,
      region,
      environment: {
        ...lambdaEnvironment,
        ...endpointEnvironment(routes.dispatcher),
        ...channelEnvironment,
      },
      logFile: join(logsDir, 'channel-dispatcher.log'),
    }),
    LocalLambda.start({
      functionName: DELIVERER.name,
      entry: delivererEntry,
      timeoutMs: DELIVERER.timeoutMs,
      memorySizeMiB: DELIVERER.memorySizeMiB,
      region,
      environment: {
        ...lambdaEnvironment,
        ...endpointEnvironment(routes.deliverer),
        ...channelEnvironment,
      },
      logFile: join(logsDir, 'channel-deliverer.log'),
    }),
  ]);
  const lambdas = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  cleanups.push(() => Promise.all(lambdas.map((lambda) => lambda.close())).then(() => undefined));
  const [fanOut, checker, dispatcher, deliverer] = lambdas;
  const failure = started.find((result) => result.status === 'rejected');
  if (failure || !fanOut || !checker || !dispatcher || !deliverer) {
    throw (failure as PromiseRejectedResult | undefined)?.reason;
  }
  // The compactor's function starts with its first run; notices and log lines reach the runtime's listeners
  // once the runtime exists (below).
  let compactorLogSink: (line: LambdaLogLine) => void = () => {};
  const compactions = new HistoryCompactions({
    startCompactor: () =>
      LocalLambda.start({
        functionName: COMPACTOR.name,
        entry:
          options.handlerModules?.compactor ?? new URL('../functions/history-compactor.ts', import.meta.url),
        timeoutMs: COMPACTOR.timeoutMs,
        memorySizeMiB: COMPACTOR.memorySizeMiB,
        region,
        environment: { ...sharedEnvironment, ...endpointEnvironment(routes.compactor) },
        logFile: join(logsDir, 'history-compactor.log'),
      }),
    onProblem: (message) => noticeSink('warn', message),
    onLog: (line) => compactorLogSink(line),
  });
  cleanups.push(() => compactions.stop());

  const statusPage =
    options.statusPagePort === undefined
      ? undefined
      : await startLocalStatusPage({ port: options.statusPagePort, store, history });
  if (statusPage) cleanups.push(() => statusPage.close());

  const verifiers = await verifiersStarting;
  const runtime = new Runtime({
    dataDir,
    endpoints,
    startedAtMs,
    seededSites,
    restoredSubscriptions,
    store,
    history,
    ...(statusPage ? { statusPageUrl: statusPage.url } : {}),
    verifierLocations: verifiers?.running ?? [],
    clock,
    fanOut,
    checker,
    channels: { dispatcher, deliverer },
    compactions,
    sqs,
    resources,
    options,
    cleanUp,
  });
  noticeSink = (level, message) => runtime.notify({ level, message });
  compactorLogSink = (line) => runtime.receiveLog(line);
  verifiers?.onLog((line) => runtime.receiveLog(line));
  await writeRuntimeFile(dataDir, {
    pid: process.pid,
    ...endpoints,
    startedAt: new Date(startedAtMs).toISOString(),
    ...(verifiers
      ? {
          verifierLocations: verifiers.running.map(({ location, sourceAddress, invokeUrl, pid }) => ({
            location,
            sourceAddress,
            invokeUrl,
            pid,
          })),
        }
      : {}),
  });
  cleanups.push(() => removeRuntimeFile(dataDir));
  runtime.begin();
  return runtime;
}

const toPortRequest = (choice: PortChoice): PortRequest =>
  typeof choice === 'number'
    ? { port: choice, fallbackToFreePort: false }
    : { port: choice.preferred, fallbackToFreePort: true };
