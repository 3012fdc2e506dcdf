// buildMosaic: validate the tiles (stored), then reproject and combine them into a product
// directory built in a temporary sibling and renamed into place; the mosaic row is inserted only
// after the rename, so a failed build leaves neither a directory nor a row.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatIsoUtc } from '../../../shared/astro';
import { MOSAIC_METHODS, type MosaicMethod, type MosaicValidation } from '../../../shared/model';
import type { Config } from '../config';
import type { Database } from '../db';
import { bandwidthFromHeader, frequencyFromHeader, type FitsCard, type FitsImageDescription } from '../fits';
import type { ImageUnit } from '../../../shared/model/sky-image';
import { robustRms } from '../imaging/stats';
import { tempSibling } from '../jobs/fsutil';
import type { NativePool } from '../native/pool';
import { combine, type CombineInput, type CombineStats } from './combine';
import { FitsRowReader, FitsRowWriter } from './fits-rows';
import { mosaicGrid, type MosaicGrid } from './grid';
import { renderPreview } from './preview';
import type { TileInfo } from './tiles';
import { validateTiles, MosaicValidationError, type MosaicValidationReport } from './validation';

export interface MosaicLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface MosaicEngine {
  db: Database;
  config: Config;
  native(): NativePool;
  log: MosaicLog;
  app?: { name: string; version: string };
}

export interface MosaicBuildRequest {
  /** db ids of restored images (kind 'clean', PREFIX-image.fits); the PB is PREFIX-pb.fits beside each. */
  imageIds: number[];
  method: MosaicMethod;
  /** The product directory to create; it must not exist. */
  outputDir: string;
  /** Mosaic group name and file base name (letters, digits, '.', '_', '-'). */
  name: string;
  /** Default config imaging.pbCut. */
  pbCut?: number;
  /** Default lanczos3. */
  interpolation?: 'bilinear' | 'lanczos3';
  /** Combine even when validation failed (unreadable and duplicate images are still left out). */
  force?: boolean;
  /** Output pixels per band held in memory (default combine.BAND_PIXELS, 4 M); results do not depend on it. */
  bandPixels?: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number, message: string) => void;
}

