import { createSocket } from 'node:dgram';
import { promises as dns } from 'node:dns';
import { afterEach, describe, expect, it } from 'vitest';
import { type LoopbackDnsServer, startDnsServer } from '../support/world/dns-server.ts';

// What the probe's resolver uses: three tries of 500 ms survive UDP drops in a burst (TOOLCHAIN.md).
const RESOLVER_OPTIONS = { timeout: 500, tries: 3 } as const;

const servers: LoopbackDnsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function startServer(options?: Parameters<typeof startDnsServer>[0]): Promise<LoopbackDnsServer> {
  const server = await startDnsServer(options);
  servers.push(server);
  return server;
}

function resolverFor(server: LoopbackDnsServer): dns.Resolver {
  const resolver = new dns.Resolver(RESOLVER_OPTIONS);
  resolver.setServers([server.server]);
  return resolver;
}

/** The `code` of the error a promise rejects with, or 'resolved'. */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return String((error as NodeJS.ErrnoException).code);
  }
}

interface RawReply {
  readonly id: number;
  readonly flags: number;
  readonly rcode: number;
  readonly questionCount: number;
  readonly answerCount: number;
  /** The types of the answer records, in order. */
  readonly answerTypes: readonly number[];
  readonly packet: Buffer;
}

function encodeQuery(id: number, name: string, type: number): Buffer {
  const labels = name
    .split('.')
    .map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)]));
  const header = Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([header, ...labels, Buffer.from([0, type >> 8, type & 0xff, 0, 1])]);
}

function skipName(packet: Buffer, start: number): number {
  let offset = start;
  for (;;) {
    const length = packet[offset] ?? 0;
    if (length === 0) return offset + 1;
    if (length >= 0xc0) return offset + 2;
    offset += 1 + length;
  }
}

/** Sends raw packets and returns the first reply, or undefined if none came within `waitMs`. */
async function exchange(server: LoopbackDnsServer, packets: readonly Buffer[], waitMs = 500) {
  const socket = createSocket('udp4');
  try {
    return await new Promise<RawReply | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), waitMs);
      socket.on('message', (packet) => {
        clearTimeout(timer);
        const answerCount = packet.readUInt16BE(6);
        let offset = skipName(packet, 12) + 4;
        const answerTypes: number[] = [];
        for (let index = 0; index < answerCount; index++) {
          offset = skipName(packet, offset);
          answerTypes.push(packet.readUInt16BE(offset));
          offset += 10 + packet.readUInt16BE(offset + 8);
        }
        const flags = packet.readUInt16BE(2);
        const id = packet.readUInt16BE(0);
        resolve({
          id,
          flags,
          rcode: flags & 0x0f,
          questionCount: packet.readUInt16BE(4),
          answerCount,
          answerTypes,
          packet,
        });
      });
      for (const packet of packets) socket.send(packet, server.port, server.host);
    });
  } finally {
    socket.close();
  }
}

const TYPE_A = 1;
const TYPE_CNAME = 5;
const TYPE_AAAA = 28;
const TYPE_MX = 15;

