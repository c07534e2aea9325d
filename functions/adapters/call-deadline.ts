/**
 * A DynamoDB, SQS or SNS call normally answers in tens of milliseconds; this bounds one that hangs, the SDK's
 * own retries included, so the caller's error path runs (and the message comes back) instead of the invocation
 * timing out with every message of its batch.
 */
export const DEFAULT_MAX_CALL_MS = 10_000;

/**
 * The backstop under the per-call signal, for the SDK clients' request handler: a connect or an attempt that
 * hangs fails as a TimeoutError, which the SDK retries on a new connection within the call's time. Connecting
 * to a regional endpoint takes milliseconds (2 s survives a busy event loop); 5 s per attempt lets a 10 s call
 * try twice.
 */
export const AWS_HTTP_TIMEOUTS = {
  connectionTimeout: 2_000,
  requestTimeout: 5_000,
  // Without it a request over requestTimeout is only logged as a warning.
  throwOnRequestTimeout: true,
} as const;

export interface CallDeadlineOptions {
  /** The longest one call may take, SDK retries included. @default DEFAULT_MAX_CALL_MS */
  readonly maxCallMs?: number;
  /** Time kept back before the invocation's deadline, for the handler to return after a call failed. @default 0 */
  readonly marginMs?: number;
  readonly nowMs?: () => number;
}

/** Why a call was aborted: its share of the invocation's time ran out. */
export class CallDeadlineError extends Error {
  override name = 'CallDeadlineError';
  readonly code = 'CALL_DEADLINE_EXCEEDED';
}

/** Bounds every AWS call of an invocation by the time it has left. */
export class CallDeadline {
  readonly #maxCallMs: number;
  readonly #marginMs: number;
  readonly #nowMs: () => number;
  #deadlineMs: number | undefined;

  constructor(options: CallDeadlineOptions = {}) {
    const { maxCallMs = DEFAULT_MAX_CALL_MS, marginMs = 0, nowMs = Date.now } = options;
    if (!(maxCallMs > 0)) throw new RangeError(`maxCallMs must be a positive number of ms, got ${maxCallMs}`);
    if (!(marginMs >= 0)) throw new RangeError(`marginMs must be 0 or more ms, got ${marginMs}`);
    this.#maxCallMs = maxCallMs;
    this.#marginMs = marginMs;
    this.#nowMs = nowMs;
  }

  /** The invocation must have returned by this absolute time (ms since epoch). */
  startInvocation(deadlineMs: number): void {
    this.#deadlineMs = deadlineMs;
  }

  /** How long a call started now may take: min(maxCallMs, deadline − marginMs − now), or maxCallMs before any invocation. */
  callTimeoutMs(): number {
    if (this.#deadlineMs === undefined) return this.#maxCallMs;
    return Math.min(this.#maxCallMs, this.#deadlineMs - this.#marginMs - this.#nowMs());
  }

  /**
   * A signal for one call: aborts after min(maxCallMs, deadline − marginMs − now); already aborted when no time
   * is left. Before startInvocation: maxCallMs.
   */
  signal(): AbortSignal {
    const timeoutMs = this.callTimeoutMs();
    const controller = new AbortController();
    const abort = () =>
      controller.abort(
        new CallDeadlineError(
          timeoutMs > 0
            ? `AWS call aborted after ${timeoutMs} ms (call limit ${this.#maxCallMs} ms, margin ${this.#marginMs} ms before the invocation deadline)`
            : `AWS call not started: ${-timeoutMs} ms past the invocation deadline less its ${this.#marginMs} ms margin`,
        ),
      );
    if (timeoutMs <= 0) abort();
    // unref: a call that answered in time leaves this timer behind; it must not keep the process alive.
    else setTimeout(abort, timeoutMs).unref();
    return controller.signal;
  }
}
