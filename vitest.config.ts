import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The production shape runs on its own (npm run test:prod).
    exclude: ['test/prod/**', 'node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    // Each file gets its own database and task queue on the shared servers; two at a
    // time keeps the two cores busy without starving the Temporal server.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Node 20 is this project's runtime; the SDK's notice about its future support is noise here.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
