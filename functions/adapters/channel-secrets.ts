import {
  DeleteParameterCommand,
  GetParameterCommand,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import * as v from 'valibot';
import { CHANNEL_ID_PATTERN } from '../domain/channels/channel.ts';
import { type ChannelSecret, ChannelSecretSchema } from '../domain/channels/channel-secret.ts';
import { CallDeadline } from './call-deadline.ts';

/** How long a read secret is reused: a burst of alerts costs one GetParameter per channel, not one per delivery. */
export const DEFAULT_SECRET_CACHE_MS = 5 * 60_000;
// A standard-tier parameter holds at most 4 KB; an advanced one costs $0.05 a month each.
const MAX_PARAMETER_CHARS = 4_096;

/** A secret that is not a valid ChannelSecret (what it holds is never part of the message). */
export class InvalidChannelSecretError extends Error {
  override name = 'InvalidChannelSecretError';
  readonly code = 'INVALID_CHANNEL_SECRET';
}

/** The channel's parameter does not exist (deleted while a delivery was queued, or never written). */
export class ChannelSecretMissingError extends Error {
  override name = 'ChannelSecretMissingError';
  readonly code = 'CHANNEL_SECRET_MISSING';
}

/** `put` of a parameter that exists: secrets are never overwritten (a new channel gets a new id). */
export class ChannelSecretExistsError extends Error {
  override name = 'ChannelSecretExistsError';
  readonly code = 'CHANNEL_SECRET_EXISTS';
}

export interface ChannelSecretsOptions {
  /** How long a read secret is reused; 0 turns the cache off. @default DEFAULT_SECRET_CACHE_MS */
  readonly cacheMs?: number;
  /** Bounds each call by the invocation's time left. @default a CallDeadline with only its call limit */
  readonly deadline?: CallDeadline;
  readonly nowMs?: () => number;
}

interface CachedSecret {
  readonly secret: ChannelSecret;
  readonly expiresAtMs: number;
}

// Every live instance's cache, so that a delete through any of them evicts the name from all (a cached secret
// never outlives a delete in this process), and a count of deletes per name, so a read that was under way
// while the delete ran does not put the deleted secret back.
const liveCaches = new Set<WeakRef<Map<string, CachedSecret>>>();
const deletesByName = new Map<string, number>();

/**
 * Channel secrets in SSM Parameter Store: one SecureString (JSON of ChannelSecret, encrypted with the
 * AWS-managed key) per channel, named `<prefix>/<channelId>`.
 */
export class ChannelSecrets {
  readonly #ssm: SSMClient;
  readonly #prefix: string;
  readonly #cacheMs: number;
  readonly #deadline: CallDeadline;
  readonly #nowMs: () => number;
  readonly #cache = new Map<string, CachedSecret>();

  constructor(ssm: SSMClient, prefix: string, options: ChannelSecretsOptions = {}) {
    // SSM parameter names: letters, digits, _ . - in /-separated levels.
    if (!/^(?:\/[A-Za-z0-9_.-]+)+$/.test(prefix)) {
      throw new RangeError(
        `channel secrets prefix must be an SSM path like /uptime-squirrel/stack/channels, got "${prefix}"`,
      );
    }
    const { cacheMs = DEFAULT_SECRET_CACHE_MS } = options;
    if (!(cacheMs >= 0)) throw new RangeError(`cacheMs must be 0 or more ms, got ${cacheMs}`);
    this.#ssm = ssm;
    this.#prefix = prefix;
    this.#cacheMs = cacheMs;
    this.#deadline = options.deadline ?? new CallDeadline();
    this.#nowMs = options.nowMs ?? Date.now;
    liveCaches.add(new WeakRef(this.#cache));
  }

  /** The parameter name of a channel's secret: `<prefix>/<channelId>`. */
  nameOf(channelId: string): string {
    if (!CHANNEL_ID_PATTERN.test(channelId)) {
      throw new RangeError(`channel id must look like ch- and 10 of a-z2-7, got "${channelId}"`);
    }
    return `${this.#prefix}/${channelId}`;
  }

  /**
   * Stores a new channel's secret as a SecureString and returns its name. @throws InvalidChannelSecretError
   * when the secret is not valid, ChannelSecretExistsError when the parameter exists (never overwritten).
   */
  async put(channelId: string, secret: ChannelSecret): Promise<string> {
    const name = this.nameOf(channelId);
    const value = JSON.stringify(parseSecret(secret, `secret for ${channelId}`));
    if (value.length > MAX_PARAMETER_CHARS) {
      throw new InvalidChannelSecretError(
        `secret for ${channelId} is ${value.length} characters of JSON, at most ${MAX_PARAMETER_CHARS} fit a parameter`,
      );
    }
    try {
      await this.#ssm.send(
        new PutParameterCommand({
          Name: name,
          Value: value,
          Type: 'SecureString',
          Overwrite: false,
          Tier: 'Standard',
          Description: 'uptime-squirrel alert channel secret (JSON)',
        }),
        this.#call(),
      );
    } catch (error) {
      if ((error as Error).name !== 'ParameterAlreadyExists') throw error;
      throw new ChannelSecretExistsError(`parameter ${name} already exists`, { cause: error });
    }
    return name;
  }

  /**
   * A channel's secret, decrypted and validated; reused for cacheMs. @throws ChannelSecretMissingError when the
   * parameter does not exist, InvalidChannelSecretError when it holds something else.
   */
  async get(name: string): Promise<ChannelSecret> {
    const cached = this.#cache.get(name);
    if (cached !== undefined && cached.expiresAtMs > this.#nowMs()) return cached.secret;
    const deletesBefore = deletesByName.get(name) ?? 0;
    let value: string | undefined;
    try {
      const { Parameter } = await this.#ssm.send(
        new GetParameterCommand({ Name: name, WithDecryption: true }),
        this.#call(),
      );
      value = Parameter?.Value;
    } catch (error) {
      if ((error as Error).name !== 'ParameterNotFound') throw error;
      throw new ChannelSecretMissingError(`parameter ${name} does not exist`, { cause: error });
    }
    const secret = parseSecret(parseJson(value, name), `parameter ${name}`);
    if (this.#cacheMs > 0 && (deletesByName.get(name) ?? 0) === deletesBefore) {
      this.#cache.set(name, { secret, expiresAtMs: this.#nowMs() + this.#cacheMs });
    }
    return secret;
  }

  /** Deletes a channel's secret and forgets every cached copy in this process; one that is gone is fine. */
  async delete(name: string): Promise<void> {
    forgetEverywhere(name);
    try {
      await this.#ssm.send(new DeleteParameterCommand({ Name: name }), this.#call());
    } catch (error) {
      if ((error as Error).name !== 'ParameterNotFound') throw error;
    } finally {
      // A read that answered while the delete ran must not have left the secret behind either.
      forgetEverywhere(name);
    }
  }

  #call(): { readonly abortSignal: AbortSignal } {
    return { abortSignal: this.#deadline.signal() };
  }
}

function forgetEverywhere(name: string): void {
  deletesByName.set(name, (deletesByName.get(name) ?? 0) + 1);
  for (const ref of liveCaches) {
    const cache = ref.deref();
    if (cache === undefined) liveCaches.delete(ref);
    else cache.delete(name);
  }
}

function parseJson(value: string | undefined, name: string): unknown {
  try {
    return JSON.parse(value ?? '');
  } catch {
    // JSON.parse's message quotes the text it choked on: that text is the secret.
    throw new InvalidChannelSecretError(`parameter ${name} does not hold JSON`);
  }
}

/** Validates a secret; the error names the fields and what they should be, never what they hold. */
function parseSecret(value: unknown, what: string): ChannelSecret {
  const parsed = v.safeParse(ChannelSecretSchema, value);
  if (parsed.success) return parsed.output;
  const problems = parsed.issues.map(
    (issue) =>
      `${v.getDotPath(issue) ?? '(value)'}: ${issue.input === undefined ? 'missing' : `expected ${describeExpected(issue)}`}`,
  );
  throw new InvalidChannelSecretError(`${what} is not a valid channel secret: ${problems.join('; ')}`);
}

// Valibot's own messages quote the received value ("Invalid URL: Received \"https://…\""), so build our own.
function describeExpected(issue: v.BaseIssue<unknown>): string {
  if (issue.type === 'url') return 'a URL';
  if (issue.type === 'max_length') return `at most ${issue.requirement} characters`;
  if (issue.type === 'min_length') return `at least ${issue.requirement} character(s)`;
  return issue.expected ?? issue.type;
}
