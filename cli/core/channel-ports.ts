import type { Channel } from '../../functions/domain/channels/channel.ts';
import type { ChannelSecret } from '../../functions/domain/channels/channel-secret.ts';
import type { DeliveryOutcome } from '../../functions/domain/channels/delivery-outcome.ts';
import type { Notification } from '../../functions/domain/channels/notification.ts';

// The CLI's view of the issue-14 adapters, with exactly the contract's signatures (CONTRACT-14.md): the
// commands take these, so they are tested with honest fakes, and channel-backends.ts plugs in the real ones.

/** functions/adapters/channel-store.ts ChannelStore, the methods the CLI calls. */
export interface ChannelStorePort {
  put(channel: Channel): Promise<void>;
  get(owner: string, channelId: string): Promise<Channel | undefined>;
  listForOwner(owner: string): Promise<Channel[]>;
  listAll(): Promise<Channel[]>;
  delete(owner: string, channelId: string): Promise<boolean>;
}

/** functions/adapters/channel-secrets.ts ChannelSecrets. */
export interface ChannelSecretsPort {
  nameOf(channelId: string): string;
  put(channelId: string, secret: ChannelSecret): Promise<string>;
  get(name: string): Promise<ChannelSecret>;
  delete(name: string): Promise<void>;
}

export type TestNotification = Extract<Notification, { type: 'test' }>;

/** functions/adapters/alert-publisher.ts AlertPublisher.publishNotice. */
export interface NoticePublisherPort {
  publishNotice(notification: TestNotification): Promise<unknown>;
}

/**
 * functions/services/channel-delivery.ts deliverToChannel with its deps (the guarded HTTP poster and the
 * Telegram/PagerDuty endpoints) already bound.
 */
export type DeliverToChannel = (input: {
  secret: ChannelSecret;
  notification: Notification;
  deliveryId: string;
  nowMs: number;
}) => Promise<DeliveryOutcome>;

/** Deliveries from this machine; close() ends the poster's connections so the command can exit at once. */
export interface ChannelDelivery {
  readonly deliver: DeliverToChannel;
  close(): Promise<void>;
}

/** What the channel commands work with. */
export interface ChannelBackends {
  readonly store: ChannelStorePort;
  readonly secrets: ChannelSecretsPort;
}
