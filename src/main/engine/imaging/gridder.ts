// Typed wrapper over the native wide-field gridder (native/src/gridder): dirty images from
// visibilities and model visibilities from images, on the NativePool's worker threads.
//
// Conventions (the same as the kernel's, see native/src/gridder/wgridder.h):
// - uvw in metres, uvw = uvw(ant2) - uvw(ant1); DATA = S exp(+2 pi i (u l + v m + w (n - 1)) / lambda).
// - Images are ny rows of nx pixels, x fastest. Pixel (x, y) is at l = -(x - cx) dl,
//   m = (y - cy) dm with cx = floor(nx/2), cy = floor(ny/2): RA grows to the LEFT, as in FITS
//   with CDELT1 = -dl (WSClean's orientation). A model pixel holds the apparent flux (Jy) of a
//   point at its centre (no 1/n factor), so degridding a one-pixel image of S gives S exp(...).
import type { GridderInfo, GridderKernelOptions } from '../native/addon';
import { sharedOf, type NativePool } from '../native/pool';
import { celestialWcs, type CelestialWcs } from '../../../shared/model/sky-image';

export type ImagePrecision = 'float32' | 'float64';

export interface GridderOptions {
  nx: number;
  ny: number;
  /** Pixel size in radians: one number for square pixels, or [dl, dm]. */
  pixelRad: number | readonly [number, number];
  /** Requested relative accuracy (L2 against the direct transform); default 1e-5. */
  epsilon?: number;
  /** Threads inside the kernel; default 1. */
  threads?: number;
  /** Apply the w term (w-gridding); default true. Without it, wide fields are distorted. */
  doWStacking?: boolean;
  /** uv-grid oversampling in [1.2, 4]; default: chosen per call by a cost model. */
  oversampling?: number;
  /**
   * Memory for the uv-plane grids held at once (bytes); default 1 GiB. With room for W planes
   * (the kernel support) each visibility is visited once; with less, planes go in groups.
   */
  maxGridBytes?: number;
  /**
   * Keep the kernel's plan, visibility buckets and plane-grid memory (~1 GB at 2560^2 pixels)
   * between calls on the same arrays (a native gridder session), instead of scanning, bucketing
   * and page-faulting them in again on every call: for CLEAN's many passes over one data set.
   * uvw, freqs and which weights are 0 must not change in place meanwhile (the kernel checks
   * the arrays, the |w| range, the visibility count and the weight sum, and starts afresh when
   * they differ). Call release() when done. Default false.
   */
  keepSession?: boolean;
}

// Session ids: unique in this module instance, from a random base so that gridders of other
// threads (their own module instances) are unlikely to share one (which would only cost time).
let nextSession = 1 + Math.floor(Math.random() * 2 ** 30);

/** Visibilities for gridding: nrows x nchan, complex interleaved, weights 0 = flagged. */
export interface GridderVisibilities {
  uvw: Float64Array;
  freqs: Float64Array;
  vis: Float32Array | Float64Array;
  weights: Float32Array;
}

/** Where to predict: the rows, channels and (optional) weights multiplying the result. */
export interface GridderTargets {
  uvw: Float64Array;
  freqs: Float64Array;
  weights?: Float32Array | null;
}

export interface DirtyImage {
  /** ny x nx, x fastest, in a SharedArrayBuffer; the precision of the visibilities. */
  image: Float32Array | Float64Array;
  /** Divided by info.sumWeights (so a point source's peak equals its flux), or raw. */
  normalized: boolean;
  info: GridderInfo;
}

export interface PredictedVisibilities {
  /** nrows x nchan complex interleaved, in a SharedArrayBuffer; the precision of the image. */
  vis: Float32Array | Float64Array;
  info: GridderInfo;
}

function sharedArray(n: number, precision: ImagePrecision): Float32Array | Float64Array {
  return precision === 'float32' ? sharedOf(Float32Array, n) : sharedOf(Float64Array, n);
}

function positiveInteger(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1)
    throw new RangeError(`Gridder: option '${name}' must be an integer >= 1, got ${v}`);
  return v;
}

