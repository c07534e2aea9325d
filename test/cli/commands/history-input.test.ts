import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalTarget, startLocalTarget } from '../support/local-target.ts';

// Bad input is refused before the target is read (exit 2): runs without the history implementations.

let target: LocalTarget;

beforeAll(async () => {
  target = await startLocalTarget();
});

afterAll(async () => {
  await target.stop();
});

describe('history, incidents and page: bad input', () => {
  it.each([
    [
      ['history', 'shop', '--since', '401d'],
      '--since must be hours, days or weeks such as 24h, 7d or 2w, from 1h to 400d, got "401d"',
    ],
    [['history', 'shop', '--since', '7m'], 'from 1h to 400d, got "7m"'],
    [['history', 'Not An Id'], 'ID must be 1-63 lowercase letters, digits or dashes, got "Not An Id"'],
    [['incidents', '--since', 'forever'], 'from 1h to 400d, got "forever"'],
    [
      ['page', '--port', '70000'],
      '--port must be a whole number from 0 to 65535, got "70000" (0 = any free port)',
    ],
  ])('refuses %j with exit 2', async (args, message) => {
    // Act
    const result = await target.run(args);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
