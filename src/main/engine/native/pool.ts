// NativePool: a piscina pool of worker threads that run the native kernels off the main
// thread, on SharedArrayBuffer-backed arrays the workers transform in place (no copies).
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { NativeKernelName, NativeTask, NativeTaskOf, NativeTaskResults, NativeWorkerData } from './tasks';
import type { NativeAddon } from './addon';
import type { CalCells, CalJonesTerm, CalSolveOptions, CalSolveOutput, CalVisData, RfiKernelOptions } from './addon';
import type { GridderInfo, GridderKernelOptions, HogbomOptions, HogbomResult } from './addon';
import type { ReprojectInput, ReprojectOptions, ReprojectOutput } from './addon';
import type { SimVisKernelInput } from './addon';
import { workerEntry, WorkerEntryError } from './worker-entries';

export interface NativePoolOptions {
  /** Worker threads (each runs one kernel at a time). Default: os.availableParallelism(). */
  workers?: number;
  /**
   * The worker script. Default: the bundled entry native-worker.js (see worker-entries.ts:
   * out/cli/ for the CLI and for code running from sources, out/main/ in the Electron build).
   */
  workerFile?: string;
  /** The addon's path, passed to the workers; default: they search for it (see findAddon). */
  addonPath?: string;
  /** Milliseconds an idle worker stays alive before it exits. Default 30 s. */
  idleTimeoutMs?: number;
}

export interface Fft2dOptions {
  /** Inverse transform (+ sign, scaled by 1/(nx*ny)); default forward. */
  inverse?: boolean;
  /** Threads inside the kernel (rows, then columns); default 1. */
  threads?: number;
}

export type ComplexPrecision = 'complex64' | 'complex128';

function isShared(buffer: ArrayBufferLike): boolean {
  // instanceof fails across realms; the tag does not.
  return Object.prototype.toString.call(buffer) === '[object SharedArrayBuffer]';
}

/**
 * A zeroed interleaved complex array of ny rows of nx values in a SharedArrayBuffer, ready
 * for NativePool.fft2d: Float32Array for complex64, Float64Array for complex128.
 */
export function sharedComplexArray(nx: number, ny: number, precision: 'complex64'): Float32Array;
export function sharedComplexArray(nx: number, ny: number, precision: 'complex128'): Float64Array;
export function sharedComplexArray(nx: number, ny: number, precision: ComplexPrecision): Float32Array | Float64Array;
export function sharedComplexArray(nx: number, ny: number, precision: ComplexPrecision): Float32Array | Float64Array {
  if (!Number.isInteger(nx) || !Number.isInteger(ny) || nx < 1 || ny < 1) {
    throw new RangeError(`sharedComplexArray: nx and ny must be integers >= 1, got nx=${nx}, ny=${ny}`);
  }
  const length = 2 * nx * ny;
  return precision === 'complex64'
    ? new Float32Array(new SharedArrayBuffer(length * Float32Array.BYTES_PER_ELEMENT))
    : new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
}

/** A zeroed typed array of n elements in a SharedArrayBuffer, for the native workers to share. */
export function sharedOf<T extends ArrayBufferView>(
  ctor: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number },
  n: number,
): T {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`sharedOf: n must be an integer >= 0, got ${n}`);
  return new ctor(new SharedArrayBuffer(n * ctor.BYTES_PER_ELEMENT));
}

/** A zeroed Float64Array of n values in a SharedArrayBuffer. */
export function sharedFloat64Array(n: number): Float64Array {
  return sharedOf(Float64Array, n);
}

export class NativePool {
  readonly workers: number;
  readonly workerFile: string;
  private readonly pool: Piscina<NativeTask, unknown>;
  private closed = false;

  constructor(options: NativePoolOptions = {}) {
    const workers = options.workers ?? availableParallelism();
    if (!Number.isInteger(workers) || workers < 1) {
      throw new RangeError(`NativePool: option 'workers' must be an integer >= 1, got ${workers}`);
    }
    this.workers = workers;
    this.workerFile = options.workerFile ?? workerEntry('native-worker');
    // A missing script would only surface as a worker crash on the first task: name it now.
    if (!existsSync(this.workerFile)) throw new WorkerEntryError('native-worker', this.workerFile);
    const workerData: NativeWorkerData = { addonPath: options.addonPath ?? null };
    this.pool = new Piscina<NativeTask, unknown>({
      filename: this.workerFile,
      // Started on demand, kept while busy: starting a thread and loading the addon costs ~10s of ms.
      minThreads: 0,
      maxThreads: workers,
      idleTimeout: options.idleTimeoutMs ?? 30_000,
      workerData,
    });
  }

