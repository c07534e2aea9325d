import { randomUUID } from 'node:crypto';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import type { Context } from 'aws-lambda';

/** What the host passes to the worker that plays one Lambda function. */
export interface LambdaWorkerData {
  /** file: URL of the handler module (exports `handler`). */
  readonly entryUrl: string;
  readonly functionName: string;
  readonly timeoutMs: number;
  readonly memorySizeMiB: number;
  readonly region: string;
}

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

export interface InvokeRequest {
  readonly id: number;
  readonly event: unknown;
}

export type WorkerReply =
  | { readonly kind: 'ready' }
  | { readonly kind: 'init-error'; readonly error: SerializedError }
  | { readonly kind: 'result'; readonly id: number; readonly value: unknown }
  | { readonly kind: 'error'; readonly id: number; readonly error: SerializedError };

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const port = parentPort;
if (!port) throw new Error('lambda-worker.ts runs in a worker thread started by lambda-host.ts');
const data = workerData as LambdaWorkerData;
const reply = (message: WorkerReply) => port.postMessage(message);

// The cold start: the handler module builds its SDK clients from this worker's environment.
let handler: Handler | undefined;
try {
  const module = (await import(data.entryUrl)) as { handler?: Handler };
  if (typeof module.handler !== 'function') throw new Error(`${data.entryUrl} exports no handler function`);
  handler = module.handler;
} catch (error) {
  reply({ kind: 'init-error', error: serialize(error) });
}

if (handler) {
  const run = handler;
  port.on('message', (request: InvokeRequest) => {
    run(request.event, createContext())
      .then((value) => reply({ kind: 'result', id: request.id, value }))
      .catch((error: unknown) => reply({ kind: 'error', id: request.id, error: serialize(error) }));
  });
  reply({ kind: 'ready' });
}

/** A Lambda context whose remaining time counts down from the function's timeout. */
function createContext(): Context {
  const deadlineMs = Date.now() + data.timeoutMs;
  const noop = () => {};
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: data.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${data.region}:000000000000:function:${data.functionName}`,
    memoryLimitInMB: String(data.memorySizeMiB),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${data.functionName}`,
    logStreamName: `local/${threadId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done: noop,
    fail: noop,
    succeed: noop,
  };
}

function serialize(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}
