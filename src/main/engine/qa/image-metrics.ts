// Image-level QA measurements: robust rms, peak, dynamic range, pixels above 5 sigma, the blank
// share of the covered area and the share whose noise (in small boxes) is far above what was expected.
import { interpolate, medianAndRobustRms, type BackgroundGrid } from './background';

/** At most this many pixels enter the global median/MAD (a strided sample beyond: 0.05 % accuracy). */
const MAX_SAMPLE = 4_000_000;
/**
 * The dynamic range a snapshot image reaches near its brightest source (calibration and MFS
 * spectral errors): measured 1e4-2e4 peak/rms but ~400 peak/|min| on pipeline images of the
 * simulated 0834+555 field; noise below peak / 5000 is not counted as a noisy area.
 */
const DYNAMIC_RANGE_FLOOR = 5000;

export interface ImageMetrics {
  rmsJy: number;
  peakJy: number;
  peakX: number;
  peakY: number;
  /** Noise at the peak (effective-noise map, or the local background rms), Jy/beam. */
  peakNoiseJy: number;
  minJy: number;
  /** Peak over |most negative pixel|; null when nothing is negative. */
  dynamicRange: number | null;
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
  img: ArrayLike<number>,
  nx: number,
  ny: number,
  bg: BackgroundGrid,
  fine: BackgroundGrid,
  covered: Uint8Array | null,
  noise: ArrayLike<number> | null,
): ImageMetrics {
  let peak = -Infinity;
  let peakAt = -1;
  let min = Infinity;
  let coveredN = 0;
  let blank = 0;
  let above = 0;
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
      if (v > peak) {
        peak = v;
        peakAt = i;
      }
      if (v < min) min = v;
      const r = interpolate(bg, bg.rms, nx, ny, x, y);
      if (r > 0 && (v - interpolate(bg, bg.mean, nx, ny, x, y)) / r > 5) above++;
    }
  }
  const rms = sampledRobustRms(img, covered);
  const peakX = peakAt < 0 ? -1 : peakAt % nx;
  const peakY = peakAt < 0 ? -1 : Math.floor(peakAt / nx);
  const mapNoise = noise && peakAt >= 0 ? noise[peakAt]! : Number.NaN;
  const peakNoise =
    Number.isFinite(mapNoise) && mapNoise > 0
      ? mapNoise
      : peakAt >= 0
        ? interpolate(bg, bg.rms, nx, ny, peakX, peakY)
        : Number.NaN;

  // Noisy area: boxes whose measured rms exceeds twice the expected noise there. The expected
  // noise has a floor at the image's peak over DYNAMIC_RANGE_FLOOR: calibration and deconvolution
  // errors of a bright source spread over the field at that level in any snapshot, and a check
  // meant for corrupted tiles and bad data must not fire on every field with a bright source.
  const floor = peak > 0 ? peak / DYNAMIC_RANGE_FLOOR : 0;
  const boxRms: number[] = [];
  for (let k = 0; k < fine.rms.length; k++) if (fine.measured[k]) boxRms.push(fine.rms[k]!);
  const typical = median(boxRms);
  let noisy = 0;
  let counted = 0;
  const ratios: number[] = [];
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
        for (let x = x0; x < x1; x++) {
          const v = noise[cy * nx + x]!;
          if (Number.isFinite(v) && v > 0) vals.push(v);
        }
        for (let y = y0; y < y1; y++) {
          const v = noise[y * nx + cx]!;
          if (Number.isFinite(v) && v > 0) vals.push(v);
        }
        if (vals.length > 0) {
          expected = median(vals);
          ratios.push(fine.rms[k]! / expected);
        }
      }
      const weight = fine.count[k]!;
      counted += weight;
      if (fine.rms[k]! > 2 * Math.max(expected, floor)) noisy += weight;
    }
  }
  return {
    rmsJy: rms,
    peakJy: peak,
    peakX,
    peakY,
    peakNoiseJy: peakNoise,
    minJy: min,
    dynamicRange: min < 0 ? peak / -min : null,
    peakSnr: peak / peakNoise,
    pixelsAbove5Sigma: above,
    coveredPixels: coveredN,
    blankAreaPct: coveredN > 0 ? (100 * blank) / coveredN : 100,
    noisyAreaPct: counted > 0 ? (100 * noisy) / counted : 0,
    medianNoiseMapJy: noise ? median(noiseVals) : null,
    noiseMapRatio: noise && ratios.length > 0 ? median(ratios) : null,
  };
}
