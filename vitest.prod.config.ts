import { defineConfig } from 'vitest/config';

// npm run test:prod: the production shape (test/prod/), its own servers and processes,
// one scenario after another.
export default defineConfig({
  test: {
    include: ['test/prod/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