describe('startDnsServer, through c-ares (dns.promises.Resolver)', () => {
  it('answers A and AAAA with the configured TTL', async () => {
    // Prepare
    const server = await startServer();
    server.set('site.test', {
      kind: 'answer',
      a: ['192.0.2.1', '192.0.2.2'],
      aaaa: ['2001:db8::1'],
      ttlSeconds: 42,
    });
    const resolver = resolverFor(server);

    // Act
    const v4 = await resolver.resolve4('site.test', { ttl: true });
    const v6 = await resolver.resolve6('site.test', { ttl: true });

    // Assess
    expect(v4).toEqual([
      { address: '192.0.2.1', ttl: 42 },
      { address: '192.0.2.2', ttl: 42 },
    ]);
    expect(v6).toEqual([{ address: '2001:db8::1', ttl: 42 }]);
  });

  it('matches names case-insensitively, with or without the trailing dot, and counts queries per name', async () => {
    // Prepare
    const server = await startServer();
    server.set('Site.Test.', { kind: 'answer', a: ['192.0.2.7'] });
    const resolver = resolverFor(server);

    // Act
    const answers = [await resolver.resolve4('site.test'), await resolver.resolve4('SITE.TEST.')];

    // Assess
    expect(answers).toEqual([['192.0.2.7'], ['192.0.2.7']]);
    expect(server.queries('site.TEST')).toBe(2);
    expect(server.queries()).toBe(2);
  });

  it('follows a CNAME chain to the final addresses (resolveCname gives the first hop)', async () => {
    // Prepare
    const server = await startServer();
    server.set('www.site.test', { kind: 'cname', target: 'edge.cdn.test' });
    server.set('edge.cdn.test', { kind: 'cname', target: 'pop1.cdn.test' });
    server.set('pop1.cdn.test', {
      kind: 'answer',
      a: ['192.0.2.10'],
      aaaa: ['2001:db8::10'],
      ttlSeconds: 20,
    });
    const resolver = resolverFor(server);

    // Act
    const v4 = await resolver.resolve4('www.site.test', { ttl: true });
    const v6 = await resolver.resolve6('www.site.test');
    const cname = await resolver.resolveCname('www.site.test');

    // Assess
    expect(v4).toEqual([{ address: '192.0.2.10', ttl: 20 }]);
    expect(v6).toEqual(['2001:db8::10']);
    expect(cname).toEqual(['edge.cdn.test']);
    expect(server.queries('edge.cdn.test')).toBe(0);
  });

  it.each([
    ['an A query of a name with only AAAA records', 'resolve4', 'v6only.test'],
    ['an AAAA query of a name with only A records', 'resolve6', 'v4only.test'],
  ] as const)('gives NODATA (ENODATA) for %s', async (_case, method, name) => {
    // Prepare
    const server = await startServer();
    server.set('v6only.test', { kind: 'answer', aaaa: ['2001:db8::1'] });
    server.set('v4only.test', { kind: 'answer', a: ['192.0.2.1'] });

    // Act
    const code = await codeOf(resolverFor(server)[method](name));

    // Assess
    expect(code).toBe('ENODATA');
  });

  it('gives NODATA behind a CNAME, which c-ares resolves to an empty list rather than ENODATA', async () => {
    // Prepare
    const server = await startServer();
    server.set('www.test', { kind: 'cname', target: 'v4only.test' });
    server.set('v4only.test', { kind: 'answer', a: ['192.0.2.1'] });
    const resolver = resolverFor(server);

    // Act
    const v6 = await resolver.resolve6('www.test');
    const v6WithTtl = await resolver.resolve6('www.test', { ttl: true });

    // Assess: a probe must treat [] like ENODATA.
    expect(v6).toEqual([]);
    expect(v6WithTtl).toEqual([]);
  });

  it.each([
    ['an unknown name', 'unknown.test'],
    ['a name set to nxdomain', 'gone.test'],
    ['a CNAME chain ending at an unknown name', 'dangling.test'],
    ['a CNAME chain ending at an nxdomain name', 'to-gone.test'],
  ])('gives NXDOMAIN (ENOTFOUND) for %s', async (_case, name) => {
    // Prepare
    const server = await startServer();
    server.set('gone.test', { kind: 'nxdomain' });
    server.set('dangling.test', { kind: 'cname', target: 'nowhere.test' });
    server.set('to-gone.test', { kind: 'cname', target: 'gone.test' });
    const resolver = resolverFor(server);

    // Act
    const codes = [await codeOf(resolver.resolve4(name)), await codeOf(resolver.resolve6(name))];

    // Assess
    expect(codes).toEqual(['ENOTFOUND', 'ENOTFOUND']);
  });

  it.each([
    ['a name set to servfail', 'broken.test', 'ESERVFAIL'],
    ['a CNAME loop', 'loop-a.test', 'ESERVFAIL'],
    ['a CNAME to a servfail name', 'to-broken.test', 'ESERVFAIL'],
    ['a name set to refused', 'refused.test', 'EREFUSED'],
  ])('gives the error rcode for %s (%s, %s)', async (_case, name, expected) => {
    // Prepare
    const server = await startServer();
    server.set('broken.test', { kind: 'servfail' });
    server.set('loop-a.test', { kind: 'cname', target: 'loop-b.test' });
    server.set('loop-b.test', { kind: 'cname', target: 'loop-a.test' });
    server.set('to-broken.test', { kind: 'cname', target: 'broken.test' });
    server.set('refused.test', { kind: 'refused' });

    // Act
    const code = await codeOf(resolverFor(server).resolve4(name));

    // Assess
    expect(code).toBe(expected);
    // c-ares does not retry these rcodes against the only server it has.
    expect(server.queries(name)).toBe(1);
  });

  it('never answers a silent name, nor a chain through one (ETIMEOUT after every try)', async () => {
    // Prepare
    const server = await startServer();
    server.set('quiet.test', { kind: 'silent' });
    server.set('to-quiet.test', { kind: 'cname', target: 'quiet.test' });
    const resolver = resolverFor(server);

    // Act
    const codes = await Promise.all([
      codeOf(resolver.resolve4('quiet.test')),
      codeOf(resolver.resolve6('to-quiet.test')),
    ]);

    // Assess
    expect(codes).toEqual(['ETIMEOUT', 'ETIMEOUT']);
    expect(server.queries('quiet.test')).toBe(RESOLVER_OPTIONS.tries);
    expect(server.queries('to-quiet.test')).toBe(RESOLVER_OPTIONS.tries);
  });

  it('answers other query types as NODATA (ENODATA) for a known name and NXDOMAIN (ENOTFOUND) otherwise', async () => {
    // Prepare
    const server = await startServer();
    server.set('site.test', { kind: 'answer', a: ['192.0.2.1'] });
    const resolver = resolverFor(server);

    // Act
    const codes = [
      await codeOf(resolver.resolveMx('site.test')),
      await codeOf(resolver.resolveTxt('none.test')),
    ];

    // Assess
    expect(codes).toEqual(['ENODATA', 'ENOTFOUND']);
  });

  it('delays a slow answer without holding up the others', async () => {
    // Prepare
    const server = await startServer();
    server.set('slow.test', { kind: 'answer', a: ['192.0.2.1'], delayMs: 400 });
    server.set('fast.test', { kind: 'answer', a: ['192.0.2.2'] });
    const resolver = resolverFor(server);
    const order: string[] = [];

    // Act
    await Promise.all(
      ['slow.test', 'fast.test'].map(async (name) => {
        await resolver.resolve4(name);
        order.push(name);
      }),
    );

    // Assess
    expect(order).toEqual(['fast.test', 'slow.test']);
  });

  it('adds the delays along a CNAME chain and the default delay', async () => {
    // Prepare
    const server = await startServer({ defaultDelayMs: 50 });
    server.set('www.test', { kind: 'cname', target: 'origin.test', delayMs: 100 });
    server.set('origin.test', { kind: 'answer', a: ['192.0.2.1'], delayMs: 100 });
    const resolver = resolverFor(server);

    // Act
    const startedMs = performance.now();
    await resolver.resolve4('www.test');
    const elapsedMs = performance.now() - startedMs;

    // Assess: a lower bound only (timers never fire early), not a speed.
    expect(elapsedMs).toBeGreaterThanOrEqual(245);
  });

  it('applies setDefaultDelayMs to every later answer', async () => {
    // Prepare
    const server = await startServer();
    server.set('site.test', { kind: 'answer', a: ['192.0.2.1'] });
    server.setDefaultDelayMs(200);

    // Act
    const startedMs = performance.now();
    await resolverFor(server).resolve4('site.test');
    const elapsedMs = performance.now() - startedMs;

    // Assess
    expect(elapsedMs).toBeGreaterThanOrEqual(195);
  });

  it('answers 392 of 400 parallel resolve4 (20 ms each) while 8 names stay silent', async () => {
    // Prepare
    const server = await startServer({ defaultDelayMs: 20 });
    const names = Array.from({ length: 400 }, (_, index) => `site-${index}.test`);
    for (const [index, name] of names.entries()) {
      const isSilent = index % 50 === 0;
      server.set(
        name,
        isSilent ? { kind: 'silent' } : { kind: 'answer', a: [`10.0.${index >> 8}.${index & 0xff}`] },
      );
    }
    const resolver = resolverFor(server);

    // Act
    const codes = await Promise.all(names.map((name) => codeOf(resolver.resolve4(name))));

    // Assess
    expect(codes.filter((code) => code === 'resolved')).toHaveLength(392);
    expect(codes.filter((code) => code === 'ETIMEOUT')).toHaveLength(8);
  });

  it('serves on ::1 too, with a bracketed server string', async () => {
    // Prepare
    const server = await startServer({ host: '::1' });
    server.set('site.test', { kind: 'answer', a: ['192.0.2.1'] });

    // Act
    const addresses = await resolverFor(server).resolve4('site.test');

    // Assess
    expect(server.server).toBe(`[::1]:${server.port}`);
    expect(addresses).toEqual(['192.0.2.1']);
  });

  it('rejects a bad address, TTL or name with the bad value in the message', async () => {
    // Prepare
    const server = await startServer();

    // Act + Assess
    expect(() => server.set('a.test', { kind: 'answer', a: ['2001:db8::1'] })).toThrow('got "2001:db8::1"');
    expect(() => server.set('a.test', { kind: 'answer', aaaa: ['192.0.2.1'] })).toThrow('got "192.0.2.1"');
    expect(() => server.set('a.test', { kind: 'answer', ttlSeconds: -1 })).toThrow('got -1');
    expect(() => server.set('a..test', { kind: 'nxdomain' })).toThrow('"a..test"');
  });
});

