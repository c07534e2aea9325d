import type { LambdaLogLine, LocalLambda } from './lambda-host.ts';

// The compactor's schedule locally. On AWS it runs hourly at minute 20 over complete hours; here it runs every
// minute with throughMs = now, so a new user sees history (uptime, the page's bars) within a minute or two.

/** How often the local runtime compacts (the fan-out's own cadence: a new minute of checks each time). */
export const LOCAL_COMPACTION_EVERY_MS = 60_000;
// A compaction of a local history takes well under a second; one still running after this is cut off.
const STOP_WAIT_MS = 10_000;

/** The compactor's event: EventBridge's `time`, plus throughMs to also compact the current, partial hour. */
export interface CompactorEvent {
  readonly time: string;
  readonly throughMs: number;
}

/** The part of a LocalLambda the compactions use. */
export type CompactorFunction = Pick<LocalLambda, 'invoke' | 'close' | 'onLog'>;

export interface HistoryCompactionsProps {
  /**
   * Starts the compactor function (its cold start), called before the first run: a runtime that never
   * compacts (tests on a manual schedule) never pays for a third worker thread.
   */
  readonly startCompactor: () => Promise<CompactorFunction>;
  readonly onProblem: (message: string) => void;
  /** Every line the compactor writes. */
  readonly onLog?: (line: LambdaLogLine) => void;
  readonly nowMs?: () => number;
}

/** Runs the compactor on a timer and on demand, one run at a time (a run never overlaps the previous one). */
export class HistoryCompactions {
  readonly #props: HistoryCompactionsProps;
  #compactor: Promise<CompactorFunction> | undefined;
  #runs: Promise<unknown> = Promise.resolve();
  #isRunning = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #completed = 0;
  #failed = 0;
  #lastProblem: string | undefined;

  constructor(props: HistoryCompactionsProps) {
    this.#props = props;
  }

  get stats(): { readonly completed: number; readonly failed: number } {
    return { completed: this.#completed, failed: this.#failed };
  }

  /** Compacts every `everyMs` from now on; a tick that finds the previous run still going is skipped. */
  start(everyMs: number): void {
    this.#timer = setInterval(() => {
      if (!this.#isRunning && !this.#stopped) void this.runNow().catch(() => undefined);
    }, everyMs);
  }

  /** Compacts through now; resolves with the compactor's result, rejects with its error. */
  runNow(): Promise<unknown> {
    if (this.#stopped) return Promise.reject(new Error('the local runtime is stopping'));
    const run = this.#runs.then(() => this.#invoke());
    this.#runs = run.catch(() => undefined);
    return run;
  }

  /**
   * Stops the timer, waits (at most STOP_WAIT_MS: the stop must not hang on it) for a run in progress, and
   * stops the compactor function.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await Promise.race([this.#runs, new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
    const compactor = await this.#compactor?.catch(() => undefined);
    await compactor?.close();
  }

  #startCompactor(): Promise<CompactorFunction> {
    if (this.#compactor === undefined) {
      const starting = this.#props.startCompactor().then((compactor) => {
        const { onLog } = this.#props;
        if (onLog) compactor.onLog(onLog);
        return compactor;
      });
      // A failed cold start is tried again at the next run, as Lambda would start a new environment.
      starting.catch(() => {
        if (this.#compactor === starting) this.#compactor = undefined;
      });
      this.#compactor = starting;
    }
    return this.#compactor;
  }

  async #invoke(): Promise<unknown> {
    this.#isRunning = true;
    const nowMs = (this.#props.nowMs ?? Date.now)();
    const event: CompactorEvent = { time: new Date(nowMs).toISOString(), throughMs: nowMs };
    try {
      const compactor = await this.#startCompactor();
      const result = await compactor.invoke<unknown>(event);
      this.#completed++;
      this.#lastProblem = undefined;
      return result;
    } catch (error) {
      this.#failed++;
      const message = `history compaction failed: ${(error as Error).message}`;
      // Every minute the same failure would drown the screen: say it once until it changes or heals.
      if (message !== this.#lastProblem) this.#props.onProblem(message);
      this.#lastProblem = message;
      throw error;
    } finally {
      this.#isRunning = false;
    }
  }
}
