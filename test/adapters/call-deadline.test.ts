import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CallDeadline,
  CallDeadlineError,
  DEFAULT_MAX_CALL_MS,
} from '../../functions/adapters/call-deadline.ts';

const NOW = 1_000_000;
const clockAt = (ms: number) => () => ms;

describe('CallDeadline', () => {
  afterEach(() => vi.useRealTimers());

  it('gives a call its limit before any invocation started', () => {
    // Assess
    expect(new CallDeadline().callTimeoutMs()).toBe(DEFAULT_MAX_CALL_MS);
    expect(new CallDeadline({ maxCallMs: 300, marginMs: 1_000, nowMs: clockAt(NOW) }).callTimeoutMs()).toBe(
      300,
    );
  });

  it.each([
    { leftMs: 60_000, maxCallMs: 10_000, marginMs: 1_000, expected: 10_000 },
    { leftMs: 5_000, maxCallMs: 10_000, marginMs: 1_000, expected: 4_000 },
    { leftMs: 1_001, maxCallMs: 10_000, marginMs: 1_000, expected: 1 },
    { leftMs: 1_000, maxCallMs: 10_000, marginMs: 1_000, expected: 0 },
    { leftMs: 300, maxCallMs: 10_000, marginMs: 0, expected: 300 },
    { leftMs: -2_000, maxCallMs: 10_000, marginMs: 1_000, expected: -3_000 },
  ])(
    'with $leftMs ms left, a $maxCallMs ms limit and a $marginMs ms margin, a call gets $expected ms',
    ({ leftMs, maxCallMs, marginMs, expected }) => {
      // Prepare
      const deadline = new CallDeadline({ maxCallMs, marginMs, nowMs: clockAt(NOW) });

      // Act
      deadline.startInvocation(NOW + leftMs);

      // Assess
      expect(deadline.callTimeoutMs()).toBe(expected);
    },
  );

  it('measures the time left when the call starts, not when the invocation did', () => {
    // Prepare
    let nowMs = NOW;
    const deadline = new CallDeadline({ maxCallMs: 10_000, marginMs: 1_000, nowMs: () => nowMs });
    deadline.startInvocation(NOW + 30_000);

    // Act
    nowMs += 25_000;

    // Assess
    expect(deadline.callTimeoutMs()).toBe(4_000);
  });

  it('hands out a signal that is already aborted when no time is left, saying by how much', () => {
    // Prepare
    const deadline = new CallDeadline({ maxCallMs: 10_000, marginMs: 1_000, nowMs: clockAt(NOW) });
    deadline.startInvocation(NOW + 400);

    // Act
    const signal = deadline.signal();

    // Assess
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(CallDeadlineError);
    expect(signal.reason).toMatchObject({
      code: 'CALL_DEADLINE_EXCEEDED',
      message: 'AWS call not started: 600 ms past the invocation deadline less its 1000 ms margin',
    });
  });

  it('aborts a call’s signal when its share of the time is over, and not before', () => {
    // Prepare
    vi.useFakeTimers({ now: NOW });
    const deadline = new CallDeadline({ maxCallMs: 10_000, marginMs: 1_000 });
    deadline.startInvocation(NOW + 1_300);

    // Act
    const signal = deadline.signal();
    vi.advanceTimersByTime(299);
    const early = signal.aborted;
    vi.advanceTimersByTime(1);

    // Assess
    expect(early).toBe(false);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe(
      'AWS call aborted after 300 ms (call limit 10000 ms, margin 1000 ms before the invocation deadline)',
    );
  });

  it.each([
    { options: { maxCallMs: 0 }, message: 'maxCallMs must be a positive number of ms, got 0' },
    { options: { maxCallMs: Number.NaN }, message: 'maxCallMs must be a positive number of ms, got NaN' },
    { options: { marginMs: -1 }, message: 'marginMs must be 0 or more ms, got -1' },
  ])('refuses $options', ({ options, message }) => {
    // Assess
    expect(() => new CallDeadline(options)).toThrow(message);
  });
});
