import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  GetSubscriptionAttributesCommand,
  paginateListSubscriptionsByTopic,
  type SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as v from 'valibot';
import { maskEndpoint } from '../functions/domain/contact-address.ts';

/** `<dataDir>/subscriptions.json`: the topic's subscriptions, which the in-memory SNS emulator forgets. */
export const SUBSCRIPTIONS_FILE_NAME = 'subscriptions.json';

// The attributes Subscribe accepts, hence the ones a restore can give back.
const KEPT_ATTRIBUTES = [
  'FilterPolicy',
  'FilterPolicyScope',
  'RawMessageDelivery',
  'RedrivePolicy',
  'DeliveryPolicy',
  'SubscriptionRoleArn',
] as const;

const SavedSubscriptionSchema = v.object({
  protocol: v.pipe(v.string(), v.nonEmpty()),
  endpoint: v.pipe(v.string(), v.nonEmpty()),
  attributes: v.record(v.picklist(KEPT_ATTRIBUTES), v.string()),
});
export type SavedSubscription = v.InferOutput<typeof SavedSubscriptionSchema>;

const SubscriptionsFileSchema = v.object({
  version: v.literal(1),
  subscriptions: v.array(SavedSubscriptionSchema),
});

export interface SubscriptionKeeperProps {
  readonly dataDir: string;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly region: string;
  readonly topicArn: string;
  /**
   * The runtime's own subscriptions (SQS queues it created and reads: the alert printer, the channel
   * dispatcher's queue): never saved, and subscribed again when someone removes one.
   */
  readonly runtimeOwned: readonly RuntimeOwnedSubscription[];
  readonly onNotice: (level: 'info' | 'warn', message: string) => void;
}

/** A subscription the runtime makes itself at every start. */
export interface RuntimeOwnedSubscription {
  /** The SQS queue ARN subscribed (raw delivery off, no filter). */
  readonly queueArn: string;
  /** What it is for, in the notice when it had to be put back: "alert printer", "channel dispatch". */
  readonly what: string;
  /** Why the runtime needs it, in that notice. */
  readonly why: string;
}

/** What a start restored from the file. */
export interface RestoredSubscriptions {
  readonly count: number;
  /** One line per subscription that could not be restored, or about the file itself. */
  readonly problems: readonly string[];
}

/**
 * Keeps the alert topic's subscriptions across restarts, as dynalite keeps the sites: restores them from
 * subscriptions.json at start, saves them whenever they change (`sync`, called after each subscription request
 * the emulator answers), and puts back the runtime's own subscriptions (alert printer, channel dispatch) if one
 * is removed.
 */
export class SubscriptionKeeper {
  readonly #props: SubscriptionKeeperProps;
  readonly #path: string;
  #savedText: string | undefined;
  #running: Promise<void> | undefined;
  #isSyncAgain = false;
  #isStopped = false;

  constructor(props: SubscriptionKeeperProps) {
    this.#props = props;
    this.#path = join(props.dataDir, SUBSCRIPTIONS_FILE_NAME);
  }