  /**
   * Complex 2-D FFT in place of `data` (ny rows of nx interleaved complex values; numpy's fft2
   * convention, inverse scaled by 1/(nx*ny)) on a worker thread. `data` must be a view of a
   * SharedArrayBuffer (see sharedComplexArray) so the worker writes the result into it;
   * resolves when done. Argument errors from the addon reject with its message.
   */
  fft2d(data: Float32Array | Float64Array, nx: number, ny: number, opts: Fft2dOptions = {}): Promise<void> {
    if (!(data instanceof Float32Array) && !(data instanceof Float64Array)) {
      return Promise.reject(new TypeError('NativePool.fft2d: data must be a Float32Array or Float64Array'));
    }
    if (!isShared(data.buffer)) {
      return Promise.reject(
        new TypeError(
          'NativePool.fft2d: data must be backed by a SharedArrayBuffer so the worker can transform it in place ' +
            '(it is backed by an ArrayBuffer); allocate it with sharedComplexArray(nx, ny, precision)',
        ),
      );
    }
    return this.run('fft2d', data, nx, ny, opts.inverse ?? false, opts.threads ?? 1);
  }

  /**
   * The simulator's fused pass on a worker thread (see NativeAddon.simulateVisibilities):
   * `vis` and `flags` must be backed by SharedArrayBuffers; resolves to true when the
   * antenna-factorised predictor ran.
   */
  simulateVisibilities(
    input: SimVisKernelInput,
    vis: Float32Array,
    flags: Uint8Array,
    opts: { threads?: number } = {},
  ): Promise<boolean> {
    if (!isShared(vis.buffer) || !isShared(flags.buffer)) {
      return Promise.reject(
        new TypeError(
          'NativePool.simulateVisibilities: vis and flags must be backed by SharedArrayBuffers so the worker can write into them; allocate them with sharedOf',
        ),
      );
    }
    return this.run('simulateVisibilities', input, vis, flags, opts.threads ?? 1);
  }

  /**
   * Direct point-source prediction on a worker thread, added into `out` (nbl x nchan complex,
   * float64); see NativeAddon.predictPoints for the convention. `out` must be backed by a
   * SharedArrayBuffer (the worker writes into it); the inputs are copied if they are not.
   */
  predictPoints(
    input: { uvw: Float64Array; freqs: Float64Array; lmn1: Float64Array; amp: Float64Array; channelWidthHz?: number },
    out: Float64Array,
    opts: { threads?: number } = {},
  ): Promise<void> {
    if (!isShared(out.buffer)) {
      return Promise.reject(
        new TypeError(
          'NativePool.predictPoints: out must be backed by a SharedArrayBuffer so the worker can write into it; allocate it with sharedFloat64Array(n)',
        ),
      );
    }
    return this.run(
      'predictPoints',
      input.uvw,
      input.freqs,
      input.lmn1,
      input.amp,
      out,
      input.channelWidthHz ?? 0,
      opts.threads ?? 1,
    );
  }

  /**
   * StefCal gain solve on a worker (see NativeAddon.solveJones). Every array of `out` must be
   * backed by a SharedArrayBuffer (the worker writes into them); inputs are copied when not shared.
   */
  solveJones(data: CalVisData, cells: CalCells, options: CalSolveOptions, out: CalSolveOutput): Promise<void> {
    for (const [name, o] of [
      ['out', out],
      ['options.thenOut', options.thenOut ?? {}],
    ] as const) {
      for (const [k, a] of Object.entries(o) as [string, { buffer: ArrayBufferLike }][]) {
        if (!isShared(a.buffer))
          return Promise.reject(
            new TypeError(
              `NativePool.solveJones: ${name}.${k} must be backed by a SharedArrayBuffer so the worker can write into it`,
            ),
          );
      }
    }
    return this.run('solveJones', data, cells, options, out);
  }

