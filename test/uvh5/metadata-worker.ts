// Worker-thread entry for worker.test.ts: h5wasm initialises per thread; scan files on request.
import { parentPort } from 'node:worker_threads';
import { readUvh5Metadata } from '../../src/main/engine/uvh5/reader';

parentPort?.on('message', (paths: string[]) => {
  Promise.all(paths.map((p) => readUvh5Metadata(p)))
    .then((metas) =>
      parentPort?.postMessage({
        ok: true,
        metas: metas.map((m) => ({
          path: m.path,
          Nblts: m.Nblts,
          startMjd: m.startMjd,
          declinationDeg: m.declinationDeg,
          frequenciesHz: Array.from(m.frequenciesHz),
        })),
      }),
    )
    .catch((e: unknown) => parentPort?.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) }));
});
