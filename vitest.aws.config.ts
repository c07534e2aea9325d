import { defineConfig } from 'vitest/config';

/**
 * `npm run test:aws`: the tier against a real AWS emulator (moto) and cfn-lint, which need Python. `npm test`
 * does not run it: its files end in `.aws-test.ts`, outside vitest.config.ts's `*.test.ts`.
 */
export default defineConfig({
  test: {
    include: ['test/aws/**/*.aws-test.ts'],
    globalSetup: ['test/aws/support/global-setup.ts'],
    // Each test waits for emulators, child processes and real minutes (a sweep per scheduled minute).
    testTimeout: 150_000,
    // beforeAll starts moto (≤ 60 s) and creates the stack (≤ 120 s): each bounded on its own, this bounds both.
    hookTimeout: 240_000,
    maxWorkers: 2,
    silent: 'passed-only',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
