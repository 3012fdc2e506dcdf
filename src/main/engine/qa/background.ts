// Background and noise of an image in boxes: median and 1.4826 MAD per box of finite pixels,
// bilinearly interpolated between box centres (NaN and exact zeros are blank; empty boxes take
// their nearest neighbour's values).
import { medianInPlace } from '../imaging/stats';

export interface BackgroundGrid {
  /** Box side in pixels and the number of boxes along x and y. */
  box: number;
  bx: number;
  by: number;
  /** Per box: median, robust rms (NaN where the box had too few finite pixels), finite-pixel count. */
  mean: Float64Array;
  rms: Float64Array;
  count: Int32Array;
  /** Boxes that had data (the others were filled from neighbours). */
  measured: Uint8Array;
}

/** Median and 1.4826 MAD of a[0..n) (reorders and overwrites a). */
export function medianAndRobustRms(a: Float64Array, n: number): { median: number; rms: number } {
  if (n === 0) return { median: Number.NaN, rms: Number.NaN };
  const med = medianInPlace(a, n);
  for (let i = 0; i < n; i++) a[i] = Math.abs(a[i]! - med);
  return { median: med, rms: 1.4826 * medianInPlace(a, n) };
}

/**
 * Median and robust rms in boxes of `box` pixels. A box needs at least a quarter of its pixels
 * finite (mosaic borders are NaN); emptier boxes are filled from the nearest measured box.
 */
export function backgroundGrid(img: ArrayLike<number>, nx: number, ny: number, box: number): BackgroundGrid {
  const b = Math.max(8, Math.min(Math.floor(box), nx, ny));
  const bx = Math.max(1, Math.round(nx / b));
  const by = Math.max(1, Math.round(ny / b));
  const mean = new Float64Array(bx * by).fill(Number.NaN);
  const rms = new Float64Array(bx * by).fill(Number.NaN);
  const count = new Int32Array(bx * by);
  const measured = new Uint8Array(bx * by);
  const buf = new Float64Array(Math.ceil(nx / bx + 1) * Math.ceil(ny / by + 1));
  for (let j = 0; j < by; j++) {
    const y0 = Math.floor((j * ny) / by);
    const y1 = Math.floor(((j + 1) * ny) / by);
    for (let i = 0; i < bx; i++) {
      const x0 = Math.floor((i * nx) / bx);
      const x1 = Math.floor(((i + 1) * nx) / bx);
      let k = 0;
      for (let y = y0; y < y1; y++) {
        const row = y * nx;
        for (let x = x0; x < x1; x++) {
          const v = img[row + x]!;
          // An exact 0 is blanked data (no restored image has one), not a noise sample.
          if (Number.isFinite(v) && v !== 0) buf[k++] = v;
        }
      }
      const cell = j * bx + i;
      count[cell] = k;
      if (k < Math.max(16, ((x1 - x0) * (y1 - y0)) / 4)) continue;
      const m = medianAndRobustRms(buf, k);
      mean[cell] = m.median;
      rms[cell] = m.rms;
      measured[cell] = 1;
    }
  }
  fillEmpty(mean, measured, bx);
  fillEmpty(rms, measured, bx);
  return { box: b, bx, by, mean, rms, count, measured };
}

/** Fill boxes without a measurement from the nearest measured box (by box distance). */
function fillEmpty(v: Float64Array, measured: Uint8Array, bx: number): void {
  const have: number[] = [];
  for (let k = 0; k < measured.length; k++) if (measured[k]) have.push(k);
  if (have.length === 0) return;
  for (let k = 0; k < v.length; k++) {
    if (measured[k]) continue;
    const i = k % bx;
    const j = Math.floor(k / bx);
    let best = Infinity;
    let val = Number.NaN;
    for (const h of have) {
      const d = ((h % bx) - i) ** 2 + (Math.floor(h / bx) - j) ** 2;
      if (d < best) {
        best = d;
        val = v[h]!;
      }
    }
    v[k] = val;
  }
}

/** Bilinear interpolation of a box grid at pixel (x, y), clamped at the outer box centres. */
export function interpolate(
  g: BackgroundGrid,
  grid: Float64Array,
  nx: number,
  ny: number,
  x: number,
  y: number,
): number {
  // Box i spans [i nx/bx, (i+1) nx/bx): its centre is at (i + 0.5) nx/bx - 0.5.
  const fx = Math.min(g.bx - 1, Math.max(0, ((x + 0.5) * g.bx) / nx - 0.5));
  const fy = Math.min(g.by - 1, Math.max(0, ((y + 0.5) * g.by) / ny - 0.5));
  const i0 = Math.floor(fx);
  const j0 = Math.floor(fy);
  const i1 = Math.min(g.bx - 1, i0 + 1);
  const j1 = Math.min(g.by - 1, j0 + 1);
  const tx = fx - i0;
  const ty = fy - j0;
  const v00 = grid[j0 * g.bx + i0]!;
  const v10 = grid[j0 * g.bx + i1]!;
  const v01 = grid[j1 * g.bx + i0]!;
  const v11 = grid[j1 * g.bx + i1]!;
  return (1 - ty) * ((1 - tx) * v00 + tx * v10) + ty * ((1 - tx) * v01 + tx * v11);
}

/** One row of the interpolated grid (for thresholding an image row by row without a full map). */
export function interpolateRow(
  g: BackgroundGrid,
  grid: Float64Array,
  nx: number,
  ny: number,
  y: number,
  out: Float64Array,
): Float64Array {
  for (let x = 0; x < nx; x++) out[x] = interpolate(g, grid, nx, ny, x, y);
  return out;
}
