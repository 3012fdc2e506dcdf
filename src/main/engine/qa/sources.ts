// Source finding on a restored image (Jy/beam): a box background and noise, islands seeded at
// 5 sigma and grown to 3 sigma, one elliptical Gaussian per island, errors after Condon (1997).
import { backgroundGrid, interpolate, type BackgroundGrid } from './background';
import { islandPeaks, type Island } from './deblend';
import {
  fitGaussian,
  fitGaussians,
  FWHM_PER_SIGMA,
  invert2,
  shapeOfSkyCov,
  skyCov,
  transform,
  det,
  type GaussFit,
  type Sym2,
} from './gaussian';
import { localJacobian, pixelToWorld } from '../../../shared/astro/sin';
import type { RestoringBeam, SkyGrid } from '../../../shared/model/sky-image';

/** The restoring beam (src/shared/model/sky-image.ts): FWHM arcsec, position angle degrees east of north. */
export type BeamShape = RestoringBeam;

export interface FindSourcesOptions {
  /** The restoring beam (the image header's BMAJ/BMIN/BPA). */
  beam: BeamShape;
  /** Island seed and growth thresholds in units of the local noise (default 5 and 3). */
  seedSigma?: number;
  growSigma?: number;
  /** Background box side in pixels (default 30 beams, between 32 and 256 pixels). */
  boxPx?: number;
  /** A background already measured on this image (so QA and the finder share one). */
  background?: BackgroundGrid;
  /** An effective-noise map (Jy/beam, same grid): used for each source's SNR and errors when given. */
  noise?: ArrayLike<number> | null;
  /** Islands larger than this many pixels are reported with a peak fit only (default 20000). */
  maxFitPixels?: number;
  /** Stop after this many islands, brightest seeds first (default 100000). */
  maxSources?: number;
  /** Fit one Gaussian per significant peak of an island (default true); a peak counts when it stands `dipSigma` (default 3) above the dip towards a brighter one. */
  deblend?: boolean;
  dipSigma?: number;
}

export interface FoundSource {
  /** 1-based, brightest first. */
  id: number;
  /** Pixel position (0-based, sub-pixel) and its world position, degrees. */
  x: number;
  y: number;
  raDeg: number;
  decDeg: number;
  /** 1-sigma position errors, arcsec (RA error as a great-circle offset). */
  raErrArcsec: number;
  decErrArcsec: number;
  /** Jy/beam. */
  peakJy: number;
  peakErrJy: number;
  /** Jy. */
  intFluxJy: number;
  intFluxErrJy: number;
  /** Fitted FWHM (arcsec) and PA (deg east of north); the beam for a peak-only fit. */
  majArcsec: number;
  minArcsec: number;
  paDeg: number;
  /** Noise at the source (effective-noise map, or the local background rms), Jy/beam. */
  noiseJy: number;
  snr: number;
  islandPixels: number;
  /** 1-based island number, and how many Gaussians were fitted to it (more than 1: a deblended blend). */
  island: number;
  components: number;
  /** `gaussian`: a converged 2-D fit; `peak`: parabolic peak and centroid (small or odd islands). */
  fit: 'gaussian' | 'peak';
}

/** Default background box: about 30 beams, so sources cover a small share of each box. */
export function defaultBoxPx(beamMajPx: number, nx: number, ny: number): number {
  return Math.max(32, Math.min(256, Math.round(30 * beamMajPx), nx, ny));
}

/** The beam's covariance in pixels at (x, y). */
/** The Jacobian where the projection has none (a position off the SIN disk): NaN, which no fit accepts. */
const OFF_PROJECTION: [number, number, number, number] = [Number.NaN, Number.NaN, Number.NaN, Number.NaN];

export function beamPixelCov(wcs: SkyGrid, beam: BeamShape, x: number, y: number): Sym2 {
  const jinv = invert2(localJacobian(wcs, x, y) ?? OFF_PROJECTION);
  return transform(jinv, skyCov(beam.majorArcsec, beam.minorArcsec, beam.paDeg));
}

/** Condon (1997) rho for exponents (aM, am): the effective SNR of a Gaussian fit parameter. */
function rho(thetaM: number, thetam: number, thetaN: number, snr: number, aM: number, am: number): number {
  return (
    Math.sqrt(
      ((thetaM * thetam) / (4 * thetaN * thetaN)) *
        (1 + (thetaN / thetaM) ** 2) ** aM *
        (1 + (thetaN / thetam) ** 2) ** am,
    ) * snr
  );
}

