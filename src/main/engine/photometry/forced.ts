// Forced photometry: the flux of a point source of the restoring beam's shape at fixed sky
// positions (reference-catalog sources, or sources found in other epochs), measured whether or
// not anything is detected there.
//
// Peak (Jy/beam): a least-squares fit of the amplitude of the beam, centred at the position, to
// the pixels inside its core (Mahalanobis radius^2 <= PEAK_R2 about the nearest pixel).
// Integrated (Jy): the sum over an aperture of Mahalanobis radius 3 divided by the sum of the
// point-source model over the same pixels (so a point source gives the same flux as the peak; a
// resolved one gives more).
// Errors: a restored image's noise is correlated over the beam (Condon 1997 assumes the same),
// so the variance of a weighted sum sum_i w_i n_i is sigma^2 sum_ij w_i w_j rho_ij with rho the
// beam's shape at the pixel separation; both sums are formed exactly over the pixels used.
// sigma is the effective-noise map at the position when given, else the local robust rms.
// Primary beam: an image not yet corrected is divided by the beam's power response at the
// position (fluxes and errors); positions where it is below the cut are not measured.
import { backgroundGrid, interpolate, type BackgroundGrid } from '../qa/background';
import { inverse, type Sym2 } from '../qa/gaussian';
import { beamPixelCov, defaultBoxPx, type BeamShape } from '../qa/sources';
import { FWHM_PER_SIGMA } from '../qa/gaussian';
import { radecToVec, sinFrame, vecToPixel } from '../../../shared/astro/sin';
import type { SkyGrid } from '../../../shared/model/sky-image';

/** Why a position has no measurement (0: measured). */
export const FORCED_FLAGS = {
  ok: 0,
  /** Outside the image, or too close to its edge for the aperture. */
  offImage: 1,
  /** The primary-beam response is below the cut. */
  belowPbCut: 2,
  /** Blank (NaN) pixels in the fit region, or no usable noise. */
  blank: 3,
} as const;

/** The core of the beam fitted for the peak: exp(-r^2/2) >= 0.37. */
const PEAK_R2 = 2;
/** The aperture for the integrated flux: 3 sigma of the beam (1.27 FWHM). */
const APERTURE_R2 = 9;
/** Pixels per side of the cells over which the beam's pixel shape is taken as constant (SIN: < 1e-4 change over 64 px of 5"). */
const CELL = 64;

export interface ForcedOptions {
  beam: BeamShape;
  /** Effective-noise map (Jy/beam, same grid, on the same flux scale as the image). */
  noise?: ArrayLike<number> | null;
  /** Primary-beam power response on the image grid, or as a function of the position. */
  pb?: ArrayLike<number> | ((raDeg: number, decDeg: number) => number) | null;
  /** True when the image is already divided by the primary beam (a -image-pb.fits, a mosaic). */
  pbCorrected: boolean;
  /** Positions where the response is below this are not measured (default 0.2; 0 measures all). */
  pbCut?: number;
  /** A background grid of this image (else measured here when no noise map is given). */
  background?: BackgroundGrid;
}

/** One array element per position (struct of arrays, so 10^5 positions stay compact). */
export interface ForcedResult {
  n: number;
  x: Float64Array;
  y: Float64Array;
  /** Jy/beam and Jy, after the primary-beam correction; NaN where not measured. */
  peakJy: Float64Array;
  peakErrJy: Float64Array;
  intJy: Float64Array;
  intErrJy: Float64Array;
  /** The noise at the position, Jy/beam, on the corrected flux scale. */
  noiseJy: Float64Array;
  /** Primary-beam power response at the position (1 when none is known). */
  pbResponse: Float64Array;
  flags: Uint8Array;
  /** Whether this call divided by the primary beam (false when the image was already corrected or no beam was given). */
  pbApplied: boolean;
}

/** Integer pixel offsets within a Mahalanobis radius of the beam (pixel covariance c). */
function offsetsWithin(c: Sym2, r2: number): Int32Array {
  const p = inverse(c);
  const reach = Math.ceil(Math.sqrt(r2 * Math.max(c.a, c.c))) + 1;
  const out: number[] = [];
  for (let dy = -reach; dy <= reach; dy++)
    for (let dx = -reach; dx <= reach; dx++)
      if (p.a * dx * dx + 2 * p.b * dx * dy + p.c * dy * dy <= r2) out.push(dx, dy);
  return Int32Array.from(out);
}

