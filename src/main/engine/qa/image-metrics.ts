// Image-level QA measurements: robust rms, peak, dynamic range (peak / rms), pixels above 5 sigma,
// the blank share of the covered area, the share whose noise (in small boxes) is far above what was
// expected, the noise against the thermal noise the data allow, and two artifact measures: negative
// peaks beyond -5 sigma (a restored sky has none: sources are positive, Gaussian noise reaches -5
// sigma once in 3.5 million beams) and the share of the area more than 5 sigma below the smooth
// background (doubled: artifacts are as much negative as positive; sources only positive).
import { interpolate, medianAndRobustRms, type BackgroundGrid } from './background';

/** At most this many pixels enter the global median/MAD (a strided sample beyond: 0.05 % accuracy). */
const MAX_SAMPLE = 4_000_000;

export interface ImageMetrics {
  rmsJy: number;
  peakJy: number;
  peakX: number;
  peakY: number;
  /** Noise at the peak (effective-noise map, or the local background rms), Jy/beam. */
  peakNoiseJy: number;
  minJy: number;
  /** Peak over the robust rms; null when there is no noise (nothing negative: not a radio image). */
  dynamicRange: number | null;
  /** Local maxima above +5 sigma and local minima below -5 sigma (sigma: the noise map, else the local background rms). */
  positivePeaks: number;
  negativePeaks: number;
  /** Twice the share of the covered area more than 5 sigma below the smooth background, percent. */
  artifactAreaPct: number;
  /** The expected thermal noise (median over the covered area; null when unknown). */
  thermalNoiseJy: number | null;
  /** Quadratic mean over small boxes of the measured rms over the thermal noise there (null when unknown). */
  thermalRatio: number | null;
  peakSnr: number;
  pixelsAbove5Sigma: number;
  coveredPixels: number;
  blankAreaPct: number;
  noisyAreaPct: number;
  /** Median of the effective-noise map over the covered area (null without one). */
  medianNoiseMapJy: number | null;
  /** Median over small boxes of measured rms / noise-map prediction (1 when the map is right; null without one). */
  noiseMapRatio: number | null;
}

/** Robust rms of the finite, non-zero (blanked) and masked-in values, from a strided sample when the image is large. */
export function sampledRobustRms(img: ArrayLike<number>, mask?: ArrayLike<number> | null): number {
  const stride = Math.max(1, Math.ceil(img.length / MAX_SAMPLE));
  const a = new Float64Array(Math.ceil(img.length / stride));
  let n = 0;
  for (let i = 0; i < img.length; i += stride) {
    const v = img[i]!;
    if (Number.isFinite(v) && v !== 0 && (!mask || mask[i])) a[n++] = v;
  }
  return medianAndRobustRms(a, n).rms;
}

function medianFinite(a: ArrayLike<number>, covered: Uint8Array | null): number | null {
  const v: number[] = [];
  const stride = Math.max(1, Math.ceil(a.length / 200_000));
  for (let i = 0; i < a.length; i += stride) if ((!covered || covered[i]) && Number.isFinite(a[i]!) && a[i]! > 0) v.push(a[i]!);
  return v.length ? median(v) : null;
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((x, y) => x - y);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : 0.5 * (s[h - 1]! + s[h]!);
}

/**
 * `covered` says which pixels should hold data (the noise map's finite pixels, the primary beam
 * above its cut, or everything); a covered pixel that is NaN, infinite or exactly 0 is blank.
 * `bg` is the source finder's background; `fine` a grid of small boxes (a few beams), small enough
 * that a stripe or a bad tile dominates the boxes it crosses (a median-based rms ignores a minority).
 */