  /** Per-baseline calibration statistics on a worker (see NativeAddon.baselineStats); `out` shared. */
  baselineStats(data: CalVisData, cells: CalCells, out: Float64Array, opts: { threads?: number } = {}): Promise<void> {
    if (!isShared(out.buffer))
      return Promise.reject(
        new TypeError(
          'NativePool.baselineStats: out must be backed by a SharedArrayBuffer; allocate it with sharedFloat64Array(n)',
        ),
      );
    return this.run('baselineStats', data, cells, out, opts.threads ?? 1);
  }

  /**
   * Applies Jones terms in place on a worker (see NativeAddon.applyJones): `vis`, `flags` and
   * `weights` must be backed by SharedArrayBuffers. Resolves to the number of samples newly flagged.
   */
  applyJones(
    input: {
      vis: Float32Array;
      flags: Uint8Array;
      weights?: Float32Array | null;
      ant1: Int32Array;
      ant2: Int32Array;
      nchan: number;
      npol: number;
      nant: number;
    },
    terms: CalJonesTerm[],
    opts: { threads?: number } = {},
  ): Promise<number> {
    const shared: [string, ArrayBufferView | null | undefined][] = [
      ['vis', input.vis],
      ['flags', input.flags],
      ['weights', input.weights],
    ];
    for (const [k, a] of shared) {
      if (a && !isShared(a.buffer))
        return Promise.reject(
          new TypeError(
            `NativePool.applyJones: ${k} must be backed by a SharedArrayBuffer so the worker can correct it in place`,
          ),
        );
    }
    const { vis, flags, ant1, ant2, nchan, npol, nant } = input;
    return this.run(
      'applyJones',
      vis,
      flags,
      input.weights ?? null,
      ant1,
      ant2,
      nchan,
      npol,
      nant,
      terms,
      opts.threads ?? 1,
    );
  }

  /** Basic flags in place on a worker (see NativeAddon.flagBasic); `flags` must be shared. */
  flagBasic(
    input: { vis: Float32Array; flags: Uint8Array; ant1: Int32Array; ant2: Int32Array; nchan: number; npol: number },
    opts: { autos?: boolean; threads?: number } = {},
  ): Promise<{ autocorrelation: number; zero: number; nonfinite: number }> {
    if (!isShared(input.flags.buffer))
      return Promise.reject(
        new TypeError(
          'NativePool.flagBasic: flags must be backed by a SharedArrayBuffer so the worker can flag in place',
        ),
      );
    return this.run(
      'flagBasic',
      input.vis,
      input.flags,
      input.ant1,
      input.ant2,
      input.nchan,
      input.npol,
      opts.autos ?? true,
      opts.threads ?? 1,
    );
  }

  /** SumThreshold RFI flags in place on a worker (see NativeAddon.flagRfi); `flags` must be shared. */
  flagRfi(
    input: {
      vis: Float32Array;
      flags: Uint8Array;
      grid: Int32Array;
      nbl: number;
      ntime: number;
      nchan: number;
      npol: number;
    },
    options: RfiKernelOptions = {},
  ): Promise<number> {
    if (!isShared(input.flags.buffer))
      return Promise.reject(
        new TypeError(
          'NativePool.flagRfi: flags must be backed by a SharedArrayBuffer so the worker can flag in place',
        ),
      );
    return this.run(
      'flagRfi',
      input.vis,
      input.flags,
      input.grid,
      input.nbl,
      input.ntime,
      input.nchan,
      input.npol,
      options,
    );
  }

  /**
   * Gridding on a worker, dirty = G^H(vis) (see NativeAddon.ms2dirty), with `psf` also the PSF
   * in the same pass. `dirty` and `psf` (ny x nx, the type of vis) must be backed by
   * SharedArrayBuffers; inputs that are not are copied.
   */
  ms2dirty(
    input: { uvw: Float64Array; freqs: Float64Array; vis: Float32Array | Float64Array; weights: Float32Array },
    dirty: Float32Array | Float64Array,
    options: GridderKernelOptions,
    psf: Float32Array | Float64Array | null = null,
  ): Promise<GridderInfo> {
    if (!isShared(dirty.buffer) || (psf && !isShared(psf.buffer))) {
      return Promise.reject(
        new TypeError(
          'NativePool.ms2dirty: dirty (and psf) must be backed by a SharedArrayBuffer so the worker can write the image into it',
        ),
      );
    }
    return this.run('ms2dirty', input.uvw, input.freqs, input.vis, input.weights, dirty, options, psf);
  }

