import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, isIP } from 'node:net';

/**
 * The Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`) on loopback, answered by a handler you
 * give it: a real LambdaClient pointed at `url` (its `endpoint`) invokes it as it would invoke AWS. The local
 * runtime fronts its verifier processes with it, and the wire tests use it. Request-response only, as the
 * checker invokes; the payload is JSON in, JSON out; SigV4 is not checked (any credentials do).
 *
 * ```ts
 * const endpoint = await startInvokeEndpoint({ handle: (functionName, payload) => handler(payload, context) });
 * new LambdaClient({ endpoint: endpoint.url, region: 'local', credentials });  // ...
 * await endpoint.close();
 * ```
 */

export interface InvokeEndpointProps {
  /** A loopback address to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (any free port: read `url`) */
  readonly port?: number;
  /**
   * Runs one invocation: `functionName` as the caller named it (a name or an ARN), `payload` the parsed JSON
   * (null when the body is empty). Its value is the reply; when it throws, Lambda's answer to a function that
   * threw: 200 with `X-Amz-Function-Error: Unhandled` and `{ errorType, errorMessage }`.
   */
  handle(functionName: string, payload: unknown): Promise<unknown>;
}

export interface InvokeEndpoint {
  /** `http://127.0.0.1:<port>`: the endpoint to give a LambdaClient. */
  readonly url: string;
  /** Stops listening and drops open connections (invocations still running get no reply). */
  close(): Promise<void>;
}

/** Lambda refuses synchronous payloads over 6 MB; so does this endpoint, the same way. */
const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** Listens on loopback and answers the Lambda Invoke API with `handle`. */
export async function startInvokeEndpoint(props: InvokeEndpointProps): Promise<InvokeEndpoint> {
  const host = props.host ?? '127.0.0.1';
  if (!isLoopback(host)) {
    throw new RangeError(`the invoke endpoint listens on loopback only, got host "${host}"`);
  }
  const server = createServer((request, response) => {
    answer(request, response, props.handle).catch((error: unknown) => {
      // Only a broken connection gets here (the reply could not be written): nothing is listening for it.
      response.destroy(error instanceof Error ? error : undefined);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(props.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // The SDK keeps its connections alive: without this, close() would wait for them to idle out.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function answer(
  request: IncomingMessage,
  response: ServerResponse,
  handle: InvokeEndpointProps['handle'],
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://endpoint').pathname;
  const match = INVOKE_PATH.exec(path);
  if (request.method !== 'POST' || match?.[1] === undefined) {
    request.resume();
    sendServiceError(response, 404, 'ResourceNotFoundException', `no such route: ${request.method} ${path}`);
    return;
  }
  const invocationType = request.headers['x-amz-invocation-type'] ?? 'RequestResponse';
  if (invocationType !== 'RequestResponse') {
    request.resume();
    sendServiceError(
      response,
      400,
      'InvalidParameterValueException',
      `this endpoint answers RequestResponse invocations only, got ${invocationType}`,
    );
    return;
  }
  const functionName = decodeURIComponent(match[1]);
  const body = await readBody(request);
  if (body === undefined) {
    sendServiceError(
      response,
      413,
      'RequestTooLargeException',
      `request payload exceeds ${MAX_INVOKE_PAYLOAD_BYTES} bytes`,
    );
    return;
  }
  let payload: unknown = null;
  try {
    if (body.length > 0) payload = JSON.parse(body.toString('utf8'));
  } catch {
    sendServiceError(response, 400, 'InvalidRequestContentException', 'could not parse request body as JSON');
    return;
  }
  let reply: string;
  let functionError: string | undefined;
  try {
    // A handler's undefined comes back as null, as from Lambda.
    reply = JSON.stringify((await handle(functionName, payload)) ?? null);
  } catch (error) {
    functionError = 'Unhandled';
    reply = JSON.stringify({
      errorType: error instanceof Error ? error.name : 'Error',
      errorMessage: error instanceof Error ? error.message : String(error),
    });
  }
  response.writeHead(200, {
    'content-type': 'application/json',
    'x-amz-executed-version': '$LATEST',
    ...(functionError === undefined ? {} : { 'x-amz-function-error': functionError }),
  });
  response.end(reply);
}

/** The whole body, or undefined once it passes MAX_INVOKE_PAYLOAD_BYTES. */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  // Read to the end even past the limit (leaving the loop would destroy the socket before the 413 is sent).
  for await (const chunk of request) {
    bytes += (chunk as Buffer).length;
    if (bytes <= MAX_INVOKE_PAYLOAD_BYTES) chunks.push(chunk as Buffer);
  }
  return bytes > MAX_INVOKE_PAYLOAD_BYTES ? undefined : Buffer.concat(chunks);
}

/** An error of the Lambda service itself (not the function's), as the SDK parses it: its type in a header. */
function sendServiceError(response: ServerResponse, status: number, type: string, message: string): void {
  response.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
  response.end(JSON.stringify({ Type: 'User', message }));
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}
