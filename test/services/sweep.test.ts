import { describe, expect, it } from 'vitest';
import { createJsonLogger } from '../../functions/adapters/logger.ts';
import type { ScanPage, SiteRecord } from '../../functions/adapters/site-store.ts';
import type {
  SegmentProgress,
  SweepClaim,
  SweepLease,
  SweepLeaseItem,
} from '../../functions/adapters/sweep-lease.ts';
import { parseCheckMessage } from '../../functions/domain/check-message.ts';
import { INITIAL_STATE } from '../../functions/domain/site-state.ts';
import {
  CHECKS_ENQUEUED_METRIC,
  runSweep,
  SWEEP_RETENTION_MINUTES,
  type SweepDeps,
  SweepLeaseLostError,
  type SweepOptions,
} from '../../functions/services/sweep.ts';
import { aSite } from '../support/fixtures.ts';

type SweepStore = SweepDeps['store'];

const MINUTE_MS = 60_000;
const MINUTE = 29_000_000;
const AT = MINUTE * MINUTE_MS;
const OPTIONS: SweepOptions = { scanSegments: 2, checksPerMessage: 2, leaseMs: 45_000 };

/** Sites checked every minute, `count` of them, ids prefixed so each segment's are told apart. */
const everyMinute = (prefix: string, count: number): SiteRecord[] =>
  Array.from({ length: count }, (_, i) => ({
    config: aSite({ siteId: `${prefix}-${i}`, url: `https://${prefix}-${i}.example/`, intervalMinutes: 1 }),
    state: INITIAL_STATE,
  }));

/** Sites an owner paused (enabled: false): scanned, never due. */
const pausedSites = (count: number): SiteRecord[] =>
  everyMinute('paused', count).map((site) => ({ ...site, config: { ...site.config, enabled: false } }));

interface FakePage {
  readonly sites: readonly SiteRecord[];
  readonly leases?: readonly SweepLeaseItem[];
}

/**
 * The sweep's view of SiteStore, in memory: pages per segment (keyed `s<segment>p<page>`), honouring the
 * `from` positions, and the lease calls it received.
 */
class FakeSweepStore implements SweepStore {
  readonly checkpoints: SegmentProgress[][] = [];
  readonly deleted: SweepLeaseItem[] = [];
  readonly scannedPages: string[] = [];
  completed = 0;
  claim: SweepClaim = {
    kind: 'acquired',
    lease: { minute: MINUTE, leaseUntilMs: AT + 45_000, progress: [] },
  };
  progressOutcome: 'saved' | 'lost' = 'saved';
  onCheckpoint = (): void => {};

  constructor(readonly segments: readonly (readonly FakePage[])[]) {}

  async acquireSweep(): Promise<SweepClaim> {
    return this.claim;
  }

  async scanSites(
    segments: number,
    onPage: (page: ScanPage) => Promise<void>,
    from: readonly SegmentProgress[] = [],
  ): Promise<void> {
    expect(segments).toBe(this.segments.length);
    await Promise.all(
      this.segments.map(async (pages, segment) => {
        const start = from[segment] ?? 'start';
        if (start === 'done') return;
        const first = start === 'start' ? 0 : Number(String(start.after.siteId).split('p')[1]) + 1;
        for (let index = first; index < pages.length; index++) {
          const page = pages[index] ?? { sites: [] };
          this.scannedPages.push(`s${segment}p${index}`);
          await onPage({
            segment,
            next: index === pages.length - 1 ? 'done' : { after: { siteId: `s${segment}p${index}` } },
            sites: page.sites,
            invalid: [],
            leases: page.leases ?? [],
          });
        }
      }),
    );
  }

  async saveSweepProgress(_lease: SweepLease, progress: readonly SegmentProgress[]) {
    this.checkpoints.push([...progress]);
    this.onCheckpoint();
    return this.progressOutcome;
  }

