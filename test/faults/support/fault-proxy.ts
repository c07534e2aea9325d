import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with one call. */
export type FaultAction =
  /** Passes the call to the emulator and its answer back. */
  | { readonly kind: 'forward' }
  /** Answers with an error; the emulator never sees the call (a throttle, a 5xx before the write). */
  | { readonly kind: 'fail'; readonly error: FaultResponse }
  /** The emulator applies the call, the caller gets an error (a lost acknowledgement). */
  | { readonly kind: 'apply-then-fail'; readonly error: FaultResponse }
  /** Closes the connection without an answer; the emulator never sees the call (a crash, a network cut). */
  | { readonly kind: 'cut' }
  /** Passes the call `times` times (duplicate delivery) and answers with the last response. */
  | { readonly kind: 'repeat'; readonly times: number };

export interface FaultResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** One call as the proxy saw it: `index` counts calls of the same operation, from 1. */
export interface ProxiedCall {
  readonly operation: string;
  readonly index: number;
  readonly body: string;
}

export type FaultRule = (call: ProxiedCall) => FaultAction;

export const FORWARD: FaultAction = { kind: 'forward' };

/** The first `count` calls get `action`, every later one is forwarded. */
export const firstCalls =
  (count: number, action: FaultAction): FaultRule =>
  (call) =>
    call.index <= count ? action : FORWARD;

/** Every call after the first `count` gets `action`. */
export const afterCalls =
  (count: number, action: FaultAction): FaultRule =>
  (call) =>
    call.index > count ? action : FORWARD;

/** A DynamoDB error as the service sends it (JSON 1.0 protocol): the SDK retries throttles and 5xx. */
export const dynamoError = (type: string, status: number): FaultResponse => ({
  status,
  contentType: 'application/x-amz-json-1.0',
  body: JSON.stringify({
    __type: `com.amazonaws.dynamodb.v20120810#${type}`,
    message: `injected ${type}`,
  }),
});

/** An SNS error as the service sends it (query protocol, XML). */
export const snsError = (code: string, status: number): FaultResponse => ({
  status,
  contentType: 'text/xml',
  body: `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${
    status >= 500 ? 'Receiver' : 'Sender'
  }</Type><Code>${code}</Code><Message>injected ${code}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`,
});

export interface FaultProxy {
  /** http://127.0.0.1:<port>: give it to a handler as its endpoint. */
  readonly url: string;
  /** Decides what happens to every later call of `operation` (e.g. `UpdateItem`, `Publish`, `SendMessageBatch`). */
  setRule(operation: string, rule: FaultRule): void;
  /** The next calls of `operation` get these actions, in order; every later one is forwarded. */
  scriptNext(operation: string, actions: readonly FaultAction[]): void;
  /** Forwards every call again. */
  clearRules(): void;
  /** How many calls of `operation` arrived so far, and what was done to them. */
  calls(operation: string): number;
  outcomes(operation: string): readonly FaultAction['kind'][];
  close(): Promise<void>;
}

/**
 * An HTTP proxy on 127.0.0.1 in front of an emulator that injects faults per AWS operation: the operation is
 * read from `X-Amz-Target` (DynamoDB, SQS: JSON protocols) or the `Action` form field (SNS: query protocol).
 */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const rules = new Map<string, FaultRule>();
  const seen = new Map<string, FaultAction['kind'][]>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = operationOf(req.headers, body.toString('utf8'));
      const kinds = seen.get(operation) ?? [];
      seen.set(operation, kinds);
      const call = { operation, index: kinds.length + 1, body: body.toString('utf8') };
      const action = rules.get(operation)?.(call) ?? FORWARD;
      kinds.push(action.kind);
      handle(action).catch(() => res.destroy());

      async function handle(chosen: FaultAction): Promise<void> {
        switch (chosen.kind) {
          case 'cut':
            req.socket.destroy();
            return;
          case 'fail':
            reply(chosen.error);
            return;
          case 'apply-then-fail':
            await forward();
            reply(chosen.error);
            return;
          case 'repeat': {
            let last: Upstream | undefined;
            for (let copy = 0; copy < chosen.times; copy++) last = await forward();
            if (last) relay(last);
            return;
          }
          case 'forward':
            relay(await forward());
            return;
        }
      }

      function forward(): Promise<Upstream> {
        return send(target, req.method ?? 'POST', req.url ?? '/', req.headers, body);
      }
      function reply(error: FaultResponse): void {
        res
          .writeHead(error.status, {
            'content-type': error.contentType,
            'x-amzn-requestid': 'fault-proxy',
            connection: 'close',
          })
          .end(error.body);
      }
      function relay(answer: Upstream): void {
        res.writeHead(answer.status, answer.headers).end(answer.body);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    setRule: (operation, rule) => void rules.set(operation, rule),
    scriptNext: (operation, actions) => {
      const offset = seen.get(operation)?.length ?? 0;
      rules.set(operation, (call) => actions[call.index - offset - 1] ?? FORWARD);
    },
    clearRules: () => rules.clear(),
    calls: (operation) => seen.get(operation)?.length ?? 0,
    outcomes: (operation) => [...(seen.get(operation) ?? [])],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface Upstream {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

function send(
  target: URL,
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method,
        path,
        headers: {
          ...headers,
          host: target.host,
          'content-length': String(body.length),
          connection: 'close',
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const relayed: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(response.headers)) {
            // The proxy answers with a body of known length on its own connection.
            if (value === undefined || name === 'transfer-encoding' || name === 'connection') continue;
            relayed[name] = value;
          }
          const payload = Buffer.concat(chunks);
          relayed['content-length'] = String(payload.length);
          resolve({ status: response.statusCode ?? 502, headers: relayed, body: payload });
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function operationOf(headers: IncomingHttpHeaders, body: string): string {
  const target = headers['x-amz-target'];
  if (typeof target === 'string') return target.slice(target.lastIndexOf('.') + 1);
  return new URLSearchParams(body).get('Action') ?? 'unknown';
}
