import { startBundledChild } from '../lib/bundle.ts';
import { LAMBDA_MAX_OPEN_FILES } from '../settings.ts';
import { packInvocations, type SweepMeasurement, type SweepSetup } from './checker-worker.ts';

export interface CheckerProcess {
  /** Checker invocations per sweep: the messages of the fleet, `batchSize` per invocation. */
  readonly invocations: number;
  readonly messages: number;
  readonly pid: number | undefined;
  /** Points the same process at another fleet (a Lambda container checking other sites). */
  setup(setup: SweepSetup): Promise<void>;
  sweep(): Promise<SweepMeasurement>;
  stop(): Promise<void>;
}

/**
 * Runs sweeps in a child process started as Lambda starts the checker: a bundle on plain node (with
 * --enable-source-maps when `sourceMaps`), and K × 1,024 descriptors for K concurrent invocations.
 */
export async function startCheckerProcess(
  setup: SweepSetup,
  sourceMaps: boolean,
  env: Readonly<Record<string, string>> = {},
): Promise<CheckerProcess> {
  const batches = packInvocations(setup, Date.now());
  const child = await startBundledChild(new URL('./checker-worker.ts', import.meta.url), {
    env: { ...env, BENCH_CHECKER: '1' },
    sourceMaps,
    maxOpenFiles: LAMBDA_MAX_OPEN_FILES * batches.length,
  });
  await child.request('setup', setup);
  return {
    invocations: batches.length,
    messages: batches.reduce((sum, batch) => sum + batch.length, 0),
    pid: child.pid,
    setup: (next) => child.request('setup', next),
    sweep: () => child.request<SweepMeasurement>('sweep'),
    stop: () => child.stop(),
  };
}
