import { createSocket, type RemoteInfo } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';

/** How the server answers one name. Delays are added up along a CNAME chain, as a real resolver's walk is. */
export type DnsBehaviour =
  | {
      readonly kind: 'answer';
      readonly a?: readonly string[];
      readonly aaaa?: readonly string[];
      readonly ttlSeconds?: number;
      readonly delayMs?: number;
      /** Added to A answers only: a resolver whose A lookup is slower (its upstream dropped a packet). */
      readonly aDelayMs?: number;
    }
  | {
      readonly kind: 'cname';
      readonly target: string;
      readonly ttlSeconds?: number;
      readonly delayMs?: number;
    }
  /** Never answers: a nameserver that went quiet. */
  | { readonly kind: 'silent' }
  | { readonly kind: 'nxdomain'; readonly delayMs?: number }
  | { readonly kind: 'servfail'; readonly delayMs?: number }
  | { readonly kind: 'refused'; readonly delayMs?: number };

export interface LoopbackDnsServer {
  /** "127.0.0.1:PORT" (or "[::1]:PORT"): what dns.promises.Resolver#setServers takes. */
  readonly server: string;
  readonly host: string;
  readonly port: number;
  /** Sets how a name (case-insensitive, no trailing dot needed) is answered. */
  set(name: string, behaviour: DnsBehaviour): void;
  /** Delay added to every answer (default 0). */
  setDefaultDelayMs(ms: number): void;
  /** Queries received for a name (any type), or in all when no name is given. */
  queries(name?: string): number;
  close(): Promise<void>;
}

export interface DnsServerOptions {
  /** Loopback address to bind (default 127.0.0.1; "::1" works too). */
  readonly host?: string;
  readonly defaultDelayMs?: number;
}

const TYPE_A = 1;
const TYPE_CNAME = 5;
const TYPE_AAAA = 28;
const CLASS_IN = 1;
const RCODE_NOERROR = 0;
const RCODE_FORMERR = 1;
const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;
const RCODE_NOTIMP = 4;
const RCODE_REFUSED = 5;
// Real resolvers hand out minutes. Node's Resolver keeps no cache (checked), so set() takes effect at once.
const DEFAULT_TTL_SECONDS = 60;
// A burst of 400 queries must not overflow the socket's queue (the kernel caps this at net.core.rmem_max).
const RECV_BUFFER_BYTES = 4 * 1024 * 1024;

interface Query {
  readonly id: number;
  readonly isRecursionDesired: boolean;
  readonly opcode: number;
  readonly questionCount: number;
  /** The question section as received, echoed verbatim (c-ares compares it, case included). */
  readonly question: Buffer;
  /** The name's wire form as received: the first answer's owner keeps the asker's spelling. */
  readonly wireName: Buffer;
  readonly name: string;
  readonly type: number;
  readonly qclass: number;
}

type Resolution =
  | { readonly isSilent: true }
  | {
      readonly isSilent: false;
      readonly rcode: number;
      readonly answers: readonly Buffer[];
      readonly delayMs: number;
    };

