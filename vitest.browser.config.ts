import { defineConfig } from 'vitest/config';

/**
 * `npm run test:browser`: the status page in a real browser (Debian's Chromium driven by playwright-core),
 * with screenshot tests at phone and desktop widths. `npm test` does not run it: its files end in
 * `.browser-test.ts`, outside vitest.config.ts's `*.test.ts`. docs/browser-tests.md says how to run and update it.
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.browser-test.ts'],
    // One Chromium per file; the machine has 2 cores.
    maxWorkers: 1,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    silent: 'passed-only',
  },
});
