import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { QueueRecord } from '../../functions/services/check-batch.ts';

export interface EventSourceOptions {
  /** Invocations at once: the event source's maxConcurrency. */
  readonly pollers: number;
  /** Messages per invocation (1-10). */
  readonly batchSize: number;
  /**
   * MaximumBatchingWindowInSeconds, in ms: after the first messages arrive, keep receiving until the batch is
   * full or this much time has passed. 0: invoke with whatever the first receive returned.
   */
  readonly batchingWindowMs: number;
  /** Long polling wait; also how long stop() may wait for an idle poller. */
  readonly waitTimeSeconds: number;
  readonly visibilityTimeoutSeconds: number;
}

// How often a batching window looks again for messages when the queue had none.
const BATCHING_POLL_MS = 50;

export interface InvocationOutcome {
  readonly failedMessageIds: readonly string[];
  readonly checks: number;
  /** Tasks the invocation sent back to the queue alone (BatchReport.tasksRetried). */
  readonly tasksRetried?: number;
}

export interface InvocationRecord {
  /** Epoch ms when the invocation began (after the batching window). */
  readonly startedAtMs: number;
  readonly messages: number;
  readonly checks: number;
  readonly durationMs: number;
  readonly failedMessages: number;
  readonly tasksRetried: number;
}

/**
 * Plays Lambda's SQS event source: pollers receive up to `batchSize` messages, invoke the checker, and
 * delete every message except those it reports as failed (reportBatchItemFailures).
 */
export class LocalEventSource {
  readonly invocations: InvocationRecord[] = [];
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;
  readonly #options: EventSourceOptions;
  readonly #invoke: (records: QueueRecord[], poller: number) => Promise<InvocationOutcome>;
  #running = false;
  #inFlight = 0;
  #pollers: Promise<void>[] = [];
  #idleWaiters: (() => void)[] = [];

  constructor(
    sqs: SQSClient,
    queueUrl: string,
    options: EventSourceOptions,
    /** Runs one invocation; `poller` says which poller (one container each) asks. */
    invoke: (records: QueueRecord[], poller: number) => Promise<InvocationOutcome>,
  ) {
    if (options.batchSize < 1 || options.batchSize > 10) {
      throw new RangeError(`batchSize must be 1-10, got ${options.batchSize}`);
    }
    this.#sqs = sqs;
    this.#queueUrl = queueUrl;
    this.#options = options;
    this.#invoke = invoke;
  }

  start(): void {
    this.#running = true;
    this.#pollers = Array.from({ length: this.#options.pollers }, (_, poller) => this.#poll(poller));
  }

  /** Resolves when no invocation is running (messages may still be waiting in the queue). */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops polling; resolves once every poller has returned (at most one long-poll wait). */
  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#pollers);
  }

  async #receive(max: number, waitTimeSeconds: number): Promise<Message[]> {
    const { Messages = [] } = await this.#sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitTimeSeconds,
        VisibilityTimeout: this.#options.visibilityTimeoutSeconds,
      }),
    );
    return Messages;
  }

  async #poll(poller: number): Promise<void> {
    while (this.#running) {
      const Messages = await this.#receive(this.#options.batchSize, this.#options.waitTimeSeconds);
      if (Messages.length === 0) continue;
      const windowEndsMs = performance.now() + this.#options.batchingWindowMs;
      while (Messages.length < this.#options.batchSize && performance.now() < windowEndsMs) {
        const more = await this.#receive(this.#options.batchSize - Messages.length, 0);
        if (more.length === 0) await sleep(Math.min(BATCHING_POLL_MS, windowEndsMs - performance.now()));
        Messages.push(...more);
      }
      this.#inFlight++;
      try {
        const startMs = performance.now();
        const startedAtMs = Date.now();
        const records = Messages.map((message) => ({
          messageId: message.MessageId ?? '',
          body: message.Body ?? '',
        }));
        const outcome = await this.#invoke(records, poller);
        this.invocations.push({
          startedAtMs,
          messages: records.length,
          checks: outcome.checks,
          durationMs: performance.now() - startMs,
          failedMessages: outcome.failedMessageIds.length,
          tasksRetried: outcome.tasksRetried ?? 0,
        });
        const failed = new Set(outcome.failedMessageIds);
        const done = Messages.filter((message) => !failed.has(message.MessageId ?? ''));
        if (done.length > 0) {
          await this.#sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: this.#queueUrl,
              Entries: done.map((message, index) => ({
                Id: String(index),
                ReceiptHandle: message.ReceiptHandle ?? '',
              })),
            }),
          );
        }
      } finally {
        this.#inFlight--;
        if (this.#inFlight === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
      }
    }
  }
}