  async completeSweep() {
    this.completed++;
    return 'completed' as const;
  }

  async deleteSweepLease(lease: SweepLeaseItem): Promise<void> {
    this.deleted.push(lease);
  }
}

const recordingQueue = () => {
  const sent: string[][] = [];
  return {
    sent,
    siteIds: () =>
      sent.flat().flatMap((body) => parseCheckMessage(body).tasks.map((task) => task.site.siteId)),
    queue: { send: async (bodies: readonly string[]) => void sent.push([...bodies]) },
  };
};

const quietLog = () => {
  const lines: Record<string, unknown>[] = [];
  return { lines, log: createJsonLogger((line) => lines.push(JSON.parse(line))) };
};

/** The EMF lines among the logged ones. */
const metricLines = (lines: readonly Record<string, unknown>[]) => lines.filter((line) => '_aws' in line);

describe('runSweep', () => {
  it('packs each page by owner, then host, so one owner’s sites share messages and their alerts can group', async () => {
    // Prepare: every site checked every minute, scanned in an order that mixes owners
    const sites = [
      { siteId: 'z-shop', url: 'https://shop.zoe.example/', owner: 'zoe' },
      { siteId: 'a-blog', url: 'https://blog.alice.example/', owner: 'alice' },
      { siteId: 'b-api', url: 'https://api.bob.example/', owner: 'bob' },
      { siteId: 'a-api-2', url: 'https://api.alice.example/v2', owner: 'alice' },
      { siteId: 'z-api', url: 'https://api.zoe.example/', owner: 'zoe' },
      { siteId: 'a-api-1', url: 'https://api.alice.example/v1', owner: 'alice' },
    ].map((site) => ({ config: aSite({ ...site, intervalMinutes: 1 }), state: INITIAL_STATE }));
    const store = new FakeSweepStore([[{ sites }]]);
    const { queue, sent } = recordingQueue();

    // Act
    await runSweep(
      AT,
      AT,
      { store, queue, log: quietLog().log },
      { ...OPTIONS, scanSegments: 1, checksPerMessage: 4 },
    );

    // Assess
    const messages = sent.flat().map((body) => parseCheckMessage(body).tasks.map((task) => task.site.siteId));
    expect(messages).toEqual([
      ['a-api-1', 'a-api-2', 'a-blog', 'b-api'],
      ['z-api', 'z-shop'],
    ]);
  });

  it('writes no progress when one flush is enough (a small fleet pays only the lease and its completion)', async () => {
    // Prepare: 19 due checks, a flush holds 20 (2 per message × 10 messages)
    const store = new FakeSweepStore([[{ sites: everyMinute('a', 10) }], [{ sites: everyMinute('b', 9) }]]);
    const { queue, siteIds } = recordingQueue();

    // Act
    const report = await runSweep(AT, AT, { store, queue, log: quietLog().log }, OPTIONS);

    // Assess
    expect(siteIds()).toHaveLength(19);
    expect(store.checkpoints).toEqual([]);
    expect(report).toMatchObject({ outcome: 'swept', duplicate: false, due: 19, checkpoints: 0 });
    expect(store.completed).toBe(1);
  });

  it('records, after each flush but the last, how far every segment is enqueued', async () => {
    // Prepare: segment 0 has two pages of 12, segment 1 one page of 12; a flush holds 20
    const store = new FakeSweepStore([
      [{ sites: everyMinute('a', 12) }, { sites: everyMinute('c', 12) }],
      [{ sites: everyMinute('b', 12) }],
    ]);
    const { queue, siteIds } = recordingQueue();

    // Act
    const report = await runSweep(AT, AT, { store, queue, log: quietLog().log }, OPTIONS);

    // Assess: the first flush (24 checks) covered s0p0 and s1p0; the last flush needs no checkpoint
    expect(siteIds()).toHaveLength(36);
    expect(store.checkpoints).toEqual([[{ after: { siteId: 's0p0' } }, 'done']]);
    expect(report.checkpoints).toBe(1);
  });

  it('resumes a crashed sweep where its checkpoint says: only the unsent pages are scanned and enqueued', async () => {
    // Prepare: the crashed run recorded segment 1 done and segment 0 through its first page
    const store = new FakeSweepStore([
      [{ sites: everyMinute('a', 12) }, { sites: everyMinute('c', 5) }],
      [{ sites: everyMinute('b', 12) }],
    ]);
    store.claim = {
      kind: 'acquired',
      lease: { minute: MINUTE, leaseUntilMs: AT + 90_000, progress: [{ after: { siteId: 's0p0' } }, 'done'] },
    };
    const { queue, siteIds } = recordingQueue();
    const { log, lines } = quietLog();

    // Act
    const report = await runSweep(AT, AT + 60_000, { store, queue, log }, OPTIONS);

    // Assess
    expect(store.scannedPages).toEqual(['s0p1']);
    expect(siteIds()).toEqual(everyMinute('c', 5).map((site) => site.config.siteId));
    expect(report).toMatchObject({ outcome: 'resumed', duplicate: false, due: 5, scanned: 5 });
    expect(lines.map((line) => line.message)).toContain(
      'sweep resumed where a crashed run of this minute got',
    );
  });

  it('sweeps the whole minute when the progress was recorded for another segment count', async () => {
    // Prepare
    const store = new FakeSweepStore([[{ sites: everyMinute('a', 3) }], [{ sites: everyMinute('b', 3) }]]);
    store.claim = {
      kind: 'acquired',
      lease: { minute: MINUTE, leaseUntilMs: AT + 90_000, progress: ['done', 'done', 'done', 'done'] },
    };
    const { queue, siteIds } = recordingQueue();

    // Act
    const report = await runSweep(AT, AT + 60_000, { store, queue, log: quietLog().log }, OPTIONS);

    // Assess
    expect(siteIds()).toHaveLength(6);
    expect(report.outcome).toBe('swept');
  });

  it('checkpoints a flush only once every earlier flush was sent, though flushes overlap', async () => {
    // Prepare: two segments each fill a flush at once; the first flush's send is slow
    const store = new FakeSweepStore([[{ sites: everyMinute('a', 20) }], [{ sites: everyMinute('b', 20) }]]);
    const events: string[] = [];
    let sends = 0;
    const queue = {
      send: async (bodies: readonly string[]) => {
        const id = ++sends;
        events.push(`send ${id} started`);
        await new Promise((resolve) => setTimeout(resolve, id === 1 ? 50 : 0));
        events.push(`send ${id} done (${bodies.length} messages)`);
      },
    };
    store.onCheckpoint = () => events.push(`checkpoint ${store.checkpoints.length}`);

    // Act
    await runSweep(AT, AT, { store, queue, log: quietLog().log }, OPTIONS);

    // Assess
    expect(events).toEqual([
      'send 1 started',
      'send 2 started',
      'send 2 done (10 messages)',
      'send 1 done (10 messages)',
      'checkpoint 1',
      'checkpoint 2',
    ]);
    expect(store.checkpoints.at(-1)).toEqual(['done', 'done']);
  });

  it('sends nothing more once a send failed, though other segments are still scanning', async () => {
    // Prepare: two segments of five full pages each; the first send fails
    const pages = (prefix: string) =>
      Array.from({ length: 5 }, (_, page) => ({ sites: everyMinute(`${prefix}${page}`, 20) }));
    const store = new FakeSweepStore([pages('a'), pages('b')]);
    let sendCalls = 0;
    const queue = {
      send: async () => {
        sendCalls++;
        if (sendCalls === 1) throw new Error('SQS is unavailable');
      },
    };

    // Act
    const sweep = runSweep(AT, AT, { store, queue, log: quietLog().log }, OPTIONS);
    await expect(sweep).rejects.toThrow('SQS is unavailable');
    const sendsWhenFailed = sendCalls;
    await new Promise((resolve) => setTimeout(resolve, 50));

    // Assess: flushes already under way when the first failed may finish; no new one starts
    expect(sendsWhenFailed).toBeLessThanOrEqual(2);
    expect(sendCalls).toBe(sendsWhenFailed);
    expect(store.scannedPages.length).toBeLessThan(10);
    expect(store.checkpoints).toEqual([]);
    expect(store.completed).toBe(0);
  });

  it.each([
    ['three due sites and two paused ones', [...everyMinute('a', 3), ...pausedSites(2)], 3],
    ['an empty table (a fresh deploy)', [], 0],
    ['only paused sites', pausedSites(4), 0],
  ])('emits the checks it enqueued as the %s metric: %s', async (_name, sites, expectedEnqueued) => {
    // Prepare
    const store = new FakeSweepStore([[{ sites }], []]);
    const { queue, siteIds } = recordingQueue();
    const { log, lines } = quietLog();

    // Act
    await runSweep(AT, AT, { store, queue, log }, OPTIONS);

    // Assess: one EMF line, dimensionless, in the namespace the "monitor stalled" alarm reads
    expect(siteIds()).toHaveLength(expectedEnqueued);
    const [emf, ...others] = metricLines(lines);
    expect(others).toEqual([]);
    expect(emf).toMatchObject({
      [CHECKS_ENQUEUED_METRIC]: expectedEnqueued,
      _aws: {
        CloudWatchMetrics: [
          { Namespace: 'UptimeSquirrel', Dimensions: [[]], Metrics: [{ Name: CHECKS_ENQUEUED_METRIC }] },
        ],
      },
    });
  });

  it('enqueues nothing when another invocation holds the minute or already swept it', async () => {
    // Prepare
    const store = new FakeSweepStore([[{ sites: everyMinute('a', 3) }], []]);
    store.claim = { kind: 'held', holder: { completed: true, leaseUntilMs: AT + 45_000 } };
    const { queue, sent } = recordingQueue();
    const { log, lines } = quietLog();

    // Act
    const report = await runSweep(AT, AT + 60_000, { store, queue, log }, OPTIONS);

    // Assess
    expect(report).toMatchObject({ outcome: 'duplicate', duplicate: true, scanned: 0 });
    expect(sent).toEqual([]);
    // The invocation that sweeps the minute reports its checks; a duplicate adds no datapoint of its own.
    expect(metricLines(lines)).toEqual([]);
    expect(lines[0]).toMatchObject({
      message: 'sweep skipped: this minute was already swept',
      completed: true,
    });
  });

  it('refuses a minute older than the retention, with a log line, before touching the lease', async () => {
    // Prepare
    const store = new FakeSweepStore([[{ sites: everyMinute('a', 3) }], []]);
    let acquired = false;
    store.acquireSweep = async () => {
      acquired = true;
      return store.claim;
    };
    const { queue, sent } = recordingQueue();
    const { log, lines } = quietLog();
    const nowMs = AT + (SWEEP_RETENTION_MINUTES + 1) * MINUTE_MS;

    // Act
    const report = await runSweep(AT, nowMs, { store, queue, log }, OPTIONS);
    const justInTime = await runSweep(AT, nowMs - MINUTE_MS, { store, queue, log }, OPTIONS);

    // Assess
    expect(report).toMatchObject({ outcome: 'too-late', duplicate: true });
    expect(lines[0]).toMatchObject({
      level: 'WARN',
      message: 'sweep refused: the minute is older than the lease retention',
      minute: MINUTE,
      oldestMinute: MINUTE + 1,
    });
    expect(justInTime.outcome).toBe('swept');
    expect(acquired).toBe(true);
    expect(sent.flat()).toHaveLength(2);
  });

  it('deletes the lease items older than the retention and the legacy lease its scan passed, keeps the rest', async () => {
    // Prepare
    const leases: SweepLeaseItem[] = [
      { kind: 'minute', minute: MINUTE - SWEEP_RETENTION_MINUTES - 5 },
      { kind: 'minute', minute: MINUTE - SWEEP_RETENTION_MINUTES - 1 },
      { kind: 'minute', minute: MINUTE - SWEEP_RETENTION_MINUTES },
      { kind: 'minute', minute: MINUTE },
      { kind: 'legacy' },
    ];
    const store = new FakeSweepStore([
      [{ sites: everyMinute('a', 2), leases: leases.slice(0, 2) }],
      [{ sites: [], leases: leases.slice(2) }],
    ]);
    const { queue } = recordingQueue();

    // Act
    const report = await runSweep(AT, AT, { store, queue, log: quietLog().log }, OPTIONS);

    // Assess
    expect(store.deleted).toEqual([leases[0], leases[1], leases[4]]);
    expect(report.leasesDeleted).toBe(3);
  });

  it('stops when a retry took its lease over while it ran (the invocation fails, nothing more is sent)', async () => {
    // Prepare
    const store = new FakeSweepStore([
      [{ sites: everyMinute('a', 20) }, { sites: everyMinute('c', 20) }],
      [{ sites: [] }],
    ]);
    store.progressOutcome = 'lost';
    const { queue, sent } = recordingQueue();

    // Act
    const sweeping = runSweep(AT, AT, { store, queue, log: quietLog().log }, OPTIONS);

    // Assess
    await expect(sweeping).rejects.toThrow(SweepLeaseLostError);
    await expect(sweeping).rejects.toThrow(
      `sweep of minute ${MINUTE}: lease (until ${AT + 45_000}) taken over`,
    );
    expect(sent).toHaveLength(1);
    expect(store.completed).toBe(0);
  });
});

