// The viewer's tile pyramid of a FITS image: float32 tiles of TILE x TILE pixels, level 0 at the
// image's own resolution, each next level the 2x2 mean of the one below (NaN-aware: the mean of
// the finite values among the four, NaN when none is finite). One file per level holds its tiles
// in row-major order (tile row 0 = the image's bottom rows, FITS row 1), each a fixed TILE^2 slot
// of little-endian float32, so a tile is one read at a computed offset. Edge tiles are padded
// with NaN. The image is read in bands of TILE rows, so memory stays at a few bands of the
// widest level whatever the image's size; statistics for the display limits (min/max over every
// pixel, percentiles and zscale from a strided sample) are gathered in the same pass.
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { FitsRowReader } from '../mosaic/fits-rows';
import type { FitsCard } from '../fits';

export const TILE = 256;
export const TILE_BYTES = TILE * TILE * 4;
/** Sample size for percentiles and zscale. */
const SAMPLE = 1_000_000;
export const PYRAMID_VERSION = 1;

export interface LevelInfo {
  level: number;
  /** Pixels of this level. */
  nx: number;
  ny: number;
  /** Tiles across and up. */
  cols: number;
  rows: number;
}

export interface PixelStats {
  /** Finite pixels, and all pixels. */
  finite: number;
  total: number;
  min: number | null;
  max: number | null;
  /** Quantiles of the finite values (from a strided sample): key = percent, e.g. '0.5', '99.5'. */
  quantiles: Record<string, number>;
  /** IRAF zscale limits (contrast 0.25) of the sample, or null without finite values. */
  zscale: [number, number] | null;
  /** Values in the sample. */
  sampled: number;
}

export interface PyramidInfo {
  version: number;
  file: string;
  nx: number;
  ny: number;
  tile: number;
  levels: LevelInfo[];
  stats: PixelStats;
  header: FitsCard[];
  buildMs: number;
}

/** The percent points kept in stats.quantiles (central 99, 99.5, 99.9 % and the median). */
export const QUANTILE_POINTS = [0.05, 0.25, 0.5, 50, 99.5, 99.75, 99.95] as const;

export function levelsFor(nx: number, ny: number): LevelInfo[] {
  const out: LevelInfo[] = [];
  let w = nx;
  let h = ny;
  for (let level = 0; ; level++) {
    out.push({ level, nx: w, ny: h, cols: Math.ceil(w / TILE), rows: Math.ceil(h / TILE) });
    if (w <= TILE && h <= TILE) break;
    w = Math.ceil(w / 2);
    h = Math.ceil(h / 2);
  }
  return out;
}

export function levelFile(dir: string, level: number): string {
  return path.join(dir, `L${level}.f32`);
}

/** One level being written: a band of TILE rows is filled, cut into tiles, then halved into the next level. */
class LevelWriter {
  private readonly band: Float32Array;
  private filled = 0;
  private bandIndex = 0;
  private readonly fd: number;
  private readonly tileBuf = new Float32Array(TILE * TILE);
  next: LevelWriter | null = null;

  constructor(
    readonly info: LevelInfo,
    file: string,
  ) {
    this.band = new Float32Array(info.nx * TILE);
    this.fd = openSync(file, 'w');
  }

  /** Append `n` rows (nx values each) from `rows`. */
  push(rows: Float32Array, n: number): void {
    const nx = this.info.nx;
    let r = 0;
    while (r < n) {
      const take = Math.min(TILE - this.filled, n - r);
      this.band.set(rows.subarray(r * nx, (r + take) * nx), this.filled * nx);
      this.filled += take;
      r += take;
      if (this.filled === TILE) this.flush();
    }
  }

  private flush(): void {
    const { nx, cols } = this.info;
    const n = this.filled;
    if (n === 0) return;
    const t = this.tileBuf;
    for (let c = 0; c < cols; c++) {
      const x0 = c * TILE;
      const w = Math.min(TILE, nx - x0);
      t.fill(Number.NaN);
      for (let y = 0; y < n; y++) t.set(this.band.subarray(y * nx + x0, y * nx + x0 + w), y * TILE);
      const buf = Buffer.from(t.buffer, t.byteOffset, t.byteLength);
      writeSync(this.fd, buf, 0, buf.length, (this.bandIndex * cols + c) * TILE_BYTES);
    }
    if (this.next) {
      // 2x2 NaN-aware mean into the next level's rows.
      const nnx = this.next.info.nx;
      const outRows = Math.ceil(n / 2);
      const out = new Float32Array(nnx * outRows);
      const b = this.band;
      for (let y = 0; y < outRows; y++) {
        const r0 = 2 * y * nx;
        const has1 = 2 * y + 1 < n;
        const r1 = (2 * y + 1) * nx;
        for (let x = 0; x < nnx; x++) {
          const i = 2 * x;
          let s = 0;
          let k = 0;
          let v = b[r0 + i]!;
          if (v === v) {
            s += v;
            k++;
          }
          const right = i + 1 < nx;
          if (right) {
            v = b[r0 + i + 1]!;
            if (v === v) {
              s += v;
              k++;
            }
          }
          if (has1) {
            v = b[r1 + i]!;
            if (v === v) {
              s += v;
              k++;
            }
            if (right) {
              v = b[r1 + i + 1]!;
              if (v === v) {
                s += v;
                k++;
              }
            }
          }
          out[y * nnx + x] = k ? s / k : Number.NaN;
        }
      }
      this.next.push(out, outRows);
    }
    this.filled = 0;
    this.bandIndex++;
  }

