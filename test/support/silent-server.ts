import type { AddressInfo } from 'node:net';
import { createServer, type Socket } from 'node:net';

export interface SilentServer {
  /** http://127.0.0.1:<port>: give it to an SDK client as its endpoint. */
  readonly url: string;
  close(): Promise<void>;
}

/** A TCP server on loopback that accepts every connection and never answers: a hung AWS endpoint. */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // The client aborting its request resets the connection: expected, not a test failure.
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** How long `call` took to reject, and with what. @throws when it resolved. */
export async function timeRejection(
  call: () => Promise<unknown>,
): Promise<{ error: Error; elapsedMs: number }> {
  const startedMs = performance.now();
  try {
    await call();
  } catch (error) {
    return { error: error as Error, elapsedMs: performance.now() - startedMs };
  }
  throw new Error('the call against a silent endpoint resolved');
}

/** Credentials and region for a real SDK client pointed at a local endpoint. */
export const LOCAL_CLIENT = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
} as const;