/** rho_ij = the beam's shape at the separation of offsets i and j (noise correlated like the beam). */
function correlation(off: Int32Array, c: Sym2): Float64Array {
  const p = inverse(c);
  const n = off.length / 2;
  const r = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const dx = off[2 * i]! - off[2 * j]!;
      const dy = off[2 * i + 1]! - off[2 * j + 1]!;
      r[i * n + j] = Math.exp(-0.5 * (p.a * dx * dx + 2 * p.b * dx * dy + p.c * dy * dy));
    }
  return r;
}

function bilinear(map: ArrayLike<number>, nx: number, ny: number, x: number, y: number): number {
  const x0 = Math.max(0, Math.min(nx - 2, Math.floor(x)));
  const y0 = Math.max(0, Math.min(ny - 2, Math.floor(y)));
  const tx = Math.min(1, Math.max(0, x - x0));
  const ty = Math.min(1, Math.max(0, y - y0));
  const i = y0 * nx + x0;
  return (1 - ty) * ((1 - tx) * map[i]! + tx * map[i + 1]!) + ty * ((1 - tx) * map[i + nx]! + tx * map[i + nx + 1]!);
}

/**
 * Forced photometry of an ny x nx image (x fastest, Jy/beam) with the SIN WCS `wcs` at the
 * positions (raDeg[k], decDeg[k]), degrees.
 */
