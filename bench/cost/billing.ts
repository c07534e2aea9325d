import type { CostLine } from './model.ts';

// How AWS turns a quantity into dollars, shared by every cost model (each had its own copies of these).

/** Bytes in a GiB: AWS bills data by the GB of 1024³ bytes. */
export const GIB = 1024 ** 3;

/** The price of `count` requests at `price` per million. */
export const perMillion = (count: number, price: number): number => (count / 1e6) * price;

/** What is billed of `quantity` once a free tier of `free` is used up. */
export const afterFree = (quantity: number, free: number): number => Math.max(0, quantity - free);

/** What `added` costs beyond a free tier `before` has already used part of. */
export const marginal = (before: number, added: number, free: number): number =>
  afterFree(before + added, free) - afterFree(before, free);

/** The total of one column (list or billed price) of cost lines. */
export const sumUsd = (lines: readonly CostLine[], key: 'listUsd' | 'billedUsd'): number =>
  lines.reduce((total, line) => total + line[key], 0);
