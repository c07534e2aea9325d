import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createStartLimiter } from '../../functions/services/start-limiter.ts';

const never = () => new Promise<never>(() => {});

describe('createStartLimiter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts at most maxStarting tasks while none has ended or had its slot time', async () => {
    // Prepare
    const limit = createStartLimiter(2, 500);
    const started: number[] = [];

    // Act
    for (const id of [1, 2, 3, 4]) {
      void limit(() => {
        started.push(id);
        return never();
      });
    }
    await vi.advanceTimersByTimeAsync(499);

    // Assess
    expect(started).toEqual([1, 2]);
  });

  it('starts every task of hung ones within (tasks / maxStarting) slots: a hung task gives its slot back', async () => {
    // Prepare
    const limit = createStartLimiter(2, 500);
    const started: number[] = [];

    // Act: six tasks that never end
    for (const id of [1, 2, 3, 4, 5, 6]) {
      void limit(() => {
        started.push(id);
        return never();
      });
    }
    await vi.advanceTimersByTimeAsync(500);
    const afterOneSlot = [...started];
    await vi.advanceTimersByTimeAsync(500);

    // Assess
    expect(afterOneSlot).toEqual([1, 2, 3, 4]);
    expect(started).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('never runs more than maxInFlight tasks, slots or not', async () => {
    // Prepare
    const limit = createStartLimiter(10, 10, 2);
    const started: number[] = [];

    // Act
    for (const id of [1, 2, 3, 4]) {
      void limit(() => {
        started.push(id);
        return never();
      });
    }
    await vi.advanceTimersByTimeAsync(1_000);

    // Assess
    expect(started).toEqual([1, 2]);
  });

  it('starts every queued task once pacing stops, within maxInFlight', async () => {
    // Prepare
    const limit = createStartLimiter(1, 60_000, 3);
    const started: number[] = [];
    for (const id of [1, 2, 3, 4]) {
      void limit(() => {
        started.push(id);
        return never();
      });
    }
    await vi.advanceTimersByTimeAsync(10);
    const whilePacing = [...started];

    // Act
    limit.stopPacing();
    await vi.advanceTimersByTimeAsync(10);

    // Assess
    expect(whilePacing).toEqual([1]);
    expect(started).toEqual([1, 2, 3]);
  });

  it('hands a slot on as soon as a task ends, and resolves with the task', async () => {
    // Prepare
    const limit = createStartLimiter(1, 10_000);

    // Act
    const first = limit(async () => 'first');
    const second = limit(async () => 'second');

    // Assess
    await expect(first).resolves.toBe('first');
    await expect(second).resolves.toBe('second');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with the error of a task that throws or rejects, and frees its slot', async () => {
    // Prepare
    const limit = createStartLimiter(1, 10_000);

    // Act
    const throwing = limit(() => {
      throw new Error('sync');
    });
    const rejecting = limit(() => Promise.reject(new Error('async')));
    const after = limit(async () => 'ran');

    // Assess
    await expect(throwing).rejects.toThrow('sync');
    await expect(rejecting).rejects.toThrow('async');
    await expect(after).resolves.toBe('ran');
  });
});
