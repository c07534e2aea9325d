import type { DownReason } from '../../functions/domain/check-result.ts';

/** What a simulated site does when it is checked. */
export type Behaviour =
  | 'healthy'
  | 'slow-in-time'
  | 'http-5xx'
  | 'http-404'
  | 'head-405'
  | 'redirect'
  | 'redirect-loop'
  | 'hang'
  | 'refused'
  | 'reset';

/**
 * What the test world (test/support/world/) adds to a fleet's site, in the DNS and dead-host phases: a name whose
 * nameserver never answers, or a host that drops SYNs. The fleet itself never serves these.
 */
export type WorldFault = 'dns-silent' | 'drops-syn';

/** The truth about one simulated site: what it does, and what a correct checker must conclude. */
export interface SiteTruth {
  readonly index: number;
  readonly siteId: string;
  /** Its own loopback address: no connection is ever shared between two sites. */
  readonly address: string;
  readonly behaviour: Behaviour | WorldFault;
  /** Status answered by http-5xx sites. */
  readonly status?: number;
  /** Delay before the server answers each request. */
  readonly latencyMs: number;
  readonly expected: 'up' | 'down';
  readonly expectedReason?: DownReason;
  /** HTTP requests (or, for resets, connections) a correct checker makes. */
  readonly expectedRequests: number;
  /** The least time any checker needs for this site: min(server time over all its requests, timeout). */
  readonly idealMs: number;
}

export interface FleetOptions {
  readonly size: number;
  readonly seed: number;
  /** The check timeout the truth assumes: hangs cost exactly this, slow sites stay below it. */
  readonly timeoutMs: number;
  readonly mix?: Readonly<Record<Behaviour, number>>;
  /** Bytes of the page a site answers GET with when it answers 200 (3, "ok\n", when absent). */
  readonly pageBytes?: number;
}

/**
 * Shares of each behaviour, in percent. 9 % of sites are down: a bad minute, so that precision and recall
 * are measured on hundreds of failures, and 2 % hang, so the sweep always waits for the timeout.
 */
export const DEFAULT_MIX: Readonly<Record<Behaviour, number>> = {
  healthy: 84,
  'slow-in-time': 2,
  'http-5xx': 2,
  'http-404': 2,
  'head-405': 2,
  redirect: 3,
  'redirect-loop': 1,
  hang: 2,
  refused: 1,
  reset: 1,
};

/** Every behaviour, in DEFAULT_MIX's order. */
export const BEHAVIOURS = Object.keys(DEFAULT_MIX) as readonly Behaviour[];

/** A mix where every site does `behaviour`. */
export const onlyMix = (behaviour: Behaviour): Readonly<Record<Behaviour, number>> =>
  Object.fromEntries(BEHAVIOURS.map((name) => [name, name === behaviour ? 100 : 0])) as Record<
    Behaviour,
    number
  >;

// Healthy latency is log-normal: median 60 ms, 1 % above ~620 ms, capped at 2.5 s (a long tail, not a wall).
const HEALTHY_MEDIAN_MS = 60;
const HEALTHY_SIGMA = 1.0;
const HEALTHY_CAP_MS = 2_500;
// Slow sites answer at 65-85 % of the timeout: in time, but only for a checker that keeps its deadlines. Past
// GET_BESIDE_HEAD_AT (60 %), with a margin, so that every one of them has its GET asked beside its HEAD.
const SLOW_MIN_SHARE = 0.65;
const SLOW_MAX_SHARE = 0.85;
const SERVER_ERROR_STATUSES = [500, 502, 503, 504] as const;
// 127.0.0.1 is left to the emulators; sites start at 127.1.0.1 and skip .0 and .255 in the last octet.
const HOSTS_PER_SUBNET = 254;

/** Deterministic 32-bit PRNG (mulberry32): the same seed gives the same fleet on every machine. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The loopback address of site `index`: 127.1.0.1, 127.1.0.2, … 127.1.0.254, 127.1.1.1, … */
export function addressOf(index: number): string {
  const subnet = Math.floor(index / HOSTS_PER_SUBNET);
  const host = (index % HOSTS_PER_SUBNET) + 1;
  const second = 1 + Math.floor(subnet / 256);
  if (second > 255) throw new RangeError(`site index ${index} does not fit in 127.0.0.0/8`);
  return `127.${second}.${subnet % 256}.${host}`;
}

