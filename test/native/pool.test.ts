// NativePool: kernels run on worker threads in place on SharedArrayBuffers, C++ errors reach
// the caller as Errors, the main event loop stays free during a long transform, and the bundled
// worker entry starts under vitest and under plain `node --import tsx` (a missing one is named).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findAddon, loadAddon } from '../../src/main/engine/native/addon';
import { NativePool, sharedComplexArray } from '../../src/main/engine/native/pool';
import { workerEntry, workerEntryDir, WorkerEntryError } from '../../src/main/engine/native/worker-entries';
import { dft2d, randomValues, relativeError } from './dft';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('NativePool', () => {
  const pool = new NativePool({ workers: 2 });
  afterAll(() => pool.close());

  it('transforms a shared complex64 array in place on a worker, forward then inverse', async () => {
    const nx = 45;
    const ny = 64;
    const data = sharedComplexArray(nx, ny, 'complex64');
    data.set(randomValues(data.length, 11));
    const orig = Float64Array.from(data);
    await pool.fft2d(data, nx, ny, { threads: 2 });
    expect(relativeError(data, dft2d(orig, nx, ny))).toBeLessThan(1e-5); // as in fft.test.ts
    await pool.fft2d(data, nx, ny, { inverse: true });
    expect(relativeError(data, orig)).toBeLessThan(1e-5);
  });

  it('transforms complex128 and runs tasks concurrently on separate arrays', async () => {
    const sizes: [number, number][] = [
      [30, 17],
      [128, 9],
      [7, 243],
    ];
    const arrays = sizes.map(([nx, ny], i) => {
      const a = sharedComplexArray(nx, ny, 'complex128');
      a.set(randomValues(a.length, 100 + i));
      return a;
    });
    const refs = arrays.map((a, i) => dft2d(a, sizes[i]![0], sizes[i]![1]));
    await Promise.all(arrays.map((a, i) => pool.fft2d(a, sizes[i]![0], sizes[i]![1])));
    arrays.forEach((a, i) => expect(relativeError(a, refs[i]!)).toBeLessThan(1e-12));
  });

  it('rejects an array that is not backed by a SharedArrayBuffer, naming the fix', async () => {
    await expect(pool.fft2d(new Float32Array(2 * 4 * 4), 4, 4)).rejects.toThrow(
      /NativePool\.fft2d: data must be backed by a SharedArrayBuffer.*sharedComplexArray/,
    );
  });

  it('delivers the addon C++ error messages through the worker as Errors', async () => {
    const data = sharedComplexArray(4, 4, 'complex64');
    const wrongLength = pool.fft2d(data, 4, 5);
    await expect(wrongLength).rejects.toThrow(
      "dsa110_native.fft2d: argument 'data' has 32 elements but 2*nx*ny = 2*4*5 = 40 were expected",
    );
    await expect(wrongLength).rejects.toBeInstanceOf(Error);
    await expect(pool.fft2d(data, 0, 4)).rejects.toThrow(/argument 'nx' must be an integer in \[1, .*got 0/);
    await expect(pool.fft2d(data, 4, 4, { threads: 0 })).rejects.toThrow(/argument 'threads'/);
    // The worker survives a failed task.
    data[0] = 1;
    await pool.fft2d(data, 4, 4);
    expect(Array.from(data.subarray(0, 4))).toEqual([1, 0, 1, 0]);
  });

  it('keeps the main event loop running while a 4096 x 4096 transform runs', async () => {
    // Warm the worker first so the count below covers the transform, not the worker's start-up.
    await pool.fft2d(sharedComplexArray(8, 8, 'complex64'), 8, 8);
    const n = 4096;
    const data = sharedComplexArray(n, n, 'complex64');
    // A plane wave at (v0, u0) = (7, 3): the result must be n*n there and ~0 elsewhere.
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const phase = 2 * Math.PI * ((3 * x + 7 * y) / n);
        data[2 * (y * n + x)] = Math.cos(phase);
        data[2 * (y * n + x) + 1] = Math.sin(phase);
      }
    }
    let ticks = 0;
    const timer = setInterval(() => ticks++, 2);
    try {
      // One kernel thread: ~1.6e9 flops, hundreds of ms at least, so 2 ms ticks cannot all be missed.
      await pool.fft2d(data, n, n, { threads: 1 });
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThanOrEqual(5);
    expect(data[2 * (7 * n + 3)]! / (n * n)).toBeCloseTo(1, 4);
    let offPeak = 0;
    for (let i = 0; i < n * n; i++)
      if (i !== 7 * n + 3) offPeak = Math.max(offPeak, Math.hypot(data[2 * i]!, data[2 * i + 1]!));
    expect(offPeak / (n * n)).toBeLessThan(1e-5);
  });

  it('rejects calls after close()', async () => {
    const other = new NativePool({ workers: 1 });
    await other.close();
    await expect(other.fft2d(sharedComplexArray(2, 2, 'complex64'), 2, 2)).rejects.toThrow(/after close\(\)/);
  });

  it('rejects a bad workers option', () => {
    expect(() => new NativePool({ workers: 0 })).toThrow(/option 'workers' must be an integer >= 1, got 0/);
  });
});

describe('NativePool worker start-up', () => {
  it('defaults to the bundled entry out/cli/native-worker.js, from sources and from a bundle alike', () => {
    const pool = new NativePool({ workers: 1 });
    expect(pool.workerFile).toBe(path.join(root, 'out', 'cli', 'native-worker.js'));
    void pool.close();
    expect(workerEntryDir(path.join(root, 'src', 'main', 'engine', 'native', 'worker-entries.ts'))).toBe(
      path.join(root, 'out', 'cli'),
    );
    expect(workerEntryDir('/opt/app/out/main/index.js')).toBe('/opt/app/out/main');
  });

  it('refuses a missing worker entry with an error naming the worker and the file', () => {
    const missing = path.join(root, 'out', 'no-such-dir', 'native-worker.js');
    expect(() => new NativePool({ workers: 1, workerFile: missing })).toThrow(WorkerEntryError);
    expect(() => new NativePool({ workers: 1, workerFile: missing })).toThrow(
      `the native-worker worker thread cannot start: its entry file ${missing} does not exist`,
    );
    expect(() => workerEntry('convert-write-worker', path.join(root, 'out', 'no-such-dir'))).toThrow(
      `the convert-write-worker worker thread cannot start: its entry file ${path.join(root, 'out', 'no-such-dir', 'convert-write-worker.js')} does not exist (bundled from src/main/engine/convert/write-worker.ts`,
    );
  });

  it('runs under plain `node --import tsx` outside vitest', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join('test', 'native', 'run-pool-under-tsx.ts')], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // 6 x 5 real ramp 0..29: the DC term is the sum, 435.
    expect(JSON.parse(r.stdout)).toEqual({ dc: [435, 0] });
  });

  it('reports a missing addon with the command that builds it', () => {
    expect(findAddon()).toBe(path.join(root, 'native', 'build', 'Release', 'dsa110_native.node'));
    expect(() => loadAddon(path.join(root, 'no-such-dir', 'dsa110_native.node'))).toThrow(/run "npm run build:native"/);
    expect(() => loadAddon(null)).toThrow(/dsa110_native addon not found.*npm run build:native/);
  });
});
