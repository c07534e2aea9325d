import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Infra tests bundle with esbuild and the e2e tests run emulators: 2 cores, so keep workers modest.
    maxWorkers: 2,
    // Handlers log JSON lines; show them only for the tests that fail.
    silent: 'passed-only',
    // Local development and CI run on Node 20 knowingly (the Lambdas run on a newer runtime): one warning per
    // SDK client is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
