import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LambdaLogLine, LocalLambdaProps } from './lambda-host.ts';

// One Lambda function run as if in another region: its own process, with its own environment (and so its own
// view of the network, e.g. the source address its checks connect from), reached only through the Lambda Invoke
// API on loopback, as the checker reaches a verifier in another region. The process runs the function with the
// same host as every local function (lambda-host.ts), behind local/lambda-invoke-endpoint.ts.

/** What the parent sends the process (over its IPC channel). */
export type ToLocationProcess =
  | { readonly kind: 'start'; readonly props: LocationFunctionProps }
  | { readonly kind: 'stop' };

/** What the process reports. */
export type FromLocationProcess =
  | { readonly kind: 'ready'; readonly invokeUrl: string }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'log'; readonly line: LambdaLogLine };

/** LocalLambdaProps as they cross the process boundary (the entry as a URL string). */
export interface LocationFunctionProps extends Omit<LocalLambdaProps, 'entry'> {
  readonly entryUrl: string;
}

export interface LocationProcessProps extends LocalLambdaProps {
  /** The location's name (local-west): it labels the process's log lines and errors. */
  readonly location: string;
  /** @default 60000: a cold start through tsx takes seconds on a busy machine */
  readonly startTimeoutMs?: number;
}

const DEFAULT_START_TIMEOUT_MS = 60_000;
// A stop lets the process close its endpoint and its function; past this it is killed (by its PID).
const STOP_GRACE_MS = 5_000;

/** A location's process, started and answering Invoke at `invokeUrl`. */
export class LocationProcess {
  readonly location: string;
  readonly functionName: string;
  /** Where the function's lines are appended (LocalLambdaProps.logFile). */
  readonly logFile: string;
  /** http://127.0.0.1:PORT: a LambdaClient's endpoint for this location. */
  readonly invokeUrl: string;
  readonly pid: number;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  readonly #listeners = new Set<(line: LambdaLogLine) => void>();
  readonly #killOnExit: () => void;
  #stopping: Promise<void> | undefined;

  private constructor(
    props: LocationProcessProps,
    child: ChildProcess,
    invokeUrl: string,
    exited: Promise<void>,
  ) {
    this.location = props.location;
    this.functionName = props.functionName;
    this.logFile = props.logFile;
    this.invokeUrl = invokeUrl;
    this.pid = child.pid ?? 0;
    this.#child = child;
    this.#exited = exited;
    this.#killOnExit = () => killByPid(child);
    // A runtime that exits without stopping (an uncaught error) must not leave its locations running; one killed
    // outright (SIGKILL) cannot run this, and then each process exits when its IPC channel closes.
    process.once('exit', this.#killOnExit);
    child.on('message', (message: FromLocationProcess) => {
      if (message.kind === 'log') this.#emit(message.line);
    });
    child.once('exit', (code, signal) => {
      if (this.#stopping) return;
      this.#emit(
        this.#line('stderr', `process ${this.pid} exited (${signal ?? `code ${code}`}): not restarted`),
      );
    });
  }

  /**
   * Starts the process and waits until its function finished its cold start and its endpoint listens.
   * @throws Error naming the location and what went wrong (the process is gone then).
   */
  static async start(props: LocationProcessProps): Promise<LocationProcess> {
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL('./location-process-bootstrap.mjs', import.meta.url))],
      {
        // The process sees only the function's environment: nothing leaks in from the developer's shell.
        env: { ...props.environment },
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      },
    );
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    const stderr: string[] = [];
    if (!child.stderr) throw new Error('spawn gave the location process no stderr pipe');
    const earlyStderr = createInterface({ input: child.stderr, crlfDelay: Number.POSITIVE_INFINITY });
    earlyStderr.on('line', (text) => stderr.push(text));
    const { entry, location, startTimeoutMs = DEFAULT_START_TIMEOUT_MS, ...functionFields } = props;
    const functionProps: LocationFunctionProps = { ...functionFields, entryUrl: entry.href };
    let timer: NodeJS.Timeout | undefined;
    try {
      const invokeUrl = await new Promise<string>((resolve, reject) => {
        const fail = (why: string) => {
          const said = stderr.length > 0 ? `: ${stderr.slice(-5).join(' | ')}` : '';
          reject(new Error(`verifier location ${location} did not start: ${why}${said}`));
        };
        timer = setTimeout(() => fail(`no answer within ${startTimeoutMs} ms`), startTimeoutMs);
        child.once('error', (error) => fail(error.message));
        child.once('exit', (code, signal) => fail(`its process exited (${signal ?? `code ${code}`})`));
        child.on('message', (message: FromLocationProcess) => {
          if (message.kind === 'ready') resolve(message.invokeUrl);
          else if (message.kind === 'failed') fail(message.message);
        });
        child.send({ kind: 'start', props: functionProps } satisfies ToLocationProcess);
      });
      const started = new LocationProcess(props, child, invokeUrl, exited);
      earlyStderr.removeAllListeners('line');
      earlyStderr.on('line', (text) => started.#emit(started.#line('stderr', text)));
      return started;
    } catch (error) {
      killByPid(child);
      await exited;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Every line the function writes (and the process's own errors), labelled with the location. */
  onLog(listener: (line: LambdaLogLine) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Asks the process to stop, kills it (by its PID) after a grace period; resolves once it exited. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      if (this.#child.connected) this.#child.send({ kind: 'stop' } satisfies ToLocationProcess);
      const timer = setTimeout(() => killByPid(this.#child), STOP_GRACE_MS);
      await this.#exited;
      clearTimeout(timer);
      process.off('exit', this.#killOnExit);
    })();
    return this.#stopping;
  }

  #line(stream: LambdaLogLine['stream'], text: string): LambdaLogLine {
    return { functionName: this.functionName, stream, atMs: Date.now(), text };
  }

  #emit(line: LambdaLogLine): void {
    const labelled = { ...line, functionName: `${line.functionName}@${this.location}` };
    for (const listener of this.#listeners) listener(labelled);
  }
}

/** Kills only the process this module started, by its PID, unless it already ended. */
function killByPid(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    // Already gone (ESRCH).
  }
}