export function imageMetrics(
  img: ArrayLike<number>, nx: number, ny: number, bg: BackgroundGrid, fine: BackgroundGrid, covered: Uint8Array | null, noise: ArrayLike<number> | null,
  thermal: number | ArrayLike<number> | null = null,
): ImageMetrics {
  let peak = -Infinity;
  let peakAt = -1;
  let min = Infinity;
  let coveredN = 0;
  let blank = 0;
  let above = 0;
  let below = 0;
  let posPeaks = 0;
  let negPeaks = 0;
  const noiseVals: number[] = [];
  const noiseStride = Math.max(1, Math.ceil((nx * ny) / 200_000));
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      const i = y * nx + x;
      const inside = !covered || covered[i] === 1;
      const v = img[i]!;
      if (inside) {
        coveredN++;
        if (!Number.isFinite(v) || v === 0) blank++;
        if (noise && i % noiseStride === 0 && Number.isFinite(noise[i]!)) noiseVals.push(noise[i]!);
      }
      if (!Number.isFinite(v)) continue;
      if (v > peak) { peak = v; peakAt = i; }
      if (v < min) min = v;
      const r = interpolate(bg, bg.rms, nx, ny, x, y);
      const z = r > 0 ? (v - interpolate(bg, bg.mean, nx, ny, x, y)) / r : 0;
      if (z > 5) above++;
      if (!inside) continue;
      if (z < -5) below++;
      // Peaks: beyond 5 sigma of the noise map (a mosaic's), else of the local background, and
      // the extreme of their 3 x 3 neighbourhood.
      const sig = noise ? noise[i]! : r;
      if (!(sig > 0) || x === 0 || y === 0 || x === nx - 1 || y === ny - 1) continue;
      const pos = v > 5 * sig;
      if (!pos && !(v < -5 * sig)) continue;
      let extreme = true;
      for (let dy = -1; dy <= 1 && extreme; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const u = img[i + dy * nx + dx]!;
          if ((dx !== 0 || dy !== 0) && (pos ? u > v : u < v)) { extreme = false; break; }
        }
      }
      if (extreme) { if (pos) posPeaks++; else negPeaks++; }
    }
  }
  const rms = sampledRobustRms(img, covered);
  const peakX = peakAt < 0 ? -1 : peakAt % nx;
  const peakY = peakAt < 0 ? -1 : Math.floor(peakAt / nx);
  const mapNoise = noise && peakAt >= 0 ? noise[peakAt]! : Number.NaN;
  const peakNoise = Number.isFinite(mapNoise) && mapNoise > 0 ? mapNoise : peakAt >= 0 ? interpolate(bg, bg.rms, nx, ny, peakX, peakY) : Number.NaN;

  // Noisy area: boxes whose measured rms exceeds twice the expected noise there (the noise map's,
  // else the image's typical box rms). No floor: a bright source's calibration and deconvolution
  // errors spread over the field are what this check is for.
  const boxRms: number[] = [];
  for (let k = 0; k < fine.rms.length; k++) if (fine.measured[k]) boxRms.push(fine.rms[k]!);
  const typical = median(boxRms);
  let noisy = 0;
  let counted = 0;
  const ratios: number[] = [];
  // Measured over thermal, per box: quadratic mean weighted by the box's pixels.
  let thSum = 0;
  let thW = 0;
  const thermalAt = (i: number, j: number): number => {
    if (thermal === null) return Number.NaN;
    if (typeof thermal === 'number') return thermal;
    const cx = Math.min(nx - 1, Math.floor(((i + 0.5) * nx) / fine.bx));
    const cy = Math.min(ny - 1, Math.floor(((j + 0.5) * ny) / fine.by));
    return thermal[cy * nx + cx]!;
  };
  for (let j = 0; j < fine.by; j++) {
    for (let i = 0; i < fine.bx; i++) {
      const k = j * fine.bx + i;
      if (!fine.measured[k]) continue;
      let expected = typical;
      if (noise) {
        // The noise map's median over the box's centre row and column (cheap, and robust to its borders).
        const cx = Math.min(nx - 1, Math.floor(((i + 0.5) * nx) / fine.bx));
        const cy = Math.min(ny - 1, Math.floor(((j + 0.5) * ny) / fine.by));
        const x0 = Math.floor((i * nx) / fine.bx);
        const x1 = Math.floor(((i + 1) * nx) / fine.bx);
        const y0 = Math.floor((j * ny) / fine.by);
        const y1 = Math.floor(((j + 1) * ny) / fine.by);
        const vals: number[] = [];
        for (let x = x0; x < x1; x++) { const v = noise[cy * nx + x]!; if (Number.isFinite(v) && v > 0) vals.push(v); }
        for (let y = y0; y < y1; y++) { const v = noise[y * nx + cx]!; if (Number.isFinite(v) && v > 0) vals.push(v); }
        if (vals.length > 0) {
          expected = median(vals);
          ratios.push(fine.rms[k]! / expected);
        }
      }
      const weight = fine.count[k]!;
      counted += weight;
      if (fine.rms[k]! > 2 * expected) noisy += weight;
      const th = thermalAt(i, j);
      if (th > 0) {
        thSum += weight * (fine.rms[k]! / th) ** 2;
        thW += weight;
      }
    }
  }
  return {
    rmsJy: rms,
    peakJy: peak,
    peakX,
    peakY,
    peakNoiseJy: peakNoise,
    minJy: min,
    dynamicRange: min < 0 && rms > 0 ? peak / rms : null,
    positivePeaks: posPeaks,
    negativePeaks: negPeaks,
    artifactAreaPct: coveredN > 0 ? (200 * below) / coveredN : 0,
    thermalNoiseJy: thermal === null ? null : typeof thermal === 'number' ? thermal : medianFinite(thermal, covered),
    thermalRatio: thW > 0 ? Math.sqrt(thSum / thW) : null,
    peakSnr: peak / peakNoise,
    pixelsAbove5Sigma: above,
    coveredPixels: coveredN,
    blankAreaPct: coveredN > 0 ? (100 * blank) / coveredN : 100,
    noisyAreaPct: counted > 0 ? (100 * noisy) / counted : 0,
    medianNoiseMapJy: noise ? median(noiseVals) : null,
    noiseMapRatio: noise && ratios.length > 0 ? median(ratios) : null,
  };
}