  /**
   * Degridding on a worker, vis = G(image) (see NativeAddon.dirty2ms). `vis` (nrows x nchan
   * complex, the type of image) must be backed by a SharedArrayBuffer; inputs that are not are copied.
   */
  dirty2ms(
    input: {
      uvw: Float64Array;
      freqs: Float64Array;
      image: Float32Array | Float64Array;
      weights?: Float32Array | null;
    },
    vis: Float32Array | Float64Array,
    options: GridderKernelOptions,
  ): Promise<GridderInfo> {
    if (!isShared(vis.buffer))
      return Promise.reject(
        new TypeError(
          'NativePool.dirty2ms: vis must be backed by a SharedArrayBuffer so the worker can write the visibilities into it',
        ),
      );
    return this.run('dirty2ms', input.uvw, input.freqs, input.image, input.weights ?? null, vis, options);
  }

  /**
   * A major cycle on a worker (see NativeAddon.ms2residual): vis += G(image) where the weight is
   * nonzero, then dirty = G^H(weights * vis). `vis` and `dirty` must be backed by SharedArrayBuffers.
   */
  ms2residual(
    input: { uvw: Float64Array; freqs: Float64Array; image: Float32Array | Float64Array; weights: Float32Array },
    vis: Float32Array | Float64Array,
    dirty: Float32Array | Float64Array,
    options: GridderKernelOptions,
  ): Promise<GridderInfo> {
    if (!isShared(vis.buffer) || !isShared(dirty.buffer)) {
      return Promise.reject(
        new TypeError(
          'NativePool.ms2residual: vis and dirty must be backed by SharedArrayBuffers so the worker can write them',
        ),
      );
    }
    return this.run('ms2residual', input.uvw, input.freqs, input.image, input.weights, vis, dirty, options);
  }

  /** Frees what gridder session `session` holds (see GridderKernelOptions.session); false if none. */
  gridderRelease(session: number): Promise<boolean> {
    return this.run('gridderRelease', session);
  }

  /**
   * Hogbom minor cycle on a worker (see NativeAddon.hogbomClean): `residual` and `model` must be
   * backed by SharedArrayBuffers (updated in place); psf and mask are copied when they are not.
   */
  hogbomClean(
    input: { residual: Float32Array; psf: Float32Array; mask?: Uint8Array | null; model: Float64Array },
    options: HogbomOptions,
  ): Promise<HogbomResult> {
    if (!isShared(input.residual.buffer) || !isShared(input.model.buffer)) {
      return Promise.reject(
        new TypeError(
          'NativePool.hogbomClean: residual and model must be backed by SharedArrayBuffers so the worker can update them in place',
        ),
      );
    }
    return this.run('hogbomClean', input.residual, input.psf, input.mask ?? null, input.model, options);
  }

  /**
   * Reprojection on a worker (see NativeAddon.reproject): every output plane must be backed by a
   * SharedArrayBuffer (the worker writes into it); input planes that are not are copied.
   * Resolves to the number of covered output pixels.
   */
  reproject(input: ReprojectInput, output: ReprojectOutput, options: ReprojectOptions = {}): Promise<number> {
    if (output.planes.some((p) => !isShared(p.buffer))) {
      return Promise.reject(
        new TypeError(
          'NativePool.reproject: output.planes must be backed by SharedArrayBuffers so the worker can write into them; allocate them with sharedOf(Float32Array, n)',
        ),
      );
    }
    return this.run('reproject', input, output, options);
  }

  /** Waits for running tasks, then stops the workers. Later calls reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.close();
  }

  /** Runs pool kernel `kernel` on a worker with the addon function's own arguments. */
  private async run<K extends NativeKernelName>(
    kernel: K,
    ...args: Parameters<NativeAddon[K]>
  ): Promise<NativeTaskResults[K]> {
    if (this.closed) throw new Error(`NativePool: ${kernel} called after close()`);
    const task = { kernel, args } as NativeTaskOf<K> as NativeTask;
    return (await this.pool.run(task)) as NativeTaskResults[K];
  }
}
