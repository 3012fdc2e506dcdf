import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds out/cli (the CLI the tests spawn, the worker threads' entries) when the sources are newer.
    globalSetup: ['test/global-setup.ts'],
    exclude: ['test/fixtures/**', 'node_modules/**'],
    // Native addons and SQLite handles are per process; forks keep tests isolated.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
