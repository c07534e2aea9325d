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
    // On Node 20 (end-of-life, still supported for local use) the SDK warns once per client: noise in test
    // output. The Lambdas run Node 24, which `npm run test:node24` tests.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