/** Plans a fleet: each site's behaviour, latency and the verdict a correct checker must reach. */
export function planFleet(options: FleetOptions): SiteTruth[] {
  const mix = options.mix ?? DEFAULT_MIX;
  const random = createRandom(options.seed);
  const total = Object.values(mix).reduce((sum, share) => sum + share, 0);
  const behaviours = Object.entries(mix) as [Behaviour, number][];
  const pick = (): Behaviour => {
    let roll = random() * total;
    for (const [behaviour, share] of behaviours) {
      roll -= share;
      if (roll < 0) return behaviour;
    }
    return 'healthy';
  };
  const healthyLatency = () => {
    // Box-Muller: one standard normal from two uniforms.
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.min(HEALTHY_CAP_MS, Math.round(HEALTHY_MEDIAN_MS * Math.exp(HEALTHY_SIGMA * normal)));
  };
  return Array.from({ length: options.size }, (_, index) => {
    const behaviour = pick();
    // Two-request sites (HEAD then GET, or a redirect) must still answer in time in total.
    const requests = behaviour === 'head-405' || behaviour === 'redirect' ? 2 : 1;
    const latencyMs =
      behaviour === 'slow-in-time'
        ? Math.round(options.timeoutMs * (SLOW_MIN_SHARE + random() * (SLOW_MAX_SHARE - SLOW_MIN_SHARE)))
        : Math.min(healthyLatency(), Math.floor((options.timeoutMs * SLOW_MAX_SHARE) / requests));
    const status =
      behaviour === 'http-5xx'
        ? SERVER_ERROR_STATUSES[Math.floor(random() * SERVER_ERROR_STATUSES.length)]
        : undefined;
    return describeSite(index, behaviour, latencyMs, options.timeoutMs, status);
  });
}

function describeSite(
  index: number,
  behaviour: Behaviour,
  latencyMs: number,
  timeoutMs: number,
  status: number | undefined,
): SiteTruth {
  const base = { index, siteId: `site-${index}`, address: addressOf(index), behaviour };
  const within = (requests: number) => Math.min(timeoutMs, requests * latencyMs);
  switch (behaviour) {
    case 'healthy':
      return { ...base, latencyMs, expected: 'up', expectedRequests: 1, idealMs: within(1) };
    case 'slow-in-time':
      // Its HEAD still waits when the GET beside it is asked.
      return { ...base, latencyMs, expected: 'up', expectedRequests: 2, idealMs: within(1) };
    case 'head-405':
    case 'redirect':
      return { ...base, latencyMs, expected: 'up', expectedRequests: 2, idealMs: within(2) };
    // A HEAD failure is never the last word: each of these is asked again with GET (a hung HEAD gets its GET
    // beside it at GET_BESIDE_HEAD_AT of the deadline); a refused connection is not (a GET would take the same
    // road).
    case 'http-5xx':
      return down(base, latencyMs, 'http-5xx', 2, within(2), status);
    case 'http-404':
      return down(base, latencyMs, 'http-4xx', 2, within(2));
    case 'redirect-loop':
      return down(base, latencyMs, 'redirect-loop', 4, within(4));
    case 'hang':
      return down(base, 0, 'timeout', 2, timeoutMs);
    case 'refused':
      return down(base, 0, 'refused', 0, 0);
    // Reset as it connects: a GET would take the same road.
    case 'reset':
      return down(base, 0, 'reset', 1, 0);
  }
}

const down = (
  base: Pick<SiteTruth, 'index' | 'siteId' | 'address' | 'behaviour'>,
  latencyMs: number,
  expectedReason: DownReason,
  expectedRequests: number,
  idealMs: number,
  status?: number,
): SiteTruth => ({
  ...base,
  latencyMs,
  expected: 'down',
  expectedReason,
  expectedRequests,
  idealMs,
  ...(status === undefined ? {} : { status }),
});

/**
 * The least wall time for the fleet at `concurrency`: max(slowest site, total site time / concurrency). With
 * `slotMs`, a check holds one of the `concurrency` slots for at most that long (the checker's start slots), so
 * only that much of each site's time counts toward the shared part.
 */
export function idealBoundMs(
  fleet: readonly SiteTruth[],
  concurrency: number,
  slotMs = Infinity,
): IdealBound {
  let slowestMs = 0;
  let totalMs = 0;
  for (const site of fleet) {
    slowestMs = Math.max(slowestMs, site.idealMs);
    totalMs += Math.min(site.idealMs, slotMs);
  }
  const sharedMs = totalMs / concurrency;
  return { slowestMs, sharedMs, boundMs: Math.max(slowestMs, sharedMs) };
}

export interface IdealBound {
  readonly slowestMs: number;
  readonly sharedMs: number;
  readonly boundMs: number;
}

/** How many sites of each behaviour a fleet has, and how many must be judged down. */
export interface TruthSummary {
  readonly behaviours: Record<string, number>;
  readonly down: number;
}

export function describeTruth(truth: readonly SiteTruth[]): TruthSummary {
  const behaviours: Record<string, number> = {};
  for (const site of truth) behaviours[site.behaviour] = (behaviours[site.behaviour] ?? 0) + 1;
  return { behaviours, down: truth.filter((site) => site.expected === 'down').length };
}