/** Starts a recursive-resolver-like DNS server on loopback UDP; names are configured with `set`. */
export async function startDnsServer(options: DnsServerOptions = {}): Promise<LoopbackDnsServer> {
  const host = options.host ?? '127.0.0.1';
  let defaultDelayMs = checkDelayMs(options.defaultDelayMs ?? 0);
  const behaviours = new Map<string, DnsBehaviour>();
  const queryCounts = new Map<string, number>();
  let totalQueries = 0;
  const timers = new Set<NodeJS.Timeout>();
  const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', recvBufferSize: RECV_BUFFER_BYTES });

  const resolve = (query: Query): Resolution => {
    const answers: Buffer[] = [];
    const seen = new Set<string>();
    let delayMs = defaultDelayMs;
    let name = query.name;
    let owner = query.wireName;
    for (;;) {
      if (seen.has(name)) return { isSilent: false, rcode: RCODE_SERVFAIL, answers: [], delayMs };
      seen.add(name);
      const behaviour = behaviours.get(name);
      if (behaviour === undefined) return { isSilent: false, rcode: RCODE_NXDOMAIN, answers, delayMs };
      if (behaviour.kind === 'silent') return { isSilent: true };
      delayMs += behaviour.delayMs ?? 0;
      switch (behaviour.kind) {
        case 'nxdomain':
          return { isSilent: false, rcode: RCODE_NXDOMAIN, answers, delayMs };
        // The first failing name decides, and a failure carries no partial chain (as BIND and Unbound answer).
        case 'servfail':
          return { isSilent: false, rcode: RCODE_SERVFAIL, answers: [], delayMs };
        case 'refused':
          return { isSilent: false, rcode: RCODE_REFUSED, answers: [], delayMs };
        case 'answer': {
          const ttlSeconds = behaviour.ttlSeconds ?? DEFAULT_TTL_SECONDS;
          const addresses =
            query.type === TYPE_A ? behaviour.a : query.type === TYPE_AAAA ? behaviour.aaaa : [];
          for (const address of addresses ?? []) {
            const data = Buffer.from(ipaddr.parse(address).toByteArray());
            answers.push(encodeRecord(owner, query.type, ttlSeconds, data));
          }
          const extraMs = query.type === TYPE_A ? (behaviour.aDelayMs ?? 0) : 0;
          return { isSilent: false, rcode: RCODE_NOERROR, answers, delayMs: delayMs + extraMs };
        }
        case 'cname': {
          const target = encodeName(behaviour.target);
          answers.push(encodeRecord(owner, TYPE_CNAME, behaviour.ttlSeconds ?? DEFAULT_TTL_SECONDS, target));
          // Asked for the CNAME itself: a resolver does not chase it.
          if (query.type === TYPE_CNAME) return { isSilent: false, rcode: RCODE_NOERROR, answers, delayMs };
          name = normalizeName(behaviour.target);
          owner = target;
        }
      }
    }
  };

  const answer = (query: Query): Resolution => {
    if (query.opcode !== 0) return { isSilent: false, rcode: RCODE_NOTIMP, answers: [], delayMs: 0 };
    if (query.questionCount !== 1) return { isSilent: false, rcode: RCODE_FORMERR, answers: [], delayMs: 0 };
    if (query.qclass !== CLASS_IN) return { isSilent: false, rcode: RCODE_NOTIMP, answers: [], delayMs: 0 };
    return resolve(query);
  };

  socket.on('message', (packet: Buffer, remote: RemoteInfo) => {
    const query = parseQuery(packet);
    if (query === undefined) return;
    totalQueries++;
    queryCounts.set(query.name, (queryCounts.get(query.name) ?? 0) + 1);
    const resolution = answer(query);
    if (resolution.isSilent) return;
    const reply = encodeReply(query, resolution.rcode, resolution.answers);
    const send = () => socket.send(reply, remote.port, remote.address);
    if (resolution.delayMs === 0) return send();
    // A timer per answer: a slow name never holds up the others.
    const timer = setTimeout(() => {
      timers.delete(timer);
      send();
    }, resolution.delayMs);
    timers.add(timer);
  });

  await new Promise<void>((resolveBind, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => {
      socket.off('error', reject);
      resolveBind();
    });
  });
  // A send to a client that has gone away must not crash the test run.
  socket.on('error', () => {});
  const { port } = socket.address();

  return {
    server: isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`,
    host,
    port,
    set(name, behaviour) {
      checkBehaviour(name, behaviour);
      behaviours.set(normalizeName(name), behaviour);
    },
    setDefaultDelayMs(ms) {
      defaultDelayMs = checkDelayMs(ms);
    },
    queries: (name) => (name === undefined ? totalQueries : (queryCounts.get(normalizeName(name)) ?? 0)),
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolveClose) => socket.close(() => resolveClose()));
    },
  };
}

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function checkDelayMs(ms: number): number {
  if (!Number.isInteger(ms) || ms < 0) throw new RangeError(`delayMs must be a whole number >= 0, got ${ms}`);
  return ms;
}

function checkBehaviour(name: string, behaviour: DnsBehaviour): void {
  encodeName(name);
  if (behaviour.kind === 'silent') return;
  checkDelayMs(behaviour.delayMs ?? 0);
  if (behaviour.kind === 'cname') encodeName(behaviour.target);
  if (behaviour.kind !== 'answer' && behaviour.kind !== 'cname') return;
  const ttlSeconds = behaviour.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0 || ttlSeconds > 0x7fffffff) {
    throw new RangeError(`ttlSeconds must be 0-2147483647, got ${ttlSeconds}`);
  }
  if (behaviour.kind !== 'answer') return;
  for (const address of behaviour.a ?? []) {
    if (!isIPv4(address))
      throw new TypeError(`a records take IPv4 addresses, got ${JSON.stringify(address)}`);
  }
  for (const address of behaviour.aaaa ?? []) {
    if (!isIPv6(address))
      throw new TypeError(`aaaa records take IPv6 addresses, got ${JSON.stringify(address)}`);
  }
}

/** RFC 1035 §3.1: length-prefixed labels, a zero byte at the end; names are written uncompressed. */
function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.');
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length === 0 || bytes.length > 63) throw new TypeError(`bad DNS name ${JSON.stringify(name)}`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  const wire = Buffer.concat([...parts, Buffer.from([0])]);
  if (wire.length > 255) throw new TypeError(`DNS name longer than 255 bytes: ${JSON.stringify(name)}`);
  return wire;
}

function encodeRecord(owner: Buffer, type: number, ttlSeconds: number, data: Buffer): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(CLASS_IN, 2);
  fixed.writeUInt32BE(ttlSeconds, 4);
  fixed.writeUInt16BE(data.length, 8);
  return Buffer.concat([owner, fixed, data]);
}

function encodeReply(query: Query, rcode: number, answers: readonly Buffer[]): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.id, 0);
  // QR (a response), the query's opcode and RD, RA (recursion available): a recursive resolver's answer.
  header.writeUInt16BE(
    0x8000 | (query.opcode << 11) | (query.isRecursionDesired ? 0x0100 : 0) | 0x0080 | rcode,
    2,
  );
  header.writeUInt16BE(query.questionCount === 1 ? 1 : 0, 4);
  header.writeUInt16BE(answers.length, 6);
  return Buffer.concat([header, query.questionCount === 1 ? query.question : Buffer.alloc(0), ...answers]);
}

/** The header and first question of a query; undefined for anything malformed (ignored, as resolvers do). */
function parseQuery(packet: Buffer): Query | undefined {
  if (packet.length < 12) return undefined;
  const flags = packet.readUInt16BE(2);
  if ((flags & 0x8000) !== 0) return undefined;
  const questionCount = packet.readUInt16BE(4);
  const base = {
    id: packet.readUInt16BE(0),
    isRecursionDesired: (flags & 0x0100) !== 0,
    opcode: (flags >> 11) & 0x0f,
    questionCount,
  };
  if (questionCount !== 1) {
    return { ...base, question: Buffer.alloc(0), wireName: Buffer.alloc(0), name: '', type: 0, qclass: 0 };
  }
  const labels: string[] = [];
  let offset = 12;
  for (;;) {
    const length = packet[offset];
    // Compression pointers (0xc0) do not belong in a question; a missing byte is a truncated packet.
    if (length === undefined || length > 63) return undefined;
    if (length === 0) break;
    if (offset + 1 + length > packet.length) return undefined;
    labels.push(packet.toString('latin1', offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  const nameEnd = offset + 1;
  if (nameEnd + 4 > packet.length || nameEnd - 12 > 255) return undefined;
  return {
    ...base,
    question: packet.subarray(12, nameEnd + 4),
    wireName: packet.subarray(12, nameEnd),
    name: normalizeName(labels.join('.')),
    type: packet.readUInt16BE(nameEnd),
    qclass: packet.readUInt16BE(nameEnd + 2),
  };
}
