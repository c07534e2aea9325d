import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { AlertPublisher } from '../../../functions/adapters/alert-publisher.ts';
import type { CheckQueue } from '../../../functions/adapters/check-queue.ts';
import { createJsonLogger, type Logger } from '../../../functions/adapters/logger.ts';
import { SiteStore } from '../../../functions/adapters/site-store.ts';
import {
  type BatchReport,
  type CheckerDeps,
  processCheckBatch,
  type QueueRecord,
} from '../../../functions/services/check-batch.ts';
import { runSweep, type SweepReport } from '../../../functions/services/sweep.ts';
import type { LocalRuntime } from '../../../local/runtime.ts';
import type { Cleanups } from './runtime-harness.ts';

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;
// As the stack: 6 x the checker's 60 s timeout.
export const PRODUCTION_VISIBILITY_TIMEOUT_MS = 360_000;

/** A clock the test moves by hand: the checker core and the fan-out core take time as an argument. */
export class ManualClock {
  constructor(public nowMs: number) {}
  readonly now = (): number => this.nowMs;
  at(ms: number): void {
    this.nowMs = ms;
  }
}

interface Queued {
  readonly messageId: string;
  readonly body: string;
  visibleAtMs: number;
  receiveCount: number;
}

/**
 * The SQS semantics the guarantees rely on, on the manual clock: DelaySeconds, a visibility timeout after
 * which an undeleted message comes back, and receive counts. Stands in for the checks queue in core scenarios.
 */
export class ClockedQueue implements Pick<CheckQueue, 'send'> {
  readonly #messages: Queued[] = [];
  readonly #clock: ManualClock;
  readonly #visibilityTimeoutMs: number;

  constructor(clock: ManualClock, visibilityTimeoutMs = PRODUCTION_VISIBILITY_TIMEOUT_MS) {
    this.#clock = clock;
    this.#visibilityTimeoutMs = visibilityTimeoutMs;
  }

  async send(bodies: readonly string[], delaySeconds = 0): Promise<void> {
    for (const body of bodies) {
      this.#messages.push({
        messageId: randomUUID(),
        body,
        visibleAtMs: this.#clock.nowMs + delaySeconds * 1_000,
        receiveCount: 0,
      });
    }
  }

  /** The messages visible now (they turn invisible for the visibility timeout). */
  receive(max = 10): QueueRecord[] {
    const visible = this.#messages.filter((m) => m.visibleAtMs <= this.#clock.nowMs).slice(0, max);
    for (const message of visible) {
      message.receiveCount++;
      message.visibleAtMs = this.#clock.nowMs + this.#visibilityTimeoutMs;
    }
    return visible.map(({ messageId, body }) => ({ messageId, body }));
  }

  delete(messageId: string): void {
    const index = this.#messages.findIndex((m) => m.messageId === messageId);
    if (index >= 0) this.#messages.splice(index, 1);
  }

  /** Messages not deleted yet (visible, delayed or in flight). */
  get size(): number {
    return this.#messages.length;
  }

  /** When the next message becomes visible, if any is waiting. */
  nextVisibleAtMs(): number | undefined {
    const times = this.#messages.map((m) => m.visibleAtMs);
    return times.length > 0 ? Math.min(...times) : undefined;
  }
}

/** A logger that keeps the handlers' JSON lines so a test can count them. */
export function recordingLogger(): { readonly log: Logger; readonly lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { log: createJsonLogger((line) => lines.push(JSON.parse(line))), lines };
}

/** A SiteStore on the runtime's table, through `endpoint` (a fault proxy) or straight to the emulator. */
export function siteStoreVia(
  cleanups: Cleanups,
  runtime: LocalRuntime,
  endpoint = runtime.endpoints.dynamodbEndpoint,
): SiteStore {
  const client = new DynamoDBClient({ region: runtime.endpoints.region, endpoint, credentials: CREDENTIALS });
  cleanups.defer(() => client.destroy());
  return new SiteStore(client, runtime.endpoints.tableName);
}

/** The real SNS publisher on the runtime's topic (its alert inbox receives what it publishes). */
export function publisherVia(
  cleanups: Cleanups,
  runtime: LocalRuntime,
  endpoint = runtime.endpoints.snsEndpoint,
): AlertPublisher {
  const client = new SNSClient({ region: runtime.endpoints.region, endpoint, credentials: CREDENTIALS });
  cleanups.defer(() => client.destroy());
  return new AlertPublisher(client, runtime.endpoints.topicArn);
}

export interface DeliveryOutcome {
  readonly report: BatchReport;
  readonly records: readonly QueueRecord[];
}

/**
 * Plays the SQS event source once, by hand: receives what is visible at the clock's time, runs the checker core
 * on it (deadline: a fresh 60 s invocation), deletes every message except the reported failures.
 */
export async function deliver(
  queue: ClockedQueue,
  deps: CheckerDeps,
  concurrency = 16,
): Promise<DeliveryOutcome> {
  const records = queue.receive();
  const report = await processCheckBatch(records, deps, {
    deadlineMs: deps.nowMs() + 60_000,
    concurrency,
  });
  const failed = new Set(report.failedMessageIds);
  for (const record of records) if (!failed.has(record.messageId)) queue.delete(record.messageId);
  return { report, records };
}

/** The fan-out core for the minute of `clock`, into `queue`. */
export function sweepAt(
  clock: ManualClock,
  store: SiteStore,
  queue: Pick<CheckQueue, 'send'>,
  log: Logger,
): Promise<SweepReport> {
  return runSweep(
    clock.nowMs,
    clock.nowMs,
    { store, queue, log },
    { scanSegments: 2, checksPerMessage: 50, leaseMs: 45_000 },
  );
}
