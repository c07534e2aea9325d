import type { SecureContext } from 'node:tls';
import { Client, type Dispatcher } from 'undici';
import type { TlsCertificate } from '../domain/check-result.ts';
import type { ResolvedAddress } from './dns-resolver.ts';
import { openConnection, type Phase } from './probe-connection.ts';

/**
 * One HTTP request on a new connection to addresses already resolved and judged by the address guard: what a
 * check's hop (http-probe) and a channel delivery's hop (channel-http) both send. Never reused, never pooled.
 */

/** Browsers accept response headers of 256 KiB and more (big CSP and cookie sets); undici stops at 16 KiB. */
export const MAX_RESPONSE_HEADER_BYTES = 256 * 1024;

export interface GuardedRequest {
  readonly url: URL;
  /** Only these are connected to (no DNS here). */
  readonly addresses: readonly ResolvedAddress[];
  readonly method: 'HEAD' | 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** undici's own timeouts: only a backstop under `signal`, which carries the real deadline. */
  readonly backstopTimeoutMs: number;
}

export interface GuardedRequestContext {
  readonly secureContext: SecureContext;
  readonly onPhase: (phase: Phase) => void;
  /** Time left for the whole request: the connector's per-address connect limit. */
  readonly timeLeftMs: number;
  readonly signal: AbortSignal;
  /** Rejects when `signal` aborts: raced against undici, which may not notice the abort while connecting. */
  readonly aborted: Promise<never>;
  /** Clients still open: the caller's close() waits for them. */
  readonly inFlight: Set<Client>;
  /** Connections to addresses of its family bind to it (ProbeOptions.sourceAddress: local runtime and tests). */
  readonly sourceAddress?: string;
}

export interface GuardedResponse {
  readonly response: Dispatcher.ResponseData;
  readonly certificate?: TlsCertificate;
}

/** Sends one request on a new connection; rejects on a network error or when `signal` aborts. */
export async function sendGuardedRequest(
  request: GuardedRequest,
  context: GuardedRequestContext,
): Promise<GuardedResponse> {
  const { url } = request;
  const connection = openConnection(
    request.addresses,
    context.secureContext,
    context.onPhase,
    context.timeLeftMs,
    context.sourceAddress,
  );
  const client = new Client(url.origin, {
    connect: connection.connect,
    maxHeaderSize: MAX_RESPONSE_HEADER_BYTES,
  });
  context.inFlight.add(client);
  // undici only notices an abort once connected: a host that drops SYNs would hold the request until the kernel
  // gives up (~30 s). Ending the socket ends the request at the deadline, whatever its phase.
  const stopConnecting = () => connection.abort(context.signal.reason);
  context.signal.addEventListener('abort', stopConnecting, { once: true });
  try {
    const response = await Promise.race([
      client.request({
        path: `${url.pathname}${url.search}`,
        method: request.method,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        signal: context.signal,
        // No keep-alive: thousands of distinct hosts, so a pooled socket would only hold a descriptor.
        reset: true,
        headersTimeout: request.backstopTimeoutMs,
        bodyTimeout: request.backstopTimeoutMs,
      }),
      context.aborted,
    ]);
    // Answered: with `reset` undici destroys the socket itself; close() would only build an error.
    context.inFlight.delete(client);
    return connection.certificate === undefined
      ? { response }
      : { response, certificate: connection.certificate };
  } catch (error) {
    release(context.inFlight, client);
    throw error;
  } finally {
    context.signal.removeEventListener('abort', stopConnecting);
  }
}

// A failed request may have left its client connecting or holding a socket. destroy(), not close(): after
// ERR_TLS_CERT_ALTNAME_INVALID undici 7 still counts the failed request as running, so close() never resolves.
function release(inFlight: Set<Client>, client: Client): void {
  client.destroy().then(
    () => inFlight.delete(client),
    () => inFlight.delete(client),
  );
}
