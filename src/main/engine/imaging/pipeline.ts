// The imaging of one Measurement Set: Stokes I visibilities, imaging weights, Cotton-Schwab CLEAN,
// restoring beam, primary beam, and the FITS products PREFIX-{dirty,psf,model,residual,image,pb,
// image-pb}.fits with their provenance in HISTORY cards.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { formatIsoUtc } from '../../../shared/astro';
import { celestialWcs, type ImageUnit } from '../../../shared/model/sky-image';
import type { NativePool } from '../native/pool';
import { writeFitsImage } from '../fits';
import type { FitsCard, FitsImageDescription } from '../fits';
import { cleanImage, DEFAULT_IMAGING_EPSILON } from './clean';
import type { CleanResult, MajorCycleRecord } from './clean';
import type { GridderStats } from './gridder';
import type { GridderInfo } from '../native/addon';
import { pbCorrect, primaryBeamImage } from './primary-beam';
import { fitRestoringBeam, restore } from './restore';
import type { RestoringBeam } from './restore';
import { peak, robustRms } from './stats';
import { readImagingVisibilities } from './visibilities';
import type { DataColumn, ImagingVisibilities } from './visibilities';
import { imagingWeights, paddedSize } from './weighting';
import type { WeightingMode } from './weighting';

export const IMAGE_PRODUCTS = ['dirty', 'psf', 'model', 'residual', 'image', 'pb', 'image-pb'] as const;
export type ImageProduct = (typeof IMAGE_PRODUCTS)[number];

export interface ImagingParams {
  size: number;
  cellArcsec: number;
  weighting: WeightingMode;
  robust: number;
  niter: number;
  mgain: number;
  gain?: number;
  threshold?: number;
  autoThresholdSigma: number;
  autoMaskSigma?: number;
  pbCut: number;
  beamModel: string;
  column?: DataColumn;
  uvMinLambda?: number;
  uvMaxLambda?: number;
  taperArcsec?: number;
  /** Gridder accuracy; default DEFAULT_IMAGING_EPSILON (config imaging.epsilon). */
  epsilon?: number;
  threads?: number;
}

export interface ImagingRun {
  msPath: string;
  prefix: string;
  params: ImagingParams;
  /** Software versions etc. for the HISTORY cards. */
  provenance?: Record<string, string>;
  signal?: AbortSignal;
  onProgress?: (fraction: number, message: string) => void;
}

export interface ImagingSummary {
  msPath: string;
  files: Record<ImageProduct, string>;
  beam: RestoringBeam;
  /** Robust rms of the residual, peak of the restored image (Jy/beam), dynamic range = peak / rms. */
  rmsJy: number;
  peakJy: number;
  dynamicRange: number;
  centre: { raDeg: number; decDeg: number };
  size: number;
  cellArcsec: number;
  /** Weighted mean frequency of the gridded data and the band's extent (Hz). */
  freqHz: number;
  bandwidthHz: number;
  iterations: number;
  majorCycles: MajorCycleRecord[];
  stop: CleanResult['stop'];
  thresholdJy: number;
  sumWeights: number;
  visibilities: number;
  pbModel: string;
  dateObs: string;
}

/** Wall seconds per step of one imaging run. */
export interface ImagingTimings {
  read: number;
  weights: number;
  psf: number;
  dirty: number;
  minor: number;
  major: number;
  restore: number;
  write: number;
  total: number;
}

/** What the imager produced in memory (for tests and callers that do not want files only). */
export interface ImagingOutput extends ImagingSummary {
  images: Record<ImageProduct, Float32Array>;
  /**
   * The visibilities as read, except that `data.weights` holds the imaging weights (computed in
   * place) and, with niter > 0, `data.vis` the residual visibilities (subtracted in place where
   * the imaging weight is nonzero; visibilities with weight 0 keep their data).
   */
  data: ImagingVisibilities;
  /** The imaging weights (the same array as data.weights). */
  weights: Float32Array;
  timings: ImagingTimings;
  gridder: GridderStats;
  /** The gridder's kernel, grid and w planes. */
  kernel: GridderInfo;
}

const ARCSEC = Math.PI / 180 / 3600;

function checkParams(p: ImagingParams): void {
  if (!Number.isInteger(p.size) || p.size < 16)
    throw new RangeError(`image: size must be an integer >= 16, got ${p.size}`);
  if (!(p.cellArcsec > 0)) throw new RangeError(`image: cellArcsec must be > 0, got ${p.cellArcsec}`);
  if (!(p.pbCut > 0 && p.pbCut < 1)) throw new RangeError(`image: pbCut must be in (0, 1), got ${p.pbCut}`);
}

