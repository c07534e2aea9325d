// A one-line chart of numbers in block characters, for `squirrel history`. Hand-written rather than a library:
// it is a dozen lines, and the periods without data need to stay visible as gaps, which the small sparkline
// packages do not offer (they take numbers only).

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;
/** A period without data: a gap, so an outage or a stopped monitor is not drawn as a flat line. */
export const SPARK_GAP = ' ';

/**
 * Draws `values` (undefined = no data) scaled from their minimum to their maximum, at most `maxWidth`
 * characters: longer series are cut into equal runs, each drawn as its highest value (a slow hour stays
 * visible). Empty string when no value is defined.
 */
export function sparkline(values: ReadonlyArray<number | undefined>, maxWidth: number): string {
  const runs = groupRuns(values, Math.max(1, Math.floor(maxWidth)));
  const defined = runs.filter((value): value is number => value !== undefined);
  if (defined.length === 0) return '';
  const min = Math.min(...defined);
  const span = Math.max(...defined) - min;
  return runs
    .map((value) => {
      if (value === undefined) return SPARK_GAP;
      // A flat series sits in the middle, not at the floor: "steady", not "zero".
      const level = span === 0 ? 3 : Math.round(((value - min) / span) * (BARS.length - 1));
      return BARS[level];
    })
    .join('');
}

function groupRuns(
  values: ReadonlyArray<number | undefined>,
  width: number,
): ReadonlyArray<number | undefined> {
  if (values.length <= width) return values;
  const runs: Array<number | undefined> = [];
  for (let column = 0; column < width; column++) {
    const from = Math.floor((column * values.length) / width);
    const to = Math.floor(((column + 1) * values.length) / width);
    const run = values.slice(from, to).filter((value): value is number => value !== undefined);
    runs.push(run.length === 0 ? undefined : Math.max(...run));
  }
  return runs;
}

/**
 * A one-line strip of marks beside the sparkline, column for column (the same runs): `levels` per period
 * (undefined = no data: a gap), each column drawn as `marks[level]` of the highest level in its run, so one marked
 * hour in a long run stays visible.
 */
export function markStrip(
  levels: ReadonlyArray<number | undefined>,
  marks: readonly string[],
  maxWidth: number,
): string {
  return groupRuns(levels, Math.max(1, Math.floor(maxWidth)))
    .map((level) => (level === undefined ? SPARK_GAP : (marks[level] ?? SPARK_GAP)))
    .join('');
}
