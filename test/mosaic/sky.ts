// Simulated 5-minute images of a known sky for the mosaic tests and the benchmark: restored
// images (apparent flux: point sources x the primary beam, Gaussian restoring beam) plus noise
// of known rms correlated on the beam scale (as in a real restored image), the PB and the
// residual (the noise alone), written as PREFIX-{image,pb,residual}.fits with our imager's WCS.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { beamModel } from '../../src/shared/instrument';
import { writeFitsImage, type FitsImageDescription } from '../../src/main/engine/fits';
import { pixelToWorld, worldToPixel } from '../../src/shared/astro/sin';
import { celestialWcs, type CelestialWcs } from '../../src/shared/model/sky-image';

export interface Source {
  raDeg: number;
  decDeg: number;
  fluxJy: number;
}

export interface SimImageSpec {
  prefix: string;
  raDeg: number;
  decDeg: number;
  n: number;
  cellArcsec: number;
  beamArcsec: number;
  noiseJy: number;
  freqHz: number;
  seed: number;
  sources: readonly Source[];
  dateObs: string;
  /** Overrides for failure cases. */
  beamMajorArcsec?: number;
  pbModel?: string;
}

/** A seeded PRNG (mulberry32) and standard normal deviates (Box-Muller). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussianNoise(n: number, seed: number): Float64Array {
  const u = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const t = 2 * Math.PI * u();
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

/**
 * White noise convolved with a Gaussian of the beam's FWHM (pixels), the kernel scaled so the
 * sum of its squares is 1: the result has exactly the white noise's variance in expectation.
 */
export function beamNoise(nx: number, ny: number, fwhmPx: number, rms: number, seed: number): Float32Array {
  const s = fwhmPx / (2 * Math.sqrt(2 * Math.log(2)));
  // The 2-D Gaussian of std s, normalised to unit L2 norm, is the outer product of 1-D kernels each of unit L2 norm.
  const half = Math.ceil(4 * s);
  const k: number[] = [];
  for (let i = -half; i <= half; i++) k.push(Math.exp((-i * i) / (2 * s * s)));
  const norm = Math.sqrt(k.reduce((a, b) => a + b * b, 0));
  const kk = k.map((v) => v / norm);
  const pad = half;
  const wx = nx + 2 * pad;
  const wy = ny + 2 * pad;
  const white = gaussianNoise(wx * wy, seed);
  const tmp = new Float64Array(wx * ny);
  for (let y = 0; y < ny; y++)
    for (let x = 0; x < wx; x++) {
      let a = 0;
      for (let j = 0; j < kk.length; j++) a += kk[j]! * white[(y + j) * wx + x]!;
      tmp[y * wx + x] = a;
    }
  const out = new Float32Array(nx * ny);
  for (let y = 0; y < ny; y++)
    for (let x = 0; x < nx; x++) {
      let a = 0;
      for (let j = 0; j < kk.length; j++) a += kk[j]! * tmp[y * wx + x + j]!;
      out[y * nx + x] = rms * a;
    }
  return out;
}

export function imageWcs(spec: { raDeg: number; decDeg: number; n: number; cellArcsec: number }): CelestialWcs {
  const c = Math.floor(spec.n / 2) + 1;
  return celestialWcs({
    crval1: spec.raDeg,
    crval2: spec.decDeg,
    crpix1: c,
    crpix2: c,
    cdelt1: -spec.cellArcsec / 3600,
    cdelt2: spec.cellArcsec / 3600,
  });
}

/** Power primary beam toward (ra, dec) for a pointing at the image centre. */
export function pbAt(
  spec: { raDeg: number; decDeg: number; freqHz: number; pbModel?: string },
  raDeg: number,
  decDeg: number,
): number {
  const d = Math.PI / 180;
  return beamModel(spec.pbModel ?? 'airy').responseToward(
    { raRad: spec.raDeg * d, decRad: spec.decDeg * d },
    { raRad: raDeg * d, decRad: decDeg * d },
    spec.freqHz,
  );
}

/** Writes PREFIX-image.fits, -pb.fits and -residual.fits; returns their paths. */
export function writeSimImage(spec: SimImageSpec): { image: string; pb: string; residual: string; wcs: CelestialWcs } {
  const { n } = spec;
  const wcs = imageWcs(spec);
  const fwhmPx = spec.beamArcsec / spec.cellArcsec;
  const noise = beamNoise(n, n, fwhmPx, spec.noiseJy, spec.seed);
  const img = Float32Array.from(noise);
  const pb = new Float32Array(n * n);
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      const w = pixelToWorld(wcs, x, y)!;
      pb[y * n + x] = pbAt(spec, w.raDeg, w.decDeg);
    }
  const a = (4 * Math.log(2)) / (fwhmPx * fwhmPx);
  const reach = Math.ceil(4 * fwhmPx);
  for (const s of spec.sources) {
    const p = worldToPixel(wcs, s.raDeg, s.decDeg);
    if (!p || p.x < -reach || p.y < -reach || p.x > n + reach || p.y > n + reach) continue;
    const amp = s.fluxJy * pbAt(spec, s.raDeg, s.decDeg);
    for (let y = Math.max(0, Math.floor(p.y) - reach); y <= Math.min(n - 1, Math.ceil(p.y) + reach); y++) {
      for (let x = Math.max(0, Math.floor(p.x) - reach); x <= Math.min(n - 1, Math.ceil(p.x) + reach); x++) {
        const r2 = (x - p.x) ** 2 + (y - p.y) ** 2;
        img[y * n + x] = img[y * n + x]! + amp * Math.exp(-a * r2);
      }
    }
  }
  mkdirSync(path.dirname(spec.prefix), { recursive: true });
  const major = spec.beamMajorArcsec ?? spec.beamArcsec;
  const base: Omit<FitsImageDescription, 'bunit'> = {
    grid: { ...wcs, nx: n, ny: n },
    freqHz: spec.freqHz,
    bandwidthHz: 187.5e6,
    stokes: 1,
    beam: { majorArcsec: major, minorArcsec: spec.beamArcsec, paDeg: 0 },
    dateObs: spec.dateObs,
    telescope: 'DSA-110',
    object: path.basename(spec.prefix),
    extra: [{ keyword: 'PBMODEL', value: spec.pbModel ?? 'airy' }],
    history: ['software: test-sky 1.0'],
  };
  const files = {
    image: `${spec.prefix}-image.fits`,
    pb: `${spec.prefix}-pb.fits`,
    residual: `${spec.prefix}-residual.fits`,
  };
  writeFitsImage(files.image, { ...base, bunit: 'JY/BEAM' }, img);
  writeFitsImage(files.pb, { ...base, bunit: '' }, pb);
  writeFitsImage(files.residual, { ...base, bunit: 'JY/BEAM' }, noise);
  return { ...files, wcs };
}

/** ISO UTC of an MJD (for DATE-OBS). */
export function isoOfMjd(mjd: number): string {
  return new Date((mjd - 40587) * 86_400_000).toISOString().replace(/Z$/, '');
}