/** Find the sources of an ny x nx image (x fastest) with the SIN WCS `wcs`. NaN pixels are ignored. */
export function findSources(img: Float32Array | Float64Array, wcs: SkyGrid, opts: FindSourcesOptions): FoundSource[] {
  const { nx, ny } = wcs;
  if (img.length !== nx * ny)
    throw new RangeError(`findSources: the image has ${img.length} pixels but the WCS says ${nx} x ${ny}`);
  const seed = opts.seedSigma ?? 5;
  const grow = opts.growSigma ?? 3;
  if (!(grow > 0 && seed >= grow))
    throw new RangeError(`findSources: expected 0 < growSigma <= seedSigma, got ${grow} and ${seed}`);
  const cx = (nx - 1) / 2;
  const cy = (ny - 1) / 2;
  const beamC = beamPixelCov(wcs, opts.beam, cx, cy);
  const beamMajPx = Math.sqrt(Math.max(beamC.a, beamC.c)) * FWHM_PER_SIGMA;
  const bg = opts.background ?? backgroundGrid(img, nx, ny, opts.boxPx ?? defaultBoxPx(beamMajPx, nx, ny));
  const maxFit = opts.maxFitPixels ?? 20000;
  const maxSources = opts.maxSources ?? 100000;

  // Seeds: pixels above `seed` local sigma, brightest (in sigma) first.
  const seeds: { i: number; s: number }[] = [];
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      const i = y * nx + x;
      const v = img[i]!;
      if (!Number.isFinite(v)) continue;
      const r = interpolate(bg, bg.rms, nx, ny, x, y);
      if (!(r > 0)) continue;
      const s = (v - interpolate(bg, bg.mean, nx, ny, x, y)) / r;
      if (s >= seed) seeds.push({ i, s });
    }
  }
  seeds.sort((a, b) => b.s - a.s);

  const visited = new Uint8Array(nx * ny);
  const stack: number[] = [];
  const out: FoundSource[] = [];
  const xs: number[] = [];
  const ys: number[] = [];
  const vs: number[] = [];
  const sigmas: number[] = [];
  let islands = 0;
  const deblend = opts.deblend === false ? null : { seedSigma: seed, dipSigma: opts.dipSigma ?? 3, maxPeaks: 4 };
  for (const sd of seeds) {
    if (visited[sd.i]) continue;
    if (islands >= maxSources) break;
    xs.length = 0;
    ys.length = 0;
    vs.length = 0;
    sigmas.length = 0;
    // Flood fill (8-connected) down to `grow` sigma.
    stack.length = 0;
    stack.push(sd.i);
    visited[sd.i] = 1;
    let peakV = -Infinity;
    let peakI = sd.i;
    while (stack.length > 0) {
      const i = stack.pop()!;
      const x = i % nx;
      const y = (i - x) / nx;
      const v = img[i]! - interpolate(bg, bg.mean, nx, ny, x, y);
      xs.push(x);
      ys.push(y);
      vs.push(v);
      sigmas.push(interpolate(bg, bg.rms, nx, ny, x, y));
      if (v > peakV) {
        peakV = v;
        peakI = i;
      }
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= ny) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= nx || (dx === 0 && dy === 0)) continue;
          const k = yy * nx + xx;
          if (visited[k]) continue;
          const w = img[k]!;
          if (!Number.isFinite(w)) continue;
          const r = interpolate(bg, bg.rms, nx, ny, xx, yy);
          if (!(r > 0) || (w - interpolate(bg, bg.mean, nx, ny, xx, yy)) / r < grow) continue;
          visited[k] = 1;
          stack.push(k);
        }
      }
    }
    islands++;
    for (const src of measureIsland(
      img,
      wcs,
      opts.beam,
      bg,
      { xs, ys, vs, sigmas },
      peakI,
      peakV,
      maxFit,
      opts.noise ?? null,
      deblend,
    )) {
      out.push({ ...src, id: 0, island: islands });
    }
  }
  out.sort((a, b) => b.peakJy - a.peakJy);
  return out.map((s, k) => ({ ...s, id: k + 1 }));
}

