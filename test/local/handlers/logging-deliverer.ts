import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

// A stand-in for functions/channel-deliverer.ts in the runtime's own tests: for each delivery it writes the
// contract's log line (a retry, at level warn, as the deliverer logs one), plus which of the channel settings
// the runtime gave it, and deletes the message.
const CHANNEL_SETTINGS = [
  'CHANNELS_TABLE',
  'DELIVERY_QUEUE_URL',
  'DELIVERY_DLQ_URL',
  'CHANNEL_SECRETS_PREFIX',
  'TOPIC_ARN',
  'ALLOW_PRIVATE_TARGETS',
  'AWS_ENDPOINT_URL_SSM',
  'PAGERDUTY_EVENTS_URL',
  // The monitor's own settings: not the channel functions' business.
  'TABLE_NAME',
  'QUEUE_URL',
];

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  for (const record of event.Records) {
    const { deliveryId } = JSON.parse(record.body) as { deliveryId: string };
    process.stdout.write(
      `${JSON.stringify({
        level: 'warn',
        msg: 'delivery',
        deliveryId,
        channelId: record.attributes.MessageGroupId,
        kind: 'slack',
        label: 'hooks.slack.com/services/T01…',
        owner: 'acme',
        outcome: 'retry',
        status: 503,
        ms: 5,
        detail: null,
        attempt: Number(record.attributes.ApproximateReceiveCount),
        settings: Object.fromEntries(CHANNEL_SETTINGS.map((name) => [name, process.env[name] ?? null])),
      })}\n`,
    );
  }
  return { batchItemFailures: [] };
}
