import { createHash, randomUUID } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as v from 'valibot';

// SSM Parameter Store as the local runtime needs it: the channels' secrets, written by the CLI and read by the
// deliverer with the real @aws-sdk/client-ssm. No embeddable Node emulator of SSM exists on npm (LocalStack and
// moto are separate Python servers; the serverless-offline SSM plugins resolve config, they serve no protocol),
// so this speaks the AWS JSON 1.1 protocol itself for the five calls the project makes.

/** `<dataDir>/parameters.json`: every parameter, SecureString values included, readable by the user only. */
export const PARAMETERS_FILE_NAME = 'parameters.json';

const PARAMETER_TYPES = ['String', 'StringList', 'SecureString'] as const;
type ParameterType = (typeof PARAMETER_TYPES)[number];

const StoredParameterSchema = v.object({
  name: v.string(),
  type: v.picklist(PARAMETER_TYPES),
  value: v.string(),
  version: v.pipe(v.number(), v.integer(), v.minValue(1)),
  lastModifiedMs: v.number(),
});
type StoredParameter = v.InferOutput<typeof StoredParameterSchema>;

const ParametersFileSchema = v.object({ version: v.literal(1), parameters: v.array(StoredParameterSchema) });

// AWS's limits: names up to 1011 characters of these, 15 levels deep; standard-tier values up to 4 KB.
const NAME_PATTERN = /^[a-zA-Z0-9_.\-/]+$/;
const MAX_NAME_CHARS = 1011;
const MAX_HIERARCHY_LEVELS = 15;
const MAX_VALUE_BYTES = 4096;
const MAX_VALUE_BYTES_ADVANCED = 8192;
const MAX_NAMES_PER_GET = 10;
const MAX_REQUEST_BYTES = 64 * 1024;

/** An error the SDK turns into the exception of the same name (`__type`, status 400). */
export class SsmError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface SsmEmulatorOptions {
  readonly dataDir: string;
  /** 0 = any free port. */
  readonly port: number;
  /** For the parameters' ARNs. */
  readonly region: string;
}

export interface RunningSsmEmulator {
  /** `http://127.0.0.1:PORT` (AWS_ENDPOINT_URL_SSM). */
  readonly endpoint: string;
  /** Where the parameters are kept. */
  readonly file: string;
  close(): Promise<void>;
}

/**
 * Starts the emulator on 127.0.0.1 (it accepts any credentials) with the parameters parameters.json holds.
 * @throws when the file exists but is not a parameters file: it holds secrets, so it is never overwritten.
 */
export async function startSsmEmulator(options: SsmEmulatorOptions): Promise<RunningSsmEmulator> {
  const file = join(options.dataDir, PARAMETERS_FILE_NAME);
  const store = new ParameterStore(file, options.region, await loadParameters(file));
  const server = createServer((request, response) => void serve(store, request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    file,
    close: () => closeServer(server, store),
  };
}

async function loadParameters(file: string): Promise<Map<string, StoredParameter>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  // A copy made with a wider mode is narrowed at once: the values are secrets.
  await chmod(file, 0o600);
  let parsed: v.SafeParseResult<typeof ParametersFileSchema>;
  try {
    parsed = v.safeParse(ParametersFileSchema, JSON.parse(text));
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${(error as Error).message}): repair or move it`);
  }
  if (!parsed.success) {
    throw new Error(`${file} is not a parameters file (${parsed.issues[0].message}): repair or move it`);
  }
  return new Map(parsed.output.parameters.map((parameter) => [parameter.name, parameter]));
}

class ParameterStore {
  readonly #parameters: Map<string, StoredParameter>;
  // Changes apply one at a time, each saved before it is answered, in the order they arrived.
  #changes: Promise<unknown> = Promise.resolve();

  constructor(
    readonly file: string,
    readonly region: string,
    parameters: Map<string, StoredParameter>,
  ) {
    this.#parameters = parameters;
  }

  get(name: string): StoredParameter | undefined {
    return this.#parameters.get(name);
  }

  all(): StoredParameter[] {
    return [...this.#parameters.values()];
  }

  /** Runs `change` on a copy, saves the copy, then makes it current: a failed save changes nothing. */
  change<T>(change: (parameters: Map<string, StoredParameter>) => T): Promise<T> {
    const run = this.#changes.then(async () => {
      const next = new Map(this.#parameters);
      const result = change(next);
      await this.#save(next);
      this.#parameters.clear();
      for (const [name, parameter] of next) this.#parameters.set(name, parameter);
      return result;
    });
    this.#changes = run.catch(() => undefined);
    return run;
  }

  settled(): Promise<unknown> {
    return this.#changes;
  }

  async #save(parameters: Map<string, StoredParameter>): Promise<void> {
    const sorted = [...parameters.values()].sort((a, b) => a.name.localeCompare(b.name));
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify({ version: 1, parameters: sorted }, null, 2)}\n`, {
      mode: 0o600,
    });
    await rename(temporary, this.file);
  }
}

