import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, type QueueAttributeName, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { SiteStore } from '../functions/adapters/site-store.ts';
import { ENV, TUNING } from '../functions/config.ts';
import type { SweepReport } from '../functions/services/sweep.ts';
import { AlertInbox, type ReceivedAlert } from './alert-inbox.ts';
import { type PortRequest, startEmulators } from './emulators.ts';
import { type LambdaLogLine, LocalLambda } from './lambda-host.ts';
import { ensureResources, LOCAL_QUEUE_SETTINGS } from './resources.ts';
import {
  type HandlerEndpoints,
  type LocalRuntime,
  type LocalRuntimeOptions,
  type Notice,
  type PortChoice,
  type QueueDepths,
  RuntimeAlreadyRunningError,
  type RuntimeEndpoints,
  type RuntimeEvents,
  type RuntimeStats,
  type SweepOutcome,
} from './runtime-contract.ts';
import { isProcessAlive, readRuntimeFile, removeRuntimeFile, writeRuntimeFile } from './runtime-file.ts';
import { hasNoSites, seedExampleSites } from './seed.ts';
import { SqsEventSource } from './sqs-event-source.ts';
import { type RestoredSubscriptions, SubscriptionKeeper } from './subscription-keeper.ts';
import { msUntilNextMinute, SweepClock, scheduledEventFor } from './sweep-clock.ts';

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
const SCHEDULE_RULE_NAME = 'uptime-squirrel-schedule';
const CHECKER_BATCH_SIZE = 10;
const FAKE_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
const MS_PER_MINUTE = 60_000;

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
    region,
    onSubscriptionRequest: () => onSubscriptionRequest(),
  });
  cleanups.push(() => emulators.close());

  const clientConfig = { region, credentials: FAKE_CREDENTIALS };
  const dynamodb = new DynamoDBClient({ ...clientConfig, endpoint: emulators.dynamodbEndpoint });
  const sqs = new SQSClient({ ...clientConfig, endpoint: emulators.sqsEndpoint });
  const sns = new SNSClient({ ...clientConfig, endpoint: emulators.sqsEndpoint });
  cleanups.push(() => {
    for (const client of [dynamodb, sqs, sns]) client.destroy();
  });

  const resources = await ensureResources(
    { dynamodb, sqs, sns },
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
    printerQueueArn: resources.alertPrinterQueueArn,
    // Bound to the runtime's notice listeners once the runtime exists (below).
    onNotice: (level, message) => noticeSink(level, message),
  });
  const restoredSubscriptions = await subscriptions.restore();
  onSubscriptionRequest = () => void subscriptions.sync();
  await subscriptions.sync();
  cleanups.push(() => subscriptions.stop());
  const store = new SiteStore(dynamodb, resources.tableName);
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
  };

  const emulatorEndpoints: HandlerEndpoints = {
    dynamodb: emulators.dynamodbEndpoint,
    sqs: emulators.sqsEndpoint,
    sns: emulators.sqsEndpoint,
  };
  const routes = (await options.routeHandlerTraffic?.(emulatorEndpoints)) ?? {};
  const endpointEnvironment = (overrides: Partial<HandlerEndpoints> = {}) => {
    const chosen = { ...emulatorEndpoints, ...overrides };
    return {
      AWS_ENDPOINT_URL_DYNAMODB: chosen.dynamodb,
      AWS_ENDPOINT_URL_SQS: chosen.sqs,
      AWS_ENDPOINT_URL_SNS: chosen.sns,
    };
  };
  // The environment the stack gives each function, pointed at the emulators; nothing from the shell leaks in.
  const sharedEnvironment = {
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
    [ENV.tableName]: resources.tableName,
    [ENV.queueUrl]: resources.queueUrl,
  };
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
        ...(options.dnsServers && options.dnsServers.length > 0
          ? { [ENV.dnsServers]: options.dnsServers.join(',') }
          : {}),
      },
      logFile: join(logsDir, 'checker.log'),
    }),
  ]);
  const lambdas = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  cleanups.push(() => Promise.all(lambdas.map((lambda) => lambda.close())).then(() => undefined));
  const [fanOut, checker] = lambdas;
  const failure = started.find((result) => result.status === 'rejected');
  if (failure || !fanOut || !checker) throw (failure as PromiseRejectedResult | undefined)?.reason;

  const runtime = new Runtime({
    dataDir,
    endpoints,
    startedAtMs,
    seededSites,
    restoredSubscriptions,
    store,
    clock,
    fanOut,
    checker,
    sqs,
    resources,
    options,
    cleanUp,
  });
  noticeSink = (level, message) => runtime.notify({ level, message });
  await writeRuntimeFile(dataDir, {
    pid: process.pid,
    ...endpoints,
    startedAt: new Date(startedAtMs).toISOString(),
  });
  cleanups.push(() => removeRuntimeFile(dataDir));
  runtime.begin();
  return runtime;
}

