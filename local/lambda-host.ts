import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { InvokeRequest, LambdaWorkerData, SerializedError, WorkerReply } from './lambda-worker.ts';

export interface LocalLambdaProps {
  readonly functionName: string;
  /** The handler module, as deployed (functions/fan-out.ts, functions/checker.ts). */
  readonly entry: URL;
  readonly timeoutMs: number;
  readonly memorySizeMiB: number;
  readonly region: string;
  /** The function's whole environment: nothing leaks in from the developer's shell. */
  readonly environment: Readonly<Record<string, string>>;
  /** Every line the handler writes is appended here, prefixed with its time (as CloudWatch Logs would). */
  readonly logFile: string;
}

/** One line a handler wrote; `json` when it is one of the handlers' structured log lines. */
export interface LambdaLogLine {
  readonly functionName: string;
  readonly stream: 'stdout' | 'stderr';
  readonly atMs: number;
  readonly text: string;
  readonly json?: Readonly<Record<string, unknown>>;
}

/** The handler threw (or its module failed to load): what Lambda reports as a function error. */
export class LambdaInvocationError extends Error {
  override name = 'LambdaInvocationError';
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

// Grace on top of the function timeout: the handler sees the countdown, the host enforces it.
const TIMEOUT_GRACE_MS = 1_000;

/**
 * Plays one Lambda function: a worker thread with the function's own environment imports the real handler
 * module (a cold start) and serves invocations. Environment and SDK clients stay isolated per function and
 * per runtime, so two runtimes in one process (tests) never share an endpoint.
 */
export class LocalLambda {
  readonly #props: LocalLambdaProps;
  readonly #log: WriteStream;
  readonly #listeners = new Set<(line: LambdaLogLine) => void>();
  readonly #pending = new Map<number, Pending>();
  #worker: Promise<Worker> | undefined;
  #thread: Worker | undefined;
  #nextId = 1;
  #closed = false;

  private constructor(props: LocalLambdaProps) {
    this.#props = props;
    this.#log = createWriteStream(props.logFile, { flags: 'a' });
  }

  /** Starts the function and waits for its cold start, so a bad environment fails here, by name. */
  static async start(props: LocalLambdaProps): Promise<LocalLambda> {
    const lambda = new LocalLambda(props);
    try {
      lambda.#worker = lambda.#spawn();
      await lambda.#worker;
    } catch (error) {
      await lambda.close();
      throw error;
    }
    return lambda;
  }

  get functionName(): string {
    return this.#props.functionName;
  }

  onLog(listener: (line: LambdaLogLine) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Invokes the handler; rejects with LambdaInvocationError when it throws or times out. */
  async invoke<T>(event: unknown): Promise<T> {
    if (this.#closed) throw new LambdaInvocationError(`${this.#props.functionName} is stopped`);
    // A crashed worker is replaced on the next invocation, as Lambda replaces a failed environment.
    this.#worker ??= this.#spawn();
    const worker = await this.#worker;
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new LambdaInvocationError(
            `${this.#props.functionName}: task timed out after ${(this.#props.timeoutMs / 1000).toFixed(2)} seconds`,
          ),
        );
      }, this.#props.timeoutMs + TIMEOUT_GRACE_MS);
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      worker.postMessage({ id, event } satisfies InvokeRequest);
    });
  }

  /** Stops the worker (after the caller let in-flight invocations finish) and closes the log file. */
  async close(): Promise<void> {
    this.#closed = true;
    const thread = this.#thread;
    this.#worker = undefined;
    this.#thread = undefined;
    if (thread) await thread.terminate();
    this.#failPending(new LambdaInvocationError(`${this.#props.functionName} was stopped`));
    await new Promise<void>((resolve) => this.#log.end(resolve));
  }

  #spawn(): Promise<Worker> {
    const data: LambdaWorkerData = {
      entryUrl: this.#props.entry.href,
      functionName: this.#props.functionName,
      timeoutMs: this.#props.timeoutMs,
      memorySizeMiB: this.#props.memorySizeMiB,
      region: this.#props.region,
    };
    const worker = new Worker(new URL('./lambda-bootstrap.mjs', import.meta.url), {
      env: { ...this.#props.environment },
      workerData: data,
      stdout: true,
      stderr: true,
    });
    this.#thread = worker;
    this.#pipe(worker.stdout, 'stdout');
    this.#pipe(worker.stderr, 'stderr');
    return new Promise<Worker>((resolve, reject) => {
      let isReady = false;
      worker.on('message', (message: WorkerReply) => {
        if (message.kind === 'ready') {
          isReady = true;
          resolve(worker);
        } else if (message.kind === 'init-error') {
          reject(
            new LambdaInvocationError(
              `${this.#props.functionName} failed to start: ${describe(message.error)}`,
            ),
          );
        } else this.#settle(message);
      });
      worker.on('error', (error) => {
        this.#write('stderr', `worker crashed: ${error.stack ?? error.message}`);
        if (!isReady)
          reject(new LambdaInvocationError(`${this.#props.functionName} failed to start: ${error.message}`));
      });
      worker.on('exit', (code) => {
        if (!isReady)
          reject(new LambdaInvocationError(`${this.#props.functionName} exited during its cold start`));
        if (this.#closed) return;
        this.#write('stderr', `worker exited with code ${code}: the next invocation starts a new one`);
        if (this.#thread === worker) {
          this.#worker = undefined;
          this.#thread = undefined;
        }
        this.#failPending(
          new LambdaInvocationError(`${this.#props.functionName} crashed (exit code ${code})`),
        );
      });
    });
  }

  #settle(message: Extract<WorkerReply, { id: number }>): void {
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.kind === 'result') pending.resolve(message.value);
    else pending.reject(new LambdaInvocationError(`${this.#props.functionName}: ${describe(message.error)}`));
  }

  #failPending(error: Error): void {
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
      this.#pending.delete(id);
    }
  }

  #pipe(stream: Readable, name: LambdaLogLine['stream']): void {
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (text) =>
      this.#write(name, text),
    );
  }

  #write(stream: LambdaLogLine['stream'], text: string): void {
    const atMs = Date.now();
    if (!this.#log.writableEnded) this.#log.write(`${new Date(atMs).toISOString()} ${stream} ${text}\n`);
    const line: LambdaLogLine = {
      functionName: this.#props.functionName,
      stream,
      atMs,
      text,
      json: parseJsonObject(text),
    };
    for (const listener of this.#listeners) listener(line);
  }
}

function describe(error: SerializedError): string {
  return `${error.name}: ${error.message}`;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
