import { CommandError } from '../errors.ts';
import type { Target } from '../target.ts';
import type {
  ChannelBackends,
  ChannelDelivery,
  DeliverToChannel,
  NoticePublisherPort,
} from './channel-ports.ts';

// The issue-14 adapters are written on their own branches (store-dispatch, delivery). Until they are merged
// beside this one, they are imported by a path the type checker does not resolve. Once merged, these MUST become
// literal `import('../../functions/adapters/channel-store.ts')` calls: esbuild bundles only literal paths, so the
// built CLI (cli/dist) fails here until then (tsx, running the sources, resolves either).
const MODULES = {
  store: '../../functions/adapters/channel-store.ts',
  secrets: '../../functions/adapters/channel-secrets.ts',
  delivery: '../../functions/services/channel-delivery.ts',
  http: '../../functions/adapters/channel-http.ts',
} as const;

async function importAdapter<T>(path: string, what: string): Promise<T> {
  try {
    return (await import(path)) as T;
  } catch (error) {
    throw new CommandError(
      `this build of squirrel has no ${what} (${path}): alert channels need the issue-14 adapters`,
      { cause: error },
    );
  }
}

type Constructor<T> = new (...args: never[]) => T;

/** The real channel store and secrets of the target (its DynamoDB table, its SSM parameters). */
export async function loadChannelBackends(target: Target): Promise<ChannelBackends> {
  const { tableName, secretsPrefix } = target.channels();
  const [storeModule, secretsModule, ssm] = await Promise.all([
    importAdapter<{ ChannelStore: Constructor<ChannelBackends['store']> }>(MODULES.store, 'channel store'),
    importAdapter<{ ChannelSecrets: Constructor<ChannelBackends['secrets']> }>(
      MODULES.secrets,
      'channel secrets',
    ),
    target.ssm(),
  ]);
  const ChannelStore = storeModule.ChannelStore as unknown as new (
    dynamodb: ReturnType<Target['dynamodb']>,
    tableName: string,
  ) => ChannelBackends['store'];
  const ChannelSecrets = secretsModule.ChannelSecrets as unknown as new (
    ssm: Awaited<ReturnType<Target['ssm']>>,
    prefix: string,
  ) => ChannelBackends['secrets'];
  return {
    store: new ChannelStore(target.dynamodb(), tableName),
    secrets: new ChannelSecrets(ssm, secretsPrefix),
  };
}

/** The alert publisher of the target's topic, for test notices to email and SMS subscribers. */
export async function loadNoticePublisher(target: Target): Promise<NoticePublisherPort> {
  const { AlertPublisher } = await import('../../functions/adapters/alert-publisher.ts');
  const publisher = new AlertPublisher(target.sns(), target.topicArn);
  if (!('publishNotice' in publisher)) {
    throw new Error('this build of squirrel has no AlertPublisher.publishNotice (issue 14, store-dispatch)');
  }
  return publisher as unknown as NoticePublisherPort;
}

/**
 * deliverToChannel bound to a guarded HTTP poster with the target's address policy: deliveries from this
 * machine follow the deployed code's rules (private addresses refused unless the target is the local runtime).
 */
export async function loadChannelDelivery(target: Target): Promise<ChannelDelivery> {
  const [delivery, http, { DEFAULT_CHANNEL_ENDPOINTS }] = await Promise.all([
    importAdapter<{
      deliverToChannel: (
        input: Parameters<DeliverToChannel>[0],
        deps: { http: unknown; endpoints: unknown },
      ) => ReturnType<DeliverToChannel>;
    }>(MODULES.delivery, 'channel delivery'),
    importAdapter<{
      createChannelPoster: (options: { allowPrivateTargets: boolean }) => { close(): Promise<void> };
    }>(MODULES.http, 'guarded channel HTTP poster'),
    import('../../functions/domain/channels/channel-request.ts'),
  ]);
  const poster = http.createChannelPoster({ allowPrivateTargets: target.allowPrivateTargets });
  return {
    deliver: (input) =>
      delivery.deliverToChannel(input, { http: poster, endpoints: DEFAULT_CHANNEL_ENDPOINTS }),
    close: () => poster.close(),
  };
}
