import type { HistoryStore } from '../../adapters/history-store.ts';
import type { Logger } from '../../adapters/logger.ts';
import type { CheckRecord, RawBatch } from '../../domain/history/check-record.ts';
import { HOUR_MS, rawHourPrefix } from '../../domain/history/history-keys.ts';

/**
 * How long after an hour its records may still be written: a checker invocation writes its batch when it ends,
 * so a record of 10:59 can sit in an object of 11:00-11:19. The compactor reads this much of the next hour.
 */
export const LATE_WRITE_MS = 20 * 60_000;

// Raw keys are `…/HH/mmssSSS-<unique>.json.gz`: the 7 digits after the hour's prefix sort by write time.
const LATE_WRITE_KEY_LIMIT = String(LATE_WRITE_MS / 60_000).padStart(2, '0');

export interface RawReadCounts {
  objectsRead: number;
  corruptObjects: number;
}

/**
 * Reads the records of one hour: its own raw objects and the next hour's first LATE_WRITE_MS. Objects already read
 * (the next hour's first minutes, read as this hour's late writes) come from a cache, so a catch-up reads each
 * object once. A corrupt object is logged and skipped: one bad batch never stops the others.
 */
export class RawRecordsReader {
  readonly #store: HistoryStore;
  readonly #log: Logger;
  readonly #cache = new Map<string, readonly CheckRecord[]>();
  readonly counts: RawReadCounts = { objectsRead: 0, corruptObjects: 0 };

  constructor(store: HistoryStore, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  /** Every record read for [hourStartMs, hourStartMs + 1 h): callers keep those whose atMs is in the period. */
  async recordsOfHour(hourStartMs: number): Promise<readonly CheckRecord[]> {
    const own = await this.#store.listRawBatchKeys(hourStartMs);
    const nextHourMs = hourStartMs + HOUR_MS;
    const nextPrefix = rawHourPrefix(nextHourMs);
    const late = (await this.#store.listRawBatchKeys(nextHourMs)).filter(
      (key) => key.slice(nextPrefix.length, nextPrefix.length + 2) < LATE_WRITE_KEY_LIMIT,
    );
    const ownSet = new Set(own);
    // The cache holds only what a later hour may still need: this hour's late writes become the next one's own.
    for (const key of this.#cache.keys()) if (!ownSet.has(key)) this.#cache.delete(key);
    const records: CheckRecord[] = [];
    for (const key of own) records.push(...(await this.#read(key, false)));
    for (const key of late) records.push(...(await this.#read(key, true)));
    for (const key of own) this.#cache.delete(key);
    return records;
  }

  async #read(key: string, keep: boolean): Promise<readonly CheckRecord[]> {
    const cached = this.#cache.get(key);
    if (cached) return cached;
    let batch: RawBatch | undefined;
    try {
      batch = await this.#store.getRawBatch(key);
      this.counts.objectsRead += 1;
    } catch (error) {
      if ((error as { code?: string }).code !== 'HISTORY_OBJECT_INVALID') throw error;
      this.counts.corruptObjects += 1;
      this.#log.error('raw history batch skipped: it cannot be read', {
        key,
        error: (error as Error).message,
      });
      batch = undefined;
    }
    const records = batch?.records ?? [];
    if (keep) this.#cache.set(key, records);
    return records;
  }
}
