import type { HistoryStore } from '../functions/adapters/history-store.ts';
import type { SiteStore } from '../functions/adapters/site-store.ts';
import type { SweepReport } from '../functions/services/sweep.ts';
import type { ReceivedAlert } from './alert-inbox.ts';
import type { DeliveryAttempt } from './delivery-attempt.ts';
import type { LambdaLogLine } from './lambda-host.ts';
import type { RuntimeFile } from './runtime-file.ts';
import type { EventSourceStats } from './sqs-event-source.ts';
import type { RestoredSubscriptions } from './subscription-keeper.ts';
import type { RunningVerifierLocation, VerifierLocation } from './verifier-locations.ts';

// What the local runtime offers its callers (npm start, the CLI's tests, the fault tier): its options, its
// events and what it reports. The runtime itself (local/runtime.ts) wires emulators, handlers and the schedule.
/** A port that must be used (0 = any free one), or one to use if it is free. */
export type PortChoice = number | { readonly preferred: number };

/** When sweeps happen: on the minute (EventBridge's rate(1 minute)), every N ms (demos), or only on tick(). */
export type SweepSchedule =
  | { readonly kind: 'on-the-minute' }
  | { readonly kind: 'every'; readonly everyMs: number }
  | { readonly kind: 'manual' };

export interface LocalRuntimeOptions {
  /** Where the DynamoDB data, the handlers' logs and runtime.json live. */
  readonly dataDir: string;
  /** @default 0 (any free port) */
  readonly dynamodbPort?: PortChoice;
  /** SQS and SNS (one emulator). @default 0 (any free port) */
  readonly sqsPort?: PortChoice;
  /** SSM Parameter Store (the channels' secrets, kept in `<dataDir>/parameters.json`). @default 0 (any free port) */
  readonly ssmPort?: PortChoice;
  /** @default on the minute */
  readonly schedule?: SweepSchedule;
  /** Concurrent SQS pollers, each invoking the checker (the event source's maxConcurrency). @default 2 */
  readonly checkers?: number;
  /** Add example sites when the table has none. @default true */
  readonly seed?: boolean;
  /** Of the checks queue. @default 360, as the stack (6 x the checker timeout) */
  readonly visibilityTimeoutSeconds?: number;
  /** Long polling wait of the pollers, in seconds (a stop cuts it short). @default 10 */
  readonly receiveWaitSeconds?: number;
  /** How long a stop waits for in-flight sweeps and checker invocations. @default 15000 */
  readonly stopTimeoutMs?: number;
  /** @default us-east-1 */
  readonly region?: string;
  /**
   * The handler modules the functions run, each exporting `handler`. @default the TypeScript sources
   * (functions/fan-out.ts, functions/checker.ts, functions/history-compactor.ts, functions/channel-dispatcher.ts,
   * functions/channel-deliverer.ts); test/bundles runs the bundles `cdk synth` left in cdk.out.
   */
  readonly handlerModules?: {
    readonly fanOut: URL;
    readonly checker: URL;
    readonly compactor?: URL;
    readonly dispatcher?: URL;
    readonly deliverer?: URL;
    /** The verifier locations' handler. @default functions/verifier.ts */
    readonly verifier?: URL;
  };
  /**
   * Where the deliverer sends Telegram and PagerDuty requests (TELEGRAM_API_URL, PAGERDUTY_EVENTS_URL), for tests
   * with loopback receivers. @default the services' public endpoints (`npm start` never sets these)
   */
  readonly channelServiceUrls?: { readonly telegramApiUrl?: string; readonly pagerDutyEventsUrl?: string };
  /**
   * Serve the private status page on 127.0.0.1 (`npm start` asks for 8787 if free). @default none: tests and
   * tools that do not look at the page do not hold a port for it.
   */
  readonly statusPagePort?: PortChoice;
  /** Nameservers the checks ask (`ip` or `ip:port`), as the checker's DNS_SERVERS. @default the system's */
  readonly dnsServers?: readonly string[];
  /**
   * Verifier locations (issue 15), each run as its own process whose checks connect from its address; the checker
   * (home, `local`) asks them before it confirms a site DOWN. @default none: the checker runs exactly as before
   */
  readonly verifierLocations?: readonly VerifierLocation[];
  /**
   * Fault injection, for tests only (`npm start` never sets it): given the emulators' endpoints, returns the
   * endpoints each handler's SDK clients use instead, e.g. a proxy that fails some calls. Called once the
   * emulators listen, before the handlers start. The runtime's own clients (event source, alert inbox,
   * `store`) keep talking to the emulators directly.
   */
  readonly routeHandlerTraffic?: (
    emulators: HandlerEndpoints,
  ) => HandlerEndpointOverrides | Promise<HandlerEndpointOverrides>;
}

