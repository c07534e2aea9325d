import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { AWS_HTTP_TIMEOUTS, CallDeadline } from './adapters/call-deadline.ts';
import { ChannelStore } from './adapters/channel-store.ts';
import { DeliveryQueue } from './adapters/delivery-queue.ts';
import { createJsonLogger } from './adapters/logger.ts';
import { readDispatcherConfig } from './config.ts';
import { dispatchRecords } from './services/channel-dispatch.ts';

const config = readDispatcherConfig(process.env);
// A Query or SendMessageBatch answers in tens of ms: 3 s bounds a hung one (a record makes three, inside the
// function's 10 s), and stopping 1 s before the Lambda timeout leaves time to return batchItemFailures, so a hung
// call fails its record, not the batch.
const deadline = new CallDeadline({ maxCallMs: 3_000, marginMs: 1_000 });
const log = createJsonLogger();
const deps = {
  store: new ChannelStore(new DynamoDBClient({ requestHandler: AWS_HTTP_TIMEOUTS }), config.channelsTable, {
    deadline,
    // A hand-edited item must not hold back the owner's other channels.
    onInvalidItem: (item) => log.warn('invalid channel item skipped', { ...item }),
  }),
  queue: new DeliveryQueue(
    // Send to the configured endpoint (AWS_ENDPOINT_URL_SQS locally), not to whatever host the queue URL names.
    new SQSClient({ useQueueUrlAsEndpoint: false, requestHandler: AWS_HTTP_TIMEOUTS }),
    config.deliveryQueueUrl,
    { deadline },
  ),
  log,
  nowMs: Date.now,
};

/** SQS (alert-dispatch, subscribed to the alerts topic) → one delivery per channel on the FIFO deliveries queue. */
export async function handler(
  event: SQSEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<SQSBatchResponse> {
  deadline.startInvocation(Date.now() + context.getRemainingTimeInMillis());
  const report = await dispatchRecords(event.Records, deps);
  return { batchItemFailures: report.failedMessageIds.map((itemIdentifier) => ({ itemIdentifier })) };
}
