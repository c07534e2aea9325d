import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import * as v from 'valibot';
import type { HistoryConfig } from '../config.ts';
import { type RawBatch, RawBatchSchema } from '../domain/history/check-record.ts';
import { type CompactorState, CompactorStateSchema } from '../domain/history/compactor-state.ts';
import {
  COMPACTOR_STATE_KEY,
  dailyRollupKey,
  hourlyRollupKey,
  INCIDENTS_PREFIX,
  PUBLIC_PAGE_KEYS,
  PUBLIC_SUMMARY_KEY,
  RAW_PREFIX,
  rawBatchKey,
  rawHourPrefix,
  SUMMARY_KEY,
  siteIncidentsKey,
} from '../domain/history/history-keys.ts';
import { type SiteIncidentsFile, SiteIncidentsFileSchema } from '../domain/history/incident.ts';
import { type RollupFile, RollupFileSchema } from '../domain/history/rollup.ts';
import type { StatusDocument } from '../domain/history/status-document.ts';
import { type HistorySummary, HistorySummarySchema } from '../domain/history/summary.ts';
import { AWS_HTTP_TIMEOUTS, CallDeadline } from './call-deadline.ts';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

const MIB = 1024 * 1024;

/**
 * The largest object each kind of read accepts, stored (gzip) and inflated: a bound on what one corrupt or hostile
 * object can cost the reader's memory. A raw batch holds ≤ 5,000 records of ≤ ~700 bytes; the compactor state and
 * the summary grow with the fleet (measured for 1,000 sites at steady state: state 27 MB, summary 33 MB inflated).
 */
export const READ_LIMITS = {
  raw: { storedBytes: 8 * MIB, inflatedBytes: 32 * MIB },
  rollup: { storedBytes: 32 * MIB, inflatedBytes: 256 * MIB },
  incidents: { storedBytes: 16 * MIB, inflatedBytes: 64 * MIB },
  summary: { storedBytes: 64 * MIB, inflatedBytes: 512 * MIB },
  state: { storedBytes: 64 * MIB, inflatedBytes: 512 * MIB },
} as const;
type ReadLimit = (typeof READ_LIMITS)[keyof typeof READ_LIMITS];

/** Why a history object could not be read: too large, not gzip, not JSON, or not of its schema. */
export class HistoryObjectError extends Error {
  override name = 'HistoryObjectError';
  readonly code = 'HISTORY_OBJECT_INVALID';
  readonly key: string;
  constructor(key: string, message: string, options?: ErrorOptions) {
    super(`history object ${key}: ${message}`, options);
    this.key = key;
  }
}

export interface HistoryStoreOptions {
  /** Bounds each call by the invocation's time left. @default a CallDeadline with only its call limit */
  readonly deadline?: CallDeadline;
  /** Makes the unique part of raw batch keys. @default 8 random hex digits */
  readonly uniqueId?: () => string;
}

/** An S3 client for the history bucket: path-style where the emulator needs it, and the project's HTTP timeouts. */
export const createHistoryS3Client = (config: HistoryConfig): S3Client =>
  new S3Client({ forcePathStyle: config.forcePathStyle, requestHandler: AWS_HTTP_TIMEOUTS });

const HISTORY_JSON = 'application/json';

/** A conditional read of a summary: the summary and its ETag, 'unchanged' (304), or undefined (none written yet). */
export type SummaryRead =
  | { readonly summary: HistorySummary; readonly eTag: string | undefined }
  | 'unchanged'
  | undefined;