/** Where a handler's AWS SDK clients send their calls (AWS_ENDPOINT_URL_DYNAMODB / _SQS / _SNS / _S3 / _SSM). */
export interface HandlerEndpoints {
  readonly dynamodb: string;
  readonly sqs: string;
  readonly sns: string;
  /** The history bucket's S3 (AWS_ENDPOINT_URL_S3): the SQS/SNS emulator serves it too. */
  readonly s3: string;
  /** The channels' secrets (AWS_ENDPOINT_URL_SSM). */
  readonly ssm: string;
}

/** Per handler, the endpoints to use instead of the emulators' (see LocalRuntimeOptions.routeHandlerTraffic). */
export interface HandlerEndpointOverrides {
  readonly fanOut?: Partial<HandlerEndpoints>;
  readonly checker?: Partial<HandlerEndpoints>;
  readonly compactor?: Partial<HandlerEndpoints>;
  readonly dispatcher?: Partial<HandlerEndpoints>;
  readonly deliverer?: Partial<HandlerEndpoints>;
}

export type RuntimeEndpoints = Omit<RuntimeFile, 'pid' | 'startedAt' | 'verifierLocations'>;

export interface SweepOutcome {
  readonly minute: number;
  readonly startedAtMs: number;
  readonly durationMs: number;
  readonly report?: SweepReport;
  readonly error?: string;
}

export interface Notice {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
}

export interface RuntimeStats {
  readonly sweeps: number;
  readonly duplicateSweeps: number;
  readonly failedSweeps: number;
  readonly lastSweep?: SweepOutcome;
  readonly firstSweepCompletedAtMs?: number;
  /** Summed from the checker's metric lines (EMF). */
  readonly checksCompleted: number;
  readonly checksDown: number;
  readonly checkerFaults: number;
  readonly alertsPublished: number;
  /** Transitions the checker committed ('state committed' log lines). */
  readonly stateChanges: number;
  readonly alertsReceived: number;
  readonly handlerWarnings: number;
  readonly handlerErrors: number;
  readonly eventSource: EventSourceStats;
  /** Compactor runs (every minute locally, or compactHistory()). */
  readonly compactions: { readonly completed: number; readonly failed: number };
  /** Delivery attempts the channel deliverer logged, by outcome (delivered, retry, rejected, skipped, …). */
  readonly deliveries: Readonly<Record<string, number>>;
}

export interface QueueDepths {
  readonly checksVisible: number;
  readonly checksInFlight: number;
  readonly checksDelayed: number;
  readonly deadLetters: number;
  /** The channel deliveries queue (FIFO): waiting or being tried, and parked in its DLQ. */
  readonly deliveriesPending: number;
  readonly deliveryDeadLetters: number;
}

export interface RuntimeEvents {
  readonly alert: ReceivedAlert;
  readonly sweep: SweepOutcome;
  readonly notice: Notice;
  readonly log: LambdaLogLine;
  /** One attempt to deliver a notification to a channel, as the deliverer logged it. */
  readonly delivery: DeliveryAttempt;
}

export interface LocalRuntime {
  readonly dataDir: string;
  readonly endpoints: RuntimeEndpoints;
  readonly startedAtMs: number;
  /** Example sites added at start (0 when the table had sites or seeding was off). */
  readonly seededSites: number;
  /** Subscriptions to the alerts topic restored at start from subscriptions.json (the SNS emulator forgets them). */
  readonly restoredSubscriptions: RestoredSubscriptions;
  /** Sites and states, through the same adapter the handlers use. */
  readonly store: SiteStore;
  /** The history bucket (in the emulator's memory: lost when the runtime stops), through the handlers' adapter. */
  readonly history: HistoryStore;
  /** `http://127.0.0.1:PORT/` of the private status page, when statusPagePort asked for one. */
  readonly statusPageUrl?: string;
  /** The verifier locations' processes, in the order the checker asks them (none without verifierLocations). */
  readonly verifierLocations: readonly RunningVerifierLocation[];
  /** Every alert received so far, oldest first. */
  readonly alerts: readonly ReceivedAlert[];
  stats(): RuntimeStats;
  /** Approximate message counts of the checks queue and its DLQ, as SQS reports them. */
  queueDepths(): Promise<QueueDepths>;
  /** Runs a sweep now, for the next minute never swept (see SweepClock); resolves with the fan-out's report. */
  tick(): Promise<SweepReport>;
  /** Runs the compactor now, through now (as the runtime does every minute); resolves with its result. */
  compactHistory(): Promise<unknown>;
  on<E extends keyof RuntimeEvents>(event: E, listener: (payload: RuntimeEvents[E]) => void): () => void;
  /** Stops the schedule and pollers, lets in-flight invocations finish (bounded), closes the emulators. */
  stop(): Promise<void>;
}

export class RuntimeAlreadyRunningError extends Error {
  override name = 'RuntimeAlreadyRunningError';
}
