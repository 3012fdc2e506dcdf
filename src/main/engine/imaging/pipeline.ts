// The imaging of one Measurement Set: Stokes I visibilities, imaging weights, Cotton-Schwab CLEAN,
// restoring beam, primary beam, and the FITS products PREFIX-{dirty,psf,model,residual,image,pb,
// image-pb}.fits with their provenance in HISTORY cards.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { formatIsoUtc } from '../../../shared/astro';
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
import { THERMAL_NOISE_KEYWORD, thermalNoiseJy } from './thermal';
import { skyModelCalibrate, type SkyModelCalResult } from './selfcal';
import { outOfFieldRadiusDeg, selectOutOfField, subtractSources, type CatalogSource, type OutOfFieldSource } from './outfield';
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
  /** Wall seconds CLEAN may take after the dirty image (clean.ts); 0 or absent = no limit. */
  cleanBudgetS?: number;
  pbCut: number;
  beamModel: string;
  column?: DataColumn;
  uvMinLambda?: number;
  uvMaxLambda?: number;
  taperArcsec?: number;
  /** Gridder accuracy; default DEFAULT_IMAGING_EPSILON (config imaging.epsilon). */
  epsilon?: number;
  /** System equivalent flux density per polarisation (Jy) for the expected thermal noise; default DEFAULT_SEFD_JY. */
  sefdJy?: number;
  /** Subtract the catalog's sources outside the field (outfield.ts); needs ImagingRun.skyCatalog. */
  outOfField?: { minApparentJy: number; radiusNulls: number; catalogFreqHz: number; spectralIndex: number; catalog: string };
  /** Solve and apply per-integration phases and per-MS amplitudes against the catalog's sky model first (selfcal.ts); needs skyCatalog. */
  skyModelCal?: { minApparentJy: number; amplitude: boolean; radiusNulls: number; catalogFreqHz: number; spectralIndex: number; catalog: string };
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
  /** The reference catalog's sources within a radius (degrees) of a direction, for params.outOfField. */
  skyCatalog?: (raDeg: number, decDeg: number, radiusDeg: number) => CatalogSource[];
}