/** Parabolic sub-pixel peak of the 3x3 neighbourhood of pixel i (background not subtracted: only the shape matters). */
function parabolicPeak(
  img: ArrayLike<number>,
  nx: number,
  ny: number,
  i: number,
): { x: number; y: number; value: number } {
  const x = i % nx;
  const y = (i - x) / nx;
  const v0 = img[i]!;
  const at = (xx: number, yy: number): number =>
    xx < 0 || yy < 0 || xx >= nx || yy >= ny ? Number.NaN : img[yy * nx + xx]!;
  const offset = (m: number, p: number): { d: number; v: number } => {
    const den = m - 2 * v0 + p;
    if (!Number.isFinite(den) || den >= 0) return { d: 0, v: v0 };
    const d = Math.max(-0.5, Math.min(0.5, (0.5 * (m - p)) / den));
    return { d, v: v0 - 0.25 * (m - p) * d };
  };
  const ox = offset(at(x - 1, y), at(x + 1, y));
  const oy = offset(at(x, y - 1), at(x, y + 1));
  return { x: x + ox.d, y: y + oy.d, value: ox.v + oy.v - v0 };
}

/** Fits that wandered off their island, or into shapes no restored image holds, are not trusted. */
function plausible(
  f: GaussFit,
  beamPx: Sym2,
  peakV: number,
  box: { xmin: number; xmax: number; ymin: number; ymax: number },
): boolean {
  const area = Math.sqrt(det(f.cov)) / Math.sqrt(det(beamPx));
  const inside = f.x0 >= box.xmin - 1 && f.x0 <= box.xmax + 1 && f.y0 >= box.ymin - 1 && f.y0 <= box.ymax + 1;
  return inside && f.amp < 3 * peakV && area >= 0.25 && area <= 400;
}

function measureIsland(
  img: ArrayLike<number>,
  wcs: SkyGrid,
  beam: BeamShape,
  bg: BackgroundGrid,
  isl: Island,
  peakI: number,
  peakV: number,
  maxFit: number,
  noise: ArrayLike<number> | null,
  deblend: { seedSigma: number; dipSigma: number; maxPeaks: number } | null,
): Omit<FoundSource, 'id' | 'island'>[] {
  const { nx, ny } = wcs;
  const { xs, ys } = isl;
  const pp = parabolicPeak(img, nx, ny, peakI);
  const bgAtPeak = interpolate(bg, bg.mean, nx, ny, pp.x, pp.y);
  const beamPx = beamPixelCov(wcs, beam, pp.x, pp.y);
  const box = { xmin: Infinity, xmax: -Infinity, ymin: Infinity, ymax: -Infinity };
  for (let k = 0; k < xs.length; k++) {
    box.xmin = Math.min(box.xmin, xs[k]!);
    box.xmax = Math.max(box.xmax, xs[k]!);
    box.ymin = Math.min(box.ymin, ys[k]!);
    box.ymax = Math.max(box.ymax, ys[k]!);
  }
  const fits =
    xs.length <= maxFit ? fitIsland(img, wcs, beam, bg, isl, pp, bgAtPeak, beamPx, peakV, box, deblend) : null;
  const one = (fit: GaussFit | null, components: number) =>
    describe(wcs, beam, bg, noise, fit, { x: pp.x, y: pp.y, value: pp.value - bgAtPeak }, xs.length, components);
  const out = fits ? fits.map((f) => one(f, fits.length)) : [one(null, 1)];
  return out.filter((s): s is Omit<FoundSource, 'id' | 'island'> => s !== null);
}

/** One Gaussian per significant peak (joint fit), else one for the island; null when no fit is trusted. */
function fitIsland(
  img: ArrayLike<number>,
  wcs: SkyGrid,
  beam: BeamShape,
  bg: BackgroundGrid,
  isl: Island,
  pp: { x: number; y: number; value: number },
  bgAtPeak: number,
  beamPx: Sym2,
  peakV: number,
  box: { xmin: number; xmax: number; ymin: number; ymax: number },
  deblend: { seedSigma: number; dipSigma: number; maxPeaks: number } | null,
): GaussFit[] | null {
  const { nx, ny } = wcs;
  const { xs, ys, vs } = isl;
  const peaks = deblend ? islandPeaks(isl, nx, deblend) : [];
  if (peaks.length > 1) {
    const inits = peaks.map((k) => {
      const q = parabolicPeak(img, nx, ny, ys[k]! * nx + xs[k]!);
      return { amp: vs[k]!, x0: q.x, y0: q.y, cov: beamPixelCov(wcs, beam, q.x, q.y), iterations: 0 };
    });
    const fits = fitGaussians(xs, ys, vs, inits);
    // Each component must stay near its peak (within a beam): otherwise the split was not real.
    const reach = Math.sqrt(Math.max(beamPx.a, beamPx.c)) * FWHM_PER_SIGMA;
    if (
      fits &&
      fits.every(
        (f, k) => plausible(f, beamPx, peakV, box) && Math.hypot(f.x0 - inits[k]!.x0, f.y0 - inits[k]!.y0) <= reach,
      )
    )
      return fits;
  }
  if (xs.length < 7) return null;
  const fit = fitGaussian(xs, ys, vs, {
    amp: Math.max(peakV, pp.value - bgAtPeak),
    x0: pp.x,
    y0: pp.y,
    cov: beamPx,
    iterations: 0,
  });
  return fit && plausible(fit, beamPx, peakV, box) ? [fit] : null;
}

