// The simulated sky: the catalogued calibrators near the strip with their fluxes and
// spectral indices, plus a faint population drawn from a 1.4 GHz source-count law.
import { Rng } from './rng';

export interface SkySource {
  name: string;
  /** J2000 position, degrees. */
  raDeg: number;
  decDeg: number;
  /** Flux density at REF_FREQ_HZ, Jy. */
  fluxJy: number;
  /** S(nu) = fluxJy (nu / REF_FREQ_HZ)^spectralIndex. */
  spectralIndex: number;
  kind: 'calibrator' | 'field';
}

export const REF_FREQ_HZ = 1.4e9;

export function fluxAt(src: SkySource, freqHz: number): number {
  return src.fluxJy * Math.pow(freqHz / REF_FREQ_HZ, src.spectralIndex);
}

/**
 * Integral source counts N(>S) per square degree at 1.4 GHz as a broken power law:
 * 53 deg^-2 above 2.5 mJy (NVSS: ~1.8 million sources above 2.5 mJy over 33,800 deg^2),
 * slope -0.8 below 30 mJy, steepening to the Euclidean -1.5 above it, which puts about
 * 0.04 sources per square degree above 1 Jy, close to what bright-source surveys find.
 */
export interface SourceCounts {
  n0PerDeg2: number;
  s0Jy: number;
  breakJy: number;
  slopeFaint: number;
  slopeBright: number;
}

export const NVSS_LIKE_COUNTS: SourceCounts = {
  n0PerDeg2: 53,
  s0Jy: 0.0025,
  breakJy: 0.03,
  slopeFaint: 0.8,
  slopeBright: 1.5,
};

export function countsAbove(sJy: number, c: SourceCounts = NVSS_LIKE_COUNTS): number {
  const nBreak = c.n0PerDeg2 * Math.pow(c.breakJy / c.s0Jy, -c.slopeFaint);
  return sJy <= c.breakJy
    ? c.n0PerDeg2 * Math.pow(sJy / c.s0Jy, -c.slopeFaint)
    : nBreak * Math.pow(sJy / c.breakJy, -c.slopeBright);
}

/** Inverse of countsAbove: the flux above which there are n sources per square degree. */
export function fluxForCount(n: number, c: SourceCounts = NVSS_LIKE_COUNTS): number {
  const nBreak = countsAbove(c.breakJy, c);
  return n >= nBreak
    ? c.s0Jy * Math.pow(n / c.n0PerDeg2, -1 / c.slopeFaint)
    : c.breakJy * Math.pow(n / nBreak, -1 / c.slopeBright);
}

export interface SkyRegion {
  /** RA range in degrees; raMax may exceed 360 to wrap through 0. */
  raMinDeg: number;
  raMaxDeg: number;
  decMinDeg: number;
  decMaxDeg: number;
}

/** Solid angle of an RA/Dec box in square degrees. */
export function regionAreaDeg2(r: SkyRegion): number {
  const d2r = Math.PI / 180;
  const sr = (r.raMaxDeg - r.raMinDeg) * d2r * (Math.sin(r.decMaxDeg * d2r) - Math.sin(r.decMinDeg * d2r));
  return sr / (d2r * d2r);
}

export interface CatalogCalibrator {
  name: string;
  raDeg: number;
  decDeg: number;
  flux1400Jy: number;
  spectralIndex: number;
}

export interface FieldPopulationOptions {
  minFluxJy: number;
  /** Upper limit so that the random population does not produce calibrator-class sources. */
  maxFluxJy: number;
  counts?: SourceCounts;
  /** Mean and scatter of the spectral index of the field population. */
  alphaMean?: number;
  alphaSigma?: number;
}

function inRegion(raDeg: number, decDeg: number, r: SkyRegion): boolean {
  if (decDeg < r.decMinDeg || decDeg > r.decMaxDeg) return false;
  for (const ra of [raDeg, raDeg + 360, raDeg - 360]) if (ra >= r.raMinDeg && ra <= r.raMaxDeg) return true;
  return false;
}

/** Catalogued calibrators inside the region, as sky sources. */
export function calibratorsIn(region: SkyRegion, catalog: readonly CatalogCalibrator[]): SkySource[] {
  return catalog
    .filter((c) => inRegion(c.raDeg, c.decDeg, region))
    .map((c) => ({
      name: c.name,
      raDeg: c.raDeg,
      decDeg: c.decDeg,
      fluxJy: c.flux1400Jy,
      spectralIndex: c.spectralIndex,
      kind: 'calibrator' as const,
    }));
}

/**
 * A random population: Poisson number of sources for the region's area, positions uniform
 * on the sphere, fluxes from the count law between minFluxJy and maxFluxJy.
 */
export function fieldPopulation(region: SkyRegion, rng: Rng, opts: FieldPopulationOptions): SkySource[] {
  const counts = opts.counts ?? NVSS_LIKE_COUNTS;
  const nLo = countsAbove(opts.minFluxJy, counts);
  const nHi = countsAbove(opts.maxFluxJy, counts);
  const mean = (nLo - nHi) * regionAreaDeg2(region);
  const n = poisson(rng, mean);
  const d2r = Math.PI / 180;
  const sinLo = Math.sin(region.decMinDeg * d2r);
  const sinHi = Math.sin(region.decMaxDeg * d2r);
  const out: SkySource[] = [];
  for (let i = 0; i < n; i++) {
    const ra = ((rng.range(region.raMinDeg, region.raMaxDeg) % 360) + 360) % 360;
    const dec = Math.asin(rng.range(sinLo, sinHi)) / d2r;
    // Inverse-CDF sampling in the cumulative count between the two flux limits.
    const flux = fluxForCount(nHi + rng.uniform() * (nLo - nHi), counts);
    const alpha = (opts.alphaMean ?? -0.7) + (opts.alphaSigma ?? 0.2) * rng.normal();
    out.push({
      name: `SIM${String(i + 1).padStart(5, '0')}`,
      raDeg: ra,
      decDeg: dec,
      fluxJy: flux,
      spectralIndex: alpha,
      kind: 'field',
    });
  }
  return out;
}

/** Poisson deviate: Knuth for small means, a rounded normal approximation for large ones. */
function poisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 500) return Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.normal()));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.uniform();
  while (p > limit) {
    k++;
    p *= rng.uniform();
  }
  return k;
}