/**
 * What a Gridder's calls cost so far: wall seconds inside the kernel calls (worker hand-off
 * included) and the process's CPU seconds (user + sys) meanwhile, which on a loaded machine
 * measure the work better than the wall time.
 */
export interface GridderStats {
  gridCalls: number;
  gridSeconds: number;
  gridCpuSeconds: number;
  /** Visibilities with weight != 0 seen by the gridding calls, summed over the calls. */
  gridVisibilities: number;
  degridCalls: number;
  degridSeconds: number;
  degridCpuSeconds: number;
  degridVisibilities: number;
  /** Fused major-cycle passes (residual()): prediction and gridding at one visit. */
  residualCalls: number;
  residualSeconds: number;
  residualCpuSeconds: number;
  residualVisibilities: number;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export class Gridder {
  /** Accumulated over this gridder's calls, for benchmarks and logs. */
  readonly stats: GridderStats = {
    gridCalls: 0,
    gridSeconds: 0,
    gridCpuSeconds: 0,
    gridVisibilities: 0,
    degridCalls: 0,
    degridSeconds: 0,
    degridCpuSeconds: 0,
    degridVisibilities: 0,
    residualCalls: 0,
    residualSeconds: 0,
    residualCpuSeconds: 0,
    residualVisibilities: 0,
  };
  readonly nx: number;
  readonly ny: number;
  readonly dl: number;
  readonly dm: number;
  readonly epsilon: number;
  readonly threads: number;
  readonly wgridding: boolean;
  readonly oversampling: number;
  readonly maxGridBytes: number;
  /** The native session id, or 0. */
  private session: number;

  constructor(
    private readonly pool: NativePool,
    options: GridderOptions,
  ) {
    this.nx = positiveInteger(options.nx, 'nx');
    this.ny = positiveInteger(options.ny, 'ny');
    const [dl, dm] = typeof options.pixelRad === 'number' ? [options.pixelRad, options.pixelRad] : options.pixelRad;
    if (!(dl > 0 && dm > 0 && Number.isFinite(dl) && Number.isFinite(dm))) {
      throw new RangeError(`Gridder: option 'pixelRad' must be > 0 radians, got ${String(options.pixelRad)}`);
    }
    this.dl = dl;
    this.dm = dm;
    const half = [Math.floor(this.nx / 2) * dl, Math.floor(this.ny / 2) * dm] as const;
    if (half[0] ** 2 + half[1] ** 2 >= 1)
      throw new RangeError('Gridder: the image reaches beyond the horizon (l^2 + m^2 >= 1 at a corner)');
    this.epsilon = options.epsilon ?? 1e-5;
    if (!(this.epsilon >= 1e-13 && this.epsilon <= 0.01))
      throw new RangeError(`Gridder: option 'epsilon' must be in [1e-13, 0.01], got ${this.epsilon}`);
    this.threads = positiveInteger(options.threads ?? 1, 'threads');
    this.wgridding = options.doWStacking ?? true;
    this.oversampling = options.oversampling ?? 0;
    if (this.oversampling !== 0 && !(this.oversampling >= 1.2 && this.oversampling <= 4)) {
      throw new RangeError(`Gridder: option 'oversampling' must be in [1.2, 4], got ${this.oversampling}`);
    }
    this.maxGridBytes = options.maxGridBytes ?? 0;
    if (!Number.isSafeInteger(this.maxGridBytes) || this.maxGridBytes < 0) {
      throw new RangeError(
        `Gridder: option 'maxGridBytes' must be an integer >= 0 (0 = 1 GiB), got ${this.maxGridBytes}`,
      );
    }
    this.session = options.keepSession ? nextSession++ : 0;
    if (nextSession > 0xffffffff) nextSession = 1;
  }

  /** Frees the kernel's session memory (keepSession); later calls work without a session. */
  async release(): Promise<void> {
    const id = this.session;
    this.session = 0;
    if (id !== 0) await this.pool.gridderRelease(id);
  }

  /** The options the addon takes. */
  kernelOptions(): GridderKernelOptions {
    return {
      nx: this.nx,
      ny: this.ny,
      pixelL: this.dl,
      pixelM: this.dm,
      epsilon: this.epsilon,
      sigma: this.oversampling,
      wgridding: this.wgridding,
      threads: this.threads,
      maxGridBytes: this.maxGridBytes,
      ...(this.session !== 0 ? { session: this.session } : {}),
    };
  }

  /** (l, m) direction cosines of pixel (x, y) (0-based, fractional allowed). */
  pixelToLm(x: number, y: number): [number, number] {
    return [-(x - Math.floor(this.nx / 2)) * this.dl, (y - Math.floor(this.ny / 2)) * this.dm];
  }

  /** Pixel (x, y) (fractional) of direction cosines (l, m). */
  lmToPixel(l: number, m: number): [number, number] {
    return [Math.floor(this.nx / 2) - l / this.dl, Math.floor(this.ny / 2) + m / this.dm];
  }

  /** The image's FITS SIN axes for a phase centre (degrees). */
  wcs(raDeg: number, decDeg: number): CelestialWcs {
    const deg = 180 / Math.PI;
    return celestialWcs({
      crpix1: Math.floor(this.nx / 2) + 1,
      crpix2: Math.floor(this.ny / 2) + 1,
      cdelt1: -this.dl * deg,
      cdelt2: this.dm * deg,
      crval1: raDeg,
      crval2: decDeg,
    });
  }

  /**
   * The dirty image G^H(weights * vis), by default divided by the sum of the weights (natural
   * weighting gives a point source's flux at its peak; with other weights, pass them in). With
   * `unitVisibilities` every visibility is taken as 1 (the PSF; data.vis only sets the precision).
   */
  async dirty(
    data: GridderVisibilities,
    opts: { normalize?: boolean; unitVisibilities?: boolean } = {},
  ): Promise<DirtyImage> {
    const precision: ImagePrecision = data.vis instanceof Float32Array ? 'float32' : 'float64';
    const image = sharedArray(this.nx * this.ny, precision);
    const info = await this.timed('grid', () =>
      this.pool.ms2dirty(data, image, { ...this.kernelOptions(), unitVisibilities: opts.unitVisibilities ?? false }),
    );
    return { image, normalized: normalizeBySumOfWeights(info, opts.normalize ?? true, image), info };
  }

  /**
   * The dirty image and the PSF (unit visibilities, the same weights) in one pass, both
   * normalised by the sum of the weights: the results of dirty() and dirty(..., {
   * unitVisibilities }) with each visibility's kernels evaluated once (two plane sets).
   */
  async dirtyAndPsf(data: GridderVisibilities): Promise<{ dirty: DirtyImage; psf: DirtyImage }> {
    const precision: ImagePrecision = data.vis instanceof Float32Array ? 'float32' : 'float64';
    const dirty = sharedArray(this.nx * this.ny, precision);
    const psf = sharedArray(this.nx * this.ny, precision);
    const info = await this.timed('grid', () =>
      this.pool.ms2dirty(data, dirty, { ...this.kernelOptions(), unitVisibilities: false }, psf),
    );
    const ok = normalizeBySumOfWeights(info, true, dirty, psf);
    return { dirty: { image: dirty, normalized: ok, info }, psf: { image: psf, normalized: ok, info } };
  }

  /**
   * A major cycle in one pass: data.vis (shared, in place) += G(image) where data.weights are
   * nonzero (they select; predicting a negated model subtracts it), then the dirty image of the
   * new visibilities, normalised as dirty() does: the results of predict(..., { accumulate,
   * selectOnly }) followed by dirty(), with each visibility's kernels evaluated once (twice the
   * plane-grid memory; with less than a visibility's W planes in the budget, two passes).
   * `into` (shared, nx x ny, the precision of vis) receives the image instead of a new array.
   */
  async residual(
    data: GridderVisibilities,
    image: Float32Array | Float64Array,
    opts: { normalize?: boolean; into?: Float32Array | Float64Array } = {},
  ): Promise<DirtyImage> {
    const precision: ImagePrecision = data.vis instanceof Float32Array ? 'float32' : 'float64';
    if (image.length !== this.nx * this.ny || image instanceof Float32Array !== (precision === 'float32')) {
      throw new RangeError(
        `Gridder.residual: image must be a ${precision} array of nx x ny = ${this.nx * this.ny} pixels, got ${image.constructor.name}(${image.length})`,
      );
    }
    if (
      opts.into &&
      (opts.into.length !== this.nx * this.ny || opts.into instanceof Float32Array !== (precision === 'float32'))
    ) {
      throw new RangeError(
        `Gridder.residual: 'into' must be a ${precision} array of ${this.nx * this.ny} pixels, got ${opts.into.constructor.name}(${opts.into.length})`,
      );
    }
    const dirty = opts.into ?? sharedArray(this.nx * this.ny, precision);
    const info = await this.timed('residual', () =>
      this.pool.ms2residual(
        { uvw: data.uvw, freqs: data.freqs, image, weights: data.weights },
        data.vis,
        dirty,
        this.kernelOptions(),
      ),
    );
    return { image: dirty, normalized: normalizeBySumOfWeights(info, opts.normalize ?? true, dirty), info };
  }

  /**
   * Model visibilities G(image) at the targets' rows and channels (times their weights, if
   * given), written into `into` (nrows x nchan complex, shared, the image's precision) when
   * given, so repeated predictions can reuse one buffer; with `accumulate` added to what `into`
   * holds (predicting a negated model subtracts it from visibilities in place). With
   * `selectOnly` the weights only select where to predict (nonzero; `into` is left as it is
   * elsewhere) and do not multiply: given the gridding's weights, a session serves both.
   */
  async predict(
    targets: GridderTargets,
    image: Float32Array | Float64Array,
    into?: Float32Array | Float64Array,
    opts: { accumulate?: boolean; selectOnly?: boolean } = {},
  ): Promise<PredictedVisibilities> {
    if (image.length !== this.nx * this.ny) {
      throw new RangeError(
        `Gridder.predict: image has ${image.length} pixels but nx x ny = ${this.nx * this.ny} were expected`,
      );
    }
    const nrows = targets.uvw.length / 3;
    if (!Number.isInteger(nrows))
      throw new RangeError(`Gridder.predict: uvw must hold nrows x 3 values, got ${targets.uvw.length}`);
    const precision: ImagePrecision = image instanceof Float32Array ? 'float32' : 'float64';
    const n = 2 * nrows * targets.freqs.length;
    if (into && (into.length !== n || into instanceof Float32Array !== (precision === 'float32'))) {
      throw new RangeError(
        `Gridder.predict: 'into' must be a ${precision} array of ${n} values (nrows x nchan complex), got ${into.constructor.name}(${into.length})`,
      );
    }
    if (opts.accumulate && !into)
      throw new RangeError('Gridder.predict: accumulate needs the visibilities to add to (into)');
    if (opts.selectOnly && !targets.weights)
      throw new RangeError('Gridder.predict: selectOnly needs the weights that select the visibilities');
    const vis = into ?? sharedArray(n, precision);
    const info = await this.timed('degrid', () =>
      this.pool.dirty2ms({ uvw: targets.uvw, freqs: targets.freqs, image, weights: targets.weights ?? null }, vis, {
        ...this.kernelOptions(),
        accumulate: opts.accumulate ?? false,
        selectOnly: opts.selectOnly ?? false,
      }),
    );
    return { vis, info };
  }

  /** Runs one kernel call, adding its wall and CPU time and visibilities to the stats of its kind. */
  private async timed(kind: 'grid' | 'degrid' | 'residual', call: () => Promise<GridderInfo>): Promise<GridderInfo> {
    const t0 = performance.now();
    const c0 = cpuSeconds();
    const info = await call();
    const s = this.stats;
    s[`${kind}Calls`]++;
    s[`${kind}Seconds`] += (performance.now() - t0) / 1000;
    s[`${kind}CpuSeconds`] += cpuSeconds() - c0;
    s[`${kind}Visibilities`] += info.nvis;
    return info;
  }
}

/** Divides the images by the call's sum of weights when asked and it is positive; whether it did. */
function normalizeBySumOfWeights(
  info: GridderInfo,
  normalize: boolean,
  ...images: (Float32Array | Float64Array)[]
): boolean {
  if (!normalize || !(info.sumWeights > 0)) return false;
  const s = 1 / info.sumWeights;
  for (const img of images) for (let i = 0; i < img.length; i++) img[i] = img[i]! * s;
  return true;
}
