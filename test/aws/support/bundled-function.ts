import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import * as v from 'valibot';
import { stopChild } from '../../support/run-child.ts';
import { motoClientConfig, motoProcessEnvironment } from './aws-environment.ts';
import { fillPlaceholders } from './deploy.ts';

const HOST_SCRIPT = fileURLToPath(new URL('./lambda-host.mjs', import.meta.url));
// A cold start loads the bundle and builds its clients: well under a second; a busy machine gets margin.
const INIT_TIMEOUT_MS = 30_000;
// Beyond the function's own timeout: the host process itself is stuck.
const INVOKE_MARGIN_MS = 10_000;
const UNZIP_TIMEOUT_MS = 60_000;

const FunctionResourceSchema = v.object({
  Type: v.literal('AWS::Lambda::Function'),
  Properties: v.object({
    Code: v.object({ S3Bucket: v.object({ 'Fn::Sub': v.string() }), S3Key: v.string() }),
  }),
  Metadata: v.object({ 'aws:cdk:path': v.string() }),
});

type HostMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'init-error'; readonly error: { readonly message: string; readonly stack?: string } }
  | { readonly kind: 'result'; readonly id: number; readonly value: unknown }
  | { readonly kind: 'error'; readonly id: number; readonly error: { readonly message: string } };

export interface BundledFunctionProps {
  readonly endpoint: string;
  readonly templatePath: string;
  readonly stackName: string;
  readonly resources: readonly StackResourceSummary[];
  /** The construct path below the stack, as in the template's metadata: `FanOut/Function/Resource`. */
  readonly constructPath: string;
  /** Where to unpack the code. While the bundles leave `@aws-sdk/*` to the runtime, a directory below the
   * repository's node_modules, so Node's resolution walks up to the SDK there (as Lambda's runtime provides). */
  readonly unpackDir: string;
  /** Added to the function's own environment (what the stack set, read back from moto's Lambda). */
  readonly extraEnvironment?: Readonly<Record<string, string>>;
}

/**
 * One function of the stack, run the way Lambda would run it: its code is the zip the stack points at (read
 * back from moto's S3, unpacked), its environment is what moto's Lambda holds for it, and its handler runs in
 * a Node child process (lambda-host.mjs) that is invoked with events over IPC.
 */
export class BundledFunction {
  readonly name: string;
  readonly #child: ChildProcess;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, (message: HostMessage) => void>();
  #nextId = 1;
  #output = '';
  // Killed with the test process too, should it exit before stop().
  readonly #killOnExit = () => this.#child.kill('SIGKILL');

  private constructor(name: string, child: ChildProcess, timeoutMs: number) {
    this.name = name;
    this.#child = child;
    this.#timeoutMs = timeoutMs;
    const keep = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString()).slice(-256 * 1024);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('message', (message: HostMessage) => {
      if ('id' in message) this.#pending.get(message.id)?.(message);
    });
    process.once('exit', this.#killOnExit);
  }

  static async start(props: BundledFunctionProps): Promise<BundledFunction> {
    const template = JSON.parse(readFileSync(props.templatePath, 'utf8')) as { Resources: object };
    const wanted = `${props.stackName}/${props.constructPath}`;
    const found = Object.entries(template.Resources).find(
      ([, resource]) =>
        v.is(FunctionResourceSchema, resource) && resource.Metadata['aws:cdk:path'] === wanted,
    );
    if (found === undefined) throw new Error(`no AWS::Lambda::Function at ${wanted} in the template`);
    const [logicalId, resource] = [found[0], v.parse(FunctionResourceSchema, found[1])];
    const functionName = props.resources.find((r) => r.LogicalResourceId === logicalId)?.PhysicalResourceId;
    if (functionName === undefined) throw new Error(`moto created no ${logicalId}`);

    const config = motoClientConfig(props.endpoint);
    const lambda = new LambdaClient(config);
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    try {
      const configuration = await lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: functionName }),
      );
      const object = await s3.send(
        new GetObjectCommand({
          Bucket: fillPlaceholders(resource.Properties.Code.S3Bucket['Fn::Sub']),
          Key: resource.Properties.Code.S3Key,
        }),
      );
      const codeDir = join(props.unpackDir, logicalId);
      mkdirSync(codeDir, { recursive: true });
      const zipPath = `${codeDir}.zip`;
      writeFileSync(zipPath, await (object.Body?.transformToByteArray() ?? new Uint8Array()));
      await promisify(execFile)('python3', ['-m', 'zipfile', '-e', zipPath, codeDir], {
        timeout: UNZIP_TIMEOUT_MS,
      });

      const timeoutSeconds = configuration.Timeout ?? 3;
      const child = spawn(process.execPath, [HOST_SCRIPT], {
        cwd: codeDir,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        env: {
          PATH: process.env.PATH ?? '',
          ...motoProcessEnvironment(props.endpoint),
          ...configuration.Environment?.Variables,
          ...props.extraEnvironment,
          LAMBDA_TASK_ROOT: codeDir,
          _HANDLER: configuration.Handler ?? 'index.handler',
          AWS_LAMBDA_FUNCTION_NAME: functionName,
          AWS_LAMBDA_FUNCTION_TIMEOUT: String(timeoutSeconds),
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(configuration.MemorySize ?? 128),
        },
      });
      const bundled = new BundledFunction(functionName, child, timeoutSeconds * 1000);
      await bundled.#waitReady();
      return bundled;
    } finally {
      lambda.destroy();
      s3.destroy();
    }
  }

  /** Invokes the handler with `event`; resolves with what it returned, rejects with what it threw. */
  invoke<T>(event: unknown): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.name} did not answer within its timeout:\n${this.output()}`));
      }, this.#timeoutMs + INVOKE_MARGIN_MS);
      this.#pending.set(id, (message) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        if (message.kind === 'result') resolve(message.value as T);
        else if (message.kind === 'error') reject(new Error(`${this.name} threw: ${message.error.message}`));
      });
      this.#child.send({ id, event });
    });
  }

  /** What the function logged (the tail), for failures. */
  output(): string {
    return this.#output;
  }

  /** Stops the host process (by its PID) and waits for it to exit. */
  async stop(): Promise<void> {
    process.off('exit', this.#killOnExit);
    await stopChild(this.#child);
  }

  #waitReady(): Promise<void> {
    const child = this.#child;
    return new Promise<void>((resolve, reject) => {
      const fail = (reason: string) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(`${this.name} did not start: ${reason}\n${this.output()}`));
      };
      const timer = setTimeout(() => fail(`no cold start within ${INIT_TIMEOUT_MS} ms`), INIT_TIMEOUT_MS);
      child.once('exit', (code, signal) => fail(`exited (${code ?? signal})`));
      child.on('message', (message: HostMessage) => {
        if (message.kind === 'ready') {
          clearTimeout(timer);
          child.removeAllListeners('exit');
          resolve();
        } else if (message.kind === 'init-error') {
          fail(message.error.stack ?? message.error.message);
        }
      });
    });
  }
}
