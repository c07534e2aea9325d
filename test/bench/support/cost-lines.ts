import { expect } from 'vitest';

/** The one cost line of `service` whose item starts with `start` (fails the test unless there is exactly one). */
export const lineOf = (
  lines: readonly { service: string; item: string }[],
  service: string,
  start: string,
) => {
  const found = lines.filter((line) => line.service === service && line.item.startsWith(start));
  expect(found).toHaveLength(1);
  return found[0] as (typeof lines)[number] & { quantity: number; listUsd: number; billedUsd: number };
};
