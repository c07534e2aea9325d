import { type ChildProcess, fork, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Messages between the bench and its child processes: a command or a reply, matched by `id`. */
export interface Envelope {
  readonly id: number;
  readonly type: string;
  readonly payload?: unknown;
  readonly error?: string;
}

export interface ChildOptions {
  /** Lower (or raise, up to the hard limit) the child's descriptor limit, as `ulimit -n` would. */
  readonly maxOpenFiles?: number;
  readonly env?: Readonly<Record<string, string>>;
  /** Node flags for the child. Default: this process's (tsx's loader, so .ts entries run). */
  readonly execArgv?: readonly string[];
}

/** A child process running one of the bench's entry files, driven by request/reply messages. */
export class Child {
  readonly #process: ChildProcess;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly #exited: Promise<number | null>;
  #nextId = 1;

  constructor(entry: URL | string, options: ChildOptions = {}) {
    const file = typeof entry === 'string' ? entry : fileURLToPath(entry);
    const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...options.env };
    const execArgv = [...(options.execArgv ?? process.execArgv)];
    // `advanced` serialization carries typed arrays (per-site counters) without copying them to JSON.
    this.#process =
      options.maxOpenFiles === undefined
        ? fork(file, [], {
            env,
            execArgv,
            serialization: 'advanced',
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          })
        : spawn(
            'bash',
            [
              '-c',
              `ulimit -n ${options.maxOpenFiles} && exec "$0" "$@"`,
              process.execPath,
              ...execArgv,
              file,
            ],
            { env, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
          );
    this.#process.on('message', (message: Envelope) => {
      const waiter = this.#pending.get(message.id);
      if (!waiter) return;
      this.#pending.delete(message.id);
      if (message.error !== undefined) waiter.reject(new Error(message.error));
      else waiter.resolve(message.payload);
    });
    this.#exited = new Promise((resolve) => {
      this.#process.on('exit', (code) => {
        for (const waiter of this.#pending.values()) {
          waiter.reject(new Error(`${file} exited with code ${code} before replying`));
        }
        this.#pending.clear();
        resolve(code);
      });
    });
  }

  get pid(): number | undefined {
    return this.#process.pid;
  }

  /** Sends a command and resolves with the child's reply. */
  request<T>(type: string, payload?: unknown): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#process.send({ id, type, payload } satisfies Envelope);
    });
  }

  /** Asks the child to exit and waits; kills it (by its own pid) if it does not within `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.#process.exitCode !== null) return;
    this.#process.send({ id: 0, type: 'exit' } satisfies Envelope);
    const timer = setTimeout(() => this.#process.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }
}

type Handler = (payload: unknown) => Promise<unknown> | unknown;

/** The child's side: answers each command with its handler's result; `exit` ends the process. */
export function serveCommands(
  handlers: Readonly<Record<string, Handler>>,
  onExit?: () => Promise<void>,
): void {
  process.on('message', async (message: Envelope) => {
    if (message.type === 'exit') {
      await onExit?.();
      process.disconnect?.();
      process.exit(0);
    }
    const handler = handlers[message.type];
    try {
      if (!handler) throw new Error(`unknown command "${message.type}"`);
      const payload = await handler(message.payload);
      process.send?.({ id: message.id, type: 'reply', payload } satisfies Envelope);
    } catch (error) {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.send?.({ id: message.id, type: 'reply', error: text } satisfies Envelope);
    }
  });
  // Orphaned (the bench died): leave too, so no listener outlives the run.
  process.on('disconnect', () => process.exit(0));
}
