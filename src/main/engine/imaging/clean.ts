// Cotton-Schwab CLEAN (Schwab 1984): major cycles predict the model's visibilities with the
// degridder, subtract them from the data and grid the residual again; minor cycles (Hogbom, the
// native kernel) find components on the residual image with the PSF. Multi-frequency synthesis:
// all channels go into one image. Stopping: niter components, an absolute threshold, an
// auto-threshold in units of the residual's robust rms (1.4826 MAD), mgain per major cycle;
// optional auto-masking (WSClean's -auto-mask): once the residual's peak falls below
// autoMaskSigma x rms, further components are only allowed where components already are.
import { sharedOf, type NativePool } from '../native/pool';
import { Gridder } from './gridder';
import type { GridderStats } from './gridder';
import type { GridderInfo } from '../native/addon';
import { peak, robustRms } from './stats';

/**
 * WSClean's wgridder default accuracy and the config's (imaging.epsilon): the gridding error of a
 * pixel is about epsilon x the image's rms (each visibility's aliasing depends on where it falls
 * in its uv cell, so it adds incoherently), far below a 5-minute image's thermal noise.
 */
export const DEFAULT_IMAGING_EPSILON = 1e-4;

export interface CleanOptions {
  nx: number;
  ny: number;
  /** Pixel size, radians. */
  pixelRad: number;
  niter: number;
  /** Loop gain; default 0.1. */
  gain?: number;
  /** Major-cycle gain: each minor cycle stops at (1 - mgain) x its starting peak; default 0.8. */
  mgain?: number;
  /** Absolute threshold, Jy/beam; default 0. */
  threshold?: number;
  /** Stop at this many robust rms of the residual; 0 = off. */
  autoThresholdSigma?: number;
  /** Auto-masking level in robust rms; 0 = off. */
  autoMaskSigma?: number;
  /** Gridder accuracy; default DEFAULT_IMAGING_EPSILON. */
  epsilon?: number;
  threads?: number;
  /** At most this many major cycles; default 20. */
  maxMajorCycles?: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number, message: string) => void;
  /** Called with the PSF (peak 1) before any cleaning, e.g. to check it can be fitted; may throw. */
  onPsf?: (psf: Float32Array) => void;
}

export interface CleanInput {
  uvw: Float64Array;
  freqs: Float64Array;
  /**
   * Visibilities, shared. With niter > 0 they are overwritten with the residual visibilities
   * (data - G(model)) where the weight is nonzero (elsewhere they are left as they are): each
   * major cycle subtracts the new components' prediction in place, so no second array of the
   * data's size is held.
   */
  vis: Float32Array;
  /** Imaging weights (nrows x nchan), shared. */
  weights: Float32Array;
}

export interface MajorCycleRecord {
  cycle: number;
  peakJy: number;
  rmsJy: number;
  stopLevelJy: number;
  iterations: number;
  reason: string;
}

export interface CleanResult {
  dirty: Float32Array;
  psf: Float32Array;
  residual: Float32Array;
  /** Components, Jy per pixel. */
  model: Float64Array;
  sumWeights: number;
  iterations: number;
  majorCycles: MajorCycleRecord[];
  /** Why cleaning stopped. */
  stop: 'niter' | 'threshold' | 'auto-threshold' | 'major-cycles' | 'none';
  /** The final threshold used, Jy/beam. */
  thresholdJy: number;
  /**
   * Wall seconds: PSF and dirty image (one gridding pass, in `psf`; `dirty` is 0), minor
   * cycles, major cycles (predict + regrid).
   */
  timings: { psf: number; dirty: number; minor: number; major: number };
  gridder: GridderStats;
  /** The kernel, grid and w planes the gridder chose (the same for every pass). */
  kernel: GridderInfo;
}

function aborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('imaging cancelled');
}

/** Dirty image, PSF and (with niter > 0) the CLEAN model and residual. */
export async function cleanImage(pool: NativePool, input: CleanInput, o: CleanOptions): Promise<CleanResult> {
  // One gridder session for all passes over the data: the same plan, buckets and plane memory.
  const gridder = new Gridder(pool, {
    nx: o.nx,
    ny: o.ny,
    pixelRad: o.pixelRad,
    epsilon: o.epsilon ?? DEFAULT_IMAGING_EPSILON,
    threads: o.threads ?? 1,
    keepSession: true,
  });
  try {
    return await clean(pool, gridder, input, o);
  } finally {
    await gridder.release();
  }
}

