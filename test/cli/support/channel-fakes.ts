import * as v from 'valibot';
import type {
  ChannelBackends,
  ChannelSecretsPort,
  ChannelStorePort,
  DeliverToChannel,
  NoticePublisherPort,
  TestNotification,
} from '../../../cli/core/channel-ports.ts';
import { ALL_OWNERS, type Channel, ChannelSchema } from '../../../functions/domain/channels/channel.ts';
import {
  type ChannelSecret,
  ChannelSecretSchema,
} from '../../../functions/domain/channels/channel-secret.ts';
import type { DeliveryOutcome } from '../../../functions/domain/channels/delivery-outcome.ts';

/**
 * In-memory ChannelStore honest to the contract (CONTRACT-14.md): items validated against ChannelSchema, put
 * refuses an existing id, listForOwner is the owner's plus ALL_OWNERS'. `failNextPut` plays a failed write.
 */
export class FakeChannelStore implements ChannelStorePort {
  readonly items = new Map<string, Channel>();
  failNextPut: Error | undefined;

  async put(channel: Channel): Promise<void> {
    if (this.failNextPut !== undefined) {
      const error = this.failNextPut;
      this.failNextPut = undefined;
      throw error;
    }
    v.parse(ChannelSchema, channel);
    const key = `${channel.owner}/${channel.channelId}`;
    if (this.items.has(key)) throw new Error(`channel ${channel.channelId} exists`);
    this.items.set(key, channel);
  }
  async get(owner: string, channelId: string): Promise<Channel | undefined> {
    return this.items.get(`${owner}/${channelId}`);
  }
  async listForOwner(owner: string): Promise<Channel[]> {
    return [...this.items.values()].filter((item) => item.owner === owner || item.owner === ALL_OWNERS);
  }
  async listAll(): Promise<Channel[]> {
    return [...this.items.values()];
  }
  async delete(owner: string, channelId: string): Promise<boolean> {
    return this.items.delete(`${owner}/${channelId}`);
  }
}

/** In-memory ChannelSecrets: names `${prefix}/${channelId}`, no overwrite, validated JSON, absent delete is fine. */
export class FakeChannelSecrets implements ChannelSecretsPort {
  readonly parameters = new Map<string, string>();
  constructor(readonly prefix: string) {}

  nameOf(channelId: string): string {
    return `${this.prefix}/${channelId}`;
  }
  async put(channelId: string, secret: ChannelSecret): Promise<string> {
    const name = this.nameOf(channelId);
    if (this.parameters.has(name)) throw new Error(`ParameterAlreadyExists: ${name}`);
    this.parameters.set(name, JSON.stringify(v.parse(ChannelSecretSchema, secret)));
    return name;
  }
  async get(name: string): Promise<ChannelSecret> {
    const value = this.parameters.get(name);
    if (value === undefined)
      throw Object.assign(new Error(`parameter ${name} not found`), { name: 'ParameterNotFound' });
    return v.parse(ChannelSecretSchema, JSON.parse(value));
  }
  async delete(name: string): Promise<void> {
    this.parameters.delete(name);
  }
}

export const fakeBackends = (
  prefix: string,
): ChannelBackends & {
  store: FakeChannelStore;
  secrets: FakeChannelSecrets;
} => ({ store: new FakeChannelStore(), secrets: new FakeChannelSecrets(prefix) });

/** Records the notices published to the topic (AlertPublisher.publishNotice). */
export class RecordingPublisher implements NoticePublisherPort {
  readonly notices: TestNotification[] = [];
  async publishNotice(notification: TestNotification): Promise<void> {
    this.notices.push(notification);
  }
}

/**
 * A stand-in for deliverToChannel (functions/services/channel-delivery.ts, written on the delivery branch) with
 * its contract's outcomes: one JSON POST to a URL channel, classified as the deliverer does (2xx delivered;
 * 408, 429, 5xx and connection failures retry; other 4xx rejected); Telegram and PagerDuty are skipped (their
 * fixed endpoints are not loopback receivers here).
 */
export const postingDelivery: DeliverToChannel = async ({ secret, notification, deliveryId }) => {
  if (!('url' in secret)) return { kind: 'skipped', why: `${secret.kind} is not posted by this stand-in` };
  const startedAtMs = performance.now();
  const elapsed = () => Math.round(performance.now() - startedAtMs);
  try {
    const response = await fetch(secret.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-squirrel-delivery': deliveryId },
      body: JSON.stringify(notification),
      redirect: 'manual',
      signal: AbortSignal.timeout(5_000),
    });
    await response.arrayBuffer();
    const { status } = response;
    const outcome: DeliveryOutcome =
      status >= 200 && status < 300
        ? { kind: 'delivered', status, ms: elapsed() }
        : status === 408 || status === 429 || status >= 500
          ? { kind: 'retry', status, detail: `HTTP ${status}`, ms: elapsed() }
          : { kind: 'rejected', status, detail: `HTTP ${status}`, ms: elapsed() };
    return outcome;
  } catch (error) {
    return { kind: 'retry', detail: (error as Error).message, ms: elapsed() };
  }
};

/** Collects what a command writes. */
export const captureIo = () => {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { out: (text: string) => out.push(text), err: (text: string) => err.push(text) },
    stdout: () => out.join('\n'),
    stderr: () => err.join('\n'),
  };
};
