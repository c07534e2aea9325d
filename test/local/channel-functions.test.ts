import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryAttempt } from '../../local/delivery-attempt.ts';
import type { LambdaLogLine } from '../../local/lambda-host.ts';
import type { Notice } from '../../local/runtime.ts';
import { makeDataDir, startTestRuntime, waitFor } from '../helpers/local-runtime.ts';
import { anAlert } from '../support/fixtures.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('local runtime: the channel functions', () => {
  it('feeds the dispatcher from the topic and the deliverer from the FIFO queue, with their settings, and turns its lines into delivery events', async () => {
    // Prepare: stand-ins for the two handlers, the runtime wiring them as it wires the real ones
    const dir = await makeDataDir();
    cleanups.push(dir.remove);
    const runtime = await startTestRuntime(dir.path, {
      handlerModules: {
        fanOut: new URL('../../functions/fan-out.ts', import.meta.url),
        checker: new URL('../../functions/checker.ts', import.meta.url),
        dispatcher: new URL('./handlers/forwarding-dispatcher.ts', import.meta.url),
        deliverer: new URL('./handlers/logging-deliverer.ts', import.meta.url),
      },
      channelServiceUrls: { pagerDutyEventsUrl: 'http://127.0.0.1:9/v2/enqueue' },
    });
    cleanups.push(() => runtime.stop());
    const deliveries: DeliveryAttempt[] = [];
    const lines: LambdaLogLine[] = [];
    const notices: Notice[] = [];
    runtime.on('delivery', (attempt) => deliveries.push(attempt));
    runtime.on('log', (line) => lines.push(line));
    runtime.on('notice', (notice) => notices.push(notice));
    const sns = new SNSClient({
      region: runtime.endpoints.region,
      endpoint: runtime.endpoints.snsEndpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    cleanups.push(() => sns.destroy());
    const alert = anAlert({ alertId: 'shop:4', owner: 'acme' });

    // Act: an alert as the checker publishes it, with its notification attribute
    await sns.send(
      new PublishCommand({
        TopicArn: runtime.endpoints.topicArn,
        Subject: 'DOWN: Shop - timeout',
        Message: 'DOWN: Shop - timeout\n\nShop is DOWN.',
        MessageAttributes: {
          owner: { DataType: 'String', StringValue: 'acme' },
          notification: { DataType: 'String', StringValue: JSON.stringify({ type: 'alert', alert }) },
        },
      }),
    );
    const attempt = await waitFor('the delivery line', () => deliveries[0], 15_000);
    const printed = await waitFor('the alert printed', () => runtime.alerts[0], 15_000);

    // Assess: the outcome is tied to the alert the printer shows, counted, and not repeated as a warning
    expect(attempt).toMatchObject({
      notificationId: 'shop:4',
      channelId: 'ch-aaaaaaaaaa',
      outcome: 'retry',
      status: 503,
      attempt: 1,
    });
    expect(printed.notificationId).toBe('shop:4');
    expect(runtime.stats().deliveries).toEqual({ retry: 1 });
    expect(runtime.stats().handlerWarnings).toBe(0);
    expect(notices.filter((notice) => notice.message.includes('delivery'))).toEqual([]);
    const settings = lines.find((line) => line.json?.msg === 'delivery')?.json?.settings;
    expect(settings).toEqual({
      CHANNELS_TABLE: runtime.endpoints.channelsTable,
      DELIVERY_QUEUE_URL: expect.stringMatching(/uptime-squirrel-channel-deliveries\.fifo$/),
      DELIVERY_DLQ_URL: expect.stringMatching(/uptime-squirrel-channel-deliveries-dlq\.fifo$/),
      CHANNEL_SECRETS_PREFIX: '/uptime-squirrel/local/channels',
      TOPIC_ARN: runtime.endpoints.topicArn,
      ALLOW_PRIVATE_TARGETS: 'true',
      AWS_ENDPOINT_URL_SSM: runtime.endpoints.ssmEndpoint,
      PAGERDUTY_EVENTS_URL: 'http://127.0.0.1:9/v2/enqueue',
      TABLE_NAME: null,
      QUEUE_URL: null,
    });
    await waitFor('the delivery deleted', async () => (await runtime.queueDepths()).deliveriesPending === 0);
  }, 60_000);
});