async function serve(
  store: ParameterStore,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const answer = (status: number, body: unknown, errorType?: string) => {
    response.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    response.end(JSON.stringify(body));
  };
  try {
    const target = request.headers['x-amz-target'];
    const operation = typeof target === 'string' ? target.replace(/^AmazonSSM\./, '') : '';
    const body = await readJsonBody(request);
    answer(200, await perform(store, operation, body));
  } catch (error) {
    if (error instanceof SsmError) {
      answer(error.status, { __type: error.type, message: error.message }, error.type);
    } else {
      answer(
        500,
        { __type: 'InternalServerError', message: (error as Error).message },
        'InternalServerError',
      );
    }
  }
}

async function readJsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) throw new SsmError('SerializationException', 'request body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    const value: unknown = JSON.parse(text === '' ? '{}' : text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // Answered below, as AWS does.
  }
  throw new SsmError('SerializationException', 'the request body is not a JSON object');
}

function perform(store: ParameterStore, operation: string, body: Record<string, unknown>): unknown {
  switch (operation) {
    case 'PutParameter':
      return putParameter(store, body);
    case 'GetParameter': {
      const name = requireName(body.Name);
      const parameter = store.get(name);
      if (!parameter) throw notFound(name);
      return { Parameter: describe(store, parameter, body.WithDecryption === true) };
    }
    case 'GetParameters': {
      const names = body.Names;
      if (!Array.isArray(names) || names.length === 0 || names.length > MAX_NAMES_PER_GET) {
        throw new SsmError(
          'ValidationException',
          `Names must list 1 to ${MAX_NAMES_PER_GET} parameter names`,
        );
      }
      const found: StoredParameter[] = [];
      const invalid: string[] = [];
      for (const name of new Set(names.map(requireName))) {
        const parameter = store.get(name);
        if (parameter) found.push(parameter);
        else invalid.push(name);
      }
      const withDecryption = body.WithDecryption === true;
      return {
        Parameters: found.map((parameter) => describe(store, parameter, withDecryption)),
        InvalidParameters: invalid,
      };
    }
    case 'GetParametersByPath':
      return getParametersByPath(store, body);
    case 'DeleteParameter': {
      const name = requireName(body.Name);
      return store.change((parameters) => {
        if (!parameters.delete(name)) throw notFound(name);
        return {};
      });
    }
    default:
      throw new SsmError(
        'UnknownOperationException',
        `the local SSM emulator does not implement ${operation || 'this request'}`,
      );
  }
}

function putParameter(store: ParameterStore, body: Record<string, unknown>): Promise<unknown> {
  const name = requireName(body.Name);
  const value = body.Value;
  if (typeof value !== 'string' || value === '') {
    throw new SsmError('ValidationException', 'Value must be a non-empty string');
  }
  const maxBytes = body.Tier === 'Advanced' ? MAX_VALUE_BYTES_ADVANCED : MAX_VALUE_BYTES;
  if (Buffer.byteLength(value) > maxBytes) {
    throw new SsmError(
      'ValidationException',
      `Value of ${Buffer.byteLength(value)} bytes exceeds the ${maxBytes}-byte limit of its tier`,
    );
  }
  const type = body.Type;
  if (type !== undefined && !PARAMETER_TYPES.includes(type as ParameterType)) {
    throw new SsmError('ValidationException', `Type must be one of ${PARAMETER_TYPES.join(', ')}`);
  }
  const overwrite = body.Overwrite === true;
  if (overwrite && Array.isArray(body.Tags) && body.Tags.length > 0) {
    throw new SsmError('ValidationException', 'Tags and Overwrite cannot both be specified');
  }
  return store.change((parameters) => {
    const existing = parameters.get(name);
    if (existing && !overwrite) {
      throw new SsmError('ParameterAlreadyExists', 'The parameter already exists.');
    }
    const chosenType = (type as ParameterType | undefined) ?? existing?.type;
    if (!chosenType) {
      throw new SsmError('ValidationException', 'A parameter type is required when you create a parameter.');
    }
    const version = (existing?.version ?? 0) + 1;
    parameters.set(name, { name, type: chosenType, value, version, lastModifiedMs: Date.now() });
    return { Version: version, Tier: 'Standard' };
  });
}

