import { defineConfig } from 'vitest/config';

// End-to-end tests run real processes on a 2-core machine: one file at a time.
export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts'],
    root: new URL('..', import.meta.url).pathname,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