async function clean(pool: NativePool, gridder: Gridder, input: CleanInput, o: CleanOptions): Promise<CleanResult> {
  const gain = o.gain ?? 0.1;
  const mgain = o.mgain ?? 0.8;
  if (!(mgain > 0 && mgain <= 1)) throw new RangeError(`clean: mgain must be in (0, 1], got ${mgain}`);
  if (!(gain > 0 && gain <= 1)) throw new RangeError(`clean: gain must be in (0, 1], got ${gain}`);
  if (!Number.isInteger(o.niter) || o.niter < 0)
    throw new RangeError(`clean: niter must be an integer >= 0, got ${o.niter}`);
  const progress = o.onProgress ?? (() => undefined);
  const { uvw, freqs, vis, weights } = input;
  const nvis = weights.length;

  const timings = { psf: 0, dirty: 0, minor: 0, major: 0 };
  let t0 = performance.now();
  const lap = (): number => {
    const t = performance.now();
    const dt = (t - t0) / 1000;
    t0 = t;
    return dt;
  };
  // PSF (the same weights on unit visibilities) and dirty image in one pass over the data.
  progress(0, 'PSF and dirty image');
  if (vis.length !== 2 * nvis)
    throw new RangeError(`clean: vis has ${vis.length} values but 2 x weights.length = ${2 * nvis} were expected`);
  const both = await gridder.dirtyAndPsf({ uvw, freqs, vis, weights });
  const psfImg = both.psf;
  const sumWeights = psfImg.info.sumWeights;
  if (!(sumWeights > 0))
    throw new Error('clean: no visibilities with weight > 0 (all flagged, or outside the uv range)');
  const psf = psfImg.image as Float32Array;
  const dirty = both.dirty.image as Float32Array;
  timings.psf = lap();
  o.onPsf?.(psf);
  aborted(o.signal);
  if (o.niter > 0) progress(0.05, 'cleaning');
  const npix = o.nx * o.ny;
  const model = new Float64Array(new SharedArrayBuffer(8 * npix));
  let residual: Float32Array = Float32Array.from(dirty);
  const cycles: MajorCycleRecord[] = [];
  let total = 0;
  let stop: CleanResult['stop'] = 'none';
  let thresholdJy = o.threshold ?? 0;
  if (o.niter === 0)
    return {
      dirty,
      psf,
      residual,
      model,
      sumWeights,
      iterations: 0,
      majorCycles: cycles,
      stop,
      thresholdJy,
      timings,
      gridder: gridder.stats,
      kernel: psfImg.info,
    };

  let mask: Uint8Array | null = null;
  // The model already subtracted from vis, and the negated new components to predict.
  const subtracted = new Float64Array(npix);
  const delta = sharedOf(Float32Array, npix);
  // The minor cycles' copy of the residual and the gridder's output, reused from cycle to cycle
  // (fresh pages cost more than the copies).
  const resShared = sharedOf(Float32Array, npix);
  const resOut = sharedOf(Float32Array, npix);
  const maxMajor = o.maxMajorCycles ?? 20;
  for (let cycle = 1; ; cycle++) {
    aborted(o.signal);
    const rmsJy = robustRms(residual);
    const autoT = (o.autoThresholdSigma ?? 0) * rmsJy;
    thresholdJy = Math.max(o.threshold ?? 0, autoT);
    if (mask === null && (o.autoMaskSigma ?? 0) > 0) {
      const p0 = Math.abs(peak(residual, o.nx, { abs: true }).value);
      if (p0 <= (o.autoMaskSigma ?? 0) * rmsJy && total > 0) {
        mask = new Uint8Array(new SharedArrayBuffer(npix));
        for (let i = 0; i < npix; i++) mask[i] = model[i] !== 0 ? 1 : 0;
      }
    }
    const pk = Math.abs(peak(residual, o.nx, { abs: true, mask }).value);
    if (total >= o.niter) {
      stop = 'niter';
      break;
    }
    if (pk <= thresholdJy) {
      stop = autoT >= (o.threshold ?? 0) && autoT > 0 ? 'auto-threshold' : 'threshold';
      break;
    }
    if (cycle > maxMajor) {
      stop = 'major-cycles';
      break;
    }
    // Without a mask yet, do not clean below the auto-mask level in this cycle.
    const maskLevel = mask === null && (o.autoMaskSigma ?? 0) > 0 ? (o.autoMaskSigma ?? 0) * rmsJy : 0;
    const stopLevel = Math.max(thresholdJy, maskLevel, (1 - mgain) * pk);
    resShared.set(residual);
    lap();
    const r = await pool.hogbomClean(
      { residual: resShared, psf, mask, model },
      {
        nx: o.nx,
        ny: o.ny,
        gain,
        stopLevel,
        maxIter: o.niter - total,
        threads: o.threads ?? 1,
      },
    );
    timings.minor += lap();
    total += r.iterations;
    cycles.push({ cycle, peakJy: pk, rmsJy, stopLevelJy: stopLevel, iterations: r.iterations, reason: r.reason });
    progress(
      Math.min(0.95, 0.1 + (0.85 * total) / o.niter),
      `major cycle ${cycle}: ${total} components, peak ${pk.toExponential(3)} Jy/beam`,
    );
    if (r.iterations === 0) {
      // Nothing cleanable above the stop level (e.g. the mask excludes the peak).
      stop = mask ? 'auto-threshold' : 'threshold';
      break;
    }
    // Major cycle: residual visibilities = data - G(model), by subtracting the prediction of the
    // components found since the last cycle in place, gridded again.
    aborted(o.signal);
    lap();
    for (let i = 0; i < npix; i++) {
      delta[i] = subtracted[i]! - model[i]!;
      subtracted[i] = model[i]!;
    }
    // Only where the weights are nonzero (what is gridded), predicted and gridded in one pass.
    const res = await gridder.residual({ uvw, freqs, vis, weights }, delta, { into: resOut });
    residual = res.image as Float32Array;
    timings.major += lap();
  }
  return {
    dirty,
    psf,
    residual,
    model,
    sumWeights,
    iterations: total,
    majorCycles: cycles,
    stop,
    thresholdJy,
    timings,
    gridder: gridder.stats,
    kernel: psfImg.info,
  };
}
