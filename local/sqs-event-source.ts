import { randomUUID } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecordAttributes } from 'aws-lambda';

export interface SqsEventSourceProps {
  /** In problem messages. @default "checks queue" */
  readonly queueName?: string;
  /** In problem messages. @default "checker" */
  readonly functionName?: string;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  /** A FIFO queue (its name ends in .fifo). */
  readonly isFifo?: boolean;
  /** Concurrent pollers, each running one invocation at a time (the event source's maxConcurrency). */
  readonly pollers: number;
  /** The stack's batchSize (at most 10 per ReceiveMessage). */
  readonly batchSize: number;
  /** Long polling wait (20 s at most). */
  readonly waitTimeSeconds: number;
  readonly invoke: (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;
  /** Receive/delete errors and failed invocations, for the person watching. */
  readonly onProblem: (message: string) => void;
}

export interface EventSourceStats {
  readonly invocations: number;
  readonly messagesReceived: number;
  readonly messagesDeleted: number;
  /** Messages left on the queue: batch item failures and whole failed invocations. */
  readonly messagesRetried: number;
}

// After a receive error (emulator busy or stopping), wait before polling again instead of spinning.
const RECEIVE_ERROR_BACKOFF_MS = 1_000;

/**
 * Plays Lambda's SQS event source mapping with reportBatchItemFailures: receive a batch, invoke the function
 * with a real SQSEvent, delete every message except the reported failures. Failures (and every message of an
 * invocation that threw) stay on the queue: SQS redelivers them after the visibility timeout, and moves them
 * to the DLQ after maxReceiveCount, exactly as on AWS.
 *
 * A FIFO queue is read the same way, as Lambda reads one: each receive carries a ReceiveRequestAttemptId (an SDK
 * retry of a receive that got lost returns the same batch instead of hiding a second one), SQS hands out a
 * message group's messages in order and none of a group while one of it is in flight, and a reported failure
 * stays in flight untouched: its visibility is whatever the handler set (ChangeMessageVisibility for a backoff),
 * else the queue's timeout. The event source never changes a message's visibility itself, so the handler's
 * delay always wins. (A FIFO handler must report every message after a failed one of the same group as failed
 * too, as on AWS: what it does not report is deleted. The emulator hands out one message of a group per receive;
 * AWS may hand out several, in order, hence that rule.)
 */
export class SqsEventSource {
  readonly #props: SqsEventSourceProps;
  readonly #loops: Promise<void>[] = [];
  // Cuts idle long polls short on stop: the queue lives in memory and goes away with the emulator anyway.
  readonly #abort = new AbortController();
  #isStopping = false;
  #stats = { invocations: 0, messagesReceived: 0, messagesDeleted: 0, messagesRetried: 0 };

  readonly #queueName: string;
  readonly #functionName: string;

  constructor(props: SqsEventSourceProps) {
    this.#props = props;
    this.#queueName = props.queueName ?? 'checks queue';
    this.#functionName = props.functionName ?? 'checker';
  }

  get stats(): EventSourceStats {
    return { ...this.#stats };
  }

  start(): void {
    for (let poller = 0; poller < this.#props.pollers; poller++) this.#loops.push(this.#poll());
  }

  /** Stops receiving; resolves once every poller finished its current invocation. */
  async stop(): Promise<void> {
    this.#isStopping = true;
    this.#abort.abort();
    await Promise.all(this.#loops);
  }

  async #poll(): Promise<void> {
    const { sqs, queueUrl } = this.#props;
    while (!this.#isStopping) {
      let messages: Message[];
      try {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: this.#props.batchSize,
            WaitTimeSeconds: this.#props.waitTimeSeconds,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
            // The SDK retries a failed call with this same input, hence the same attempt id.
            ...(this.#props.isFifo ? { ReceiveRequestAttemptId: randomUUID() } : {}),
          }),
          { abortSignal: this.#abort.signal },
        );
        messages = received.Messages ?? [];
      } catch (error) {
        if (this.#isStopping) return;
        this.#props.onProblem(`${this.#queueName}: receive failed: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, RECEIVE_ERROR_BACKOFF_MS));
        continue;
      }
      // Messages received while stopping are still handled: dropping them would hide them for 6 minutes.
      if (messages.length > 0) await this.#deliver(messages);
    }
  }

  async #deliver(messages: Message[]): Promise<void> {
    const event = toSqsEvent(messages, this.#props.queueArn, this.#props.region);
    this.#stats.invocations++;
    this.#stats.messagesReceived += messages.length;
    let failed: ReadonlySet<string>;
    try {
      const response = await this.#props.invoke(event);
      failed = failedMessageIds(event, response);
    } catch (error) {
      this.#props.onProblem(
        `${this.#functionName} invocation failed, its ${messages.length} message(s) will come back: ${(error as Error).message}`,
      );
      failed = new Set(event.Records.map((record) => record.messageId));
    }
    this.#stats.messagesRetried += failed.size;
    const done = messages.filter((message) => !failed.has(message.MessageId ?? ''));
    if (done.length === 0) return;
    try {
      const { Failed = [] } = await this.#props.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#props.queueUrl,
          Entries: done.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
      this.#stats.messagesDeleted += done.length - Failed.length;
      for (const failure of Failed)
        this.#props.onProblem(`${this.#queueName}: delete failed: ${failure.Code} ${failure.Message ?? ''}`);
    } catch (error) {
      // Not deleted means redelivered later: the checker deduplicates by check id, so this only costs a check;
      // a delivery sent twice carries the same delivery id, on which receivers deduplicate.
      this.#props.onProblem(`${this.#queueName}: delete failed: ${(error as Error).message}`);
    }
  }
}

/** Builds the event Lambda's SQS event source hands the function for these messages. */
export function toSqsEvent(messages: readonly Message[], queueArn: string, region: string): SQSEvent {
  return {
    Records: messages.map((message) => ({
      messageId: message.MessageId ?? '',
      receiptHandle: message.ReceiptHandle ?? '',
      body: message.Body ?? '',
      attributes: toRecordAttributes(message.Attributes ?? {}),
      messageAttributes: toMessageAttributes(message.MessageAttributes ?? {}),
      md5OfBody: message.MD5OfBody ?? '',
      ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: region,
    })),
  };
}

function toRecordAttributes(attributes: Record<string, string>): SQSRecordAttributes {
  return {
    ...attributes,
    ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
    SentTimestamp: attributes.SentTimestamp ?? '',
    SenderId: attributes.SenderId ?? '',
    ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? '',
  };
}

function toMessageAttributes(attributes: Record<string, MessageAttributeValue>): SQSMessageAttributes {
  // Lambda spells the attribute fields in camelCase and hands binary values over as base64.
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      {
        dataType: value.DataType ?? 'String',
        ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
        ...(value.BinaryValue === undefined ? {} : { binaryValue: base64(value.BinaryValue) }),
        stringListValues: value.StringListValues ?? [],
        binaryListValues: (value.BinaryListValues ?? []).map(base64),
      },
    ]),
  );
}

/**
 * The messages to leave on the queue. As Lambda does, a response naming a message that is not in the batch
 * (or with an empty identifier) fails the whole batch.
 */
export function failedMessageIds(
  event: SQSEvent,
  response: SQSBatchResponse | undefined,
): ReadonlySet<string> {
  const all = new Set(event.Records.map((record) => record.messageId));
  const failures = response?.batchItemFailures ?? [];
  const ids = failures.map((failure) => failure.itemIdentifier);
  if (ids.some((id) => !id || !all.has(id))) return all;
  return new Set(ids);
}
