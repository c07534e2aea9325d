import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real HTTP server on 127.0.0.1 whose answer a test changes: a site that goes down and comes back. */
export interface SwitchableSite {
  readonly url: string;
  /** Answers every later request with this status. */
  answer(status: number): void;
  requestCount(): number;
  close(): Promise<void>;
}

export async function startSwitchableSite(status = 200): Promise<SwitchableSite> {
  let current = status;
  let requests = 0;
  const server = createServer((_request, response) => {
    requests++;
    response.writeHead(current, { connection: 'close' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    answer: (next) => {
      current = next;
    },
    requestCount: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A loopback URL nothing listens on (the port was free a moment ago): connections are refused. */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/`;
}
