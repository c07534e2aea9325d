import type { QueueRecord } from '../../functions/services/check-batch.ts';

/** What a test's fake queue recorded of one send: the message bodies and their delay. */
export interface SentToQueue {
  readonly bodies: readonly string[];
  readonly delaySeconds: number | undefined;
}

/**
 * Takes out of `enqueued` what the checker sent back with `delaySeconds`, as the records a later receive gets
 * (the rest stays for a later take).
 */
export function takeEnqueued(enqueued: SentToQueue[], delaySeconds: number): QueueRecord[] {
  const taken = enqueued.filter((sent) => (sent.delaySeconds ?? 0) === delaySeconds);
  enqueued.splice(0, enqueued.length, ...enqueued.filter((sent) => !taken.includes(sent)));
  return taken.flatMap((sent) => sent.bodies.map((body, i) => ({ messageId: `requeued-${i}`, body })));
}
