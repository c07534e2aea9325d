import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const RUNTIME_FILE_NAME = 'runtime.json';

/** `<dataDir>/runtime.json`: how the CLI finds a running local runtime. Removed on a clean stop. */
export interface RuntimeFile {
  readonly pid: number;
  readonly region: string;
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly snsEndpoint: string;
  readonly tableName: string;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly topicArn: string;
  /** The endpoint of the runtime's own subscription (it prints alerts): the CLI refuses to unsubscribe it. */
  readonly alertPrinterQueueArn: string;
  /** The history bucket (raw checks, rollups, incidents, summary) and the S3 endpoint serving it (path-style). */
  readonly historyBucket: string;
  readonly s3Endpoint: string;
  /** Alert channels (issue 14): the channels table, and where their secrets live (the SSM emulator, the prefix). */
  readonly channelsTable: string;
  readonly channelSecretsPrefix: string;
  readonly ssmEndpoint: string;
  /** The endpoint of the runtime's subscription feeding the channel dispatcher: the CLI refuses to unsubscribe it. */
  readonly dispatchQueueArn: string;
  /** ISO 8601. */
  readonly startedAt: string;
  /**
   * The verifier locations it runs (`npm start -- --verifier name=address`), in the order the checker asks them;
   * absent without any (the file is then as before issue 15).
   */
  readonly verifierLocations?: readonly RuntimeFileVerifierLocation[];
}

/** A verifier location's process: its name, the address its checks come from, where it answers Invoke. */
export interface RuntimeFileVerifierLocation {
  readonly location: string;
  readonly sourceAddress: string;
  readonly invokeUrl: string;
  readonly pid: number;
}

export const runtimeFilePath = (dataDir: string): string => join(dataDir, RUNTIME_FILE_NAME);

/** Writes the file atomically: a reader never sees half of it. */
export async function writeRuntimeFile(dataDir: string, content: RuntimeFile): Promise<void> {
  const path = runtimeFilePath(dataDir);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(content, null, 2)}\n`);
  await rename(temporary, path);
}

/** The file's content, or undefined when there is none (or it cannot be read as one). */
export async function readRuntimeFile(dataDir: string): Promise<RuntimeFile | undefined> {
  try {
    const content = JSON.parse(await readFile(runtimeFilePath(dataDir), 'utf8')) as RuntimeFile;
    return typeof content.pid === 'number' ? content : undefined;
  } catch {
    return undefined;
  }
}

export async function removeRuntimeFile(dataDir: string): Promise<void> {
  await rm(runtimeFilePath(dataDir), { force: true });
}

/** True when a process with this id exists (a runtime.json left by a crash names a dead one). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
