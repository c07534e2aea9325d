import { HistoryStore } from '../../functions/adapters/history-store.ts';
import { type S3Emulator, startS3Emulator } from './s3-emulator.ts';

/**
 * A `history` bucket on a fresh S3 emulator and a HistoryStore on it whose batch ids count up (00000001, …), so
 * that the compactor's tests read back what they wrote in a known order.
 */
export async function startHistoryBucket(): Promise<{ emulator: S3Emulator; store: HistoryStore }> {
  const emulator = await startS3Emulator();
  await emulator.createBucket('history');
  let unique = 0;
  const store = new HistoryStore(emulator.client, 'history', {
    uniqueId: () => String(++unique).padStart(8, '0'),
  });
  return { emulator, store };
}
