import { defineConfig } from 'vitest/config';

// The test tiers, as vitest projects; `npm test` (vitest run) runs all three.
//  - unit: everything not listed below; in-process, small data, under a minute
//    (`npm run test:unit`). Files that mostly test the project's own code keep their few quick
//    checks against python-casacore or astropy inline (skipped, with the reason, where the
//    tool is missing).
//  - interop: the field's own tools on the same data as the main subject of the file
//    (python-casacore, h5py, astropy, WSClean); `npm run test:interop`.
//  - e2e: the real binary in a child process, whole pipeline runs, Chromium against the UI;
//    `npm run test:e2e`.
// test/lint/tiers.test.ts checks that every listed file exists, so a rename cannot silently
// move a file into another tier.

export const INTEROP_TESTS: readonly string[] = [
  'test/**/*.interop.test.ts',
  'test/casacore/interop.test.ts',
  'test/uvh5/interop.test.ts',
  'test/uvh5/errors.test.ts',
  'test/imaging/imager.test.ts',
  // astropy / python-casacore on the project's files are these files' main assertions.
  'test/fits/wcs.test.ts',
  'test/ms/ms.test.ts',
  'test/caltable/caltable.test.ts',
  'test/mosaic/reproject.test.ts',
];

export const E2E_TESTS: readonly string[] = [
  'test/**/*.e2e.test.ts',
  'test/orchestrator/e2e.test.ts',
  'test/cli/cli.test.ts',
  'test/cli/engine-commands.test.ts',
  'test/calibrate/cli.test.ts',
  'test/calibrate/acceptance.test.ts',
  'test/convert/cli.test.ts',
  'test/mosaic/cli.test.ts',
  'test/registry/crash.test.ts',
  'test/engine/pipeline.test.ts',
  'test/bench/pipeline.test.ts',
  'test/renderer/app-shell.test.ts',
  // Child processes killed, signalled or racing one another, and servers restarted.
  'test/orchestrator/resume-frozen.test.ts',
  'test/server/e2e.test.ts',
  'test/server/recovery.test.ts',
  'test/integrity/concurrency.test.ts',
  'test/integrity/signals.test.ts',
  'test/convert/crash.test.ts',
  'test/cli/bundle.test.ts',
  'test/db/concurrency.test.ts',
  // Worker threads that each start tsx and h5wasm from the TypeScript sources.
  'test/uvh5/worker.test.ts',
  // The fault matrix: jobs SIGKILLed at stage boundaries and inside stages, then resumed.
  'test/integrity/fault-matrix.test.ts',
];

/** Not test files: fixtures and dependencies. */
export const NOT_TESTS: readonly string[] = ['test/fixtures/**', 'node_modules/**'];

export default defineConfig({
  test: {
    // Builds out/cli (the CLI the tests spawn, the worker threads' entries) when the sources are newer.
    globalSetup: ['test/global-setup.ts'],
    // Native addons and SQLite handles are per process; forks keep tests isolated.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...NOT_TESTS, ...INTEROP_TESTS, ...E2E_TESTS] },
      },
      { extends: true, test: { name: 'interop', include: [...INTEROP_TESTS], exclude: [...NOT_TESTS] } },
      { extends: true, test: { name: 'e2e', include: [...E2E_TESTS], exclude: [...NOT_TESTS] } },
    ],
  },
});
