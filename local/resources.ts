import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import {
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { channelsTableDefinition } from '../functions/adapters/channel-store.ts';
import { sitesTableDefinition } from '../functions/adapters/site-item.ts';

/** The names the stack's resources get locally (on AWS, CloudFormation names them). */
export const LOCAL_NAMES = {
  table: 'uptime-squirrel-sites',
  queue: 'uptime-squirrel-checks',
  deadLetterQueue: 'uptime-squirrel-checks-dlq',
  topic: 'uptime-squirrel-alerts',
  // Stands in for the people subscribed by email or SMS: the runtime prints what they would receive.
  alertPrinterQueue: 'uptime-squirrel-alert-printer',
  // In the SQS/SNS emulator, which serves S3 on the same endpoint; in memory, like the queues.
  historyBucket: 'uptime-squirrel-history',
  // Alert channels (issue 14): the table of channels, the dispatcher's queue subscribed to the topic, and the
  // deliverer's FIFO queue (one message group per channel), each with its dead-letter queue.
  channelsTable: 'uptime-squirrel-channels',
  dispatchQueue: 'uptime-squirrel-alert-dispatch',
  dispatchDeadLetterQueue: 'uptime-squirrel-alert-dispatch-dlq',
  deliveryQueue: 'uptime-squirrel-channel-deliveries.fifo',
  deliveryDeadLetterQueue: 'uptime-squirrel-channel-deliveries-dlq.fifo',
} as const;

/** Where the channels' secrets live in the local SSM emulator (on AWS: `/uptime-squirrel/<StackName>/channels`). */
export const LOCAL_CHANNEL_SECRETS_PREFIX = '/uptime-squirrel/local/channels';

/** Queue settings as in infra/check-queue.ts (a test keeps them in step). */
export const LOCAL_QUEUE_SETTINGS = {
  // 6 x the checker's 60 s timeout, as the stack: a failed batch item comes back after 6 minutes.
  visibilityTimeoutSeconds: 360,
  maxReceiveCount: 5,
  deadLetterRetentionSeconds: 14 * 24 * 3600,
} as const;

/**
 * The channel functions and their queues, as infra/alert-channels.ts deploys them (DISPATCHER_TIMEOUT,
 * DELIVERER_TIMEOUT, DELIVERY_VISIBILITY_FACTOR, …; written side by side with it: the lead adds the check that
 * keeps them in step, as test/local/resources.test.ts does for the checks queue, when the branches merge).
 */
export const LOCAL_CHANNEL_SETTINGS = {
  dispatcher: { timeoutSeconds: 10, memorySizeMiB: 256 },
  deliverer: { timeoutSeconds: 60, memorySizeMiB: 256 },
  // 6 x the dispatcher's timeout, as the checks queue; a record that keeps failing is parked after 5 receives.
  dispatchVisibilityTimeoutSeconds: 60,
  dispatchMaxReceiveCount: 5,
  // 2 x the deliverer's timeout: the deliverer sets each retry's delay itself (ChangeMessageVisibility), so
  // this only brings back a message whose invocation crashed. 50 receives is the safety net behind the
  // deliverer's own 60-70 minute retry window.
  deliveryVisibilityTimeoutSeconds: 120,
  deliveryMaxReceiveCount: 50,
  deliveryBatchSize: 10,
  dispatchBatchSize: 10,
} as const;

export interface LocalResources {
  readonly tableName: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly dlqUrl: string;
  readonly topicArn: string;
  readonly alertPrinterQueueUrl: string;
  /** The printer queue's ARN: the endpoint of the runtime's own subscription to the topic. */
  readonly alertPrinterQueueArn: string;
  readonly historyBucket: string;
  readonly channelsTable: string;
  readonly dispatchQueueUrl: string;
  /** The endpoint of the runtime's subscription that feeds the channel dispatcher. */
  readonly dispatchQueueArn: string;
  readonly dispatchDlqUrl: string;
  readonly deliveryQueueUrl: string;
  readonly deliveryQueueArn: string;
  readonly deliveryDlqUrl: string;
}

export interface ResourceClients {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly s3: S3Client;
}

export interface ResourceOptions {
  readonly visibilityTimeoutSeconds: number;
}

// dynalite reports CREATING even with createTableMs 0; it turns ACTIVE within milliseconds.
const TABLE_ACTIVE_TIMEOUT_MS = 10_000;

/**
 * Creates what the stack creates, or finds it: every call is idempotent, so a restart reuses the persisted
 * table (and the in-memory queues, which the SQS emulator forgets, are created again).
 */
export async function ensureResources(
  clients: ResourceClients,
  options: ResourceOptions,
): Promise<LocalResources> {
  await ensureTable(clients.dynamodb, LOCAL_NAMES.table, sitesTableDefinition);
  const dlq = await ensureQueue(clients.sqs, LOCAL_NAMES.deadLetterQueue, {
    MessageRetentionPeriod: String(LOCAL_QUEUE_SETTINGS.deadLetterRetentionSeconds),
  });
  const queue = await ensureQueue(clients.sqs, LOCAL_NAMES.queue, {
    VisibilityTimeout: String(options.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: dlq.arn,
      maxReceiveCount: LOCAL_QUEUE_SETTINGS.maxReceiveCount,
    }),
  });
  const { TopicArn: topicArn } = await clients.sns.send(new CreateTopicCommand({ Name: LOCAL_NAMES.topic }));
  if (!topicArn) throw new Error(`CreateTopic returned no ARN for ${LOCAL_NAMES.topic}`);
  const printer = await ensureQueue(clients.sqs, LOCAL_NAMES.alertPrinterQueue, {});
  // Subscribing the same endpoint twice returns the existing subscription.
  await clients.sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: printer.arn }),
  );
  await ensureBucket(clients.s3, LOCAL_NAMES.historyBucket);
  const channels = await ensureChannelResources(clients, topicArn);
  return {
    ...channels,
    tableName: LOCAL_NAMES.table,
    queueUrl: queue.url,
    queueArn: queue.arn,
    dlqUrl: dlq.url,
    topicArn,
    alertPrinterQueueUrl: printer.url,
    alertPrinterQueueArn: printer.arn,
    historyBucket: LOCAL_NAMES.historyBucket,
  };
}