  /**
   * Subscribes again everything the file lists. An SQS endpoint in this emulator gets its queue created (empty:
   * the emulator forgot the queue and its messages too), so the subscription delivers again.
   */
  async restore(): Promise<RestoredSubscriptions> {
    const read = await this.#readFile();
    const problems = [...read.problems];
    let count = 0;
    for (const saved of read.subscriptions) {
      try {
        await this.#ensureLocalQueue(saved);
        await this.#props.sns.send(
          new SubscribeCommand({
            TopicArn: this.#props.topicArn,
            Protocol: saved.protocol,
            Endpoint: saved.endpoint,
            Attributes: saved.attributes,
          }),
        );
        count += 1;
      } catch (error) {
        problems.push(
          `${saved.protocol} ${maskEndpoint(saved.protocol, saved.endpoint)}: not restored: ${(error as Error).message}`,
        );
      }
    }
    return { count, problems };
  }

  /** Saves the subscriptions as they are now (and restores the runtime's own); overlapping calls run once more. */
  sync(): Promise<void> {
    if (this.#isStopped) return Promise.resolve();
    if (this.#running) {
      this.#isSyncAgain = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#isSyncAgain = false;
          await this.#syncOnce();
        } while (this.#isSyncAgain && !this.#isStopped);
      } catch (error) {
        this.#props.onNotice('warn', `subscriptions not saved to ${this.#path}: ${(error as Error).message}`);
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  /** Waits for a running save, then makes later calls do nothing (the emulator is about to close). */
  async stop(): Promise<void> {
    await this.#running;
    this.#isStopped = true;
  }

  async #syncOnce(): Promise<void> {
    const { sns, topicArn, runtimeOwned } = this.#props;
    const saved: SavedSubscription[] = [];
    const missing = new Set(runtimeOwned);
    for await (const page of paginateListSubscriptionsByTopic({ client: sns }, { TopicArn: topicArn })) {
      for (const listed of page.Subscriptions ?? []) {
        const owned = runtimeOwned.find((subscription) => subscription.queueArn === listed.Endpoint);
        if (listed.Protocol === 'sqs' && owned) {
          missing.delete(owned);
          continue;
        }
        if (!listed.Protocol || !listed.Endpoint || !listed.SubscriptionArn) continue;
        saved.push({
          protocol: listed.Protocol,
          endpoint: listed.Endpoint,
          attributes: await this.#readKeptAttributes(listed.SubscriptionArn),
        });
      }
    }
    for (const owned of missing) {
      if (this.#isStopped) break;
      await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: owned.queueArn }));
      this.#props.onNotice(
        'warn',
        `the ${owned.what} subscription was removed from the topic: subscribed it again (${owned.why}; ` +
          'the runtime needs it, so `squirrel unsubscribe` refuses to remove it)',
      );
    }
    // Sorted, so the file changes only when the subscriptions do.
    saved.sort((a, b) => `${a.protocol} ${a.endpoint}`.localeCompare(`${b.protocol} ${b.endpoint}`));
    const text = `${JSON.stringify({ version: 1, subscriptions: saved }, null, 2)}\n`;
    if (text === this.#savedText) return;
    const temporary = `${this.#path}.${process.pid}.tmp`;
    // Email addresses and phone numbers: readable by the user only.
    await writeFile(temporary, text, { mode: 0o600 });
    await rename(temporary, this.#path);
    this.#savedText = text;
  }

  async #readKeptAttributes(subscriptionArn: string): Promise<SavedSubscription['attributes']> {
    if (subscriptionArn === 'PendingConfirmation') return {};
    const { Attributes = {} } = await this.#props.sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }),
    );
    const kept: SavedSubscription['attributes'] = {};
    for (const name of KEPT_ATTRIBUTES) {
      const value = Attributes[name];
      // 'false' is the default, and Subscribe refuses RawMessageDelivery for email and SMS.
      if (value !== undefined && value !== '' && !(name === 'RawMessageDelivery' && value === 'false')) {
        kept[name] = value;
      }
    }
    return kept;
  }

  async #readFile(): Promise<{ subscriptions: SavedSubscription[]; problems: string[] }> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { subscriptions: [], problems: [] };
      throw error;
    }
    let parsed: ReturnType<typeof v.safeParse<typeof SubscriptionsFileSchema>>;
    try {
      parsed = v.safeParse(SubscriptionsFileSchema, JSON.parse(text));
    } catch (error) {
      return this.#setAside(`not valid JSON (${(error as Error).message})`);
    }
    if (!parsed.success) return this.#setAside(`not a subscriptions file (${parsed.issues[0].message})`);
    this.#savedText = text;
    return { subscriptions: parsed.output.subscriptions, problems: [] };
  }

  /** Moves an unreadable file aside rather than overwrite it with the next save. */
  async #setAside(why: string): Promise<{ subscriptions: SavedSubscription[]; problems: string[] }> {
    const aside = `${this.#path}.invalid`;
    await rename(this.#path, aside);
    return { subscriptions: [], problems: [`${this.#path} is ${why}: moved it to ${aside}`] };
  }

  /** Creates the queue of an SQS endpoint that lives in this emulator (same region); others are left alone. */
  async #ensureLocalQueue(saved: SavedSubscription): Promise<void> {
    if (saved.protocol !== 'sqs') return;
    const [, , service, region, , name] = saved.endpoint.split(':');
    if (service !== 'sqs' || region !== this.#props.region || !name) return;
    await this.#props.sqs.send(new CreateQueueCommand({ QueueName: name }));
  }
}

/** What the start banner says about the restore: nothing when there was nothing to restore. */
export function describeRestoredSubscriptions(restored: RestoredSubscriptions): string[] {
  return [
    ...(restored.count > 0
      ? [`Restored ${restored.count} subscription(s) to the alerts topic from ${SUBSCRIPTIONS_FILE_NAME}.`]
      : []),
    ...restored.problems.map((problem) => `warning: ${problem}`),
  ];
}
