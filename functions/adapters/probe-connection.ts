import type { LookupAddress } from 'node:dns';
import { isIP, type LookupFunction, connect as netConnect, type Socket } from 'node:net';
import {
  checkServerIdentity,
  DEFAULT_MAX_VERSION,
  type DetailedPeerCertificate,
  type PeerCertificate,
  type SecureContext,
  type TLSSocket,
  connect as tlsConnect,
} from 'node:tls';
import type { buildConnector } from 'undici';
import type { TlsCertificate } from '../domain/check-result.ts';
import type { ResolvedAddress } from './dns-resolver.ts';
import { attachTlsFacts, isVersionFailure, presentedChain, type TlsFailureFacts } from './tls-diagnosis.ts';

/** The longest a diagnostic handshake may take: the server has just answered one. */
export const VERSION_DIAGNOSIS_MAX_MS = 2_000;
// Left before the deadline when a diagnostic handshake ends: the failure it explains is still reported in time.
const VERSION_DIAGNOSIS_MARGIN_MS = 100;

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
 * shared context, no session reuse (every check verifies a full handshake), HTTP/1.1 only. A failed handshake's
 * error carries what the server presented (attachTlsFacts); after a failure on versions, a second handshake that
 * accepts old versions, within `attemptTimeoutMs` (the check's time left), finds the server's newest one.
 */
export function openConnection(
  addresses: readonly ResolvedAddress[],
  secureContext: SecureContext,
  onPhase: (phase: Phase) => void,
  attemptTimeoutMs: number,
  sourceAddress?: string,
): Connection {
  // The connection's socket, or the diagnostic one while it runs: abort() ends either.
  let socket: Socket | undefined;
  let certificate: TlsCertificate | undefined;
  const endsAtMs = performance.now() + attemptTimeoutMs;
  const bound = bindToSource(addresses, sourceAddress);
  const lookup = fixedLookup(bound.addresses);
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
      ...(bound.localAddress === undefined ? {} : { localAddress: bound.localAddress }),
    };
    onPhase('connecting');
    // Node parses the detailed chain (~0.3 ms) to check the name of every certificate that verified: keep it
    // rather than parse it again.
    let checked: DetailedPeerCertificate | undefined;
    const opened: Socket = isTls
      ? tlsConnect({
          ...common,
          servername: isIP(hostname) === 0 ? hostname : undefined,
          secureContext,
          rejectUnauthorized: true,
          ALPNProtocols: ['http/1.1'],
          checkServerIdentity: (host, cert) => {
            checked = cert as DetailedPeerCertificate;
            return checkServerIdentity(host, cert);
          },
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
    if (!isTls) {
      opened.once('connect', () => settle(null));
      opened.on('error', (error) => settle(error));
      return opened;
    }
    const secure = opened as TLSSocket;
    let presented: DetailedPeerCertificate | undefined;
    // Node judges the certificate in its own 'secure' listener and destroys the socket when it fails, before
    // 'error', where getPeerCertificate() only returns null: read first, the certificate is still there. Only
    // when the chain will fail (most handshakes pass, and a detailed read is ~0.3 ms of CPU each).
    secure.prependListener('secure', () => {
      if (willChainFail(secure)) presented = secure.getPeerCertificate(true);
    });
    secure.once('secureConnect', () => {
      certificate = readCertificate(checked ?? presented ?? secure.getPeerCertificate());
      onPhase('waiting');
      settle(null);
    });
    // After the socket is destroyed remoteAddress is gone: the diagnostic handshake needs it.
    let server: string | undefined;
    secure.once('connect', () => {
      server = secure.remoteAddress;
    });
    let isExplaining = false;
    secure.on('error', (error) => {
      // Only a handshake that reached the server has something to explain; later errors are undici's.
      if (pending === undefined || isExplaining || server === undefined) {
        settle(error);
        return;
      }
      isExplaining = true;
      const handshake: FailedHandshake = {
        host: hostname.replace(/^\[|\]$/g, ''),
        address: server,
        port: common.port,
        // ERR_TLS_CERT_ALTNAME_INVALID carries the certificate itself, should 'secure' ever not come first.
        presented: presented ?? (error as { cert?: DetailedPeerCertificate }).cert,
        limitMs: endsAtMs - performance.now() - VERSION_DIAGNOSIS_MARGIN_MS,
        ...(bound.localAddress === undefined ? {} : { localAddress: bound.localAddress }),
      };
      const track = (diagnostic: Socket) => {
        socket = diagnostic;
      };
      explainHandshakeFailure(error, handshake, track).then(
        () => settle(error),
        () => settle(error),
      );
    });
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

/**
 * The addresses to connect to and the local address to bind, for a source address (the local runtime's and tests'
 * stand-in for a location's own network): a socket binds to one address for all its attempts, and binding to an
 * address of another family fails (EINVAL). So a name with addresses of the source's family is connected only
 * through those, bound to it; a name with none connects as usual, unbound.
 */
function bindToSource(
  addresses: readonly ResolvedAddress[],
  sourceAddress: string | undefined,
): { addresses: readonly ResolvedAddress[]; localAddress?: string } {
  if (sourceAddress === undefined) return { addresses };
  const family = isIP(sourceAddress);
  const sameFamily = addresses.filter((entry) => entry.family === family);
  return sameFamily.length === 0 ? { addresses } : { addresses: sameFamily, localAddress: sourceAddress };
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

/** What the connector knew of a handshake when it failed. */
interface FailedHandshake {
  /** The URL's host, without IPv6 brackets. */
  readonly host: string;
  /** The address connected to. */
  readonly address: string;
  readonly port: number;
  readonly presented: DetailedPeerCertificate | undefined;
  /** Until the deadline, less a margin. */
  readonly limitMs: number;
  /** The source address the connection was bound to: the diagnostic one comes from the same place. */
  readonly localAddress?: string;
}

/**
 * Puts what the server presented on a failed handshake's error (attachTlsFacts). After a failure on versions,
 * a diagnostic handshake first finds the server's newest version.
 */
async function explainHandshakeFailure(
  error: Error,
  handshake: FailedHandshake,
  track: (socket: Socket) => void,
): Promise<void> {
  const facts: TlsFailureFacts = {
    host: handshake.host,
    chain: handshake.presented === undefined ? [] : presentedChain(handshake.presented),
  };
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !isVersionFailure(code)) {
    attachTlsFacts(error, facts);
    return;
  }
  const serverVersion = await findServerVersion(handshake, track);
  attachTlsFacts(error, serverVersion === undefined ? facts : { ...facts, serverVersion });
}

/**
 * The newest TLS version the server agrees to when old ones and weak ciphers are allowed too ("TLSv1.1"), or
 * undefined when it cannot tell in time. Diagnostic only: the certificate is not judged and nothing is
 * sent over it. `track` gets the socket so the check's abort can end it.
 */
function findServerVersion(
  { host, address, port, limitMs: remainingMs, localAddress }: FailedHandshake,
  track: (socket: Socket) => void,
): Promise<string | undefined> {
  const limitMs = Math.min(VERSION_DIAGNOSIS_MAX_MS, remainingMs);
  if (limitMs < 1) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const diagnostic = tlsConnect({
      host: address,
      port,
      ...(localAddress === undefined ? {} : { localAddress }),
      servername: isIP(host) === 0 ? host : undefined,
      minVersion: 'TLSv1',
      maxVersion: DEFAULT_MAX_VERSION,
      // OpenSSL 3 refuses TLS 1.0 and 1.1 (their SHA-1 signatures) at the default security level.
      ciphers: 'DEFAULT@SECLEVEL=0',
      rejectUnauthorized: false,
    });
    track(diagnostic);
    const timer = setTimeout(() => finish(undefined), limitMs);
    const finish = (version: string | undefined) => {
      clearTimeout(timer);
      diagnostic.destroy();
      resolve(version);
    };
    diagnostic.once('secureConnect', () => finish(diagnostic.getProtocol() ?? undefined));
    diagnostic.on('error', () => finish(undefined));
    diagnostic.once('close', () => finish(undefined));
  });
}

/**
 * Whether the chain the server presented fails verification: what Node asks its TLS handle first thing in its
 * own 'secure' listener (`_handle.verifyError()`, internal since Node 0.x). When a Node without it comes, every
 * handshake is read in detail, as if it would fail: slower, never blind.
 */
function willChainFail(secure: TLSSocket): boolean {
  const handle = (secure as unknown as { _handle?: { verifyError?: () => unknown } })._handle;
  return typeof handle?.verifyError === 'function' ? handle.verifyError() != null : true;
}

function readCertificate(peer: PeerCertificate): TlsCertificate | undefined {
  // `{}` when the peer sent none; valid_to looks like "Nov 30 09:53:22 2026 GMT".
  const validToMs = Date.parse(peer.valid_to);
  if (typeof peer.fingerprint256 !== 'string' || Number.isNaN(validToMs)) return undefined;
  return { validToMs, fingerprint: peer.fingerprint256 };
}