/** The history bucket: raw batches, rollups, incidents, the summary and the public status page. */
export class HistoryStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #deadline: CallDeadline;
  readonly #uniqueId: () => string;

  constructor(client: S3Client, bucket: string, options: HistoryStoreOptions = {}) {
    this.#client = client;
    this.#bucket = bucket;
    this.#deadline = options.deadline ?? new CallDeadline();
    this.#uniqueId =
      options.uniqueId ??
      (() =>
        Math.floor(Math.random() * 0x1_0000_0000)
          .toString(16)
          .padStart(8, '0'));
  }

  /** Writes one checker invocation's records (gzip JSON) under rawBatchKey; returns the key. */
  async putRawBatch(batch: RawBatch): Promise<string> {
    const key = rawBatchKey(batch.writtenAtMs, this.#uniqueId());
    await this.#putGzipJson(key, batch);
    return key;
  }

  /** Keys of the raw batches written in the UTC hour starting at hourStartMs, in key (= write time) order. */
  listRawBatchKeys(hourStartMs: number): Promise<readonly string[]> {
    return this.listKeys(rawHourPrefix(hourStartMs));
  }

  /** A raw batch; undefined when the key is gone (expired). An object that does not validate throws. */
  getRawBatch(key: string): Promise<RawBatch | undefined> {
    if (!key.startsWith(RAW_PREFIX)) throw new RangeError(`not a raw batch key: ${key}`);
    return this.#getGzipJson(key, RawBatchSchema, READ_LIMITS.raw);
  }

  getRollup(period: RollupFile['period'], startMs: number): Promise<RollupFile | undefined> {
    return this.#getGzipJson(rollupKey(period, startMs), RollupFileSchema, READ_LIMITS.rollup);
  }

  async putRollup(file: RollupFile): Promise<void> {
    await this.#putGzipJson(rollupKey(file.period, file.startMs), file);
  }

  getSiteIncidents(siteId: string): Promise<SiteIncidentsFile | undefined> {
    return this.#getGzipJson(siteIncidentsKey(siteId), SiteIncidentsFileSchema, READ_LIMITS.incidents);
  }

  async putSiteIncidents(file: SiteIncidentsFile): Promise<void> {
    await this.#putGzipJson(siteIncidentsKey(file.siteId), file);
  }

  /** Deletes a site's incidents file (the site was deleted); deleting one that is gone is not an error. */
  async deleteSiteIncidents(siteId: string): Promise<void> {
    await this.#client.send(
      new DeleteObjectCommand({ Bucket: this.#bucket, Key: siteIncidentsKey(siteId) }),
      this.#call(),
    );
  }

  /** The site ids that have an incidents file (one listing page per 1,000 sites). */
  async listIncidentSiteIds(): Promise<readonly string[]> {
    const keys = await this.listKeys(INCIDENTS_PREFIX);
    return keys
      .map((key) => key.slice(INCIDENTS_PREFIX.length))
      .filter((name) => name.endsWith('.json.gz'))
      .map((name) => name.slice(0, -'.json.gz'.length));
  }

  async getSummary(): Promise<HistorySummary | undefined> {
    const found = await this.getSummaryIfChanged(undefined);
    return found === 'unchanged' ? undefined : found?.summary;
  }

  /**
   * The summary unless it is still the one read before (`knownETag`): S3 answers 304 without the body, so a reader
   * that keeps the parsed summary between invocations parses it once per compaction.
   * The summary for 1,000 sites is ~33 MB of JSON (2.8 MB gzip).
   */
  getSummaryIfChanged(knownETag: string | undefined): Promise<SummaryRead> {
    return this.#getSummaryIfChanged(SUMMARY_KEY, knownETag);
  }

  async putSummary(summary: HistorySummary): Promise<void> {
    await this.#putGzipJson(SUMMARY_KEY, summary);
  }

  /**
   * The public sites' summary (PUBLIC_SUMMARY_KEY) unless it is still the one read before (`knownETag`), as
   * getSummaryIfChanged: the fan-out reads it every minute and parses it once per compaction.
   */
  getPublicSummaryIfChanged(knownETag: string | undefined): Promise<SummaryRead> {
    return this.#getSummaryIfChanged(PUBLIC_SUMMARY_KEY, knownETag);
  }

  async putPublicSummary(summary: HistorySummary): Promise<void> {
    await this.#putGzipJson(PUBLIC_SUMMARY_KEY, summary);
  }

  async #getSummaryIfChanged(key: string, knownETag: string | undefined): Promise<SummaryRead> {
    const found = await this.#getGzipJson(key, HistorySummarySchema, READ_LIMITS.summary, knownETag);
    if (found === undefined || found === 'unchanged') return found;
    return { summary: found.value, eTag: found.eTag };
  }

  /** The compactor's bookkeeping (what it compacted, carried coverage, its caches); undefined before its first run. */
  getCompactorState(): Promise<CompactorState | undefined> {
    return this.#getGzipJson(COMPACTOR_STATE_KEY, CompactorStateSchema, READ_LIMITS.state);
  }

  async putCompactorState(state: CompactorState): Promise<void> {
    await this.#putGzipJson(COMPACTOR_STATE_KEY, state);
  }

  /** The public page's shell (text/html, short cache). */
  async putPublicPage(html: string): Promise<void> {
    await this.#put(PUBLIC_PAGE_KEYS.page, html, 'text/html; charset=utf-8', 'max-age=300');
  }

  /** The public status.json (application/json, cached ≤ 60 s). */
  async putPublicDocument(document: StatusDocument): Promise<void> {
    await this.#put(PUBLIC_PAGE_KEYS.document, JSON.stringify(document), HISTORY_JSON, 'max-age=30');
  }

  /** Every key under `prefix`, in key order, page by page (each page its own deadline). */
  async listKeys(prefix: string): Promise<readonly string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await this.#client.send(
        new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, ContinuationToken: token }),
        this.#call(),
      );
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys;
  }

  async #putGzipJson(key: string, value: unknown): Promise<void> {
    // No Content-Encoding: S3 stores and returns the gzip bytes as they are; a reader inflating them itself must
    // not meet an HTTP client that already did.
    await this.#put(key, await gzipAsync(JSON.stringify(value)), HISTORY_JSON);
  }

  async #put(
    key: string,
    body: string | Uint8Array,
    contentType: string,
    cacheControl?: string,
  ): Promise<void> {
    await this.#client.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        ...(cacheControl === undefined ? {} : { CacheControl: cacheControl }),
      }),
      this.#call(),
    );
  }

  async #getGzipJson<Schema extends v.GenericSchema>(
    key: string,
    schema: Schema,
    limit: ReadLimit,
  ): Promise<v.InferOutput<Schema> | undefined>;
  async #getGzipJson<Schema extends v.GenericSchema>(
    key: string,
    schema: Schema,
    limit: ReadLimit,
    knownETag: string | undefined,
  ): Promise<{ value: v.InferOutput<Schema>; eTag: string | undefined } | 'unchanged' | undefined>;
  async #getGzipJson<Schema extends v.GenericSchema>(
    key: string,
    schema: Schema,
    limit: ReadLimit,
    ...conditional: [string | undefined] | []
  ): Promise<unknown> {
    const found = await this.#getBytes(key, limit.storedBytes, conditional[0]);
    if (found === undefined || found === 'unchanged') return found;
    const value = await this.#parse(key, found.bytes, schema, limit);
    return conditional.length === 0 ? value : { value, eTag: found.eTag };
  }

  async #parse<Schema extends v.GenericSchema>(
    key: string,
    stored: Uint8Array,
    schema: Schema,
    limit: ReadLimit,
  ): Promise<v.InferOutput<Schema>> {
    let text: string;
    try {
      text = (await gunzipAsync(stored, { maxOutputLength: limit.inflatedBytes })).toString('utf8');
    } catch (error) {
      const tooLarge = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
      throw new HistoryObjectError(
        key,
        tooLarge
          ? `inflates to more than the ${limit.inflatedBytes} bytes allowed`
          : `is not gzip data (${(error as Error).message})`,
        { cause: error },
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new HistoryObjectError(key, `is not JSON (${(error as Error).message})`, { cause: error });
    }
    const result = v.safeParse(schema, json);
    if (!result.success) {
      const issue = result.issues[0];
      throw new HistoryObjectError(
        key,
        `does not match its schema at ${v.getDotPath(issue) ?? 'the root'}: ${issue.message}`,
      );
    }
    return result.output;
  }

  async #getBytes(
    key: string,
    maxBytes: number,
    knownETag?: string,
  ): Promise<{ readonly bytes: Uint8Array; readonly eTag: string | undefined } | 'unchanged' | undefined> {
    try {
      const { Body, ContentLength, ETag } = await this.#client.send(
        new GetObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          ...(knownETag === undefined ? {} : { IfNoneMatch: knownETag }),
        }),
        this.#call(),
      );
      if (ContentLength !== undefined && ContentLength > maxBytes) {
        // Leave the body unread: destroying the stream frees the connection without downloading it.
        (Body as { destroy?: () => void } | undefined)?.destroy?.();
        throw new HistoryObjectError(key, `is ${ContentLength} bytes, more than the ${maxBytes} allowed`);
      }
      if (Body === undefined) throw new HistoryObjectError(key, 'has no body');
      const bytes = await Body.transformToByteArray();
      if (bytes.byteLength > maxBytes) {
        throw new HistoryObjectError(key, `is ${bytes.byteLength} bytes, more than the ${maxBytes} allowed`);
      }
      return { bytes, eTag: ETag };
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      if (isNotModified(error)) return 'unchanged';
      throw error;
    }
  }

  #call(): { readonly abortSignal: AbortSignal } {
    return { abortSignal: this.#deadline.signal() };
  }
}

const rollupKey = (period: RollupFile['period'], startMs: number): string =>
  period === 'hour' ? hourlyRollupKey(startMs) : dailyRollupKey(startMs);

// S3 answers a matching If-None-Match with 304, which the SDK raises as an error without a modelled type.
const isNotModified = (error: unknown): boolean =>
  (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode === 304;

const isNoSuchKey = (error: unknown): boolean =>
  error instanceof NoSuchKey || (error as Error | undefined)?.name === 'NoSuchKey';