async function ensureChannelResources(clients: ResourceClients, topicArn: string) {
  await ensureTable(clients.dynamodb, LOCAL_NAMES.channelsTable, channelsTableDefinition);
  const retention = { MessageRetentionPeriod: String(LOCAL_QUEUE_SETTINGS.deadLetterRetentionSeconds) };
  const dispatchDlq = await ensureQueue(clients.sqs, LOCAL_NAMES.dispatchDeadLetterQueue, retention);
  const dispatch = await ensureQueue(clients.sqs, LOCAL_NAMES.dispatchQueue, {
    VisibilityTimeout: String(LOCAL_CHANNEL_SETTINGS.dispatchVisibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: dispatchDlq.arn,
      maxReceiveCount: LOCAL_CHANNEL_SETTINGS.dispatchMaxReceiveCount,
    }),
  });
  // A FIFO queue's dead-letter queue must be FIFO too.
  const deliveryDlq = await ensureQueue(clients.sqs, LOCAL_NAMES.deliveryDeadLetterQueue, {
    ...retention,
    FifoQueue: 'true',
  });
  const delivery = await ensureQueue(clients.sqs, LOCAL_NAMES.deliveryQueue, {
    FifoQueue: 'true',
    // The dispatcher names each message's deduplication id (a hash of its delivery id).
    ContentBasedDeduplication: 'false',
    VisibilityTimeout: String(LOCAL_CHANNEL_SETTINGS.deliveryVisibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: deliveryDlq.arn,
      maxReceiveCount: LOCAL_CHANNEL_SETTINGS.deliveryMaxReceiveCount,
    }),
  });
  // As the stack subscribes it: no filter (every owner's alerts), the SNS envelope kept (raw delivery off), so
  // the dispatcher reads the `notification` message attribute from it.
  await clients.sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: dispatch.arn }),
  );
  return {
    channelsTable: LOCAL_NAMES.channelsTable,
    dispatchQueueUrl: dispatch.url,
    dispatchQueueArn: dispatch.arn,
    dispatchDlqUrl: dispatchDlq.url,
    deliveryQueueUrl: delivery.url,
    deliveryQueueArn: delivery.arn,
    deliveryDlqUrl: deliveryDlq.url,
  };
}

async function ensureBucket(s3: S3Client, name: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
  } catch (error) {
    if (!(error instanceof BucketAlreadyOwnedByYou || error instanceof BucketAlreadyExists)) throw error;
  }
}

async function ensureTable(
  dynamodb: DynamoDBClient,
  tableName: string,
  definition: (tableName: string) => CreateTableCommandInput,
): Promise<void> {
  try {
    await dynamodb.send(new CreateTableCommand(definition(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const deadline = Date.now() + TABLE_ACTIVE_TIMEOUT_MS;
  for (;;) {
    try {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
      if (Table?.TableStatus === 'ACTIVE') return;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    if (Date.now() > deadline) {
      throw new Error(`table ${tableName} did not become ACTIVE within ${TABLE_ACTIVE_TIMEOUT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function ensureQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<{ url: string; arn: string }> {
  const { QueueUrl: url } = await sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  );
  if (!url) throw new Error(`CreateQueue returned no URL for ${name}`);
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`queue ${name} has no QueueArn attribute`);
  return { url, arn };
}
