import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// The Lambda Invoke API (RequestResponse) on loopback: what an SDK LambdaClient pointed at `url` (its `endpoint`)
// calls. The local runtime's verifier locations answer here; the wire tests use it as a stand-in Lambda.

export interface InvokeEndpointProps {
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /**
   * Runs the function `functionName` (as the request named it) with the decoded JSON payload; resolves with what
   * the function returned. Throwing is the function's error (200 with X-Amz-Function-Error, as Lambda reports
   * it), except UnknownFunctionError, which is a 404 ResourceNotFoundException.
   */
  readonly handle: (functionName: string, payload: unknown) => Promise<unknown>;
}

export interface InvokeEndpoint {
  /** http://127.0.0.1:PORT: the LambdaClient's endpoint. */
  readonly url: string;
  /** Stops listening and ends open connections; invocations still running are answered to nobody. */
  close(): Promise<void>;
}

/** Thrown by a handle() that has no function of that name: the caller gets ResourceNotFoundException. */
export class UnknownFunctionError extends Error {
  override name = 'UnknownFunctionError';
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
// Lambda's limit for a synchronous invocation's request payload.
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** Starts the endpoint; resolves once it listens. */
export async function startInvokeEndpoint(props: InvokeEndpointProps): Promise<InvokeEndpoint> {
  const server = createServer((request, response) => {
    serve(props, request, response).catch((error: unknown) =>
      sendError(response, 500, 'ServiceException', (error as Error).message),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(props.port ?? 0, props.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(props: InvokeEndpointProps, request: IncomingMessage, response: ServerResponse) {
  const path = new URL(request.url ?? '/', 'http://endpoint').pathname;
  const match = INVOKE_PATH.exec(path);
  if (request.method !== 'POST' || !match?.[1]) {
    sendError(response, 404, 'ResourceNotFoundException', `no such operation: ${request.method} ${path}`);
    return;
  }
  const functionName = decodeURIComponent(match[1]);
  const invocationType = request.headers['x-amz-invocation-type'] ?? 'RequestResponse';
  if (invocationType !== 'RequestResponse') {
    sendError(
      response,
      400,
      'InvalidParameterValueException',
      `only RequestResponse invocations are served here, got ${String(invocationType)}`,
    );
    return;
  }
  const body = await readBody(request);
  if (body === undefined) {
    sendError(response, 413, 'RequestTooLargeException', `payload over ${MAX_PAYLOAD_BYTES} bytes`);
    return;
  }
  let payload: unknown;
  try {
    // The SDK sends no body for an invocation without payload: the function gets {} then, as on Lambda.
    payload = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    sendError(response, 400, 'InvalidRequestContentException', 'could not parse request body into json');
    return;
  }
  let result: unknown;
  try {
    result = await props.handle(functionName, payload);
  } catch (error) {
    if (error instanceof UnknownFunctionError) {
      sendError(response, 404, 'ResourceNotFoundException', `Function not found: ${functionName}`);
      return;
    }
    const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
    response
      .writeHead(200, {
        'content-type': 'application/json',
        'x-amz-function-error': 'Unhandled',
        'x-amz-executed-version': '$LATEST',
      })
      .end(JSON.stringify({ errorType: name, errorMessage: message }));
    return;
  }
  response
    .writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' })
    .end(result === undefined ? 'null' : JSON.stringify(result));
}

/** The whole body, or undefined once it passes the payload limit. */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_PAYLOAD_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** An error as the Lambda API answers one (REST-JSON: the type in a header and in the body). */
function sendError(response: ServerResponse, status: number, type: string, message: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response
    .writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type })
    .end(JSON.stringify({ Type: 'User', message }));
}