export function forcedPhotometry(
  img: Float32Array | Float64Array,
  wcs: SkyGrid,
  raDeg: ArrayLike<number>,
  decDeg: ArrayLike<number>,
  opts: ForcedOptions,
): ForcedResult {
  const { nx, ny } = wcs;
  if (img.length !== nx * ny)
    throw new RangeError(`forcedPhotometry: the image has ${img.length} pixels but the WCS says ${nx} x ${ny}`);
  if (raDeg.length !== decDeg.length)
    throw new RangeError(`forcedPhotometry: ${raDeg.length} RAs but ${decDeg.length} Decs`);
  for (const [name, m] of [
    ['noise', opts.noise],
    ['pb', typeof opts.pb === 'function' ? null : opts.pb],
  ] as const)
    if (m && m.length !== nx * ny)
      throw new RangeError(`forcedPhotometry: the ${name} map has ${m.length} pixels, expected ${nx * ny}`);
  const n = raDeg.length;
  const pbCut = opts.pbCut ?? 0.2;
  const cx = (nx - 1) / 2;
  const cy = (ny - 1) / 2;
  const c0 = beamPixelCov(wcs, opts.beam, cx, cy);
  const peakOff = offsetsWithin(c0, PEAK_R2);
  const apOff = offsetsWithin(c0, APERTURE_R2);
  const np = peakOff.length / 2;
  const na = apOff.length / 2;
  const rPeak = correlation(peakOff, c0);
  // sum_ij rho_ij over the aperture: the variance of the aperture sum in units of sigma^2.
  let gAp = 0;
  for (const v of correlation(apOff, c0)) gAp += v;
  let reach = 0;
  for (let k = 0; k < apOff.length; k++) reach = Math.max(reach, Math.abs(apOff[k]!));
  const noiseMap = opts.noise ?? null;
  const bg =
    opts.background ??
    (noiseMap
      ? null
      : backgroundGrid(img, nx, ny, defaultBoxPx(Math.sqrt(Math.max(c0.a, c0.c)) * FWHM_PER_SIGMA, nx, ny)));
  const pbMap = typeof opts.pb === 'function' ? null : (opts.pb ?? null);
  const pbFn = typeof opts.pb === 'function' ? opts.pb : null;
  const pbApplied = !opts.pbCorrected && (pbMap !== null || pbFn !== null);
  const frame = sinFrame(wcs);
  const out: ForcedResult = {
    n,
    x: new Float64Array(n),
    y: new Float64Array(n),
    peakJy: new Float64Array(n).fill(Number.NaN),
    peakErrJy: new Float64Array(n).fill(Number.NaN),
    intJy: new Float64Array(n).fill(Number.NaN),
    intErrJy: new Float64Array(n).fill(Number.NaN),
    noiseJy: new Float64Array(n).fill(Number.NaN),
    pbResponse: new Float64Array(n).fill(Number.NaN),
    flags: new Uint8Array(n),
    pbApplied,
  };
  const kPeak = new Float64Array(np);
  const cellsX = Math.ceil(nx / CELL);
  const beamCache = new Map<number, Sym2>();
  for (let s = 0; s < n; s++) {
    const ra = raDeg[s]!;
    const dec = decDeg[s]!;
    const px = vecToPixel(wcs, radecToVec(ra, dec), frame);
    if (!px) {
      out.x[s] = Number.NaN;
      out.y[s] = Number.NaN;
      out.flags[s] = FORCED_FLAGS.offImage;
      continue;
    }
    const { x, y } = px;
    out.x[s] = x;
    out.y[s] = y;
    const ix = Math.round(x);
    const iy = Math.round(y);
    if (ix - reach < 0 || iy - reach < 0 || ix + reach >= nx || iy + reach >= ny) {
      out.flags[s] = FORCED_FLAGS.offImage;
      continue;
    }
    const pb = pbMap ? bilinear(pbMap, nx, ny, x, y) : pbFn ? pbFn(ra, dec) : 1;
    out.pbResponse[s] = pb;
    if (!(pb > 0) || ((pbMap || pbFn) && pb < pbCut)) {
      out.flags[s] = FORCED_FLAGS.belowPbCut;
      continue;
    }
    const mapNoise = noiseMap ? noiseMap[iy * nx + ix]! : Number.NaN;
    const sigma = mapNoise > 0 ? mapNoise : bg ? interpolate(bg, bg.rms, nx, ny, x, y) : Number.NaN;
    // The beam in pixels changes slowly across a SIN image: one per CELL x CELL pixels.
    const cellKey = Math.floor(y / CELL) * cellsX + Math.floor(x / CELL);
    let p = beamCache.get(cellKey);
    if (!p) {
      p = inverse(
        beamPixelCov(wcs, opts.beam, (Math.floor(x / CELL) + 0.5) * CELL, (Math.floor(y / CELL) + 0.5) * CELL),
      );
      beamCache.set(cellKey, p);
    }
    const fx = ix - x;
    const fy = iy - y;
    // Peak: amplitude of the beam model over its core, A = sum k d / sum k^2.
    let skd = 0;
    let skk = 0;
    let blank = !(sigma > 0);
    for (let k = 0; k < np; k++) {
      const dx = peakOff[2 * k]! + fx;
      const dy = peakOff[2 * k + 1]! + fy;
      const m = Math.exp(-0.5 * (p.a * dx * dx + 2 * p.b * dx * dy + p.c * dy * dy));
      kPeak[k] = m;
      const d = img[(iy + peakOff[2 * k + 1]!) * nx + ix + peakOff[2 * k]!]!;
      if (!Number.isFinite(d)) blank = true;
      skd += m * d;
      skk += m * m;
    }
    // Integrated: aperture sum over the model's sum on the same pixels.
    let sd = 0;
    let sk = 0;
    for (let k = 0; k < na; k++) {
      const ox = apOff[2 * k]!;
      const oy = apOff[2 * k + 1]!;
      const dx = ox + fx;
      const dy = oy + fy;
      const d = img[(iy + oy) * nx + ix + ox]!;
      if (!Number.isFinite(d)) blank = true;
      sd += d;
      sk += Math.exp(-0.5 * (p.a * dx * dx + 2 * p.b * dx * dy + p.c * dy * dy));
    }
    if (blank) {
      out.flags[s] = FORCED_FLAGS.blank;
      continue;
    }
    let quad = 0;
    for (let i = 0; i < np; i++) {
      const ki = kPeak[i]!;
      const row = i * np;
      let acc = 0;
      for (let j = 0; j < np; j++) acc += rPeak[row + j]! * kPeak[j]!;
      quad += ki * acc;
    }
    const scale = pbApplied ? 1 / pb : 1;
    out.peakJy[s] = (skd / skk) * scale;
    out.peakErrJy[s] = ((sigma * Math.sqrt(quad)) / skk) * scale;
    out.intJy[s] = (sd / sk) * scale;
    out.intErrJy[s] = ((sigma * Math.sqrt(gAp)) / sk) * scale;
    out.noiseJy[s] = sigma * scale;
  }
  return out;
}
