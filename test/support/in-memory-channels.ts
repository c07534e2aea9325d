import type { Channel } from '../../functions/domain/channels/channel.ts';
import type { ChannelSecret } from '../../functions/domain/channels/channel-secret.ts';
import type {
  DeliveryChannelStore,
  DeliveryNoticePublisher,
  DeliverySecrets,
  NoticeNotification,
} from '../../functions/services/channel-delivery.ts';

/**
 * The channels table, the SSM secrets and the SNS notices as a delivery uses them, in memory: markBroken is
 * conditional as the real store's is (true only for the call that marked it).
 */
export class InMemoryChannels {
  readonly #channels = new Map<string, Channel>();
  readonly #secrets = new Map<string, ChannelSecret>();
  readonly notices: NoticeNotification[] = [];
  /** Every call, in order ("markBroken", "publishNotice", …). */
  readonly calls: string[] = [];
  /** Set to make secret reads fail (an SSM outage), or publishing fail (an SNS one). */
  secretFailure: Error | undefined;
  publishFailure: Error | undefined;

  add(channel: Channel, secret: ChannelSecret): void {
    this.#channels.set(keyOf(channel.owner, channel.channelId), channel);
    this.#secrets.set(channel.secretName, secret);
  }

  remove(owner: string, channelId: string): void {
    this.#channels.delete(keyOf(owner, channelId));
  }

  channel(owner: string, channelId: string): Channel | undefined {
    return this.#channels.get(keyOf(owner, channelId));
  }

  readonly store: DeliveryChannelStore = {
    get: async (owner, channelId) => this.channel(owner, channelId),
    markBroken: async (owner, channelId, atMs, detail) => {
      this.calls.push('markBroken');
      const channel = this.channel(owner, channelId);
      if (channel === undefined || channel.brokenSinceMs !== undefined) return false;
      this.#channels.set(keyOf(owner, channelId), { ...channel, brokenSinceMs: atMs, brokenDetail: detail });
      return true;
    },
    clearBroken: async (owner, channelId) => {
      this.calls.push('clearBroken');
      const channel = this.channel(owner, channelId);
      if (channel === undefined) return;
      const { brokenSinceMs: _since, brokenDetail: _detail, ...rest } = channel;
      this.#channels.set(keyOf(owner, channelId), rest);
    },
  };

  readonly secrets: DeliverySecrets = {
    get: async (name) => {
      this.calls.push('secrets.get');
      if (this.secretFailure !== undefined) throw this.secretFailure;
      const secret = this.#secrets.get(name);
      if (secret === undefined)
        throw Object.assign(new Error(`Parameter ${name} not found`), { name: 'ParameterNotFound' });
      return secret;
    },
  };

  readonly publisher: DeliveryNoticePublisher = {
    publishNotice: async (notification) => {
      this.calls.push('publishNotice');
      if (this.publishFailure !== undefined) throw this.publishFailure;
      this.notices.push(notification);
    },
  };
}

const keyOf = (owner: string, channelId: string) => `${owner}\u0000${channelId}`;
