import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type CompactorEvent,
  type CompactorFunction,
  HistoryCompactions,
} from '../../local/history-compactions.ts';

afterEach(() => {
  vi.useRealTimers();
});

/** A compactor function that records its events, answers as told, and counts its starts and stops. */
function fakeCompactor(answer: (event: CompactorEvent) => Promise<unknown>) {
  const events: CompactorEvent[] = [];
  const counts = { starts: 0, closes: 0 };
  const compactor: CompactorFunction = {
    invoke: <T>(event: unknown) => {
      events.push(event as CompactorEvent);
      return answer(event as CompactorEvent) as Promise<T>;
    },
    close: async () => {
      counts.closes++;
    },
    onLog: () => () => false,
  };
  return {
    events,
    counts,
    startCompactor: async () => {
      counts.starts++;
      return compactor;
    },
  };
}

describe('HistoryCompactions', () => {
  it('starts the compactor function only when a first compaction runs', async () => {
    // Prepare
    const compactor = fakeCompactor(async () => ({}));
    const compactions = new HistoryCompactions({
      startCompactor: compactor.startCompactor,
      onProblem: () => {},
    });

    // Act
    await compactions.stop();

    // Assess
    expect(compactor.counts).toEqual({ starts: 0, closes: 0 });
  });

  it('compacts through now, with the time EventBridge would send', async () => {
    // Prepare
    const compactor = fakeCompactor(async () => ({ compactedUntilMs: 1 }));
    const compactions = new HistoryCompactions({
      startCompactor: compactor.startCompactor,
      onProblem: () => {},
      nowMs: () => 1_765_000_000_000,
    });

    // Act
    const result = await compactions.runNow();

    // Assess
    expect(result).toEqual({ compactedUntilMs: 1 });
    expect(compactor.events).toEqual([
      { time: new Date(1_765_000_000_000).toISOString(), throughMs: 1_765_000_000_000 },
    ]);
    expect(compactions.stats).toEqual({ completed: 1, failed: 0 });
  });

  it('runs one compaction at a time: a run asked for meanwhile starts after the first ends', async () => {
    // Prepare
    let release = () => {};
    let running = 0;
    let maxRunning = 0;
    const compactor = fakeCompactor(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      running--;
    });
    const compactions = new HistoryCompactions({
      startCompactor: compactor.startCompactor,
      onProblem: () => {},
    });

    // Act
    const first = compactions.runNow();
    const second = compactions.runNow();
    await vi.waitFor(() => expect(compactor.events).toHaveLength(1));
    release();
    await vi.waitFor(() => expect(compactor.events).toHaveLength(2));
    release();
    await Promise.all([first, second]);

    // Assess
    expect(maxRunning).toBe(1);
  });

  it('reports a failure once while it repeats, and again after it healed', async () => {
    // Prepare
    let isBroken = true;
    const compactor = fakeCompactor(async () => {
      if (isBroken) throw new Error('compactor: bucket gone');
      return {};
    });
    const problems: string[] = [];
    const compactions = new HistoryCompactions({
      startCompactor: compactor.startCompactor,
      onProblem: (message) => problems.push(message),
    });

    // Act
    for (let run = 0; run < 3; run++) await compactions.runNow().catch(() => undefined);
    isBroken = false;
    await compactions.runNow();
    isBroken = true;
    await compactions.runNow().catch(() => undefined);

    // Assess
    expect(problems).toEqual([
      'history compaction failed: compactor: bucket gone',
      'history compaction failed: compactor: bucket gone',
    ]);
    expect(compactions.stats).toEqual({ completed: 1, failed: 4 });
  });

  it('compacts on its timer until stopped, and refuses runs after the stop', async () => {
    // Prepare
    vi.useFakeTimers();
    const compactor = fakeCompactor(async () => ({}));
    const compactions = new HistoryCompactions({
      startCompactor: compactor.startCompactor,
      onProblem: () => {},
    });

    // Act
    compactions.start(60_000);
    await vi.advanceTimersByTimeAsync(3 * 60_000);
    await compactions.stop();
    await vi.advanceTimersByTimeAsync(3 * 60_000);

    // Assess: one cold start for every run, stopped with the compactions
    expect(compactor.events).toHaveLength(3);
    expect(compactor.counts).toEqual({ starts: 1, closes: 1 });
    await expect(compactions.runNow()).rejects.toThrow('stopping');
  });
});
