import { DAY_MS, HOUR_MS } from '../../functions/domain/history/history-keys.ts';
import { InputError } from '../errors.ts';

/** The longest look back: rollups are kept ROLLUP_RETENTION_DAYS, but a year and a bit answers every question. */
export const MAX_SINCE_DAYS = 400;
/** Up to this look back `history` shows hours; beyond it, days (336 rows is already a long table). */
export const HOURLY_UP_TO_MS = 14 * DAY_MS;

const SINCE_PATTERN = /^\s*(\d+)\s*([hdw])\s*$/i;
const UNIT_MS: Readonly<Record<string, number>> = { h: HOUR_MS, d: DAY_MS, w: 7 * DAY_MS };

/**
 * `--since 36h`, `7d`, `2w` → milliseconds. @throws InputError naming the flag, the allowed range and the
 * bad value.
 */
export function parseSince(raw: string, flag = '--since'): number {
  const match = SINCE_PATTERN.exec(raw);
  const ms = match ? Number(match[1]) * (UNIT_MS[(match[2] ?? '').toLowerCase()] ?? 0) : 0;
  if (ms < HOUR_MS || ms > MAX_SINCE_DAYS * DAY_MS) {
    throw new InputError(
      `${flag} must be hours, days or weeks such as 24h, 7d or 2w, from 1h to ${MAX_SINCE_DAYS}d, got "${raw}"`,
    );
  }
  return ms;
}
