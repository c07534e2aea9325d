import { access } from 'node:fs/promises';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import type { Channel } from '../../functions/domain/channels/channel.ts';
import type { ChannelSecret } from '../../functions/domain/channels/channel-secret.ts';
import type { DeliveryAttempt } from '../../local/delivery-attempt.ts';
import type { LocalRuntime } from '../../local/runtime.ts';
import { addSite, makeDataDir, startTestRuntime, stateOf, waitFor } from '../helpers/local-runtime.ts';
import { startSwitchableSite } from '../helpers/switchable-site.ts';
import { type ChannelReceiver, startChannelReceiver } from '../support/channel-receiver.ts';

// End to end through `npm start`'s runtime: a site alert goes checker → SNS → alert-dispatch → channel
// dispatcher → FIFO deliveries → channel deliverer → real HTTP POSTs to loopback receivers. The channels are
// written the way the CLI writes them (an item without secret in the channels table, the secret as a
// SecureString under the runtime's prefix).
const CHANNEL_HANDLERS = ['channel-dispatcher.ts', 'channel-deliverer.ts'].map(
  (name) => new URL(`../../functions/${name}`, import.meta.url),
);
const hasChannelHandlers = (
  await Promise.all(
    CHANNEL_HANDLERS.map((url) =>
      access(url).then(
        () => true,
        () => false,
      ),
    ),
  )
).every(Boolean);

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(): Promise<ChannelReceiver> {
  const started = await startChannelReceiver();
  cleanups.push(started.close);
  return started;
}

/** What `squirrel subscribe` stores: the item (no secret) and the SecureString parameter it names. */
async function subscribeChannel(
  runtime: LocalRuntime,
  channel: { owner: string; channelId: string; label: string; secret: ChannelSecret },
): Promise<void> {
  const { region, dynamodbEndpoint, ssmEndpoint, channelsTable, channelSecretsPrefix } = runtime.endpoints;
  const config = { region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const dynamodb = new DynamoDBClient({ ...config, endpoint: dynamodbEndpoint });
  const ssm = new SSMClient({ ...config, endpoint: ssmEndpoint });
  try {
    const secretName = `${channelSecretsPrefix}/${channel.channelId}`;
    await ssm.send(
      new PutParameterCommand({
        Name: secretName,
        Type: 'SecureString',
        Value: JSON.stringify(channel.secret),
      }),
    );
    const item: Channel = {
      owner: channel.owner,
      channelId: channel.channelId,
      kind: channel.secret.kind,
      label: channel.label,
      secretName,
      createdAtMs: Date.now(),
    };
    await dynamodb.send(new PutItemCommand({ TableName: channelsTable, Item: marshall(item) }));
  } finally {
    dynamodb.destroy();
    ssm.destroy();
  }
}

const jsonBodies = (target: ChannelReceiver) =>
  target.requests.map((request) => JSON.parse(request.body) as Record<string, unknown>);

describe('npm start delivers alerts to channels as AWS does', () => {
  it.skipIf(!hasChannelHandlers)(
    hasChannelHandlers
      ? "a site's DOWN and UP reach its owner's Slack and PagerDuty receivers in order, and no other owner's webhook"
      : 'end to end through the channel handlers: NOT RUN, functions/channel-dispatcher.ts or channel-deliverer.ts is missing',
    { timeout: 90_000 },
    async () => {
      // Prepare: owner acme has a Slack and a PagerDuty channel, owner beta a webhook
      const [slack, pagerDuty, webhook] = [await receiver(), await receiver(), await receiver()];
      const site = await startSwitchableSite(200);
      cleanups.push(site.close);
      const dir = await makeDataDir();
      cleanups.push(dir.remove);
      const runtime = await startTestRuntime(dir.path, {
        channelServiceUrls: { pagerDutyEventsUrl: `${pagerDuty.origin}/v2/enqueue` },
      });
      cleanups.push(() => runtime.stop());
      const deliveries: DeliveryAttempt[] = [];
      runtime.on('delivery', (attempt) => deliveries.push(attempt));
      await subscribeChannel(runtime, {
        owner: 'acme',
        channelId: 'ch-slackslack',
        label: 'hooks.slack.com/services/T01…',
        secret: { kind: 'slack', url: `${slack.origin}/services/T01/B02/abc` },
      });
      await subscribeChannel(runtime, {
        owner: 'acme',
        channelId: 'ch-pagerdutya',
        label: 'PagerDuty …a1b2',
        secret: { kind: 'pagerduty', routingKey: 'R0123456789abcdefghija1b2' },
      });
      await subscribeChannel(runtime, {
        owner: 'beta',
        channelId: 'ch-webhookbbb',
        label: 'http://127.0.0.1/…',
        secret: {
          kind: 'webhook',
          url: `${webhook.origin}/hooks/squirrel`,
          signingSecret: 'whsec_0123456789abcdefghijklmnopqrstuvwxyzABCDE',
        },
      });
      await addSite(runtime, { siteId: 'shop', url: site.url, name: 'Shop', owner: 'acme' });
      await runtime.tick();
      await waitFor('the site UP', async () => (await stateOf(runtime, 'shop'))?.status === 'UP');

      // Act: down (confirmed by the re-check a second later), then back
      site.answer(503);
      await runtime.tick();
      await waitFor('the DOWN delivered to both channels', () => deliveries.length >= 2, 30_000);
      site.answer(200);
      await runtime.tick();
      await waitFor('the UP delivered to both channels', () => deliveries.length >= 4, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 1_000));

      // Assess: every attempt delivered on the first try, the alerts' order kept per channel
      expect(runtime.channelsOffReason).toBeUndefined();
      expect(deliveries.map((attempt) => `${attempt.kind} ${attempt.outcome}`).sort()).toEqual([
        'pagerduty delivered',
        'pagerduty delivered',
        'slack delivered',
        'slack delivered',
      ]);
      expect(deliveries.every((attempt) => (attempt.status ?? 0) >= 200 && (attempt.status ?? 0) < 300)).toBe(
        true,
      );
      expect(runtime.stats().deliveries).toMatchObject({ delivered: 4 });
      expect(slack.requests.map((request) => request.path)).toEqual([
        '/services/T01/B02/abc',
        '/services/T01/B02/abc',
      ]);
      const [slackDown, slackUp] = slack.requests.map((request) => request.body);
      expect(slackDown).toContain('DOWN');
      expect(slackUp).toContain('UP');
      const [trigger, resolve] = jsonBodies(pagerDuty);
      expect(trigger).toMatchObject({ event_action: 'trigger', routing_key: 'R0123456789abcdefghija1b2' });
      expect(resolve).toMatchObject({ event_action: 'resolve', dedup_key: trigger?.dedup_key });
      // Owner beta's webhook hears nothing of owner acme's site
      expect(webhook.requests).toEqual([]);
      // The alerts printed here carry the ids the deliveries name: the printer shows them under each alert
      const alertIds = runtime.alerts.map((alert) => alert.notificationId);
      expect(new Set(deliveries.map((attempt) => attempt.notificationId))).toEqual(new Set(alertIds));
    },
  );
});