describe('startDnsServer, on the wire', () => {
  it('echoes the id and question, sets QR, RD and RA, and lists every CNAME of the chain before the address', async () => {
    // Prepare
    const server = await startServer();
    server.set('www.test', { kind: 'cname', target: 'mid.test' });
    server.set('mid.test', { kind: 'cname', target: 'origin.test' });
    server.set('origin.test', { kind: 'answer', a: ['192.0.2.1'] });
    const query = encodeQuery(0x1234, 'WWW.test', TYPE_A);

    // Act
    const reply = await exchange(server, [query]);

    // Assess
    expect(reply).toMatchObject({ id: 0x1234, flags: 0x8180, questionCount: 1 });
    expect(reply?.packet.subarray(12, query.length)).toEqual(query.subarray(12));
    expect(reply?.answerTypes).toEqual([TYPE_CNAME, TYPE_CNAME, TYPE_A]);
  });

  it.each([
    ['NXDOMAIN with the CNAMEs, for a chain to an unknown name', 'dangling.test', TYPE_A, 3, [TYPE_CNAME]],
    ['NODATA with the CNAMEs, for a chain to a name without AAAA', 'www.test', TYPE_AAAA, 0, [TYPE_CNAME]],
    ['SERVFAIL with no answers, for a CNAME loop', 'loop-a.test', TYPE_A, 2, []],
    ['only the CNAME, for a CNAME query (no chase)', 'www.test', TYPE_CNAME, 0, [TYPE_CNAME]],
    ['NODATA, for an MX query', 'origin.test', TYPE_MX, 0, []],
  ])('answers %s', async (_case, name, type, rcode, answerTypes) => {
    // Prepare
    const server = await startServer();
    server.set('dangling.test', { kind: 'cname', target: 'nowhere.test' });
    server.set('www.test', { kind: 'cname', target: 'origin.test' });
    server.set('origin.test', { kind: 'answer', a: ['192.0.2.1'] });
    server.set('loop-a.test', { kind: 'cname', target: 'loop-b.test' });
    server.set('loop-b.test', { kind: 'cname', target: 'loop-a.test' });

    // Act
    const reply = await exchange(server, [encodeQuery(1, name, type)]);

    // Assess
    expect(reply?.rcode).toBe(rcode);
    expect(reply?.answerTypes).toEqual(answerTypes);
  });

  it('ignores malformed packets and still answers the next query', async () => {
    // Prepare
    const server = await startServer();
    server.set('site.test', { kind: 'answer', a: ['192.0.2.1'] });
    const truncated = encodeQuery(2, 'site.test', TYPE_A).subarray(0, 20);
    const pointerInQuestion = Buffer.concat([
      encodeQuery(3, 'x', TYPE_A).subarray(0, 12),
      Buffer.from([0xc0, 0x0c]),
    ]);

    // Act
    const reply = await exchange(server, [
      Buffer.from('not dns'),
      truncated,
      pointerInQuestion,
      encodeQuery(4, 'site.test', TYPE_A),
    ]);

    // Assess
    expect(reply?.id).toBe(4);
    expect(server.queries()).toBe(1);
  });

  it('sends nothing once closed, even for answers still waiting on their delay', async () => {
    // Prepare
    const server = await startDnsServer();
    server.set('slow.test', { kind: 'answer', a: ['192.0.2.1'], delayMs: 100 });
    const pending = exchange(server, [encodeQuery(5, 'slow.test', TYPE_A)], 300);
    await expect.poll(() => server.queries('slow.test')).toBe(1);

    // Act
    await server.close();

    // Assess
    expect(await pending).toBeUndefined();
  });
});
