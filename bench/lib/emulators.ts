import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { buildApp } from 'fauxqs';
import { Child, serveCommands } from './child.ts';

/** Where the emulated AWS services listen. */
export interface EmulatorEndpoints {
  readonly dynamodbEndpoint: string;
  /** SQS and SNS: one emulator. */
  readonly sqsEndpoint: string;
}

export interface RemoteEmulators extends EmulatorEndpoints {
  readonly pid: number | undefined;
  /** CPU the emulators have used so far, in ms (user + system). */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

/** dynalite (in memory, no LevelDB) and fauxqs, both on 127.0.0.1 only. */
export async function startEmulators(): Promise<EmulatorEndpoints & { stop(): Promise<void> }> {
  const dynamodb = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => dynamodb.listen(0, '127.0.0.1', resolve));
  // buildApp, not startFauxqs: startFauxqs binds 0.0.0.0.
  const fauxqs = buildApp({ logger: false });
  await fauxqs.listen({ port: 0, host: '127.0.0.1' });
  return {
    dynamodbEndpoint: `http://127.0.0.1:${(dynamodb.address() as AddressInfo).port}`,
    sqsEndpoint: `http://127.0.0.1:${(fauxqs.server.address() as AddressInfo).port}`,
    stop: async () => {
      await fauxqs.close();
      await new Promise<void>((resolve) => dynamodb.close(() => resolve()));
    },
  };
}

/** The emulators in a child process: on AWS these services have their own CPUs, not the Lambda's. */
export async function startRemoteEmulators(): Promise<RemoteEmulators> {
  const child = new Child(new URL('./emulators.ts', import.meta.url), { env: { BENCH_EMULATORS: '1' } });
  const endpoints = await child.request<EmulatorEndpoints>('start');
  return {
    ...endpoints,
    pid: child.pid,
    cpuMs: () => child.request<number>('cpu'),
    stop: () => child.stop(),
  };
}

// This file is also the child's entry: it serves commands when started as the emulators process.
if (process.env.BENCH_EMULATORS === '1' && process.send) {
  let running: Awaited<ReturnType<typeof startEmulators>> | undefined;
  serveCommands(
    {
      start: async () => {
        running ??= await startEmulators();
        return { dynamodbEndpoint: running.dynamodbEndpoint, sqsEndpoint: running.sqsEndpoint };
      },
      cpu: () => {
        const usage = process.cpuUsage();
        return (usage.user + usage.system) / 1000;
      },
    },
    async () => {
      await running?.stop();
    },
  );
}
