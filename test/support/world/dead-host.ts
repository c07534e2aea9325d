import { type ChildProcess, spawn } from 'node:child_process';
import { connect, isIPv6, type Socket } from 'node:net';

/** An address and port where a TCP connect neither succeeds nor fails: the SYN goes unanswered. */
export interface DeadHost {
  readonly host: string;
  readonly port: number;
  /** "http://host:port/path" (IPv6 hosts bracketed); path defaults to "/". */
  url(path?: string): string;
}

export interface DeadHosts {
  /** One per address given, in the same order. */
  readonly hosts: readonly DeadHost[];
  /** PID of the process holding the listeners (the only process close() kills). */
  readonly pid: number;
  /** Closes the filler connections and kills the holding process; resolves once it has exited. */
  close(): Promise<void>;
}

export interface DeadHostsOptions {
  /** The holding process exits by itself after this long, whatever happens to the test (default 10 minutes). */
  readonly lifetimeMs?: number;
}

// Node turns backlog 0 into 511, so ask for 1: Linux calls the accept queue full once it holds more than
// the backlog, so two connections fill it and every later SYN is dropped (checked on Linux 6.18).
const BACKLOG = 1;
const FILLERS_PER_HOST = BACKLOG + 1;
const DEFAULT_LIFETIME_MS = 10 * 60 * 1000;
// Starting takes milliseconds; a holder that never reports, or a filler the kernel drops, must not hang a test.
const STARTUP_TIMEOUT_MS = 10_000;

// The holding process: listens on every address, reports the ports, then blocks its only thread in
// Atomics.wait so it never accepts (as a SIGSTOP would) yet still exits when its lifetime is up.
const HOLDER_SOURCE = `
const net = require('node:net');
const fs = require('node:fs');
const addresses = JSON.parse(process.argv[1]);
const lifetimeMs = Number(process.argv[2]);
Promise.all(addresses.map((host) => new Promise((resolve, reject) => {
  const server = net.createServer();
  server.once('error', reject);
  server.listen({ host, port: 0, backlog: ${BACKLOG} }, () => resolve(server.address().port));
}))).then((ports) => {
  fs.writeSync(1, JSON.stringify({ ports }) + '\\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, lifetimeMs);
  process.exit(0);
}, (error) => {
  fs.writeSync(1, JSON.stringify({ error: String(error) }) + '\\n');
  process.exit(1);
});
`;

/**
 * Starts dead hosts on loopback without root or iptables: one child process holds a listener per address
 * and never accepts, and this process fills each accept queue, so the kernel drops every further SYN and a
 * connect hangs until the client's own timeout (the kernel gives up after ~30 s or more).
 *
 * Limit: if this process dies without running 'exit' handlers (SIGKILL, or a worker killed by its runner),
 * the holder lives on until `lifetimeMs`, then exits by itself.
 */
export async function startDeadHosts(
  addresses: readonly string[],
  options: DeadHostsOptions = {},
): Promise<DeadHosts> {
  const lifetimeMs = options.lifetimeMs ?? DEFAULT_LIFETIME_MS;
  if (!Number.isInteger(lifetimeMs) || lifetimeMs <= 0) {
    throw new RangeError(`lifetimeMs must be a whole number > 0, got ${lifetimeMs}`);
  }
  const holder = spawn(
    process.execPath,
    ['-e', HOLDER_SOURCE, JSON.stringify(addresses), String(lifetimeMs)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  // 'error' alone when the spawn itself failed: then there is no process to wait for.
  const exited = new Promise<void>((resolve) => {
    holder.once('exit', () => resolve());
    holder.once('error', () => resolve());
  });
  const killHolder = () => killByPid(holder);
  // A test that forgets close(), or throws first, must not leave the holder behind when the run ends.
  process.once('exit', killHolder);
  const fillers: Socket[] = [];

  const close = async () => {
    for (const filler of fillers) filler.destroy();
    holder.ref();
    killHolder();
    await exited;
    process.off('exit', killHolder);
  };

  try {
    const hosts = await withTimeout(
      (async () => {
        const ports = await readPorts(holder, addresses);
        const started = addresses.map((host, index) => toDeadHost(host, ports[index] ?? 0));
        const fills = started.flatMap((host) =>
          Array.from({ length: FILLERS_PER_HOST }, () => fill(host, fillers)),
        );
        await Promise.all(fills);
        return started;
      })(),
      `dead hosts on ${JSON.stringify(addresses)} not ready within ${STARTUP_TIMEOUT_MS} ms`,
    );
    // Neither the holder nor the fillers may keep a test run alive; close() and the exit handler end them.
    holder.unref();
    for (const filler of fillers) filler.unref();
    let closing: Promise<void> | undefined;
    return {
      hosts,
      pid: holder.pid ?? 0,
      close: () => {
        closing ??= close();
        return closing;
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function withTimeout<T>(work: Promise<T>, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), STARTUP_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function killByPid(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    // Already gone (ESRCH): nothing to do.
  }
}

async function readPorts(holder: ChildProcess, addresses: readonly string[]): Promise<readonly number[]> {
  const stdout = holder.stdout;
  if (stdout === null) throw new Error('dead-host holder has no stdout');
  const line = await new Promise<string>((resolve, reject) => {
    let text = '';
    stdout.setEncoding('utf8');
    stdout.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end !== -1) resolve(text.slice(0, end));
    });
    holder.once('error', reject);
    holder.once('exit', (code) => reject(new Error(`dead-host holder exited with ${code} before listening`)));
  });
  stdout.destroy();
  const report = JSON.parse(line) as { readonly ports?: readonly number[]; readonly error?: string };
  if (report.ports === undefined) {
    throw new Error(`dead-host holder could not listen on ${JSON.stringify(addresses)}: ${report.error}`);
  }
  return report.ports;
}

function toDeadHost(host: string, port: number): DeadHost {
  const origin = isIPv6(host) ? `http://[${host}]:${port}` : `http://${host}:${port}`;
  return { host, port, url: (path = '/') => `${origin}${path}` };
}

/** Opens one connection that the kernel completes into the accept queue, where it stays. */
function fill(host: DeadHost, fillers: Socket[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const filler = connect(host.port, host.host);
    fillers.push(filler);
    filler.once('connect', () => {
      filler.off('error', reject);
      // Once the holder is killed the kernel resets these: expected, not a failure.
      filler.on('error', () => {});
      resolve();
    });
    filler.once('error', reject);
  });
}
