import type { CheckQueue } from '../adapters/check-queue.ts';
import type { Logger } from '../adapters/logger.ts';
import { compareSitesForGrouping } from '../domain/alert-group.ts';
import { type CheckTask, type InvalidTask, packCheckMessages } from '../domain/check-message.ts';

/**
 * What an invocation sends back to the checks queue once its checks are done: confirming re-checks, tasks to
 * try again, and invalid tasks on their way to the DLQ. Each item names the message that answers for it: if it
 * cannot be sent, that message must come back whole.
 */

/** A task to send (a re-check, a retry or a quarantined invalid task) and the message that answers for it. */
export interface Outgoing {
  readonly messageId: string;
  readonly body: CheckTask | InvalidTask['raw'];
  readonly delaySeconds: number;
  /** Valid tasks of one owner travel side by side (grouping); invalid ones go alone. */
  readonly site?: CheckTask['site'];
}

// As many re-checks a message as the fan-out packs checks, so sites that failed together are confirmed together.
const TASKS_PER_MESSAGE = 50;

/**
 * Sends re-checks, retries and quarantined tasks, packed by delay (one owner's sites side by side). Never
 * throws. @returns the messages whose items could not be sent: SQS must deliver them again, whole.
 */
export async function sendBack(
  outgoing: readonly Outgoing[],
  deps: { readonly queue: Pick<CheckQueue, 'send'>; readonly log: Logger },
): Promise<string[]> {
  const byDelay = new Map<number, Outgoing[]>();
  for (const item of outgoing)
    byDelay.set(item.delaySeconds, [...(byDelay.get(item.delaySeconds) ?? []), item]);
  const unsent: string[] = [];
  await Promise.all(
    [...byDelay].map(async ([delaySeconds, items]) => {
      const [tasks, invalid] = partition(items, (item) => item.site !== undefined);
      const sorted = [...tasks].sort((a, b) =>
        compareSitesForGrouping(a.site as CheckTask['site'], b.site as CheckTask['site']),
      );
      const bodies = [
        ...packCheckMessages(
          sorted.map((item) => item.body),
          { maxTasks: TASKS_PER_MESSAGE },
        ),
        // Each invalid task alone: its message fails by itself, and only it ends in the DLQ.
        ...invalid.flatMap((item) => packCheckMessages([item.body], { maxTasks: 1 })),
      ];
      try {
        await deps.queue.send(bodies, delaySeconds);
      } catch (error) {
        unsent.push(...items.map((item) => item.messageId));
        deps.log.error('tasks not sent back to the queue: their messages will be delivered again', {
          tasks: items.length,
          delaySeconds,
          error: (error as Error).message,
        });
      }
    }),
  );
  return unsent;
}

function partition<T>(items: readonly T[], isKept: (item: T) => boolean): [T[], T[]] {
  const kept: T[] = [];
  const rest: T[] = [];
  for (const item of items) (isKept(item) ? kept : rest).push(item);
  return [kept, rest];
}
