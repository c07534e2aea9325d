export interface Deadline {
  readonly signal: AbortSignal;
  /** Rejects when the signal aborts: raced against work that does not watch the signal itself. */
  readonly aborted: Promise<never>;
  remainingMs(): number;
  /** Which came first, once aborted: the check's own timeout or the caller's signal. */
  abortedBy(): 'deadline' | 'caller' | undefined;
  dispose(): void;
}

/** One signal for the whole check (all hops and the GET retry), aborted by the deadline or the caller. */
export function startDeadline(timeoutMs: number, callerSignal: AbortSignal | undefined): Deadline {
  const controller = new AbortController();
  const endsAtMs = performance.now() + timeoutMs;
  let firstAbort: 'deadline' | 'caller' | undefined;
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  // Nobody may be racing it (the check ended first): an unobserved rejection must not crash the process.
  aborted.catch(() => {});
  // A plain timer is as precise as AbortSignal.timeout (undici's own timers fire up to ~1 s late) and cheaper:
  // AbortSignal.timeout keeps a weak reference and a finalizer per signal.
  const timer = setTimeout(() => {
    firstAbort ??= 'deadline';
    controller.abort(new DOMException(`deadline of ${timeoutMs} ms reached`, 'TimeoutError'));
  }, timeoutMs);
  const onCallerAbort = () => {
    firstAbort ??= 'caller';
    controller.abort(callerSignal?.reason);
  };
  callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  if (callerSignal?.aborted) onCallerAbort();
  return {
    signal: controller.signal,
    aborted,
    remainingMs: () => Math.max(0, endsAtMs - performance.now()),
    abortedBy: () => firstAbort,
    // The caller's signal outlives thousands of checks: drop our listener so they do not pile up.
    dispose: () => {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    },
  };
}

/** One attempt's own signal inside a check (HEAD, or the GET beside or after it): it can end on its own. */
export interface AttemptSignal {
  readonly signal: AbortSignal;
  /** Rejects when the attempt's signal aborts (the check's deadline, the caller, or `abort`). */
  readonly aborted: Promise<never>;
  /** Ends this attempt only (the other one goes on). */
  abort(): void;
  dispose(): void;
}

/** A signal that aborts with the check's deadline, or alone when the attempt is no longer needed. */
export function startAttemptSignal(deadline: Deadline): AttemptSignal {
  const controller = new AbortController();
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  aborted.catch(() => {});
  const onDeadline = () => controller.abort(deadline.signal.reason);
  deadline.signal.addEventListener('abort', onDeadline, { once: true });
  if (deadline.signal.aborted) onDeadline();
  return {
    signal: controller.signal,
    aborted,
    abort: () => controller.abort(new DOMException('attempt no longer needed', 'AbortError')),
    dispose: () => deadline.signal.removeEventListener('abort', onDeadline),
  };
}
