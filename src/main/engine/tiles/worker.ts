// The tile pyramid's worker thread (started by TileService): builds one pyramid off the engine's
// event loop and posts its progress, then the description or the error.
import { parentPort, workerData } from 'node:worker_threads';
import { buildPyramid } from './pyramid';

export interface TilesWorkerData {
  file: string;
  dir: string;
}

const d = workerData as TilesWorkerData;
let last = 0;
try {
  const info = buildPyramid(d.file, d.dir, {
    onProgress: (f) => {
      if (f - last >= 0.05 || f === 1) {
        last = f;
        parentPort?.postMessage({ type: 'progress', fraction: f });
      }
    },
  });
  parentPort?.postMessage({ type: 'done', info });
} catch (e) {
  parentPort?.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
}
