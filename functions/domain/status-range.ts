/** Inclusive HTTP status ranges, e.g. "200-399" or "200-299,301". */
export type StatusRanges = ReadonlyArray<readonly [number, number]>;

export const DEFAULT_EXPECT_STATUS = '200-399';

export class StatusRangeError extends Error {
  override name = 'StatusRangeError';
}

/** Parses "200-299,301" into ranges; throws StatusRangeError naming the bad part. */
export function parseStatusRanges(spec: string): StatusRanges {
  const parts = spec.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts.some((part) => part === '')) {
    throw new StatusRangeError(`expectStatus must look like "200-399" or "200-299,301", got "${spec}"`);
  }
  return parts.map((part) => {
    const match = /^(\d{3})(?:-(\d{3}))?$/.exec(part);
    const low = Number(match?.[1]);
    const high = Number(match?.[2] ?? match?.[1]);
    if (!match || low < 100 || high > 599 || low > high) {
      throw new StatusRangeError(`expectStatus part "${part}" is not a status or range within 100-599`);
    }
    return [low, high] as const;
  });
}

export const isStatusExpected = (status: number, ranges: StatusRanges): boolean =>
  ranges.some(([low, high]) => status >= low && status <= high);
