import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { AlertPublisher } from './adapters/alert-publisher.ts';
import { AWS_HTTP_TIMEOUTS, CallDeadline } from './adapters/call-deadline.ts';
import { createChannelPoster } from './adapters/channel-http.ts';
import { ChannelSecrets } from './adapters/channel-secrets.ts';
import { ChannelStore } from './adapters/channel-store.ts';
import { DeliveryRetryQueue } from './adapters/delivery-retry-queue.ts';
import { createJsonLogger } from './adapters/logger.ts';
import { readDelivererConfig } from './config.ts';
import { createDeliveryLog } from './services/channel-delivery.ts';
import { type DeliveryBatchDeps, processDeliveryBatch } from './services/delivery-batch.ts';

const config = readDelivererConfig(process.env);
// GetItem, GetParameter, Publish, ChangeMessageVisibility and SendMessage answer in tens of ms: 5 s bounds a hung
// one (SDK retries included), and stopping calls 1 s before the Lambda timeout leaves the handler time to return
// its batchItemFailures. One per module: Lambda runs one invocation at a time per environment.
const deadline = new CallDeadline({ maxCallMs: 5_000, marginMs: 1_000 });
const deps: DeliveryBatchDeps = {
  store: new ChannelStore(new DynamoDBClient({ requestHandler: AWS_HTTP_TIMEOUTS }), config.channelsTable, {
    deadline,
  }),
  // Cached for 5 minutes (ChannelSecrets' default): a warm deliverer reads each channel's secret once.
  secrets: new ChannelSecrets(
    new SSMClient({ requestHandler: AWS_HTTP_TIMEOUTS }),
    config.channelSecretsPrefix,
    {
      deadline,
    },
  ),
  publisher: new AlertPublisher(new SNSClient({ requestHandler: AWS_HTTP_TIMEOUTS }), config.topicArn, {
    deadline,
  }),
  queue: new DeliveryRetryQueue(
    // Send to the configured endpoint (AWS_ENDPOINT_URL_SQS locally), not to whatever host the queue URL names.
    new SQSClient({ useQueueUrlAsEndpoint: false, requestHandler: AWS_HTTP_TIMEOUTS }),
    config.deliveryQueueUrl,
    config.deliveryDeadLetterQueueUrl,
    { deadline },
  ),
  http: createChannelPoster({
    allowPrivateTargets: config.allowPrivateTargets,
    dnsServers: config.dnsServers,
  }),
  endpoints: config.endpoints,
  log: createDeliveryLog(),
  logger: createJsonLogger(),
  nowMs: Date.now,
};

/** SQS (FIFO deliveries queue) event source → deliver; messages to retry or hold back are reported as failures. */
export async function handler(
  event: SQSEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<SQSBatchResponse> {
  const deadlineMs = Date.now() + context.getRemainingTimeInMillis();
  deadline.startInvocation(deadlineMs);
  const report = await processDeliveryBatch(event.Records, deps, { deadlineMs });
  return { batchItemFailures: report.failedMessageIds.map((itemIdentifier) => ({ itemIdentifier })) };
}