const toPortRequest = (choice: PortChoice): PortRequest =>
  typeof choice === 'number'
    ? { port: choice, fallbackToFreePort: false }
    : { port: choice.preferred, fallbackToFreePort: true };

/** What the runtime is built from: the parts callers see (as LocalRuntime declares them), then its own. */
interface RuntimeParts
  extends Pick<
    LocalRuntime,
    'dataDir' | 'endpoints' | 'startedAtMs' | 'seededSites' | 'restoredSubscriptions' | 'store'
  > {
  readonly clock: SweepClock;
  readonly fanOut: LocalLambda;
  readonly checker: LocalLambda;
  readonly sqs: SQSClient;
  readonly resources: {
    readonly queueUrl: string;
    readonly queueArn: string;
    readonly alertPrinterQueueUrl: string;
  };
  readonly options: LocalRuntimeOptions;
  readonly cleanUp: () => Promise<void>;
}

type Listeners = { [E in keyof RuntimeEvents]: Set<(payload: RuntimeEvents[E]) => void> };

class Runtime implements LocalRuntime {
  readonly dataDir: string;
  readonly endpoints: RuntimeEndpoints;
  readonly startedAtMs: number;
  readonly seededSites: number;
  readonly restoredSubscriptions: RestoredSubscriptions;
  readonly store: SiteStore;
  readonly alerts: ReceivedAlert[] = [];
  readonly #parts: RuntimeParts;
  readonly #eventSource: SqsEventSource;
  readonly #inbox: AlertInbox;
  readonly #listeners: Listeners = { alert: new Set(), sweep: new Set(), notice: new Set(), log: new Set() };
  #counters = {
    sweeps: 0,
    duplicateSweeps: 0,
    failedSweeps: 0,
    checksCompleted: 0,
    checksDown: 0,
    checkerFaults: 0,
    alertsPublished: 0,
    stateChanges: 0,
    handlerWarnings: 0,
    handlerErrors: 0,
  };
  #lastSweep: SweepOutcome | undefined;
  #firstSweepCompletedAtMs: number | undefined;
  // Sweeps run one after another: the lease only accepts minutes in increasing order.
  #sweeps: Promise<unknown> = Promise.resolve();
  #isSweeping = false;
  #timer: NodeJS.Timeout | undefined;
  #stopping: Promise<void> | undefined;

  constructor(parts: RuntimeParts) {
    this.#parts = parts;
    this.dataDir = parts.dataDir;
    this.endpoints = parts.endpoints;
    this.startedAtMs = parts.startedAtMs;
    this.seededSites = parts.seededSites;
    this.restoredSubscriptions = parts.restoredSubscriptions;
    this.store = parts.store;
    const waitTimeSeconds = parts.options.receiveWaitSeconds ?? 10;
    const problem = (message: string) => this.#emit('notice', { level: 'warn', message });
    this.#eventSource = new SqsEventSource({
      sqs: parts.sqs,
      queueUrl: parts.resources.queueUrl,
      queueArn: parts.resources.queueArn,
      region: parts.endpoints.region,
      pollers: parts.options.checkers ?? 2,
      batchSize: CHECKER_BATCH_SIZE,
      waitTimeSeconds,
      invoke: (event: SQSEvent) => parts.checker.invoke<SQSBatchResponse | undefined>(event),
      onProblem: problem,
    });
    this.#inbox = new AlertInbox({
      sqs: parts.sqs,
      queueUrl: parts.resources.alertPrinterQueueUrl,
      waitTimeSeconds,
      onAlert: (alert) => {
        this.alerts.push(alert);
        this.#emit('alert', alert);
      },
      onProblem: problem,
    });
    parts.fanOut.onLog((line) => this.#onLog(line));
    parts.checker.onLog((line) => this.#onLog(line));
  }

  /** Starts polling and the schedule (the first sweep runs at once). */
  begin(): void {
    this.#eventSource.start();
    this.#inbox.start();
    const schedule = this.#parts.options.schedule ?? { kind: 'on-the-minute' };
    if (schedule.kind === 'every') {
      this.#runScheduled(() => this.#parts.clock.nextForcedMinute(Date.now()));
      this.#timer = setInterval(
        () => this.#runScheduled(() => this.#parts.clock.nextForcedMinute(Date.now())),
        schedule.everyMs,
      );
    } else if (schedule.kind === 'on-the-minute') {
      // EventBridge would first fire at the next minute; sweeping at once shows the status a minute sooner.
      this.#runScheduled(() => this.#parts.clock.nextScheduledMinute(Date.now()));
      const nowMs = Date.now();
      this.#scheduleMinuteAt(nowMs + msUntilNextMinute(nowMs));
    }
  }

  /** Tells the listeners something the runtime's parts noticed (e.g. the subscription keeper). */
  notify(notice: Notice): void {
    this.#emit('notice', notice);
  }

  stats(): RuntimeStats {
    return {
      ...this.#counters,
      ...(this.#lastSweep ? { lastSweep: this.#lastSweep } : {}),
      ...(this.#firstSweepCompletedAtMs ? { firstSweepCompletedAtMs: this.#firstSweepCompletedAtMs } : {}),
      alertsReceived: this.alerts.length,
      eventSource: this.#eventSource.stats,
    };
  }

  async queueDepths(): Promise<QueueDepths> {
    const count = async (queueUrl: string) => {
      const { Attributes = {} } = await this.#parts.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
      );
      return (name: QueueAttributeName) => Number(Attributes[name] ?? 0);
    };
    const [checks, dlq] = await Promise.all([count(this.endpoints.queueUrl), count(this.endpoints.dlqUrl)]);
    return {
      checksVisible: checks('ApproximateNumberOfMessages'),
      checksInFlight: checks('ApproximateNumberOfMessagesNotVisible'),
      checksDelayed: checks('ApproximateNumberOfMessagesDelayed'),
      deadLetters: dlq('ApproximateNumberOfMessages'),
    };
  }

  tick(): Promise<SweepReport> {
    if (this.#stopping) return Promise.reject(new Error('the local runtime is stopping'));
    const run = this.#sweeps.then(() => this.#sweep(this.#parts.clock.nextForcedMinute(Date.now())));
    this.#sweeps = run.catch(() => undefined);
    return run;
  }

  on<E extends keyof RuntimeEvents>(event: E, listener: (payload: RuntimeEvents[E]) => void): () => void {
    this.#listeners[event].add(listener);
    return () => this.#listeners[event].delete(listener);
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#shutDown();
    return this.#stopping;
  }

  async #shutDown(): Promise<void> {
    clearTimeout(this.#timer);
    clearInterval(this.#timer);
    const timeoutMs = this.#parts.options.stopTimeoutMs ?? 15_000;
    const isDrained = await Promise.race([
      Promise.allSettled([this.#sweeps, this.#eventSource.stop(), this.#inbox.halt()]).then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref()),
    ]);
    if (!isDrained) {
      this.#emit('notice', {
        level: 'warn',
        message: `stopping without waiting longer than ${timeoutMs} ms for running invocations: their messages are lost with the in-memory queue`,
      });
    }
    await this.#inbox.drain();
    await this.#parts.cleanUp();
  }

  /** Sweeps at `boundaryMs` (a minute start), then at every following minute start. */
  #scheduleMinuteAt(boundaryMs: number): void {
    this.#timer = setTimeout(
      () => {
        // Timers can fire a millisecond early: the event is for the minute the timer was set for.
        this.#runScheduled(() => this.#parts.clock.nextScheduledMinute(Math.max(Date.now(), boundaryMs)));
        const nowMs = Date.now();
        this.#scheduleMinuteAt(Math.max(boundaryMs, nowMs - (nowMs % MS_PER_MINUTE)) + MS_PER_MINUTE);
      },
      Math.max(0, boundaryMs - Date.now()),
    );
  }

  /** A scheduled sweep; skipped when the previous one still runs (the next tick catches up). */
  #runScheduled(pickMinute: () => number): void {
    if (this.#isSweeping || this.#stopping) return;
    this.#isSweeping = true;
    const run = this.#sweeps.then(() => this.#sweep(pickMinute()));
    this.#sweeps = run
      .catch(() => undefined)
      .finally(() => {
        this.#isSweeping = false;
      });
  }

  async #sweep(minute: number): Promise<SweepReport> {
    const startedAtMs = Date.now();
    const event = scheduledEventFor(minute, this.endpoints.region, SCHEDULE_RULE_NAME);
    try {
      const report = await this.#parts.fanOut.invoke<SweepReport>(event);
      const outcome = { minute, startedAtMs, durationMs: Date.now() - startedAtMs, report };
      if (report.duplicate) this.#counters.duplicateSweeps++;
      else this.#counters.sweeps++;
      this.#firstSweepCompletedAtMs ??= Date.now();
      this.#lastSweep = outcome;
      this.#emit('sweep', outcome);
      return report;
    } catch (error) {
      const message = (error as Error).message;
      this.#counters.failedSweeps++;
      this.#emit('sweep', { minute, startedAtMs, durationMs: Date.now() - startedAtMs, error: message });
      this.#emit('notice', { level: 'error', message: `sweep of minute ${minute} failed: ${message}` });
      throw error;
    }
  }

  #onLog(line: LambdaLogLine): void {
    this.#emit('log', line);
    const json = line.json;
    if (!json) {
      if (line.stream === 'stderr')
        this.#emit('notice', { level: 'warn', message: `${line.functionName}: ${line.text}` });
      return;
    }
    if ('_aws' in json) {
      this.#counters.checksCompleted += numberOf(json.ChecksCompleted);
      this.#counters.checksDown += numberOf(json.ChecksDown);
      this.#counters.checkerFaults += numberOf(json.CheckerFaults);
      this.#counters.alertsPublished += numberOf(json.AlertsPublished);
      return;
    }
    if (json.message === 'state committed') this.#counters.stateChanges++;
    if (json.level === 'WARN' || json.level === 'ERROR') {
      if (json.level === 'WARN') this.#counters.handlerWarnings++;
      else this.#counters.handlerErrors++;
      const { level: _level, message, ...fields } = json;
      this.#emit('notice', {
        level: json.level === 'WARN' ? 'warn' : 'error',
        message: `${line.functionName}: ${String(message)} ${JSON.stringify(fields)}`,
      });
    }
  }

  #emit<E extends keyof RuntimeEvents>(event: E, payload: RuntimeEvents[E]): void {
    for (const listener of this.#listeners[event]) {
      try {
        listener(payload);
      } catch {
        // A failing listener (the screen) must not stop the monitor.
      }
    }
  }
}

const numberOf = (value: unknown): number => (typeof value === 'number' ? value : 0);
