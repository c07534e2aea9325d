import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got, as it arrived on the wire. */
export interface ReceivedRequest {
  readonly method: string;
  /** Path and query, as sent (a Telegram bot token is in the path). */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly atMs: number;
}

/** What the receiver answers to a request: a status, optional headers and body. */
export interface ReceiverAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** Decides the answer to the n-th request (0-based), e.g. 503 for the first three, then 200. */
export type AnswerPlan = (request: ReceivedRequest, index: number) => ReceiverAnswer;

export interface ChannelReceiver {
  /** `http://127.0.0.1:PORT` (no trailing slash): append the path a channel posts to. */
  readonly origin: string;
  readonly requests: readonly ReceivedRequest[];
  /** Replaces the answer plan (a receiver that starts failing, or recovers). */
  answerWith(plan: AnswerPlan): void;
  close(): Promise<void>;
}

/** Answers 200 with a JSON body the services send ({"ok":true}): Slack answers "ok", but clients ignore it. */
export const ALWAYS_OK: AnswerPlan = () => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: '{"ok":true}',
});

/**
 * A real HTTP server on 127.0.0.1 standing in for Slack, Teams, Discord, Telegram, PagerDuty or a user's webhook
 * receiver: records every request (method, path, headers, raw body) and answers by plan. Bodies are capped at
 * 1 MiB (a larger one is answered 413, as the services do).
 */
export async function startChannelReceiver(plan: AnswerPlan = ALWAYS_OK): Promise<ChannelReceiver> {
  const requests: ReceivedRequest[] = [];
  let answer = plan;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= 1024 * 1024) chunks.push(chunk);
    });
    request.on('end', () => {
      const received: ReceivedRequest = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        atMs: Date.now(),
      };
      const index = requests.length;
      requests.push(received);
      const planned = size > 1024 * 1024 ? { status: 413, body: 'too large' } : answer(received, index);
      response.writeHead(planned.status, { connection: 'close', ...planned.headers }).end(planned.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    answerWith: (next) => {
      answer = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