  finish(): void {
    this.flush();
    closeSync(this.fd);
    this.next?.finish();
  }

  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.next?.abort();
  }
}

/** Quantile (0..1) of a sorted array, linear between order statistics. */
function quantile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  const a = sorted[i]!;
  return i + 1 < sorted.length ? a + f * (sorted[i + 1]! - a) : a;
}

/**
 * IRAF's zscale (contrast 0.25): a line fitted by iterative 2.5-sigma rejection to the sorted
 * sample's middle; the limits are the median -/+ (slope / contrast) over the sample's half-range,
 * clipped to the sample's range.
 */
export function zscale(sorted: Float64Array, contrast = 0.25): [number, number] | null {
  const n = sorted.length;
  if (n === 0) return null;
  const lo = sorted[0]!;
  const hi = sorted[n - 1]!;
  if (n < 5) return [lo, hi];
  const median = quantile(sorted, 0.5);
  const center = (n - 1) / 2;
  let keep = new Uint8Array(n).fill(1);
  let slope = 0;
  let intercept = median;
  for (let iter = 0; iter < 5; iter++) {
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let sxy = 0;
    let m = 0;
    for (let i = 0; i < n; i++) {
      if (!keep[i]) continue;
      const x = i - center;
      const y = sorted[i]!;
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
      m++;
    }
    if (m < Math.max(5, n / 2)) break;
    const det = m * sxx - sx * sx;
    if (det === 0) break;
    slope = (m * sxy - sx * sy) / det;
    intercept = (sy - slope * sx) / m;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      if (!keep[i]) continue;
      const d = sorted[i]! - (intercept + slope * (i - center));
      ss += d * d;
    }
    const sigma = Math.sqrt(ss / m);
    const next = new Uint8Array(n);
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const d = Math.abs(sorted[i]! - (intercept + slope * (i - center)));
      next[i] = d <= 2.5 * sigma ? 1 : 0;
      if (next[i] !== keep[i]) changed++;
    }
    keep = next;
    if (changed === 0) break;
  }
  const s = slope / contrast;
  return [Math.max(lo, median - s * center), Math.min(hi, median + s * (n - 1 - center))];
}

export interface BuildOptions {
  onProgress?: (fraction: number) => void;
}

/**
 * Build the pyramid of `fitsFile` into `dir` (created; written under a temporary name and renamed
 * into place, so a reader sees a complete pyramid or none). Returns its description, also
 * written to dir/pyramid.json.
 */
export function buildPyramid(fitsFile: string, dir: string, opts: BuildOptions = {}): PyramidInfo {
  const t0 = performance.now();
  const reader = new FitsRowReader(fitsFile);
  const tmp = `${dir}.partial-${process.pid}-${Date.now()}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const levels = levelsFor(reader.nx, reader.ny);
  const writers = levels.map((l) => new LevelWriter(l, levelFile(tmp, l.level)));
  for (let i = 0; i + 1 < writers.length; i++) writers[i]!.next = writers[i + 1]!;
  try {
    const { nx, ny } = reader;
    const total = nx * ny;
    const stride = Math.max(1, Math.floor(total / SAMPLE));
    const sample = new Float64Array(Math.ceil(total / stride));
    let sampled = 0;
    let finite = 0;
    let min = Infinity;
    let max = -Infinity;
    const block = new Float32Array(nx * TILE);
    for (let y0 = 0; y0 < ny; y0 += TILE) {
      const n = Math.min(TILE, ny - y0);
      reader.readRows(y0, n, block);
      const base = y0 * nx;
      const len = n * nx;
      for (let i = 0; i < len; i++) {
        const v = block[i]!;
        if (v === v && v !== Infinity && v !== -Infinity) {
          finite++;
          if (v < min) min = v;
          if (v > max) max = v;
          if ((base + i) % stride === 0) sample[sampled++] = v;
        } else if (v !== v) {
          // NaN: blank
        } else {
          // +-Inf is shown as blank too: the display cannot map it.
          block[i] = Number.NaN;
        }
      }
      writers[0]!.push(block, n);
      opts.onProgress?.(Math.min(1, (y0 + n) / ny));
    }
    writers[0]!.finish();
    const s = sample.subarray(0, sampled).sort();
    const quantiles: Record<string, number> = {};
    if (sampled) for (const p of QUANTILE_POINTS) quantiles[String(p)] = quantile(s, p / 100);
    const info: PyramidInfo = {
      version: PYRAMID_VERSION,
      file: fitsFile,
      nx,
      ny,
      tile: TILE,
      levels,
      stats: {
        finite,
        total,
        min: finite ? min : null,
        max: finite ? max : null,
        quantiles,
        zscale: zscale(s),
        sampled,
      },
      header: reader.header,
      buildMs: 0,
    };
    info.buildMs = performance.now() - t0;
    writeFileSync(path.join(tmp, 'pyramid.json'), JSON.stringify(info));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(path.dirname(dir), { recursive: true });
    renameSync(tmp, dir);
    return info;
  } catch (e) {
    for (const w of writers) w.abort();
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    reader.close();
  }
}