export interface ImagingSummary {
  msPath: string;
  files: Record<ImageProduct, string>;
  beam: RestoringBeam;
  /** Robust rms of the residual, peak of the restored image (Jy/beam), dynamic range = peak / rms. */
  rmsJy: number;
  /** The thermal noise the data can reach with these imaging weights (thermal.ts), Jy/beam. */
  thermalNoiseJy: number;
  /** The sources outside the field subtracted from the visibilities before imaging (brightest first). */
  subtracted: OutOfFieldSource[];
  /** The sky-model calibration applied before imaging, or null. */
  skyModelCal: SkyModelCalResult | null;
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
/**
 * DSA-110's system equivalent flux density per polarisation: 2 k Tsys / A_eff for Tsys 25 K and
 * 70 % aperture efficiency on a 4.65 m dish (the simulator's default, sim/corruptions.ts).
 */
export const DEFAULT_SEFD_JY = 5807;

function checkParams(p: ImagingParams): void {
  if (!Number.isInteger(p.size) || p.size < 16) throw new RangeError(`image: size must be an integer >= 16, got ${p.size}`);
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
  const dl = p.cellArcsec * ARCSEC;
  let subtracted: OutOfFieldSource[] = [];
  let smc: SkyModelCalResult | null = null;
  if (p.skyModelCal) {
    if (!run.skyCatalog) throw new Error(`image: ${run.msPath}: the sky-model calibration needs the reference catalog ${p.skyModelCal.catalog}`);
    progress(0.02, 'sky-model calibration');
    const cat = run.skyCatalog(data.phaseCentre.raDeg, data.phaseCentre.decDeg, outOfFieldRadiusDeg(data.freqs, p.skyModelCal.radiusNulls));
    smc = await skyModelCalibrate(pool, data, cat, { ...p.skyModelCal, beamModel: p.beamModel, threads: p.threads ?? 1 }, run.signal);
  }
  if (p.outOfField) {
    if (!run.skyCatalog) throw new Error(`image: ${run.msPath}: subtracting the sources outside the field needs the reference catalog ${p.outOfField.catalog}`);
    const oo = { nx: p.size, ny: p.size, cellRad: dl, beamModel: p.beamModel, ...p.outOfField };
    const cat = run.skyCatalog(data.phaseCentre.raDeg, data.phaseCentre.decDeg, outOfFieldRadiusDeg(data.freqs, oo.radiusNulls));
    subtracted = selectOutOfField(cat, data, oo);
    if (subtracted.length > 0) {
      progress(0.03, `subtracting ${subtracted.length} sources outside the field`);
      await subtractSources(pool, data, subtracted, oo, p.threads ?? 1, run.signal);
    }
  }
  const tRead = lap();
  const pad = paddedSize(p.size);
  // In place: the natural weights are not needed once the imaging weights exist.
  const w = imagingWeights(data.uvw, data.freqs, data.weights, {
    mode: p.weighting, robust: p.robust, gridNx: pad, gridNy: pad, pixelL: dl, pixelM: dl, inPlace: true,
    ...(p.uvMinLambda !== undefined ? { uvMinLambda: p.uvMinLambda } : {}),
    ...(p.uvMaxLambda !== undefined ? { uvMaxLambda: p.uvMaxLambda } : {}),
    ...(p.taperArcsec ? { taperFwhmRad: p.taperArcsec * ARCSEC } : {}),
  });
  if (w.count === 0) throw new Error(`image: ${run.msPath}: no unflagged visibilities to image (column ${data.column})`);
  const thermalJy = thermalNoiseJy(p.sefdJy ?? DEFAULT_SEFD_JY, w.sumSqOverNatural, w.sum);
  // Weighted mean frequency and the band's extent.
  let fw = 0;
  let sw = 0;
  const perChan = w.perChannel;
  for (let c = 0; c < data.nchan; c++) { fw += perChan[c]! * data.freqs[c]!; sw += perChan[c]!; }
  const freqHz = fw / sw;
  let fmin = Infinity;
  let fmax = -Infinity;
  for (let c = 0; c < data.nchan; c++) {
    fmin = Math.min(fmin, data.freqs[c]! - data.widthsHz[c]! / 2);
    fmax = Math.max(fmax, data.freqs[c]! + data.widthsHz[c]! / 2);
  }
  const tWeights = lap();

  const clean = await cleanImage(pool, { uvw: data.uvw, freqs: data.freqs, vis: data.vis, weights: w.weights }, {
    nx: p.size, ny: p.size, pixelRad: dl, niter: p.niter, gain: p.gain ?? 0.1, mgain: p.mgain, threshold: p.threshold ?? 0,
    autoThresholdSigma: p.autoThresholdSigma, autoMaskSigma: p.autoMaskSigma ?? 0, timeBudgetS: p.cleanBudgetS ?? 0, epsilon: p.epsilon ?? DEFAULT_IMAGING_EPSILON, threads: p.threads ?? 1,
    ...(run.signal ? { signal: run.signal } : {}),
    onProgress: (f, m) => progress(0.05 + 0.85 * f, m),
    // Fit the restoring beam first: a PSF too coarsely sampled for the cell size fails now,
    // not after the whole CLEAN.
    onPsf: (psf) => void fitRestoringBeam(psf, p.size, p.size, p.cellArcsec, p.cellArcsec),
  });
  lap();
  progress(0.92, 'restoring');
  const beam = fitRestoringBeam(clean.psf, p.size, p.size, p.cellArcsec, p.cellArcsec);
  const restored = restore(clean.model, clean.residual, p.size, p.size, beam, p.cellArcsec, p.cellArcsec);
  const pb = primaryBeamImage({
    nx: p.size, ny: p.size, dl, dm: dl, raRad: (data.phaseCentre.raDeg * Math.PI) / 180, decRad: (data.phaseCentre.decDeg * Math.PI) / 180,
    freqHz: (fmin + fmax) / 2, model: p.beamModel, timesS: data.timesS,
  });
  const imagePb = pbCorrect(restored, pb, p.pbCut);
  const rmsJy = robustRms(clean.residual);
  const pk = peak(restored, p.size).value;
  const model32 = Float32Array.from(clean.model);
  const tRestore = lap();
  const images: Record<ImageProduct, Float32Array> = {
    dirty: clean.dirty, psf: clean.psf, model: model32, residual: clean.residual, image: restored, pb, 'image-pb': imagePb,
  };

  // FITS products.
  const dir = path.dirname(path.resolve(run.prefix));
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const dateObs = formatIsoUtc((data.timesS[0]! - data.intervalS / 2) / 86400, 3).replace(/Z$/, '');
  const cx = Math.floor(p.size / 2);
  const base: Omit<FitsImageDescription, 'bunit'> = {
    nx: p.size, ny: p.size, crval1: data.phaseCentre.raDeg, crval2: data.phaseCentre.decDeg, crpix1: cx + 1, crpix2: cx + 1,
    cdelt1: -p.cellArcsec / 3600, cdelt2: p.cellArcsec / 3600, freqHz: (fmin + fmax) / 2, bandwidthHz: fmax - fmin, stokes: 1,
    beam: { majDeg: beam.majorArcsec / 3600, minDeg: beam.minorArcsec / 3600, paDeg: beam.paDeg },
    dateObs, telescope: data.telescope || 'DSA-110', object: path.basename(run.msPath).replace(/\.ms$/, ''),
  };
  const extra: FitsCard[] = [
    { keyword: 'WSCWEIGH', value: p.weighting === 'briggs' ? `Briggs'(${p.robust})` : p.weighting, comment: 'weighting' },
    { keyword: 'WSCNITER', value: p.niter },
    { keyword: 'WSCMGAIN', value: p.mgain },
    { keyword: 'WSCGAIN', value: p.gain ?? 0.1 },
    { keyword: 'WSCMINOR', value: clean.iterations, comment: 'components cleaned' },
    { keyword: 'WSCMAJOR', value: clean.majorCycles.length, comment: 'major cycles' },
    { keyword: 'WSCDATAC', value: data.column },
    { keyword: 'WSCVWSUM', value: clean.sumWeights, comment: 'sum of imaging weights' },
    { keyword: 'WSCNVIS', value: w.count, comment: 'gridded visibilities' },
    { keyword: 'WSCTHRES', value: clean.thresholdJy, comment: 'final CLEAN threshold (Jy/beam)' },
    ...(Number.isFinite(thermalJy) ? [{ keyword: THERMAL_NOISE_KEYWORD, value: thermalJy, comment: 'expected thermal noise (Jy/beam) from weights, SEFD' }] : []),
    { keyword: 'SEFD', value: p.sefdJy ?? DEFAULT_SEFD_JY, comment: 'SEFD per polarisation (Jy) for THERMRMS' },
    { keyword: 'PBMODEL', value: p.beamModel, comment: 'primary beam model' },
    { keyword: 'PBCUT', value: p.pbCut },
    { keyword: 'MEANFREQ', value: freqHz, comment: 'weighted mean frequency of the data (Hz)' },
  ];
  const history = [
    `dsa110-contimg image: input ${path.resolve(run.msPath)} column ${data.column}`,
    `params: size ${p.size} cell ${p.cellArcsec}arcsec weighting ${p.weighting} robust ${p.robust} niter ${p.niter} gain ${p.gain ?? 0.1} mgain ${p.mgain} ` +
      `threshold ${p.threshold ?? 0} auto-threshold ${p.autoThresholdSigma} auto-mask ${p.autoMaskSigma ?? 0} budget ${p.cleanBudgetS ?? 0}s pbcut ${p.pbCut}` +
      `${p.uvMinLambda !== undefined ? ` uvmin ${p.uvMinLambda}` : ''}${p.uvMaxLambda !== undefined ? ` uvmax ${p.uvMaxLambda}` : ''}${p.taperArcsec ? ` taper ${p.taperArcsec}arcsec` : ''}`,
    `gridder: w-gridding ES kernel epsilon ${p.epsilon ?? DEFAULT_IMAGING_EPSILON} (support ${clean.kernel.support}, oversampling ${clean.kernel.sigma}, ` +
      `${clean.kernel.nplanes} w planes); Stokes I = (XX+YY)/2; MFS over ${data.nchan} channels`,
    `deconvolution: Cotton-Schwab, Hogbom minor cycles; ${clean.iterations} components in ${clean.majorCycles.length} major cycles; stop ${clean.stop}`,
    `restoring beam fitted to the PSF main lobe: ${beam.majorArcsec.toFixed(3)} x ${beam.minorArcsec.toFixed(3)} arcsec PA ${beam.paDeg.toFixed(2)} deg`,
    `primary beam: ${p.beamModel} at ${((fmin + fmax) / 2 / 1e6).toFixed(4)} MHz averaged over the drift of ${data.timesS.length} integrations`,
    ...(smc && p.skyModelCal
      ? [`sky-model calibration against ${p.skyModelCal.catalog} (${smc.modelSources} sources >= ${p.skyModelCal.minApparentJy} Jy apparent, ${smc.modelApparentJy.toFixed(2)} Jy in all): ` +
        `phases per integration (${smc.solvedIntervals}/${smc.intervals} solved, ${smc.antennas} antennas; drift rms ${smc.phaseRmsDeg.toFixed(2)} deg, offsets rms ${smc.meanPhaseRmsDeg.toFixed(2)} deg)` +
        `${p.skyModelCal.amplitude ? `, amplitudes per antenna over the MS (rms ${(100 * smc.ampRms).toFixed(2)} %, geometric mean 1)` : ''}`]
      : []),
    `expected thermal noise ${(thermalJy * 1e3).toPrecision(4)} mJy/beam (SEFD ${p.sefdJy ?? DEFAULT_SEFD_JY} Jy, MS weights, imaging weights)`,
    ...(p.outOfField
      ? [`sources outside the field subtracted (catalog ${p.outOfField.catalog}, apparent flux >= ${p.outOfField.minApparentJy} Jy, out to ${p.outOfField.radiusNulls} first nulls, ${p.beamModel} beam per integration and channel): ${subtracted.length}` +
        (subtracted.length ? `: ${subtracted.slice(0, 12).map((s) => `${s.name} ${(1e3 * s.apparentJy).toFixed(0)}mJy@${s.offsetDeg.toFixed(2)}deg`).join(', ')}${subtracted.length > 12 ? ', ...' : ''}` : '')]
      : []),
    ...Object.entries(run.provenance ?? {}).map(([k, v]) => `${k}: ${v}`),
  ];
  const files = {} as Record<ImageProduct, string>;
  const bunits: Record<ImageProduct, string> = {
    dirty: 'JY/BEAM', psf: 'JY/BEAM', model: 'JY/PIXEL', residual: 'JY/BEAM', image: 'JY/BEAM', pb: '', 'image-pb': 'JY/BEAM',
  };
  for (const name of IMAGE_PRODUCTS) {
    const file = `${run.prefix}-${name}.fits`;
    writeFitsImage(file, { ...base, bunit: bunits[name], extra, history: [...history, `product: ${name}`] }, images[name]);
    files[name] = path.resolve(file);
  }
  const tWrite = lap();
  progress(1, 'done');
  return {
    msPath: path.resolve(run.msPath), files, beam, rmsJy, thermalNoiseJy: thermalJy, subtracted, skyModelCal: smc, peakJy: pk, dynamicRange: rmsJy > 0 ? pk / rmsJy : Number.NaN,
    centre: data.phaseCentre, size: p.size, cellArcsec: p.cellArcsec, freqHz, bandwidthHz: fmax - fmin, iterations: clean.iterations,
    majorCycles: clean.majorCycles, stop: clean.stop, thresholdJy: clean.thresholdJy, sumWeights: clean.sumWeights, visibilities: w.count,
    pbModel: p.beamModel, dateObs, images, data, weights: w.weights, gridder: clean.gridder, kernel: clean.kernel,
    timings: { read: tRead, weights: tWeights, ...clean.timings, restore: tRestore, write: tWrite, total: (performance.now() - tStart) / 1000 },
  };
}
