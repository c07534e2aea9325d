import { GetQueueAttributesCommand, type QueueAttributeName, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { HistoryStore } from '../functions/adapters/history-store.ts';
import type { SiteStore } from '../functions/adapters/site-store.ts';
import type { SweepReport } from '../functions/services/sweep.ts';
import { AlertInbox, type ReceivedAlert } from './alert-inbox.ts';
import { parseDeliveryLine } from './delivery-attempt.ts';
import { type HistoryCompactions, LOCAL_COMPACTION_EVERY_MS } from './history-compactions.ts';
import type { LambdaLogLine, LocalLambda } from './lambda-host.ts';
import { LOCAL_CHANNEL_SETTINGS } from './resources.ts';
import type {
  LocalRuntime,
  LocalRuntimeOptions,
  Notice,
  QueueDepths,
  RuntimeEndpoints,
  RuntimeEvents,
  RuntimeStats,
  SweepOutcome,
} from './runtime-contract.ts';
import { SqsEventSource } from './sqs-event-source.ts';
import type { RestoredSubscriptions } from './subscription-keeper.ts';
import { msUntilNextMinute, type SweepClock, scheduledEventFor } from './sweep-clock.ts';

// The runtime while it runs: the schedule, the sweeps, the stats and the shutdown, over the parts that launch()
// in local/runtime.ts wires together.

// As the stack deploys them (infra/uptime-squirrel-stack.ts): the schedule rule's name and the event source's batch.
const SCHEDULE_RULE_NAME = 'uptime-squirrel-schedule';
const CHECKER_BATCH_SIZE = 10;
// Deliveries to different channels go out side by side; SQS keeps each channel's own in order.
const DELIVERY_POLLERS = 2;
const MS_PER_MINUTE = 60_000;

/** What the runtime is built from: the parts callers see (as LocalRuntime declares them), then its own. */
export interface RuntimeParts
  extends Pick<
    LocalRuntime,
    | 'dataDir'
    | 'endpoints'
    | 'startedAtMs'
    | 'seededSites'
    | 'restoredSubscriptions'
    | 'store'
    | 'history'
    | 'statusPageUrl'
    | 'verifierLocations'
  > {
  readonly clock: SweepClock;
  readonly fanOut: LocalLambda;
  readonly checker: LocalLambda;
  /** The channel functions: the dispatcher and the deliverer. */
  readonly channels: { readonly dispatcher: LocalLambda; readonly deliverer: LocalLambda };
  readonly compactions: HistoryCompactions;
  readonly sqs: SQSClient;
  readonly resources: {
    readonly queueUrl: string;
    readonly queueArn: string;
    readonly alertPrinterQueueUrl: string;
    readonly dispatchQueueUrl: string;
    readonly dispatchQueueArn: string;
    readonly deliveryQueueUrl: string;
    readonly deliveryQueueArn: string;
    readonly deliveryDlqUrl: string;
  };
  readonly options: LocalRuntimeOptions;
  readonly cleanUp: () => Promise<void>;
}

type Listeners = { [E in keyof RuntimeEvents]: Set<(payload: RuntimeEvents[E]) => void> };

export class Runtime implements LocalRuntime {
  readonly dataDir: string;
  readonly endpoints: RuntimeEndpoints;
  readonly startedAtMs: number;
  readonly seededSites: number;
  readonly restoredSubscriptions: RestoredSubscriptions;
  readonly store: SiteStore;
  readonly history: HistoryStore;
  readonly statusPageUrl?: string;
  readonly verifierLocations: LocalRuntime['verifierLocations'];
  readonly alerts: ReceivedAlert[] = [];
  readonly #parts: RuntimeParts;
  readonly #eventSource: SqsEventSource;
  /** The dispatcher's and the deliverer's. */
  readonly #channelEventSources: SqsEventSource[] = [];
  readonly #deliveries: Record<string, number> = {};
  readonly #inbox: AlertInbox;
  readonly #listeners: Listeners = {
    alert: new Set(),
    sweep: new Set(),
    notice: new Set(),
    log: new Set(),
    delivery: new Set(),
  };
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
    this.history = parts.history;
    if (parts.statusPageUrl !== undefined) this.statusPageUrl = parts.statusPageUrl;
    this.verifierLocations = parts.verifierLocations;
    const waitTimeSeconds = parts.options.receiveWaitSeconds ?? 10;
    const problem = (message: string) => this.#emit('notice', { level: 'warn', message });
    this.#eventSource = new SqsEventSource({
      queueName: 'checks queue',
      functionName: 'checker',
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
    const { dispatcher, deliverer } = parts.channels;
    // As the stack maps them: the dispatch queue (standard) to the dispatcher, the deliveries queue (FIFO)
    // to the deliverer, both reporting batch item failures.
    this.#channelEventSources.push(
      new SqsEventSource({
        queueName: 'alert dispatch queue',
        functionName: 'channel dispatcher',
        sqs: parts.sqs,
        queueUrl: parts.resources.dispatchQueueUrl,
        queueArn: parts.resources.dispatchQueueArn,
        region: parts.endpoints.region,
        pollers: 1,
        batchSize: LOCAL_CHANNEL_SETTINGS.dispatchBatchSize,
        waitTimeSeconds,
        invoke: (event: SQSEvent) => dispatcher.invoke<SQSBatchResponse | undefined>(event),
        onProblem: problem,
      }),
      new SqsEventSource({
        queueName: 'channel deliveries queue',
        functionName: 'channel deliverer',
        sqs: parts.sqs,
        queueUrl: parts.resources.deliveryQueueUrl,
        queueArn: parts.resources.deliveryQueueArn,
        region: parts.endpoints.region,
        isFifo: true,
        pollers: DELIVERY_POLLERS,
        batchSize: LOCAL_CHANNEL_SETTINGS.deliveryBatchSize,
        waitTimeSeconds,
        invoke: (event: SQSEvent) => deliverer.invoke<SQSBatchResponse | undefined>(event),
        onProblem: problem,
      }),
    );
    dispatcher.onLog((line) => this.#onLog(line));
    deliverer.onLog((line) => this.#onLog(line));
  }

  /** Starts polling and the schedule (the first sweep runs at once). */
  begin(): void {
    this.#eventSource.start();
    for (const source of this.#channelEventSources) source.start();
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
    // Manual runtimes (tests) compact only when asked, like they sweep.
    if (schedule.kind !== 'manual') this.#parts.compactions.start(LOCAL_COMPACTION_EVERY_MS);
  }

  /** A line a function started after the runtime (the compactor, at its first run) wrote. */
  receiveLog(line: LambdaLogLine): void {
    this.#onLog(line);
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
      compactions: this.#parts.compactions.stats,
      deliveries: { ...this.#deliveries },
    };
  }

  async queueDepths(): Promise<QueueDepths> {
    const count = async (queueUrl: string) => {
      const { Attributes = {} } = await this.#parts.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
      );
      return (name: QueueAttributeName) => Number(Attributes[name] ?? 0);
    };
    const { deliveryQueueUrl, deliveryDlqUrl } = this.#parts.resources;
    const [checks, dlq, deliveries, deliveryDlq] = await Promise.all([
      count(this.endpoints.queueUrl),
      count(this.endpoints.dlqUrl),
      count(deliveryQueueUrl),
      count(deliveryDlqUrl),
    ]);
    return {
      checksVisible: checks('ApproximateNumberOfMessages'),
      checksInFlight: checks('ApproximateNumberOfMessagesNotVisible'),
      checksDelayed: checks('ApproximateNumberOfMessagesDelayed'),
      deadLetters: dlq('ApproximateNumberOfMessages'),
      deliveriesPending:
        deliveries('ApproximateNumberOfMessages') +
        deliveries('ApproximateNumberOfMessagesNotVisible') +
        deliveries('ApproximateNumberOfMessagesDelayed'),
      deliveryDeadLetters: deliveryDlq('ApproximateNumberOfMessages'),
    };
  }

  tick(): Promise<SweepReport> {
    if (this.#stopping) return Promise.reject(new Error('the local runtime is stopping'));
    const run = this.#sweeps.then(() => this.#sweep(this.#parts.clock.nextForcedMinute(Date.now())));
    this.#sweeps = run.catch(() => undefined);
    return run;
  }

  compactHistory(): Promise<unknown> {
    if (this.#stopping) return Promise.reject(new Error('the local runtime is stopping'));
    return this.#parts.compactions.runNow();
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
      Promise.allSettled([
        this.#sweeps,
        this.#eventSource.stop(),
        ...this.#channelEventSources.map((source) => source.stop()),
        this.#inbox.halt(),
      ]).then(() => true),
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
    const delivery = parseDeliveryLine(json, line.atMs);
    if (delivery) {
      this.#deliveries[delivery.outcome] = (this.#deliveries[delivery.outcome] ?? 0) + 1;
      // Shown under its alert by the printer: a retry's `warn` level is not a handler problem to repeat.
      this.#emit('delivery', delivery);
      return;
    }
    // The project's logger writes `level: "WARN"` and `message`; the contract's lines `level: "warn"` and `msg`.
    const level = typeof json.level === 'string' ? json.level.toUpperCase() : '';
    if (level === 'WARN' || level === 'ERROR') {
      if (level === 'WARN') this.#counters.handlerWarnings++;
      else this.#counters.handlerErrors++;
      const { level: _level, message, msg, ...fields } = json;
      this.#emit('notice', {
        level: level === 'WARN' ? 'warn' : 'error',
        message: `${line.functionName}: ${String(message ?? msg)} ${JSON.stringify(fields)}`,
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
