import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createSitesTable } from './sites.ts';

export interface BenchResources {
  readonly tableName: string;
  readonly queueUrl: string;
  readonly topicArn: string;
}

/** A table, queue and topic of their own for one phase, named `prefix-…`, as the stack creates them. */
export async function createResources(
  clients: { dynamodb: DynamoDBClient; sqs: SQSClient; sns: SNSClient },
  prefix: string,
): Promise<BenchResources> {
  const tableName = `${prefix}-sites`;
  await createSitesTable(clients.dynamodb, tableName);
  const { QueueUrl } = await clients.sqs.send(
    new CreateQueueCommand({
      QueueName: `${prefix}-checks`,
      // As infra/check-queue.ts: 6 × the checker's 60 s timeout.
      Attributes: { VisibilityTimeout: '360' },
    }),
  );
  const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: `${prefix}-alerts` }));
  if (!QueueUrl || !TopicArn) throw new Error(`the emulator did not create the ${prefix} queue or topic`);
  return { tableName, queueUrl: QueueUrl, topicArn: TopicArn };
}
