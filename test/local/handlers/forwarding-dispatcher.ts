import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

// A stand-in for functions/channel-dispatcher.ts in the runtime's own tests: it needs nothing but the
// environment the runtime gives the channel functions, and forwards each SNS envelope to the FIFO deliveries
// queue as one delivery for channel ch-aaaaaaaaaa, as the real dispatcher would for one subscribed channel.
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const queueUrl = process.env.DELIVERY_QUEUE_URL ?? '';
  await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: event.Records.map((record, index) => {
        const envelope = JSON.parse(record.body) as { MessageAttributes?: Record<string, { Value: string }> };
        const notification = JSON.parse(envelope.MessageAttributes?.notification?.Value ?? '{}') as {
          alert?: { alertId?: string };
        };
        return {
          Id: String(index),
          MessageGroupId: 'ch-aaaaaaaaaa',
          MessageDeduplicationId: record.messageId,
          MessageBody: JSON.stringify({ deliveryId: `${notification.alert?.alertId ?? ''}|ch-aaaaaaaaaa` }),
        };
      }),
    }),
  );
  return { batchItemFailures: [] };
}
