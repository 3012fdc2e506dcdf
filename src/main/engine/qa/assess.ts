// QA of one image or mosaic FITS file: image statistics, source finding, catalog cross-match,
// and the tier's checks, returning the verdict, the metrics, the reasons, the sources and matches.
import { existsSync } from 'node:fs';
import type { QaReason, QaTier, QaVerdict } from '../../../shared/model/qa';
import type { Config } from '../config';
import type { Database } from '../db';
import {
  frequencyFromHeader,
  readFitsImage,
  restoringBeamFromHeader,
  skyGridFromHeader,
  type FitsImage,
} from '../fits';
import { backgroundGrid, interpolate } from './background';
import { evaluate, worst } from './checks';
import {
  catalogInField,
  catalogMetrics,
  crossMatch,
  fieldCircle,
  type CatalogMatch,
  type CatalogMetrics,
} from './crossmatch';
import { imageMetrics } from './image-metrics';
import { beamPixelCov, defaultBoxPx, findSources, type BeamShape, type FoundSource } from './sources';
import { FWHM_PER_SIGMA } from './gaussian';
import { pixelScaleArcsec } from '../../../shared/astro/sin';
import type { SkyGrid } from '../../../shared/model/sky-image';

export interface AssessOptions {
  tier: QaTier;
  config: Pick<Config, 'qa' | 'imaging'>;
  /** `mosaic` adds the mosaic astrometry check; default `mosaic` when a noise map is given. */
  subject?: 'image' | 'mosaic';
  /** Primary beam on the same grid; the image is taken as uncorrected (apparent) unless `pbCorrected`. */
  pbPath?: string;
  pbCorrected?: boolean;
  /** Effective-noise map on the same grid (a mosaic's `<name>-noise.fits`). */
  noisePath?: string;
  /** Reference catalog name in `db.sources` (needs `db`). */
  catalog?: string;
  db?: Database;
  /** Flagged fractions (0..1) of the input MS and of the calibration solutions, when known. */
  flaggedFraction?: number | null;
  calFlaggedFraction?: number | null;
}

export interface Assessment {
  tier: QaTier;
  verdict: QaVerdict;
  metrics: Record<string, number | null>;
  reasons: QaReason[];
  sources: FoundSource[];
  /** Every catalog source in the covered field, matched or not (sourceId null). */
  matches: CatalogMatch[];
}

function plane(img: FitsImage, file: string): { data: Float32Array | Float64Array; nx: number; ny: number } {
  const [nx, ny] = img.shape;
  if (nx === undefined || ny === undefined)
    throw new Error(`${file}: NAXIS is ${img.shape.length}; expected an image (at least 2 axes)`);
  const n = nx * ny;
  return { data: img.data.subarray(0, n), nx, ny };
}

function sameGrid(other: FitsImage, file: string, nx: number, ny: number, what: string): Float32Array | Float64Array {
  const p = plane(other, file);
  if (p.nx !== nx || p.ny !== ny)
    throw new Error(`${file}: the ${what} is ${p.nx} x ${p.ny} pixels; expected the image's ${nx} x ${ny}`);
  return p.data;
}

function headerBeam(img: FitsImage): BeamShape | null {
  return restoringBeamFromHeader(img.keywords);
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : 0.5 * (s[h - 1]! + s[h]!);
}

