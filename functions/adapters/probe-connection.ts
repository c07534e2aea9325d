import type { LookupAddress } from 'node:dns';
import { isIP, type LookupFunction, connect as netConnect, type Socket } from 'node:net';
import { type SecureContext, type TLSSocket, connect as tlsConnect } from 'node:tls';
import type { buildConnector } from 'undici';
import type { TlsCertificate } from '../domain/check-result.ts';
import type { ResolvedAddress } from './dns-resolver.ts';

/** Where a check is: each phase names what a timeout there means. */
export type Phase = 'resolving' | 'connecting' | 'tls' | 'waiting' | 'body';

/** One connection for one request, to addresses already resolved and judged. */
export interface Connection {
  /** undici's `connect` option: opens the socket when the Client asks for it. */
  readonly connect: buildConnector.connector;
  /** Ends the attempt, in whatever phase: the socket is destroyed with `reason`, and undici is told. */
  abort(reason: unknown): void;
  /** The leaf certificate of this connection's own handshake (HTTPS), once it completed. */
  readonly certificate: TlsCertificate | undefined;
}

/**
 * A connector that connects only to `addresses` (no DNS here: the probe resolved and guarded them), keeps the
 * socket so the deadline can end it while it is still connecting, and reports the phases. Several addresses are
 * tried in turn, IPv4 first (net's autoSelectFamily, each given the time left). TLS: the host name for SNI and verification, our
 * shared context, no session reuse (every check verifies a full handshake), HTTP/1.1 only.
 */
export function openConnection(
  addresses: readonly ResolvedAddress[],
  secureContext: SecureContext,
  onPhase: (phase: Phase) => void,
  attemptTimeoutMs: number,
): Connection {
  let socket: Socket | undefined;
  let certificate: TlsCertificate | undefined;
  const lookup = fixedLookup(addresses);
  const connect: buildConnector.connector = ({ hostname, protocol, port }, callback) => {
    const isTls = protocol === 'https:';
    const common = {
      host: hostname,
      port: Number(port) || (isTls ? 443 : 80),
      lookup,
      autoSelectFamily: true,
      // Node gives each address 250 ms before it drops it for the next: a far or lossy IPv4 path would then be
      // abandoned for an IPv6 one that Lambda cannot use. Each address keeps trying until it fails or the
      // deadline ends; the next one is tried when it fails.
      autoSelectFamilyAttemptTimeout: Math.max(10, Math.round(attemptTimeoutMs)),
    };
    onPhase('connecting');
    const opened: Socket = isTls
      ? tlsConnect({
          ...common,
          servername: isIP(hostname) === 0 ? hostname : undefined,
          secureContext,
          rejectUnauthorized: true,
          ALPNProtocols: ['http/1.1'],
        })
      : netConnect(common);
    socket = opened;
    let pending: typeof callback | undefined = callback;
    const settle = (error: Error | null) => {
      const done = pending;
      pending = undefined;
      if (done === undefined) return;
      if (error === null) done(null, opened);
      else done(error, null);
    };
    opened.setNoDelay(true);
    opened.once('connect', () => onPhase(isTls ? 'tls' : 'waiting'));
    if (isTls) {
      opened.once('secureConnect', () => {
        certificate = readCertificate(opened as TLSSocket);
        onPhase('waiting');
        settle(null);
      });
    } else {
      opened.once('connect', () => settle(null));
    }
    opened.on('error', (error) => settle(error));
    return opened;
  };
  return {
    connect,
    abort: (reason) => {
      // destroy() without an error would only emit 'close', and undici would wait for the connect callback.
      socket?.destroy(reason instanceof Error ? reason : new Error(String(reason)));
    },
    get certificate() {
      return certificate;
    },
  };
}

/** A `lookup` that answers with the addresses already resolved: net.connect asks it instead of DNS. */
function fixedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const family = options.family === 4 || options.family === 6 ? options.family : undefined;
    const usable = addresses.filter((entry) => family === undefined || entry.family === family);
    if (options.all === true) {
      callback(
        null,
        usable.map((entry): LookupAddress => ({ address: entry.address, family: entry.family })),
      );
      return;
    }
    const first = usable[0];
    if (first === undefined) {
      callback(Object.assign(new Error(`no IPv${family} address`), { code: 'ENOTFOUND' }), '', 0);
      return;
    }
    callback(null, first.address, first.family);
  };
}

function readCertificate(socket: TLSSocket): TlsCertificate | undefined {
  // `{}` when the peer sent none; valid_to looks like "Nov 30 09:53:22 2026 GMT".
  const peer = socket.getPeerCertificate();
  const validToMs = Date.parse(peer.valid_to);
  if (typeof peer.fingerprint256 !== 'string' || Number.isNaN(validToMs)) return undefined;
  return { validToMs, fingerprint: peer.fingerprint256 };
}
