// Synthetic restored images for QA tests: Gaussian-beam point sources of known flux at known sky
// positions on a SIN grid, plus Gaussian noise of known sigma correlated over the beam (as in a real image).
import { writeFitsImage, type FitsImageDescription } from '../../src/main/engine/fits';
import { beamPixelCov, type BeamShape } from '../../src/main/engine/qa/sources';
import { inverse } from '../../src/main/engine/qa/gaussian';
import { pixelToWorld, worldToPixel } from '../../src/shared/astro/sin';
import { celestialWcs, type SkyGrid } from '../../src/shared/model/sky-image';
import { Rng } from '../../src/main/engine/sim/rng';

export interface TruthSource {
  name: string;
  raDeg: number;
  decDeg: number;
  fluxJy: number;
}

export interface SynthOptions {
  nx?: number;
  ny?: number;
  cellArcsec?: number;
  raDeg?: number;
  decDeg?: number;
  beam?: BeamShape;
  sigmaJy?: number;
  nSources?: number;
  /** Peak SNR range of the injected sources (log-uniform). */
  snrRange?: [number, number];
  seed?: number;
  freqHz?: number;
}

export interface Synth {
  wcs: SkyGrid;
  desc: FitsImageDescription;
  beam: BeamShape;
  sigmaJy: number;
  truth: TruthSource[];
  /** Noise only, and the sky only (so tests can corrupt either). */
  noise: Float32Array;
  sky: Float32Array;
}

/** Add a point source of `fluxJy` (Jy/beam peak = Jy for a point source) at (ra, dec) to `img`. */
export function addPointSource(
  img: Float32Array,
  wcs: SkyGrid,
  beam: BeamShape,
  raDeg: number,
  decDeg: number,
  fluxJy: number,
): void {
  const at = worldToPixel(wcs, raDeg, decDeg);
  if (!at) throw new Error(`addPointSource: (${raDeg}, ${decDeg}) is not on the image's hemisphere`);
  const { x: x0, y: y0 } = at;
  const p = inverse(beamPixelCov(wcs, beam, x0, y0));
  const r = Math.ceil(6 * Math.sqrt(Math.max(1 / p.a, 1 / p.c)) + 2);
  for (let y = Math.max(0, Math.floor(y0) - r); y <= Math.min(wcs.ny - 1, Math.ceil(y0) + r); y++) {
    for (let x = Math.max(0, Math.floor(x0) - r); x <= Math.min(wcs.nx - 1, Math.ceil(x0) + r); x++) {
      const dx = x - x0;
      const dy = y - y0;
      const i = y * wcs.nx + x;
      img[i] = img[i]! + fluxJy * Math.exp(-0.5 * (p.a * dx * dx + 2 * p.b * dx * dy + p.c * dy * dy));
    }
  }
}

/** White noise convolved with a Gaussian whose autocorrelation is the beam, scaled to rms sigma. */
export function correlatedNoise(wcs: SkyGrid, beam: BeamShape, sigma: number, rng: Rng): Float32Array {
  const { nx, ny } = wcs;
  const white = new Float64Array(nx * ny);
  for (let i = 0; i < white.length; i++) white[i] = rng.normal();
  const c = beamPixelCov(wcs, beam, (nx - 1) / 2, (ny - 1) / 2);
  // Kernel covariance = beam / 2: its autocorrelation has the beam's covariance.
  const k = inverse({ a: c.a / 2, b: c.b / 2, c: c.c / 2 });
  const r = Math.ceil(4 * Math.sqrt(Math.max(c.a, c.c) / 2)) + 1;
  const ker: number[] = [];
  for (let dy = -r; dy <= r; dy++)
    for (let dx = -r; dx <= r; dx++) ker.push(Math.exp(-0.5 * (k.a * dx * dx + 2 * k.b * dx * dy + k.c * dy * dy)));
  const norm = Math.sqrt(ker.reduce((s, v) => s + v * v, 0));
  const out = new Float32Array(nx * ny);
  const w = 2 * r + 1;
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      let s = 0;
      for (let dy = -r; dy <= r; dy++) {
        // Periodic edges keep the statistics uniform up to the border.
        const yy = (y + dy + ny) % ny;
        for (let dx = -r; dx <= r; dx++) s += ker[(dy + r) * w + dx + r]! * white[yy * nx + ((x + dx + nx) % nx)]!;
      }
      out[y * nx + x] = (s / norm) * sigma;
    }
  }
  return out;
}

