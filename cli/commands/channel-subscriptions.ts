import { CHANNEL_ID_PATTERN, type Channel } from '../../functions/domain/channels/channel.ts';
import { channelLabelOf } from '../../functions/domain/channels/channel-label.ts';
import type { ChannelSecret } from '../../functions/domain/channels/channel-secret.ts';
import { assertPublicChannelHost, type LookupAll } from '../core/channel-host-guard.ts';
import { generateChannelId } from '../core/channel-input.ts';
import type { ChannelBackends } from '../core/channel-ports.ts';
import { describeChannelReceives } from '../core/channel-render.ts';
import { toJsonLine } from '../core/render.ts';
import { CommandError, EXIT } from '../errors.ts';
import type { Io } from '../io.ts';
import type { Target } from '../target.ts';

/** How the channel commands reach their stores, resolve names and draw randomness (tests pass fakes). */
export interface ChannelCommandDeps {
  readonly backends: (target: Target) => Promise<ChannelBackends>;
  readonly lookup?: LookupAll;
  readonly random?: (size: number) => Uint8Array;
  readonly nowMs?: () => number;
}

export const isChannelId = (text: string): boolean => CHANNEL_ID_PATTERN.test(text);

/**
 * Subscribes a channel: the host guard, then the secret (SSM SecureString), then the item. An item that
 * cannot be written takes its parameter with it: nothing is left half-made. A webhook's signing secret is
 * printed here once and never again.
 */
export async function subscribeChannel(
  secret: ChannelSecret,
  owner: string,
  options: { readonly json?: boolean },
  target: Target,
  deps: ChannelCommandDeps,
  io: Io,
): Promise<number> {
  await assertPublicChannelHost(secret, {
    allowPrivateTargets: target.allowPrivateTargets,
    ...(deps.lookup === undefined ? {} : { lookup: deps.lookup }),
  });
  const { store, secrets } = await deps.backends(target);
  const channelId = generateChannelId(deps.random);
  const secretName = await secrets.put(channelId, secret);
  const channel: Channel = {
    owner,
    channelId,
    kind: secret.kind,
    label: channelLabelOf(secret),
    secretName,
    createdAtMs: (deps.nowMs ?? Date.now)(),
  };
  try {
    await store.put(channel);
  } catch (error) {
    await secrets.delete(secretName).catch((cleanupError: unknown) => {
      io.err(
        `error: the channel's parameter ${secretName} could not be deleted (${(cleanupError as Error).message}): ` +
          'delete it with `aws ssm delete-parameter --name …`',
      );
    });
    throw error;
  }
  const signingSecret = secret.kind === 'webhook' ? secret.signingSecret : undefined;
  const receives = describeChannelReceives(owner);
  if (options.json) {
    io.out(
      toJsonLine({
        channelId,
        kind: channel.kind,
        owner,
        label: channel.label,
        receives,
        ...(signingSecret === undefined ? {} : { signingSecret, signingSecretShownOnce: true }),
      }),
    );
    return EXIT.ok;
  }
  io.out(`subscribed ${channel.kind} channel ${channelId} (${channel.label}) to ${receives}`);
  if (signingSecret !== undefined) {
    io.out(`signing secret: ${signingSecret}`);
    io.out(
      'this secret is shown only now: give it to your receiver to verify X-Squirrel-Signature ' +
        '(to replace it, unsubscribe and subscribe again)',
    );
  }
  if (target.isLocal) {
    io.err(
      'the local runtime delivers from this machine: outcomes appear under each alert in the `npm start` window',
    );
  }
  return EXIT.ok;
}

/** Which channels `unsubscribe` removes: one by id, or those whose stored secret matches a flag's. */
export type ChannelSelector =
  | { readonly by: 'id'; readonly channelId: string }
  | { readonly by: 'secret'; readonly secret: ChannelSecret };

/** Removes the item, then its parameter (a parameter without an item is never read). */
export async function unsubscribeChannels(
  selector: ChannelSelector,
  target: Target,
  deps: ChannelCommandDeps,
  io: Io,
): Promise<number> {
  const { store, secrets } = await deps.backends(target);
  const all = await store.listAll();
  const matches =
    selector.by === 'id'
      ? all.filter((channel) => channel.channelId === selector.channelId)
      : await findBySecret(all, selector.secret, secrets);
  if (matches.length === 0) {
    throw new CommandError(
      selector.by === 'id'
        ? `no channel ${selector.channelId} (see \`squirrel subscriptions list\`)`
        : `no ${selector.secret.kind} channel for ${channelLabelOf(selector.secret)}`,
    );
  }
  for (const channel of matches) {
    await store.delete(channel.owner, channel.channelId);
    await secrets.delete(channel.secretName).catch((error: unknown) => {
      throw new CommandError(
        `removed channel ${channel.channelId}, but not its parameter ${channel.secretName} ` +
          `(${(error as Error).message}): delete it with \`aws ssm delete-parameter --name ${channel.secretName}\``,
        { cause: error },
      );
    });
    io.out(`unsubscribed ${channel.kind} channel ${channel.channelId} (${channel.label})`);
  }
  return EXIT.ok;
}

async function findBySecret(
  channels: readonly Channel[],
  wanted: ChannelSecret,
  secrets: ChannelBackends['secrets'],
): Promise<Channel[]> {
  const candidates = channels.filter((channel) => channel.kind === wanted.kind);
  const stored = await Promise.all(candidates.map((channel) => secrets.get(channel.secretName)));
  return candidates.filter((_channel, index) => isSameDestination(wanted, stored[index] as ChannelSecret));
}

/** Same place to deliver: the URL (normalised), the bot and chat, or the routing key; never the signing secret. */
export function isSameDestination(a: ChannelSecret, b: ChannelSecret): boolean {
  if (a.kind !== b.kind) return false;
  if ('url' in a && 'url' in b) return new URL(a.url).href === new URL(b.url).href;
  if (a.kind === 'telegram' && b.kind === 'telegram')
    return a.botToken === b.botToken && a.chatId === b.chatId;
  if (a.kind === 'pagerduty' && b.kind === 'pagerduty') return a.routingKey === b.routingKey;
  return false;
}
