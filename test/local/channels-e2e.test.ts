import { afterEach, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../functions/domain/channels/webhook-signature.ts';
import type { DeliveryAttempt } from '../../local/delivery-attempt.ts';
import { runSquirrel } from '../cli/support/local-target.ts';
import { addSite, makeDataDir, startTestRuntime, stateOf, waitFor } from '../helpers/local-runtime.ts';
import { startSwitchableSite } from '../helpers/switchable-site.ts';
import { type ChannelReceiver, startChannelReceiver } from '../support/channel-receiver.ts';

// End to end through `npm start`'s runtime: channels subscribed with the real `squirrel subscribe`, then a site
// alert goes checker → SNS → alert-dispatch → channel dispatcher → FIFO deliveries → channel deliverer → real HTTP
// POSTs to loopback receivers standing in for Slack, PagerDuty and a user's webhook.
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(): Promise<ChannelReceiver> {
  const started = await startChannelReceiver();
  cleanups.push(started.close);
  return started;
}

/** `squirrel subscribe ...args` against the runtime in `dataDir`; returns its JSON line. */
async function subscribe(dataDir: string, args: readonly string[]): Promise<Record<string, unknown>> {
  const run = await runSquirrel(['subscribe', ...args, '--json'], { SQUIRREL_DATA_DIR: dataDir });
  if (run.code !== 0) throw new Error(`squirrel subscribe ${args[0]} failed (${run.code}): ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
}

const jsonBodies = (target: ChannelReceiver) =>
  target.requests.map((request) => JSON.parse(request.body) as Record<string, unknown>);

describe('npm start delivers alerts to channels as AWS does', () => {
  it("a site's DOWN and UP reach its owner's Slack and PagerDuty in order; the other owner's signed webhook only its own", {
    timeout: 90_000,
  }, async () => {
    // Prepare: owner acme has a Slack and a PagerDuty channel, owner beta a webhook
    const [slack, pagerDuty, webhook] = [await receiver(), await receiver(), await receiver()];
    const site = await startSwitchableSite(200);
    cleanups.push(site.close);
    const blog = await startSwitchableSite(200);
    cleanups.push(blog.close);
    const dir = await makeDataDir();
    cleanups.push(dir.remove);
    const runtime = await startTestRuntime(dir.path, {
      channelServiceUrls: { pagerDutyEventsUrl: `${pagerDuty.origin}/v2/enqueue` },
    });
    cleanups.push(() => runtime.stop());
    const deliveries: DeliveryAttempt[] = [];
    runtime.on('delivery', (attempt) => deliveries.push(attempt));
    await subscribe(dir.path, ['--slack', `${slack.origin}/services/T01/B02/abc`, '--owner', 'acme']);
    await subscribe(dir.path, ['--pagerduty', 'R0123456789abcdefghija1b2c3d4e5f', '--owner', 'acme']);
    const hook = await subscribe(dir.path, [
      '--webhook',
      `${webhook.origin}/hooks/squirrel`,
      '--owner',
      'beta',
    ]);
    await addSite(runtime, { siteId: 'shop', url: site.url, name: 'Shop', owner: 'acme' });
    await addSite(runtime, { siteId: 'blog', url: blog.url, name: 'Blog', owner: 'beta' });
    await runtime.tick();
    await waitFor('both sites UP', async () => {
      const states = [await stateOf(runtime, 'shop'), await stateOf(runtime, 'blog')];
      return states.every((state) => state?.status === 'UP');
    });

    // Act: down (confirmed by the re-check a second later), then back
    site.answer(503);
    blog.answer(503);
    await runtime.tick();
    await waitFor('the DOWNs delivered to the three channels', () => deliveries.length >= 3, 30_000);
    site.answer(200);
    blog.answer(200);
    await runtime.tick();
    await waitFor('the UPs delivered to the three channels', () => deliveries.length >= 6, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    // Assess: every attempt delivered on the first try, the alerts' order kept per channel
    expect(deliveries.map((attempt) => `${attempt.kind} ${attempt.outcome}`).sort()).toEqual([
      'pagerduty delivered',
      'pagerduty delivered',
      'slack delivered',
      'slack delivered',
      'webhook delivered',
      'webhook delivered',
    ]);
    expect(deliveries.every((attempt) => (attempt.status ?? 0) >= 200 && (attempt.status ?? 0) < 300)).toBe(
      true,
    );
    expect(runtime.stats().deliveries).toMatchObject({ delivered: 6 });
    expect(slack.requests.map((request) => request.path)).toEqual([
      '/services/T01/B02/abc',
      '/services/T01/B02/abc',
    ]);
    const [slackDown, slackUp] = slack.requests.map((request) => request.body);
    expect(slackDown).toContain('DOWN');
    expect(slackUp).toContain('UP');
    const [trigger, resolve] = jsonBodies(pagerDuty);
    expect(trigger).toMatchObject({
      event_action: 'trigger',
      routing_key: 'R0123456789abcdefghija1b2c3d4e5f',
    });
    expect(resolve).toMatchObject({ event_action: 'resolve', dedup_key: trigger?.dedup_key });
    // Owner beta's webhook hears its own site only, signed with the secret subscribe printed once
    const signingSecret = String(hook.signingSecret);
    for (const request of webhook.requests) {
      expect(verifyWebhook(signingSecret, request.headers, request.body, Date.now() / 1_000)).toBe(true);
    }
    const webhookAlerts = jsonBodies(webhook).map(
      (body) => body.alert as { event: string; site: { id: string } },
    );
    expect(webhookAlerts.map((alert) => [alert.event, alert.site.id])).toEqual([
      ['DOWN', 'blog'],
      ['UP', 'blog'],
    ]);
    expect(slack.requests.concat(pagerDuty.requests).some((request) => request.body.includes('Blog'))).toBe(
      false,
    );
    // The alerts printed here carry the ids the deliveries name: the printer shows them under each alert
    const alertIds = runtime.alerts.map((alert) => alert.notificationId);
    expect(new Set(deliveries.map((attempt) => attempt.notificationId))).toEqual(new Set(alertIds));
  });
});
