import { spawn } from 'node:child_process';
import { stopChild } from '../../support/run-child.ts';

// moto_server imports every service's models before it listens: ~5 s here, more on a busy machine.
const START_TIMEOUT_MS = 60_000;
// moto answers SIGTERM within a second or two; past this the process gets SIGKILL.
const OUTPUT_KEPT_CHARS = 64 * 1024;
const LISTENING = /Running on (http:\/\/127\.0\.0\.1:\d+)/;

/** A moto_server child process listening on a free loopback port. */
export interface MotoServer {
  readonly endpoint: string;
  readonly pid: number;
  /** What moto printed, for failures. */
  output(): string;
  /** Stops this process (by its PID) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `moto_server` on 127.0.0.1 with port 0 (the kernel picks a free one; moto prints it) and resolves
 * once it listens. The process is also killed if this Node process exits first.
 */
export async function startMotoServer(): Promise<MotoServer> {
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  const { pid } = child;
  if (pid === undefined) throw new Error('moto_server did not start (no PID)');
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let output = '';
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`moto_server did not listen within ${START_TIMEOUT_MS} ms:\n${output}`)),
      START_TIMEOUT_MS,
    );
    const read = (chunk: Buffer) => {
      // moto logs every request: keep the tail, which is what explains a failure.
      output = (output + chunk.toString()).slice(-OUTPUT_KEPT_CHARS);
      const match = LISTENING.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`moto_server exited (${code ?? signal}) before listening:\n${output}`));
    });
  }).catch(async (error: unknown) => {
    await stopChild(child);
    process.off('exit', killOnExit);
    throw error;
  });

  return {
    endpoint,
    pid,
    output: () => output,
    stop: async () => {
      await stopChild(child);
      process.off('exit', killOnExit);
    },
  };
}
