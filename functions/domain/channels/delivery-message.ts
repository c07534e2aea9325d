import * as v from 'valibot';
import { wholeNumber } from '../schema-parts.ts';
import { CHANNEL_ID_PATTERN, CHANNEL_KINDS, ChannelSchema } from './channel.ts';
import { NotificationSchema } from './notification.ts';

/**
 * One notification for one channel: what the dispatcher puts on the FIFO deliveries queue (message group = the
 * channel id, so a channel's alerts arrive in order and a failing channel holds back only its own;
 * deduplication id = a hash of deliveryId). Holds no secret.
 */
export const DeliveryMessageSchema = v.object({
  version: v.literal(1),
  /** `<notificationId>|<channelId>`: the same delivery on every retry and duplicate. */
  deliveryId: v.pipe(v.string(), v.maxLength(512)),
  owner: ChannelSchema.entries.owner,
  channelId: v.pipe(v.string(), v.regex(CHANNEL_ID_PATTERN)),
  kind: v.picklist(CHANNEL_KINDS),
  notification: NotificationSchema,
  dispatchedAtMs: wholeNumber,
});
export type DeliveryMessage = Readonly<v.InferOutput<typeof DeliveryMessageSchema>>;

export const deliveryIdOf = (notificationId: string, channelId: string): string =>
  `${notificationId}|${channelId}`;