/** A found source from a fit (or, without one, the parabolic peak and the beam), with Condon (1997) errors. */
function describe(
  wcs: SkyGrid,
  beam: BeamShape,
  bg: BackgroundGrid,
  noise: ArrayLike<number> | null,
  fit: GaussFit | null,
  pp: { x: number; y: number; value: number },
  islandPixels: number,
  components: number,
): Omit<FoundSource, 'id' | 'island'> | null {
  const { nx, ny } = wcs;
  const x = fit ? fit.x0 : pp.x;
  const y = fit ? fit.y0 : pp.y;
  const world = pixelToWorld(wcs, x, y);
  const J = localJacobian(wcs, x, y);
  if (!world || !J) return null;
  const shape = fit
    ? shapeOfSkyCov(transform(J, fit.cov))
    : { majArcsec: beam.majorArcsec, minArcsec: beam.minorArcsec, paDeg: beam.paDeg };
  const peak = fit ? fit.amp : pp.value;
  const ix = Math.min(nx - 1, Math.max(0, Math.round(x)));
  const iy = Math.min(ny - 1, Math.max(0, Math.round(y)));
  const mapNoise = noise ? noise[iy * nx + ix]! : Number.NaN;
  const sigma = Number.isFinite(mapNoise) && mapNoise > 0 ? mapNoise : interpolate(bg, bg.rms, nx, ny, x, y);
  const snr = peak / sigma;
  // Integrated flux: peak x (fitted area / beam area); a point source has S_int = S_peak.
  const areaRatio = (shape.majArcsec * shape.minArcsec) / (beam.majorArcsec * beam.minorArcsec);
  const intFlux = peak * areaRatio;
  // Condon (1997): noise correlated over the beam, theta_N^2 = bmaj x bmin.
  const thetaN = Math.sqrt(beam.majorArcsec * beam.minorArcsec);
  const tM = Math.max(shape.majArcsec, 1e-6);
  const tm = Math.max(shape.minArcsec, 1e-6);
  const rA = rho(tM, tm, thetaN, snr, 1.5, 1.5);
  const rM = rho(tM, tm, thetaN, snr, 2.5, 0.5);
  const rm = rho(tM, tm, thetaN, snr, 0.5, 2.5);
  const ePeakRel = Math.SQRT2 / rA;
  const eMajRel = Math.SQRT2 / rM;
  const eMinRel = Math.SQRT2 / rm;
  const eIntRel = Math.sqrt(ePeakRel ** 2 + ((thetaN * thetaN) / (tM * tm)) * (eMajRel ** 2 + eMinRel ** 2));
  // Position errors along the axes, projected on RA and Dec.
  const eAlongMaj = (eMajRel * tM) / FWHM_PER_SIGMA;
  const eAlongMin = (eMinRel * tm) / FWHM_PER_SIGMA;
  const s = Math.sin((shape.paDeg * Math.PI) / 180);
  const c = Math.cos((shape.paDeg * Math.PI) / 180);
  return {
    x,
    y,
    raDeg: world.raDeg,
    decDeg: world.decDeg,
    raErrArcsec: Math.sqrt((eAlongMaj * s) ** 2 + (eAlongMin * c) ** 2),
    decErrArcsec: Math.sqrt((eAlongMaj * c) ** 2 + (eAlongMin * s) ** 2),
    peakJy: peak,
    peakErrJy: Math.abs(peak) * ePeakRel,
    intFluxJy: intFlux,
    intFluxErrJy: Math.abs(intFlux) * (fit ? eIntRel : ePeakRel),
    majArcsec: shape.majArcsec,
    minArcsec: shape.minArcsec,
    paDeg: shape.paDeg,
    noiseJy: sigma,
    snr,
    islandPixels,
    components,
    fit: fit ? 'gaussian' : 'peak',
  };
}