/** QA of an image held in memory (the file reader's work done); see assessImageFile. */
export function assessImageData(
  data: Float32Array | Float64Array,
  wcs: SkyGrid,
  beam: BeamShape | null,
  freqHz: number | null,
  maps: { pb: ArrayLike<number> | null; noise: ArrayLike<number> | null },
  opts: AssessOptions,
): Assessment {
  const q = opts.config.qa;
  const limits = q[opts.tier];
  const { nx, ny } = wcs;
  const subject = opts.subject ?? (maps.noise ? 'mosaic' : 'image');
  let covered: Uint8Array | null = null;
  if (maps.noise) {
    covered = new Uint8Array(nx * ny);
    for (let i = 0; i < covered.length; i++) covered[i] = Number.isFinite(maps.noise[i]!) && maps.noise[i]! > 0 ? 1 : 0;
  } else if (maps.pb) {
    covered = new Uint8Array(nx * ny);
    for (let i = 0; i < covered.length; i++) covered[i] = maps.pb[i]! >= opts.config.imaging.pbCut ? 1 : 0;
  }
  const beamPx = beam ? beamPixelCov(wcs, beam, (nx - 1) / 2, (ny - 1) / 2) : null;
  const beamMajPx = beamPx ? Math.sqrt(Math.max(beamPx.a, beamPx.c)) * FWHM_PER_SIGMA : 15 / pixelScaleArcsec(wcs);
  const bg = backgroundGrid(data, nx, ny, defaultBoxPx(beamMajPx, nx, ny));
  const fine = backgroundGrid(data, nx, ny, Math.max(16, Math.round(8 * beamMajPx)));
  const im = imageMetrics(data, nx, ny, bg, fine, covered, maps.noise);

  const sources = beam
    ? findSources(data, wcs, {
        beam,
        seedSigma: q.seedSigma,
        growSigma: q.growSigma,
        background: bg,
        noise: maps.noise,
      })
    : [];
  const sizes = sources
    .filter((s) => s.fit === 'gaussian' && s.snr > 20)
    .map((s) => Math.sqrt((s.majArcsec * s.minArcsec) / (beam!.majorArcsec * beam!.minorArcsec)));
  const sourceSizeRatio = sizes.length >= 3 ? median(sizes) : null;

  let matches: CatalogMatch[] = [];
  let cat: CatalogMetrics | null = null;
  if (opts.catalog !== undefined && beam) {
    if (!opts.db) throw new Error(`QA: catalog ${opts.catalog} was asked for but no database was given`);
    const circle = fieldCircle(wcs);
    const refs = opts.db.sources.cone(circle.raDeg, circle.decDeg, circle.radiusDeg, opts.catalog);
    const noiseAt = (x: number, y: number): number => {
      const i = Math.round(y) * nx + Math.round(x);
      const v = maps.noise ? maps.noise[i]! : Number.NaN;
      return Number.isFinite(v) && v > 0 ? v : interpolate(bg, bg.rms, nx, ny, x, y);
    };
    matches = catalogInField(refs, {
      wcs,
      covered,
      pb: maps.pb,
      pbCorrected: opts.pbCorrected ?? false,
      noiseAt,
      imageFreqHz: freqHz ?? q.catalogFreqHz,
      catalogFreqHz: q.catalogFreqHz,
      spectralIndex: q.catalogSpectralIndex,
      detectableSnr: q.detectableSnr,
      edgePx: 2 * beamMajPx,
    });
    crossMatch(matches, sources, q.matchRadiusArcsec);
    cat = catalogMetrics(matches);
  }

  const reasons = evaluate({
    tier: opts.tier,
    limits,
    subject,
    image: im,
    beam: beam && { majArcsec: beam.majorArcsec, minArcsec: beam.minorArcsec },
    sourceSizeRatio,
    msFlagged: opts.flaggedFraction ?? null,
    calFlagged: opts.calFlaggedFraction ?? null,
    catalog:
      cat && opts.catalog !== undefined
        ? { name: opts.catalog, metrics: cat, minSources: q.minCatalogSources, radiusArcsec: q.matchRadiusArcsec }
        : null,
    ...(opts.catalog !== undefined && !beam ? { catalogUnusable: opts.catalog } : {}),
    pbUnknown: subject === 'image' && !maps.pb && !(opts.pbCorrected ?? false),
  });
  const finite = (v: number | null | undefined): number | null =>
    v === null || v === undefined || !Number.isFinite(v) ? null : v;
  const metrics: Record<string, number | null> = {
    widthPx: nx,
    heightPx: ny,
    freqHz: finite(freqHz),
    rmsJy: finite(im.rmsJy),
    peakJy: finite(im.peakJy),
    minJy: finite(im.minJy),
    peakNoiseJy: finite(im.peakNoiseJy),
    dynamicRange: finite(im.dynamicRange),
    peakSnr: finite(im.peakSnr),
    pixelsAbove5Sigma: im.pixelsAbove5Sigma,
    coveredPixels: im.coveredPixels,
    blankAreaPct: finite(im.blankAreaPct),
    noisyAreaPct: finite(im.noisyAreaPct),
    medianNoiseMapJy: finite(im.medianNoiseMapJy),
    noiseMapRatio: finite(im.noiseMapRatio),
    beamMajArcsec: beam?.majorArcsec ?? null,
    beamMinArcsec: beam?.minorArcsec ?? null,
    beamPaDeg: beam?.paDeg ?? null,
    beamElongation: beam ? beam.majorArcsec / beam.minorArcsec : null,
    nSources: sources.length,
    sourceSizeRatio,
    msFlaggedPct:
      opts.flaggedFraction === null || opts.flaggedFraction === undefined ? null : 100 * opts.flaggedFraction,
    calFlaggedPct:
      opts.calFlaggedFraction === null || opts.calFlaggedFraction === undefined ? null : 100 * opts.calFlaggedFraction,
  };
  if (cat) {
    for (const [k, v] of Object.entries(cat)) metrics[k] = finite(v as number | null);
    // Bright sources with no catalog counterpart: artefacts, or sources the catalog misses (variables).
    const matched = new Set(matches.map((m) => m.sourceId));
    const bright = sources.filter((s) => s.snr > q.detectableSnr);
    metrics.unmatchedBrightFraction =
      bright.length > 0 ? bright.filter((s) => !matched.has(s.id)).length / bright.length : null;
  }
  return { tier: opts.tier, verdict: worst(reasons), metrics, reasons, sources, matches };
}

/**
 * QA of an image or mosaic FITS file (Jy/beam). For a mosaic pass its effective-noise map
 * (`noisePath`): it defines the covered area and the per-source noise. Throws naming the file
 * when an input cannot be read or does not share the image's grid.
 */
export async function assessImageFile(fitsPath: string, opts: AssessOptions): Promise<Assessment> {
  if (!existsSync(fitsPath)) throw new Error(`${fitsPath}: no such file (the image to assess)`);
  const img = readFitsImage(fitsPath);
  const { data, nx, ny } = plane(img, fitsPath);
  const wcs = skyGridFromHeader(img.keywords, fitsPath);
  const read = (p: string | undefined, what: string) => {
    if (p === undefined) return null;
    if (!existsSync(p)) throw new Error(`${p}: no such file (the ${what} for ${fitsPath})`);
    return sameGrid(readFitsImage(p), p, nx, ny, what);
  };
  const pb = read(opts.pbPath, 'primary beam');
  const noise = read(opts.noisePath, 'noise map');
  return assessImageData(data, wcs, headerBeam(img), frequencyFromHeader(img.keywords), { pb, noise }, opts);
}