function getParametersByPath(store: ParameterStore, body: Record<string, unknown>): unknown {
  const path = body.Path;
  if (typeof path !== 'string' || !path.startsWith('/') || !NAME_PATTERN.test(path)) {
    throw new SsmError('ValidationException', 'Path must start with / and use only a-zA-Z0-9_.-/');
  }
  const maxResults = body.MaxResults ?? 10;
  if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1 || maxResults > 10) {
    throw new SsmError('ValidationException', 'MaxResults must be a whole number from 1 to 10');
  }
  if (Array.isArray(body.ParameterFilters) && body.ParameterFilters.length > 0) {
    throw new SsmError('ValidationException', 'the local SSM emulator does not implement ParameterFilters');
  }
  const prefix = path.endsWith('/') ? path : `${path}/`;
  const recursive = body.Recursive === true;
  const matching = store
    .all()
    .filter((parameter) => {
      if (!parameter.name.startsWith(prefix)) return false;
      return recursive || !parameter.name.slice(prefix.length).includes('/');
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  // The token is the last name returned: later pages carry on after it even if parameters changed meanwhile.
  const after = typeof body.NextToken === 'string' ? decodeToken(body.NextToken) : undefined;
  const remaining = after === undefined ? matching : matching.filter((p) => p.name.localeCompare(after) > 0);
  const page = remaining.slice(0, maxResults);
  const withDecryption = body.WithDecryption === true;
  const last = page.at(-1);
  return {
    Parameters: page.map((parameter) => describe(store, parameter, withDecryption)),
    ...(remaining.length > page.length && last ? { NextToken: encodeToken(last.name) } : {}),
  };
}

const encodeToken = (name: string) => Buffer.from(name, 'utf8').toString('base64url');

function decodeToken(token: string): string {
  const name = Buffer.from(token, 'base64url').toString('utf8');
  if (!NAME_PATTERN.test(name)) throw new SsmError('ValidationException', 'The NextToken is not valid.');
  return name;
}

/** The Parameter shape the SDK reads; a SecureString without WithDecryption is opaque, as KMS ciphertext is. */
function describe(store: ParameterStore, parameter: StoredParameter, withDecryption: boolean) {
  const isHidden = parameter.type === 'SecureString' && !withDecryption;
  return {
    Name: parameter.name,
    Type: parameter.type,
    Value: isHidden ? opaqueValue(parameter) : parameter.value,
    Version: parameter.version,
    // JSON 1.1 timestamps are epoch seconds.
    LastModifiedDate: parameter.lastModifiedMs / 1000,
    ARN: `arn:aws:ssm:${store.region}:000000000000:parameter${parameter.name.startsWith('/') ? '' : '/'}${parameter.name}`,
    DataType: 'text',
  };
}

// Stands in for the KMS ciphertext AWS returns: base64, says nothing of the value (a hash, salted by the name
// and version, so equal secrets do not look equal).
function opaqueValue(parameter: StoredParameter): string {
  return createHash('sha256')
    .update(`${parameter.name}\0${parameter.version}\0${parameter.value}`)
    .digest('base64');
}

function requireName(raw: unknown): string {
  if (typeof raw !== 'string' || raw === '') {
    throw new SsmError('ValidationException', 'Name must be a non-empty string');
  }
  if (raw.length > MAX_NAME_CHARS || !NAME_PATTERN.test(raw)) {
    throw new SsmError(
      'ValidationException',
      `Parameter name must be at most ${MAX_NAME_CHARS} characters of a-zA-Z0-9_.-/`,
    );
  }
  if (raw.includes('/') && !raw.startsWith('/')) {
    throw new SsmError('ValidationException', 'Parameter name must be a fully qualified name.');
  }
  if (/^\/?(aws|ssm)/i.test(raw)) {
    throw new SsmError(
      'ValidationException',
      'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).',
    );
  }
  if (raw.split('/').length - 1 > MAX_HIERARCHY_LEVELS) {
    throw new SsmError(
      'HierarchyLevelLimitExceededException',
      `Parameter name has more than ${MAX_HIERARCHY_LEVELS} levels`,
    );
  }
  return raw;
}

const notFound = (name: string) => new SsmError('ParameterNotFound', `Parameter ${name} not found.`);

async function closeServer(server: Server, store: ParameterStore): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  // A change answered or not, its save finishes before the runtime says it stopped.
  await store.settled();
}