/** Image a Measurement Set and write the FITS products; returns the products in memory too. */
export async function imageMeasurementSet(pool: NativePool, run: ImagingRun): Promise<ImagingOutput> {
  const p = run.params;
  checkParams(p);
  const progress = run.onProgress ?? (() => undefined);
  progress(0, `reading ${run.msPath}`);
  const tStart = performance.now();
  let t0 = tStart;
  const lap = (): number => {
    const t = performance.now();
    const dt = (t - t0) / 1000;
    t0 = t;
    return dt;
  };
  const data = readImagingVisibilities(run.msPath, { column: p.column ?? 'DATA', signal: run.signal });
  const tRead = lap();
  const dl = p.cellArcsec * ARCSEC;
  const pad = paddedSize(p.size);
  // In place: the natural weights are not needed once the imaging weights exist.
  const w = imagingWeights(data.uvw, data.freqs, data.weights, {
    mode: p.weighting,
    robust: p.robust,
    gridNx: pad,
    gridNy: pad,
    pixelL: dl,
    pixelM: dl,
    inPlace: true,
    ...(p.uvMinLambda !== undefined ? { uvMinLambda: p.uvMinLambda } : {}),
    ...(p.uvMaxLambda !== undefined ? { uvMaxLambda: p.uvMaxLambda } : {}),
    ...(p.taperArcsec ? { taperFwhmRad: p.taperArcsec * ARCSEC } : {}),
  });
  if (w.count === 0)
    throw new Error(`image: ${run.msPath}: no unflagged visibilities to image (column ${data.column})`);
  // Weighted mean frequency and the band's extent.
  let fw = 0;
  let sw = 0;
  const perChan = w.perChannel;
  for (let c = 0; c < data.nchan; c++) {
    fw += perChan[c]! * data.freqs[c]!;
    sw += perChan[c]!;
  }
  const freqHz = fw / sw;
  let fmin = Infinity;
  let fmax = -Infinity;
  for (let c = 0; c < data.nchan; c++) {
    fmin = Math.min(fmin, data.freqs[c]! - data.widthsHz[c]! / 2);
    fmax = Math.max(fmax, data.freqs[c]! + data.widthsHz[c]! / 2);
  }
  const tWeights = lap();

  const clean = await cleanImage(
    pool,
    { uvw: data.uvw, freqs: data.freqs, vis: data.vis, weights: w.weights },
    {
      nx: p.size,
      ny: p.size,
      pixelRad: dl,
      niter: p.niter,
      gain: p.gain ?? 0.1,
      mgain: p.mgain,
      threshold: p.threshold ?? 0,
      autoThresholdSigma: p.autoThresholdSigma,
      autoMaskSigma: p.autoMaskSigma ?? 0,
      epsilon: p.epsilon ?? DEFAULT_IMAGING_EPSILON,
      threads: p.threads ?? 1,
      ...(run.signal ? { signal: run.signal } : {}),
      onProgress: (f, m) => progress(0.05 + 0.85 * f, m),
      // Fit the restoring beam first: a PSF too coarsely sampled for the cell size fails now,
      // not after the whole CLEAN.
      onPsf: (psf) => void fitRestoringBeam(psf, p.size, p.size, p.cellArcsec, p.cellArcsec),
    },
  );
  lap();
  progress(0.92, 'restoring');
  const beam = fitRestoringBeam(clean.psf, p.size, p.size, p.cellArcsec, p.cellArcsec);
  const restored = restore(clean.model, clean.residual, p.size, p.size, beam, p.cellArcsec, p.cellArcsec);
  const pb = primaryBeamImage({
    nx: p.size,
    ny: p.size,
    dl,
    dm: dl,
    raRad: (data.phaseCentre.raDeg * Math.PI) / 180,
    decRad: (data.phaseCentre.decDeg * Math.PI) / 180,
    freqHz: (fmin + fmax) / 2,
    model: p.beamModel,
    timesS: data.timesS,
  });
  const imagePb = pbCorrect(restored, pb, p.pbCut);
  const rmsJy = robustRms(clean.residual);
  const pk = peak(restored, p.size).value;
  const model32 = Float32Array.from(clean.model);
  const tRestore = lap();
  const images: Record<ImageProduct, Float32Array> = {
    dirty: clean.dirty,
    psf: clean.psf,
    model: model32,
    residual: clean.residual,
    image: restored,
    pb,
    'image-pb': imagePb,
  };

  // FITS products.
  const dir = path.dirname(path.resolve(run.prefix));
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const dateObs = formatIsoUtc((data.timesS[0]! - data.intervalS / 2) / 86400, 3).replace(/Z$/, '');
  const cx = Math.floor(p.size / 2);
  const base: Omit<FitsImageDescription, 'bunit'> = {
    grid: {
      ...celestialWcs({
        crval1: data.phaseCentre.raDeg,
        crval2: data.phaseCentre.decDeg,
        crpix1: cx + 1,
        crpix2: cx + 1,
        cdelt1: -p.cellArcsec / 3600,
        cdelt2: p.cellArcsec / 3600,
      }),
      nx: p.size,
      ny: p.size,
    },
    freqHz: (fmin + fmax) / 2,
    bandwidthHz: fmax - fmin,
    stokes: 1,
    beam: { majorArcsec: beam.majorArcsec, minorArcsec: beam.minorArcsec, paDeg: beam.paDeg },
    dateObs,
    telescope: data.telescope || 'DSA-110',
    object: path.basename(run.msPath).replace(/\.ms$/, ''),
  };
  const extra: FitsCard[] = [
    {
      keyword: 'WSCWEIGH',
      value: p.weighting === 'briggs' ? `Briggs'(${p.robust})` : p.weighting,
      comment: 'weighting',
    },
    { keyword: 'WSCNITER', value: p.niter },
    { keyword: 'WSCMGAIN', value: p.mgain },
    { keyword: 'WSCGAIN', value: p.gain ?? 0.1 },
    { keyword: 'WSCMINOR', value: clean.iterations, comment: 'components cleaned' },
    { keyword: 'WSCMAJOR', value: clean.majorCycles.length, comment: 'major cycles' },
    { keyword: 'WSCDATAC', value: data.column },
    { keyword: 'WSCVWSUM', value: clean.sumWeights, comment: 'sum of imaging weights' },
    { keyword: 'WSCNVIS', value: w.count, comment: 'gridded visibilities' },
    { keyword: 'WSCTHRES', value: clean.thresholdJy, comment: 'final CLEAN threshold (Jy/beam)' },
    { keyword: 'PBMODEL', value: p.beamModel, comment: 'primary beam model' },
    { keyword: 'PBCUT', value: p.pbCut },
    { keyword: 'MEANFREQ', value: freqHz, comment: 'weighted mean frequency of the data (Hz)' },
  ];
  const history = [
    `dsa110-contimg image: input ${path.resolve(run.msPath)} column ${data.column}`,
    `params: size ${p.size} cell ${p.cellArcsec}arcsec weighting ${p.weighting} robust ${p.robust} niter ${p.niter} gain ${p.gain ?? 0.1} mgain ${p.mgain} ` +
      `threshold ${p.threshold ?? 0} auto-threshold ${p.autoThresholdSigma} auto-mask ${p.autoMaskSigma ?? 0} pbcut ${p.pbCut}` +
      `${p.uvMinLambda !== undefined ? ` uvmin ${p.uvMinLambda}` : ''}${p.uvMaxLambda !== undefined ? ` uvmax ${p.uvMaxLambda}` : ''}${p.taperArcsec ? ` taper ${p.taperArcsec}arcsec` : ''}`,
    `gridder: w-gridding ES kernel epsilon ${p.epsilon ?? DEFAULT_IMAGING_EPSILON} (support ${clean.kernel.support}, oversampling ${clean.kernel.sigma}, ` +
      `${clean.kernel.nplanes} w planes); Stokes I = (XX+YY)/2; MFS over ${data.nchan} channels`,
    `deconvolution: Cotton-Schwab, Hogbom minor cycles; ${clean.iterations} components in ${clean.majorCycles.length} major cycles; stop ${clean.stop}`,
    `restoring beam fitted to the PSF main lobe: ${beam.majorArcsec.toFixed(3)} x ${beam.minorArcsec.toFixed(3)} arcsec PA ${beam.paDeg.toFixed(2)} deg`,
    `primary beam: ${p.beamModel} at ${((fmin + fmax) / 2 / 1e6).toFixed(4)} MHz averaged over the drift of ${data.timesS.length} integrations`,
    ...Object.entries(run.provenance ?? {}).map(([k, v]) => `${k}: ${v}`),
  ];
  const files = {} as Record<ImageProduct, string>;
  const bunits: Record<ImageProduct, ImageUnit> = {
    dirty: 'JY/BEAM',
    psf: 'JY/BEAM',
    model: 'JY/PIXEL',
    residual: 'JY/BEAM',
    image: 'JY/BEAM',
    pb: '',
    'image-pb': 'JY/BEAM',
  };
  for (const name of IMAGE_PRODUCTS) {
    const file = `${run.prefix}-${name}.fits`;
    writeFitsImage(
      file,
      { ...base, bunit: bunits[name], extra, history: [...history, `product: ${name}`] },
      images[name],
    );
    files[name] = path.resolve(file);
  }
  const tWrite = lap();
  progress(1, 'done');
  return {
    msPath: path.resolve(run.msPath),
    files,
    beam,
    rmsJy,
    peakJy: pk,
    dynamicRange: rmsJy > 0 ? pk / rmsJy : Number.NaN,
    centre: data.phaseCentre,
    size: p.size,
    cellArcsec: p.cellArcsec,
    freqHz,
    bandwidthHz: fmax - fmin,
    iterations: clean.iterations,
    majorCycles: clean.majorCycles,
    stop: clean.stop,
    thresholdJy: clean.thresholdJy,
    sumWeights: clean.sumWeights,
    visibilities: w.count,
    pbModel: p.beamModel,
    dateObs,
    images,
    data,
    weights: w.weights,
    gridder: clean.gridder,
    kernel: clean.kernel,
    timings: {
      read: tRead,
      weights: tWeights,
      ...clean.timings,
      restore: tRestore,
      write: tWrite,
      total: (performance.now() - tStart) / 1000,
    },
  };
}
