import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { buildApp } from 'fauxqs';
import { type RunningSsmEmulator, startSsmEmulator } from './ssm-emulator.ts';

// Emulators accept any credentials: they must not be reachable from the network.
export const LOOPBACK = '127.0.0.1';

export interface PortRequest {
  /** 0 = any free port. */
  readonly port: number;
  /** When the port is taken, listen on any free port instead of failing. */
  readonly fallbackToFreePort: boolean;
}

export interface EmulatorOptions {
  /** LevelDB directory of the DynamoDB emulator; created when missing. */
  readonly dynamodbPath: string;
  readonly dynamodb: PortRequest;
  readonly sqs: PortRequest;
  readonly ssm: PortRequest;
  /** Where the SSM emulator keeps its parameters (parameters.json). */
  readonly ssmDataDir: string;
  readonly region: string;
  /**
   * Called after every SNS request that may have changed a subscription (Subscribe, Unsubscribe, …), answered
   * or not: the emulator keeps subscriptions in memory only, and the runtime saves them.
   */
  readonly onSubscriptionRequest?: () => void;
}

// SNS actions after which the topic's subscriptions may differ.
const SUBSCRIPTION_ACTIONS = new Set([
  'Subscribe',
  'Unsubscribe',
  'SetSubscriptionAttributes',
  'ConfirmSubscription',
]);

export interface RunningEmulators {
  readonly dynamodbEndpoint: string;
  /** SQS and SNS share one emulator, hence one endpoint. */
  readonly sqsEndpoint: string;
  /** SSM Parameter Store (the channels' secrets). */
  readonly ssmEndpoint: string;
  /** Its parameters.json. */
  readonly parametersFile: string;
  /** Closes all three; the DynamoDB emulator flushes and closes its LevelDB store. */
  close(): Promise<void>;
}

export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

/**
 * Starts dynalite (persisted to disk), fauxqs (SQS + SNS, in memory) and the SSM emulator (persisted to
 * parameters.json), all on loopback only.
 */
export async function startEmulators(options: EmulatorOptions): Promise<RunningEmulators> {
  await mkdir(options.dynamodbPath, { recursive: true });
  // Tables are usable at once: nothing waits for a pretend provisioning delay.
  const dynamodb = dynalite({
    path: options.dynamodbPath,
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const dynamodbPort = await listenWithFallback(options.dynamodb, 'DynamoDB', (port) =>
    listenHttp(dynamodb, port),
  );
  // buildApp rather than startFauxqs: startFauxqs binds 0.0.0.0, which would expose the queues to the LAN.
  const fauxqs = buildApp({ logger: false, defaultRegion: options.region });
  const { onSubscriptionRequest } = options;
  if (onSubscriptionRequest) {
    fauxqs.addHook('onResponse', async (request) => {
      // SNS speaks the query protocol: the body is a form, parsed into an object with its Action.
      const action = (request.body as { Action?: unknown } | undefined)?.Action;
      if (typeof action === 'string' && SUBSCRIPTION_ACTIONS.has(action)) onSubscriptionRequest();
    });
  }
  let sqsPort: number;
  try {
    sqsPort = await listenWithFallback(options.sqs, 'SQS/SNS', async (port) => {
      await fauxqs.listen({ port, host: LOOPBACK });
      return (fauxqs.server.address() as AddressInfo).port;
    });
  } catch (error) {
    await closeHttp(dynamodb);
    throw error;
  }
  let ssm: RunningSsmEmulator;
  try {
    ssm = await listenWithFallback(options.ssm, 'SSM', (port) =>
      startSsmEmulator({ dataDir: options.ssmDataDir, port, region: options.region }),
    );
  } catch (error) {
    await Promise.allSettled([fauxqs.close(), closeHttp(dynamodb)]);
    throw error;
  }
  return {
    dynamodbEndpoint: `http://${LOOPBACK}:${dynamodbPort}`,
    sqsEndpoint: `http://${LOOPBACK}:${sqsPort}`,
    ssmEndpoint: ssm.endpoint,
    parametersFile: ssm.file,
    close: async () => {
      await Promise.allSettled([fauxqs.close(), closeHttp(dynamodb), ssm.close()]);
    },
  };
}

async function listenWithFallback<T>(
  request: PortRequest,
  what: string,
  listen: (port: number) => Promise<T>,
): Promise<T> {
  try {
    return await listen(request.port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    if (request.fallbackToFreePort) return listen(0);
    throw new PortInUseError(`${what} port ${request.port} is already in use: choose another one or 0`, {
      cause: error,
    });
  }
}

function listenHttp(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, LOOPBACK, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive sockets of clients that were not destroyed would otherwise hold the close open.
    server.closeIdleConnections();
  });
}
