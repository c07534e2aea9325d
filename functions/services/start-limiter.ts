import pLimit from 'p-limit';

/** Runs tasks with at most `maxStarting` of them in their first `slotMs` at once. */
export type StartLimiter = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * A check spends its CPU at the start (connect, TLS handshake, request) and then mostly waits. Capping the
 * checks in flight would bound that CPU queue, but would also make hung sites hold their slots for the whole
 * timeout, so an invocation full of hung sites would run them one round after another. Here a task gives
 * its slot back when it ends or after `slotMs`, whichever comes first: the CPU queue stays short, and every
 * task of an invocation has started within about (tasks / maxStarting) × slotMs, however many hang.
 */
export function createStartLimiter(maxStarting: number, slotMs: number): StartLimiter {
  const limit = pLimit(maxStarting);
  return <T>(task: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      void limit(
        () =>
          new Promise<void>((releaseSlot) => {
            const timer = setTimeout(releaseSlot, slotMs);
            const release = () => {
              clearTimeout(timer);
              releaseSlot();
            };
            let running: Promise<T>;
            try {
              running = task();
            } catch (error) {
              release();
              reject(error);
              return;
            }
            running.then(resolve, reject).finally(release);
          }),
      );
    });
}