export interface MosaicBuildResult {
  groupId: number;
  mosaicId: number;
  validation: MosaicValidation;
  files: { mosaic: string; noise: string; weights: string; preview: string; provenance: string };
  nImages: number;
  startMjd: number;
  endMjd: number;
  /** Median of the effective-noise map (Jy/beam). */
  noiseJy: number;
  grid: { nx: number; ny: number; cellArcsec: number; crvalRaDeg: number; crvalDecDeg: number; projection: string };
  /** Output pixels reprojected (all inputs) and the wall time of the reprojection kernel calls. */
  reprojectedPixels: number;
  reprojectSeconds: number;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

function checkRequest(req: MosaicBuildRequest): void {
  if (!NAME_RE.test(req.name))
    throw new RangeError(
      `mosaic build: name '${req.name}' must be 1-128 characters of letters, digits, '.', '_', '+' or '-' (it is the file base name)`,
    );
  if (!(MOSAIC_METHODS as readonly string[]).includes(req.method))
    throw new RangeError(
      `mosaic build: method must be one of ${MOSAIC_METHODS.join(', ')}, got '${String(req.method)}'`,
    );
  if (req.pbCut !== undefined && !(req.pbCut > 0 && req.pbCut < 1))
    throw new RangeError(`mosaic build: pbCut must be in (0, 1), got ${req.pbCut}`);
  if (req.interpolation !== undefined && req.interpolation !== 'bilinear' && req.interpolation !== 'lanczos3') {
    throw new RangeError(
      `mosaic build: interpolation must be 'bilinear' or 'lanczos3', got '${String(req.interpolation)}'`,
    );
  }
  if (req.imageIds.length === 0) throw new RangeError('mosaic build: imageIds is empty; at least one image is needed');
  if (existsSync(req.outputDir))
    throw new Error(
      `mosaic build: the output directory ${req.outputDir} already exists; choose another --output or remove it`,
    );
}

/** Pixels the noise estimate reads at most: the MAD of 2 M samples is within ~0.1 % of the image's. */
const SIGMA_SAMPLES = 2_000_000;

/**
 * Robust rms (1.4826 MAD) of the residual image when there is one, else of the restored image,
 * from every k-th row when the image has more than SIGMA_SAMPLES pixels (bounded memory).
 */
function tileSigma(t: TileInfo): { sigmaJy: number; from: 'residual' | 'image' } {
  const file = t.residualPath ?? t.path!;
  const r = new FitsRowReader(file);
  try {
    const stride = Math.max(1, Math.ceil((r.nx * r.ny) / SIGMA_SAMPLES));
    const rows = Math.ceil(r.ny / stride);
    const data = new Float32Array(r.nx * rows);
    for (let k = 0; k < rows; k++) r.readRows(k * stride, 1, data.subarray(k * r.nx, (k + 1) * r.nx));
    const s = robustRms(data);
    if (!(s > 0) || !Number.isFinite(s))
      throw new Error(`${file}: robust rms is ${s}; cannot weight an image without noise`);
    return { sigmaJy: s, from: t.residualPath ? 'residual' : 'image' };
  } finally {
    r.close();
  }
}

/** Mean beam (what BMAJ/BMIN/BPA record) and the largest, from the inputs that have one. */
function beams(tiles: TileInfo[]): {
  mean: { majorArcsec: number; minorArcsec: number; paDeg: number } | null;
  largest: { majorArcsec: number; minorArcsec: number } | null;
} {
  const b = tiles.map((t) => t.beam).filter((x): x is NonNullable<TileInfo['beam']> => x !== null);
  if (b.length === 0) return { mean: null, largest: null };
  const avg = (f: (x: (typeof b)[number]) => number) => b.reduce((s, x) => s + f(x), 0) / b.length;
  // Position angles are axial (period 180 deg): average the doubled angle.
  const pa =
    (0.5 *
      Math.atan2(
        avg((x) => Math.sin((2 * x.paDeg * Math.PI) / 180)),
        avg((x) => Math.cos((2 * x.paDeg * Math.PI) / 180)),
      ) *
      180) /
    Math.PI;
  return {
    mean: { majorArcsec: avg((x) => x.majorArcsec), minorArcsec: avg((x) => x.minorArcsec), paDeg: pa },
    largest: {
      majorArcsec: Math.max(...b.map((x) => x.majorArcsec)),
      minorArcsec: Math.max(...b.map((x) => x.minorArcsec)),
    },
  };
}

interface Prepared {
  tiles: TileInfo[];
  sigma: Array<{ sigmaJy: number; from: 'residual' | 'image' }>;
  grid: MosaicGrid;
  startMjd: number;
  endMjd: number;
  pbModels: string[];
  software: string[];
}

function softwareOf(r: FitsRowReader): string {
  const lines = r.header.filter((c) => c.keyword === 'HISTORY').map((c) => c.text?.trim() ?? '');
  const sw = lines.find((l) => l.startsWith('software:'));
  const origin = r.keywords.get('ORIGIN');
  return sw ? sw.slice('software:'.length).trim() : typeof origin === 'string' ? origin : 'unknown';
}

function fitsDescription(
  prep: Prepared,
  req: MosaicBuildRequest,
  engine: MosaicEngine,
  pbCut: number,
  interpolation: string,
  bunit: ImageUnit,
  what: string,
  freq: { hz: number; bw: number },
): FitsImageDescription {
  const { grid, tiles } = prep;
  const b = beams(tiles);
  const app = engine.app ? `${engine.app.name} ${engine.app.version}` : 'dsa110-contimg';
  const extra: FitsCard[] = [
    { keyword: 'NIMAGES', value: tiles.length, comment: 'input images combined' },
    { keyword: 'MJD-OBS', value: prep.startMjd, comment: 'start of the first input (MJD, UTC)' },
    { keyword: 'MJD-BEG', value: prep.startMjd, comment: 'start of the first input (MJD, UTC)' },
    { keyword: 'MJD-END', value: prep.endMjd, comment: 'end of the last input (MJD, UTC)' },
    { keyword: 'DATE-END', value: formatIsoUtc(prep.endMjd, 3).replace(/Z$/, '') },
    { keyword: 'METHOD', value: req.method, comment: 'mosaic combination' },
    { keyword: 'PBMODEL', value: prep.pbModels.join(',') || 'unknown', comment: 'primary beam model of the inputs' },
    { keyword: 'PBCUT', value: pbCut, comment: 'input pixels with PB below this are not used' },
    { keyword: 'INTERP', value: interpolation, comment: 'reprojection interpolation' },
    { keyword: 'PRODUCT', value: what },
    { keyword: 'BEAMSEL', value: 'mean', comment: 'BMAJ/BMIN/BPA = mean of the input beams' },
  ];
  if (b.largest) {
    extra.push({
      keyword: 'BMAJMAX',
      value: b.largest.majorArcsec / 3600,
      comment: 'largest input beam major axis (deg)',
    });
    extra.push({
      keyword: 'BMINMAX',
      value: b.largest.minorArcsec / 3600,
      comment: 'largest input beam minor axis (deg)',
    });
  }
  const history = [
    `${app} mosaic ${req.name}: ${what}; method ${req.method}; pbcut ${pbCut}; interpolation ${interpolation}; ` +
      `grid SIN about the inputs' centre, ${grid.nx} x ${grid.ny} pixels of ${grid.cellArcsec}arcsec`,
    ...tiles.map(
      (t, k) =>
        `input ${k + 1}: ${t.path} (image ${t.imageId}${t.msPath ? `, MS ${t.msPath}` : ''}, sigma ${prep.sigma[k]!.sigmaJy.toPrecision(4)} Jy/beam from ${prep.sigma[k]!.from}, made by ${prep.software[k]})`,
    ),
  ];
  return {
    grid: { ...grid.wcs, nx: grid.nx, ny: grid.ny },
    freqHz: freq.hz,
    bandwidthHz: freq.bw,
    stokes: 1,
    bunit,
    ...(b.mean
      ? { beam: { majorArcsec: b.mean.majorArcsec, minorArcsec: b.mean.minorArcsec, paDeg: b.mean.paDeg } }
      : {}),
    dateObs: formatIsoUtc(prep.startMjd, 3).replace(/Z$/, ''),
    telescope: 'DSA-110',
    object: req.name,
    origin: app,
    extra,
    history,
  };
}

/** Builds a mosaic product directory (see the file's header); throws MosaicValidationError on a failed validation unless `force`. */
export async function buildMosaic(engine: MosaicEngine, req: MosaicBuildRequest): Promise<MosaicBuildResult> {
  const outputDir = path.resolve(req.outputDir);
  checkRequest({ ...req, outputDir });
  const pbCut = req.pbCut ?? engine.config.imaging.pbCut;
  const interpolation = req.interpolation ?? 'lanczos3';
  const report: MosaicValidationReport = await validateTiles(engine, req.imageIds, req.name);
  const validation = report.stored!;
  const groupId = validation.groupId;
  if (!report.ok && !req.force) {
    engine.db.images.setMosaicGroupStatus(groupId, 'failed');
    throw new MosaicValidationError(req.name, report);
  }
  // Under force, images that cannot be read or repeat another are still left out.
  const seen = new Set<string>();
  const tiles = report.tiles.filter((t) => {
    const key = `${t.path ?? ''}|${t.msId ?? ''}`;
    if (t.problems.length > 0 || seen.has(key) || t.startMjd === null) return false;
    seen.add(key);
    return true;
  });
  if (!report.ok)
    engine.log.warn(
      { group: req.name, failed: report.checks.filter((c) => !c.ok).map((c) => c.check) },
      `mosaic ${req.name}: validation failed; combining ${tiles.length} usable images because of --force`,
    );
  if (tiles.length === 0) {
    engine.db.images.setMosaicGroupStatus(groupId, 'failed');
    throw new Error(
      `mosaic build ${req.name}: none of the ${req.imageIds.length} images can be used (see the validation)`,
    );
  }
  engine.db.images.setMosaicGroupStatus(groupId, 'in_progress');
  const tmp = tempSibling(outputDir);
  const readers: FitsRowReader[] = [];
  const writers: FitsRowWriter[] = [];
  try {
    req.onProgress?.(0, 'measuring the input noise');
    const sigma = tiles.map((t) => tileSigma(t));
    const grid = mosaicGrid(tiles.map((t) => ({ wcs: t.wcs!, nx: t.nx, ny: t.ny })));
    const inputs: CombineInput[] = tiles.map((t, k) => {
      const image = new FitsRowReader(t.path!);
      readers.push(image);
      const pb = new FitsRowReader(t.pbPath!);
      readers.push(pb);
      return { image, pb, wcs: t.wcs!, sigmaJy: sigma[k]!.sigmaJy };
    });
    const software = readers.filter((_, i) => i % 2 === 0).map(softwareOf);
    const freqs = readers
      .filter((_, i) => i % 2 === 0)
      .map((r) => ({ hz: frequencyFromHeader(r.keywords), bw: bandwidthFromHeader(r.keywords) }));
    const mean = (xs: unknown[]) => {
      const n = xs.filter((x): x is number => typeof x === 'number');
      return n.length ? n.reduce((a, b) => a + b, 0) / n.length : 0;
    };
    const freq = {
      hz: mean(tiles.map((t) => t.freqHz)) || mean(freqs.map((f) => f.hz)),
      bw: mean(freqs.map((f) => f.bw)) || 1,
    };
    const prep: Prepared = {
      tiles,
      sigma,
      grid,
      startMjd: Math.min(...tiles.map((t) => t.startMjd!)),
      endMjd: Math.max(...tiles.map((t) => t.endMjd ?? t.startMjd!)),
      pbModels: [...new Set(tiles.map((t) => t.image?.pbModel).filter((m): m is string => !!m))],
      software,
    };
    mkdirSync(tmp, { recursive: true });
    const file = (suffix: string) => path.join(tmp, `${req.name}${suffix}`);
    const wMosaic = new FitsRowWriter(
      file('.fits'),
      fitsDescription(prep, req, engine, pbCut, interpolation, 'JY/BEAM', 'mosaic', freq),
    );
    writers.push(wMosaic);
    const wNoise = new FitsRowWriter(
      file('-noise.fits'),
      fitsDescription(prep, req, engine, pbCut, interpolation, 'JY/BEAM', 'effective noise', freq),
    );
    writers.push(wNoise);
    const wWeights = new FitsRowWriter(
      file('-weights.fits'),
      fitsDescription(
        prep,
        req,
        engine,
        pbCut,
        interpolation,
        req.method === 'pbweighted' ? 'BEAM2/JY2' : req.method === 'weighted' ? 'BEAM2/JY2' : '',
        req.method === 'mean'
          ? 'weights: images per pixel'
          : req.method === 'weighted'
            ? 'weights: sum 1/sigma^2'
            : 'weights: sum PB^2/sigma^2',
        freq,
      ),
    );
    writers.push(wWeights);
    const stats: CombineStats = await combine(
      engine.native(),
      grid,
      inputs,
      {
        method: req.method,
        pbCut,
        interpolation,
        threads: engine.config.threads,
        signal: req.signal,
        ...(req.bandPixels ? { bandPixels: req.bandPixels } : {}),
        onProgress: (f, m) => req.onProgress?.(0.02 + 0.93 * f, m),
      },
      { mosaic: wMosaic, noise: wNoise, weights: wWeights },
    );
    for (const w of writers) w.finish();
    if (stats.coveredPixels === 0)
      throw new Error(`mosaic build ${req.name}: no pixel is covered above the PB cut ${pbCut}`);
    req.onProgress?.(0.96, 'preview');
    const app = engine.app ? `${engine.app.name} ${engine.app.version}` : 'dsa110-contimg';
    const preview = renderPreview(stats.preview.data, stats.preview.nx, stats.preview.ny, {
      Title: req.name,
      Method: req.method,
    });
    writeFileSync(file('.png'), preview.png);
    const final = (suffix: string) => path.join(outputDir, `${req.name}${suffix}`);
    const files = {
      mosaic: final('.fits'),
      noise: final('-noise.fits'),
      weights: final('-weights.fits'),
      preview: final('.png'),
      provenance: path.join(outputDir, 'provenance.json'),
    };
    const gridOut = {
      nx: grid.nx,
      ny: grid.ny,
      cellArcsec: grid.cellArcsec,
      crvalRaDeg: grid.wcs.crval1,
      crvalDecDeg: grid.wcs.crval2,
      projection: grid.projection,
    };
    const b = beams(tiles);
    const provenance = {
      name: req.name,
      software: app,
      createdUtc: new Date().toISOString(),
      method: req.method,
      pbCut,
      interpolation,
      forced: !report.ok,
      grid: {
        ...gridOut,
        wcs: grid.wcs,
        note: 'SIN about the normalised mean of the input centres; cell = the finest input cell',
      },
      restoringBeam: { recorded: 'mean', mean: b.mean, largest: b.largest },
      pbModels: prep.pbModels,
      time: {
        startMjd: prep.startMjd,
        endMjd: prep.endMjd,
        start: formatIsoUtc(prep.startMjd, 3),
        end: formatIsoUtc(prep.endMjd, 3),
      },
      inputs: tiles.map((t, k) => ({
        imageId: t.imageId,
        path: t.path,
        pbPath: t.pbPath,
        residualPath: t.residualPath,
        msId: t.msId,
        msPath: t.msPath,
        startMjd: t.startMjd,
        endMjd: t.endMjd,
        decDeg: t.decDeg,
        freqHz: t.freqHz,
        beam: t.beam,
        sigmaJy: sigma[k]!.sigmaJy,
        sigmaFrom: sigma[k]!.from,
        calibration: t.calibration,
        software: software[k],
        contributedPixels: stats.contributed[k],
      })),
      excluded: report.tiles
        .filter((t) => !tiles.includes(t))
        .map((t) => ({ imageId: t.imageId, path: t.path, problems: t.problems })),
      validation: { id: validation.id, ok: validation.ok, checks: validation.checks },
      stats: {
        coveredPixels: stats.coveredPixels,
        medianNoiseJy: stats.medianNoiseJy,
        reprojectedPixels: stats.reprojectedPixels,
        reprojectSeconds: stats.reprojectSeconds,
      },
      preview: { stretch: 'asinh', ...preview.stretch, blockAverage: stats.preview.factor, colourMap: 'inferno' },
      files: Object.fromEntries(Object.entries(files).map(([k, v]) => [k, path.basename(v)])),
    };
    writeFileSync(path.join(tmp, 'provenance.json'), `${JSON.stringify(provenance, null, 2)}\n`);
    for (const r of readers.splice(0)) r.close();
    if (existsSync(outputDir))
      throw new Error(`mosaic build: the output directory ${outputDir} appeared while building; not replacing it`);
    mkdirSync(path.dirname(outputDir), { recursive: true });
    renameSync(tmp, outputDir);
    let mosaicId: number;
    try {
      mosaicId = engine.db.transaction(() => {
        const m = engine.db.images.insertMosaic({
          path: files.mosaic,
          groupId,
          method: req.method,
          nImages: tiles.length,
          startMjd: prep.startMjd,
          endMjd: prep.endMjd,
          noiseJy: Number.isFinite(stats.medianNoiseJy) ? stats.medianNoiseJy : null,
          qa: {
            validationId: validation.id,
            validationOk: validation.ok,
            forced: !report.ok,
            coveredPixels: stats.coveredPixels,
          },
        });
        engine.db.images.setMosaicGroupStatus(groupId, 'completed');
        return m.id;
      });
    } catch (e) {
      rmSync(outputDir, { recursive: true, force: true });
      throw e;
    }
    req.onProgress?.(1, 'done');
    engine.log.info(
      { group: req.name, mosaicId, nImages: tiles.length, noiseJy: stats.medianNoiseJy, grid: gridOut },
      `mosaic ${req.name} written to ${outputDir}`,
    );
    return {
      groupId,
      mosaicId,
      validation,
      files,
      nImages: tiles.length,
      startMjd: prep.startMjd,
      endMjd: prep.endMjd,
      noiseJy: stats.medianNoiseJy,
      grid: gridOut,
      reprojectedPixels: stats.reprojectedPixels,
      reprojectSeconds: stats.reprojectSeconds,
    };
  } catch (e) {
    for (const w of writers) w.close();
    for (const r of readers) r.close();
    rmSync(tmp, { recursive: true, force: true });
    try {
      engine.db.images.setMosaicGroupStatus(groupId, 'failed');
    } catch {
      // The original error matters more than a status we could not record.
    }
    throw e;
  }
}
