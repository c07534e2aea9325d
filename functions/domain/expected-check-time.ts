import type { CheckTask } from './check-message.ts';

/**
 * How long a check will probably take, from what the snapshot knows: a site failing with timeouts will
 * take its whole timeout again; otherwise the latency of its last recorded change (0 when none). Only an
 * ordering hint: longest first shortens an invocation whose checks cannot all start at once.
 */
export function expectedCheckMs({ site, state }: CheckTask): number {
  const lastTimedOut = state.lastCheck?.up === false && state.lastCheck.reason === 'timeout';
  if (state.outage?.reason === 'timeout' || lastTimedOut) return site.timeoutMs;
  return Math.min(state.lastCheck?.latencyMs ?? 0, site.timeoutMs);
}
