import type { S3Client } from '@aws-sdk/client-s3';
import type { RawBatch } from '../domain/history/check-record.ts';
import type { SiteIncidentsFile } from '../domain/history/incident.ts';
import type { RollupFile } from '../domain/history/rollup.ts';
import type { StatusDocument } from '../domain/history/status-document.ts';
import type { HistorySummary } from '../domain/history/summary.ts';
import { CallDeadline } from './call-deadline.ts';

// CONTRACT SKELETON (issue 13): the signatures are the contract; the bodies are written by the history-store
// helper (branch history-pipeline). Keys: functions/domain/history/history-keys.ts.

export interface HistoryStoreOptions {
  /** Bounds each call by the invocation's time left. @default a CallDeadline with only its call limit */
  readonly deadline?: CallDeadline;
}

/** The history bucket: raw batches, rollups, incidents, the summary and the public status page. */
export class HistoryStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #deadline: CallDeadline;

  constructor(client: S3Client, bucket: string, options: HistoryStoreOptions = {}) {
    this.#client = client;
    this.#bucket = bucket;
    this.#deadline = options.deadline ?? new CallDeadline();
  }

  /** Writes one checker invocation's records (gzip JSON) under rawBatchKey; returns the key. */
  async putRawBatch(_batch: RawBatch): Promise<string> {
    throw new Error(
      `not yet implemented (${this.#bucket}, ${String(this.#client)}, ${String(this.#deadline)})`,
    );
  }

  /** Keys of the raw batches written in the UTC hour starting at hourStartMs, in key (= write time) order. */
  async listRawBatchKeys(_hourStartMs: number): Promise<readonly string[]> {
    throw new Error('not yet implemented');
  }

  /** A raw batch; undefined when the key is gone (expired). An object that does not validate throws. */
  async getRawBatch(_key: string): Promise<RawBatch | undefined> {
    throw new Error('not yet implemented');
  }

  async getRollup(_period: RollupFile['period'], _startMs: number): Promise<RollupFile | undefined> {
    throw new Error('not yet implemented');
  }

  async putRollup(_file: RollupFile): Promise<void> {
    throw new Error('not yet implemented');
  }

  async getSiteIncidents(_siteId: string): Promise<SiteIncidentsFile | undefined> {
    throw new Error('not yet implemented');
  }

  async putSiteIncidents(_file: SiteIncidentsFile): Promise<void> {
    throw new Error('not yet implemented');
  }

  async getSummary(): Promise<HistorySummary | undefined> {
    throw new Error('not yet implemented');
  }

  async putSummary(_summary: HistorySummary): Promise<void> {
    throw new Error('not yet implemented');
  }

  /** The public page's shell (text/html, short cache). */
  async putPublicPage(_html: string): Promise<void> {
    throw new Error('not yet implemented');
  }

  /** The public status.json (application/json, cached ≤ 60 s). */
  async putPublicDocument(_document: StatusDocument): Promise<void> {
    throw new Error('not yet implemented');
  }
}