/** A field of isolated point sources (at least 12 beams apart, 3 beams from the edges). */
export function synthField(o: SynthOptions = {}): Synth {
  const nx = o.nx ?? 512;
  const ny = o.ny ?? 512;
  const cell = o.cellArcsec ?? 5;
  const beam = o.beam ?? { majorArcsec: 18, minorArcsec: 14, paDeg: 30 };
  const sigma = o.sigmaJy ?? 1e-3;
  const rng = new Rng(o.seed ?? 7, 'qa-synth');
  const desc: FitsImageDescription = {
    grid: {
      ...celestialWcs({
        crval1: o.raDeg ?? 128.7,
        crval2: o.decDeg ?? 54.57,
        crpix1: nx / 2 + 1,
        crpix2: ny / 2 + 1,
        cdelt1: -cell / 3600,
        cdelt2: cell / 3600,
      }),
      nx,
      ny,
    },
    freqHz: o.freqHz ?? 1.4e9,
    bandwidthHz: 187.5e6,
    bunit: 'JY/BEAM',
    beam,
  };
  const wcs = desc.grid;
  const [lo, hi] = o.snrRange ?? [20, 500];
  const minSep = (12 * beam.majorArcsec) / cell;
  const margin = (3 * beam.majorArcsec) / cell;
  const pts: { x: number; y: number }[] = [];
  const truth: TruthSource[] = [];
  const n = o.nSources ?? 40;
  for (let tries = 0; truth.length < n && tries < 100000; tries++) {
    const x = rng.range(margin, nx - 1 - margin);
    const y = rng.range(margin, ny - 1 - margin);
    if (pts.some((p) => Math.hypot(p.x - x, p.y - y) < minSep)) continue;
    pts.push({ x, y });
    const w = pixelToWorld(wcs, x, y)!;
    const flux = sigma * lo * Math.pow(hi / lo, rng.uniform());
    truth.push({
      name: `SYN${String(truth.length + 1).padStart(3, '0')}`,
      raDeg: w.raDeg,
      decDeg: w.decDeg,
      fluxJy: flux,
    });
  }
  const sky = new Float32Array(nx * ny);
  for (const t of truth) addPointSource(sky, wcs, beam, t.raDeg, t.decDeg, t.fluxJy);
  const noise = correlatedNoise(wcs, beam, sigma, rng.fork('noise'));
  return { wcs, desc, beam, sigmaJy: sigma, truth, noise, sky };
}

/** sky x scale + noise. */
export function combine(s: Synth, scale = 1): Float32Array {
  const out = new Float32Array(s.sky.length);
  for (let i = 0; i < out.length; i++) out[i] = s.sky[i]! * scale + s.noise[i]!;
  return out;
}

export function writeSynth(path: string, s: Synth, data: Float32Array): void {
  writeFitsImage(path, s.desc, data);
}

/** The truth as an NVSS-like CSV (flux in mJy), optionally with every position shifted. */
export function truthCsv(truth: TruthSource[], shift: { raArcsec?: number; decArcsec?: number } = {}): string {
  const lines = ['name,RAJ2000,DEJ2000,e_RAJ2000,e_DEJ2000,S1.4 [mJy],e_S1.4 [mJy]'];
  for (const t of truth) {
    const dec = t.decDeg + (shift.decArcsec ?? 0) / 3600;
    const ra = t.raDeg + (shift.raArcsec ?? 0) / 3600 / Math.cos((t.decDeg * Math.PI) / 180);
    lines.push(
      `${t.name},${ra.toFixed(7)},${dec.toFixed(7)},0.5,0.5,${(t.fluxJy * 1e3).toFixed(4)},${(t.fluxJy * 30).toFixed(4)}`,
    );
  }
  return lines.join('\n') + '\n';
}
