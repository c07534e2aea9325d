import pLimit from 'p-limit';

/** Runs tasks with at most `maxStarting` of them in their first `slotMs` at once, and `maxInFlight` in all. */
export interface StartLimiter {
  <T>(task: () => Promise<T>): Promise<T>;
  /** From now on only `maxInFlight` holds tasks back: for when waiting for a start slot costs more than it saves. */
  stopPacing(): void;
}

/**
 * A check spends its CPU at the start (connect, TLS handshake, request) and then mostly waits. Capping the
 * checks in flight would bound that CPU queue, but would also make hung sites hold their slots for the whole
 * timeout, so an invocation full of hung sites would run them one round after another. Here a task gives
 * its slot back when it ends or after `slotMs`, whichever comes first: the CPU queue stays short, and every
 * task of an invocation has started within about (tasks / maxStarting) × slotMs, however many hang.
 * `maxInFlight` still caps the tasks running at all (each holds a socket, and descriptors are finite).
 */
export function createStartLimiter(
  maxStarting: number,
  slotMs: number,
  maxInFlight = Number.POSITIVE_INFINITY,
): StartLimiter {
  const limit = pLimit(maxStarting);
  const running = pLimit(maxInFlight);
  const limiter = <T>(task: () => Promise<T>) => running(() => startInSlot(task));
  return Object.assign(limiter, {
    stopPacing: () => {
      limit.concurrency = Number.POSITIVE_INFINITY;
    },
  });

  function startInSlot<T>(task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      void limit(
        () =>
          new Promise<void>((releaseSlot) => {
            const timer = setTimeout(releaseSlot, slotMs);
            const release = () => {
              clearTimeout(timer);
              releaseSlot();
            };
            let pending: Promise<T>;
            try {
              pending = task();
            } catch (error) {
              release();
              reject(error);
              return;
            }
            pending.then(resolve, reject).finally(release);
          }),
      );
    });
  }
}
