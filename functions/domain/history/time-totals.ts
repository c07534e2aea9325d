import * as v from 'valibot';
import { wholeNumber } from '../schema-parts.ts';

/**
 * How a stretch of time was spent, in ms, by what the checks saw (each record's verdict stands from its check
 * until the next check of the site, at most a bounded time: rollup rules in rollup.ts). Uptime is
 * upMs / (upMs + downMs): maintenance, BLOCKED (the site refused us) and faults (we could not check) are
 * shown apart and never count as downtime; REGIONAL (failing from the home region only) is up time; time no
 * record covers counts nowhere.
 */
export const TimeTotalsSchema = v.object({
  upMs: wholeNumber,
  downMs: wholeNumber,
  blockedMs: wholeNumber,
  faultMs: wholeNumber,
  maintenanceMs: wholeNumber,
});
export type TimeTotals = Readonly<v.InferOutput<typeof TimeTotalsSchema>>;

export const EMPTY_TOTALS: TimeTotals = { upMs: 0, downMs: 0, blockedMs: 0, faultMs: 0, maintenanceMs: 0 };

export const addTotals = (a: TimeTotals, b: TimeTotals): TimeTotals => ({
  upMs: a.upMs + b.upMs,
  downMs: a.downMs + b.downMs,
  blockedMs: a.blockedMs + b.blockedMs,
  faultMs: a.faultMs + b.faultMs,
  maintenanceMs: a.maintenanceMs + b.maintenanceMs,
});