describe('runSweep page observer', () => {
  it('shows the observer every scanned page’s sites, paused ones included, once each', async () => {
    // Prepare: two segments, three pages, paused sites among them.
    const store = new FakeSweepStore([
      [{ sites: everyMinute('a', 3) }, { sites: pausedSites(2) }],
      [{ sites: everyMinute('b', 4) }],
    ]);
    const seen: string[] = [];

    // Act
    const report = await runSweep(
      AT,
      AT,
      {
        store,
        queue: recordingQueue().queue,
        log: quietLog().log,
        observePage: (sites) => seen.push(...sites.map((site) => site.config.siteId)),
      },
      OPTIONS,
    );

    // Assess
    expect(report).toMatchObject({ outcome: 'swept', scanned: 9, due: 7 });
    expect(seen.sort()).toEqual(
      [...everyMinute('a', 3), ...pausedSites(2), ...everyMinute('b', 4)]
        .map((site) => site.config.siteId)
        .sort(),
    );
  });

  it('an observer that throws is logged and the sweep enqueues every due site all the same', async () => {
    // Prepare
    const store = new FakeSweepStore([[{ sites: everyMinute('a', 3) }], [{ sites: everyMinute('b', 2) }]]);
    const { queue, siteIds } = recordingQueue();
    const { log, lines } = quietLog();

    // Act
    const report = await runSweep(
      AT,
      AT,
      {
        store,
        queue,
        log,
        observePage: () => {
          throw new Error('observer bug');
        },
      },
      OPTIONS,
    );

    // Assess
    expect(report).toMatchObject({ outcome: 'swept', due: 5 });
    expect(siteIds()).toHaveLength(5);
    expect(lines.filter((line) => line.message === 'scan page observer failed: the sweep goes on')).toEqual([
      { level: 'ERROR', message: 'scan page observer failed: the sweep goes on', error: 'observer bug' },
      { level: 'ERROR', message: 'scan page observer failed: the sweep goes on', error: 'observer bug' },
    ]);
  });
});
