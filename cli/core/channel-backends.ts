import type { Target } from '../target.ts';
import type { ChannelBackends, ChannelDelivery, NoticePublisherPort } from './channel-ports.ts';

// Imported when a channel command runs, not at start: `squirrel --help` and the site commands load none of the
// SSM client or the delivery code. Literal paths, so esbuild bundles them into cli/dist.

/** The real channel store and secrets of the target (its DynamoDB table, its SSM parameters). */
export async function loadChannelBackends(target: Target): Promise<ChannelBackends> {
  const { tableName, secretsPrefix } = target.channels();
  const [{ ChannelStore }, { ChannelSecrets }, ssm] = await Promise.all([
    import('../../functions/adapters/channel-store.ts'),
    import('../../functions/adapters/channel-secrets.ts'),
    target.ssm(),
  ]);
  return {
    store: new ChannelStore(target.dynamodb(), tableName),
    secrets: new ChannelSecrets(ssm, secretsPrefix),
  };
}

/** The alert publisher of the target's topic, for test notices to email and SMS subscribers. */
export async function loadNoticePublisher(target: Target): Promise<NoticePublisherPort> {
  const { AlertPublisher } = await import('../../functions/adapters/alert-publisher.ts');
  return new AlertPublisher(target.sns(), target.topicArn);
}

/**
 * deliverToChannel bound to a guarded HTTP poster with the target's address policy: deliveries from this
 * machine follow the deployed code's rules (private addresses refused unless the target is the local runtime).
 */
export async function loadChannelDelivery(target: Target): Promise<ChannelDelivery> {
  const [{ deliverToChannel }, { createChannelPoster }, { DEFAULT_CHANNEL_ENDPOINTS }] = await Promise.all([
    import('../../functions/services/channel-delivery.ts'),
    import('../../functions/adapters/channel-http.ts'),
    import('../../functions/domain/channels/channel-request.ts'),
  ]);
  const poster = createChannelPoster({ allowPrivateTargets: target.allowPrivateTargets });
  return {
    deliver: (input) => deliverToChannel(input, { http: poster, endpoints: DEFAULT_CHANNEL_ENDPOINTS }),
    close: () => poster.close(),
  };
}
