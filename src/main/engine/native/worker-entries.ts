// Where the engine's worker threads start from: bundled plain-JavaScript entry files, the same
// way under the CLI, Electron, tests and benchmarks. scripts/build-cli.mjs builds them into
// out/cli/ (with the CLI), electron.vite.config.ts into out/main/ (with the app). Bundled code
// finds them beside itself; code running from the TypeScript sources (vitest, tsx) uses out/cli/,
// which vitest's global setup and the npm scripts rebuild when the sources are newer.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Each worker entry and the source it is bundled from. */
export const WORKER_ENTRIES = {
  /** The native kernels' piscina worker (NativePool). */
  'native-worker': 'src/main/engine/workers/native-worker.ts',
  /** The conversion's Measurement Set writer thread (convert/pipeline.ts). */
  'convert-write-worker': 'src/main/engine/convert/write-worker.ts',
  /** The viewer's tile pyramid builder (tiles/service.ts). */
  'tiles-worker': 'src/main/engine/tiles/worker.ts',
} as const;

export type WorkerEntryName = keyof typeof WORKER_ENTRIES;

/** A worker thread's entry file is missing: names the worker, the file and how to build it. */
export class WorkerEntryError extends Error {
  constructor(
    readonly worker: WorkerEntryName,
    readonly file: string,
  ) {
    super(
      `the ${worker} worker thread cannot start: its entry file ${file} does not exist ` +
        `(bundled from ${WORKER_ENTRIES[worker]}; build it with "node scripts/build-cli.mjs", or "npm run build" for the desktop app)`,
    );
    this.name = 'WorkerEntryError';
  }
}

/** The folder holding the worker entry files for code running from `moduleFile`. */
export function workerEntryDir(moduleFile: string = fileURLToPath(import.meta.url)): string {
  // From sources this file is src/main/engine/native/worker-entries.ts: use <root>/out/cli.
  if (/\.[cm]?ts$/.test(moduleFile))
    return path.resolve(path.dirname(moduleFile), '..', '..', '..', '..', 'out', 'cli');
  return path.dirname(moduleFile);
}

/** The path of worker `name`'s entry file; throws WorkerEntryError when it is missing. */
export function workerEntry(name: WorkerEntryName, dir: string = workerEntryDir()): string {
  const file = path.join(dir, `${name}.js`);
  if (!existsSync(file)) throw new WorkerEntryError(name, file);
  return file;
}
