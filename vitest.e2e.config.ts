// End-to-end tests: real `wrangler dev` + real kubectl / client-node, in Node (no workers pool).
// Run with `npm run test:e2e` (or `npx vitest run --config vitest.e2e.config.ts`).
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'e2e',
    environment: 'node',
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    // Each file starts its own wrangler dev (two workerd processes); one file at a time
    // keeps a 2-core machine responsive.
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    // A failed assertion against a live server is not retried: failures must be real.
    retry: 0,
  },
})
