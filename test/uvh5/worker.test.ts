// readUvh5Metadata in worker threads: each thread has its own h5wasm instance and the results
// match the main thread's.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { readUvh5Metadata } from '../../src/main/engine/uvh5/reader';
import { dsaLikeHeader } from './synthetic';
import { writeUvh5 } from '../../src/main/engine/uvh5/writer';
import { patternBlock, tempDir } from './helpers';

const tmp = tempDir();
afterAll(tmp.cleanup);

interface Reply {
  ok: boolean;
  error?: string;
  metas?: { path: string; Nblts: number; startMjd: number; declinationDeg: number | null; frequenciesHz: number[] }[];
}

function scanInWorker(paths: string[]): Promise<Reply> {
  // On Node 20, `--import tsx` registers tsx's ESM hooks on the main thread only, so a worker
  // started from sources registers them itself before importing the TypeScript entry.
  const url = new URL('./metadata-worker.ts', import.meta.url).href;
  const stub = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(url)}); })`;
  const worker = new Worker(stub, { eval: true });
  return new Promise<Reply>((resolve, reject) => {
    worker.once('message', (m: Reply) => resolve(m));
    worker.once('error', reject);
    worker.postMessage(paths);
  }).finally(() => worker.terminate());
}

describe('metadata scan in worker threads', () => {
  it('two workers scan different files and agree with the main thread', async () => {
    const paths: string[] = [];
    for (let sb = 0; sb < 4; sb++) {
      const header = dsaLikeHeader({
        nants: 4,
        ntimes: 2,
        nfreqs: 8,
        subband: sb,
        decRad: (0.1 * (sb + 1) * Math.PI) / 2,
      });
      const p = join(tmp.dir, `2025-10-02T14:03:07_sb0${sb}.hdf5`);
      await writeUvh5(p, header, patternBlock(header, 0, header.Nblts));
      paths.push(p);
    }
    const [a, b] = await Promise.all([scanInWorker(paths.slice(0, 2)), scanInWorker(paths.slice(2))]);
    expect(a.error).toBeUndefined();
    expect(b.error).toBeUndefined();
    const metas = [...(a.metas ?? []), ...(b.metas ?? [])];
    expect(metas.map((m) => m.path)).toEqual(paths);
    for (const [i, m] of metas.entries()) {
      const main = await readUvh5Metadata(paths[i] as string);
      expect(m.Nblts).toBe(main.Nblts);
      expect(m.startMjd).toBe(main.startMjd);
      expect(m.frequenciesHz).toEqual(Array.from(main.frequenciesHz));
      expect(m.declinationDeg).toBeCloseTo(9 * (i + 1), 10);
    }
  });
});
