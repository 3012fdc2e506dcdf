// Combination of reprojected images on the mosaic grid, band by band: each band of output rows
// reads only the input rows it needs, reprojects them (native, on the worker pool), accumulates
// the method's sums, and streams the finished rows into the FITS writers. Memory stays bounded
// by the band (about BAND_PIXELS output pixels) whatever the mosaic's size.
import type { MosaicMethod } from '../../../shared/model';
import { sharedOf, type NativePool } from '../native/pool';
import type { FitsRowReader, FitsRowWriter } from './fits-rows';
import { footprint, inputRowsFor, type MosaicGrid, type PixelBox } from './grid';
import type { CelestialWcs } from '../../../shared/model/sky-image';

/** Output pixels per band (x 3 float64 sums = 96 MB). */
export const BAND_PIXELS = 4_000_000;
/** Interpolation rows beyond a region's mapped extent (Lanczos-3 reaches 3 pixels). */
const ROW_MARGIN = 4;

export interface CombineInput {
  image: FitsRowReader;
  pb: FitsRowReader;
  wcs: CelestialWcs;
  /** Robust noise of the image (Jy/beam), for the weighted methods and the noise map. */
  sigmaJy: number;
}

export interface CombineOptions {
  method: MosaicMethod;
  pbCut: number;
  interpolation: 'bilinear' | 'lanczos3';
  threads: number;
  /** Largest side of the preview image (pixels); the preview is a block average. */
  previewMax?: number;
  bandPixels?: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number, message: string) => void;
}

export interface CombineWriters {
  mosaic: FitsRowWriter;
  noise: FitsRowWriter;
  weights: FitsRowWriter;
}

export interface CombineStats {
  /** Mosaic pixels with a value. */
  coveredPixels: number;
  /** Median of the effective-noise map over covered pixels (Jy/beam). */
  medianNoiseJy: number;
  /** Block-averaged mosaic for the PNG preview (NaN where empty) and its block size. */
  preview: { nx: number; ny: number; factor: number; data: Float32Array };
  /** Output pixels the kernel computed (summed over inputs) and the wall time it took. */
  reprojectedPixels: number;
  reprojectSeconds: number;
  /** Per input: grid pixels it contributed to (within the PB cut). */
  contributed: number[];
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('mosaic: cancelled');
}

/** Named shared Float32Arrays that grow as needed and are handed out as views of the wanted length. */
class SharedBuffers {
  private readonly pool = new Map<string, Float32Array>();
  get(name: string, n: number): Float32Array {
    let b = this.pool.get(name);
    if (!b || b.length < n) {
      b = sharedOf(Float32Array, Math.ceil(n * 1.25));
      this.pool.set(name, b);
    }
    return b.subarray(0, n);
  }
}

/** Median of a numeric array (sorted copy). */
function median(values: Float64Array): number {
  if (values.length === 0) return Number.NaN;
  const s = Float64Array.from(values).sort();
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : 0.5 * (s[h - 1]! + s[h]!);
}

/**
 * Sums per output pixel: mean: num = sum I/PB, den = n, v = sum (s/PB)^2; weighted (w = 1/s^2):
 * num = sum w I/PB, den = sum w, v = sum w^2 s^2 / PB^2; pbweighted: num = sum PB I / s^2,
 * den = sum PB^2 / s^2 (then noise = 1/sqrt(den), v unused). Only pixels with PB >= cut count.
 */
function accumulate(
  method: MosaicMethod,
  cut: number,
  s: number,
  img: Float32Array,
  pb: Float32Array,
  acc: { num: Float64Array; den: Float64Array; v: Float64Array },
  region: PixelBox,
  band: PixelBox,
  nx: number,
): number {
  const w = region.x1 - region.x0;
  const inv2 = 1 / (s * s);
  let n = 0;
  for (let y = region.y0; y < region.y1; y++) {
    const src = (y - region.y0) * w;
    const dst = (y - band.y0) * nx + region.x0;
    for (let x = 0; x < w; x++) {
      const b = pb[src + x]!;
      const i = img[src + x]!;
      // NaN compares false, so NaN pixels and beams are skipped too.
      if (!(b >= cut && b > 0) || !Number.isFinite(i)) continue;
      const o = dst + x;
      n++;
      if (method === 'pbweighted') {
        acc.num[o] = acc.num[o]! + b * i * inv2;
        acc.den[o] = acc.den[o]! + b * b * inv2;
      } else if (method === 'weighted') {
        acc.num[o] = acc.num[o]! + (inv2 * i) / b;
        acc.den[o] = acc.den[o]! + inv2;
        acc.v[o] = acc.v[o]! + inv2 / (b * b);
      } else {
        acc.num[o] = acc.num[o]! + i / b;
        acc.den[o] = acc.den[o]! + 1;
        acc.v[o] = acc.v[o]! + (s * s) / (b * b);
      }
    }
  }
  return n;
}

/** Combines `inputs` on `grid` into the writers (rows bottom to top); see the file's header. */
export async function combine(
  pool: NativePool,
  grid: MosaicGrid,
  inputs: readonly CombineInput[],
  opts: CombineOptions,
  out: CombineWriters,
): Promise<CombineStats> {
  const { nx, ny } = grid;
  const boxes = inputs.map((inp) => footprint(grid, { wcs: inp.wcs, nx: inp.image.nx, ny: inp.image.ny }));
  const bandRows = Math.max(1, Math.min(ny, Math.floor((opts.bandPixels ?? BAND_PIXELS) / nx)));
  const factor = Math.max(1, Math.ceil(Math.max(nx, ny) / (opts.previewMax ?? 2000)));
  const pnx = Math.ceil(nx / factor);
  const pny = Math.ceil(ny / factor);
  const psum = new Float64Array(pnx * pny);
  const pcount = new Uint32Array(pnx * pny);
  const noiseStride = Math.max(1, Math.floor((nx * ny) / 1_000_000));
  const noiseSamples: number[] = [];
  const contributed = inputs.map(() => 0);
  let covered = 0;
  let reprojectedPixels = 0;
  let reprojectMs = 0;
  let sampleIndex = 0;
  const nBands = Math.ceil(ny / bandRows);
  // Every buffer is allocated once and reused by all bands and inputs: shared memory handed to
  // the worker is freed late by the garbage collector, so fresh buffers per call pile up.
  const buffers = new SharedBuffers();
  const sums = {
    num: new Float64Array(nx * bandRows),
    den: new Float64Array(nx * bandRows),
    v: new Float64Array(nx * bandRows),
  };
  const rowsOut = {
    mos: new Float32Array(nx * bandRows),
    noise: new Float32Array(nx * bandRows),
    weights: new Float32Array(nx * bandRows),
  };

  for (let b = 0; b < nBands; b++) {
    const band: PixelBox = { x0: 0, x1: nx, y0: b * bandRows, y1: Math.min(ny, (b + 1) * bandRows) };
    const rows = band.y1 - band.y0;
    const acc = {
      num: sums.num.subarray(0, nx * rows),
      den: sums.den.subarray(0, nx * rows),
      v: sums.v.subarray(0, nx * rows),
    };
    acc.num.fill(0);
    acc.den.fill(0);
    acc.v.fill(0);
    for (let k = 0; k < inputs.length; k++) {
      throwIfAborted(opts.signal);
      const inp = inputs[k]!;
      const box = boxes[k];
      if (!box || box.y1 <= band.y0 || box.y0 >= band.y1) continue;
      const region: PixelBox = { x0: box.x0, x1: box.x1, y0: Math.max(box.y0, band.y0), y1: Math.min(box.y1, band.y1) };
      const geom = { wcs: inp.wcs, nx: inp.image.nx, ny: inp.image.ny };
      const need = inputRowsFor(grid, region, geom, ROW_MARGIN);
      if (!need) continue;
      const imgRows = buffers.get('inImage', inp.image.nx * need.nrows);
      const pbRows = buffers.get('inPb', inp.image.nx * need.nrows);
      inp.image.readRows(need.row0, need.nrows, imgRows);
      inp.pb.readRows(need.row0, need.nrows, pbRows);
      const w = region.x1 - region.x0;
      const h = region.y1 - region.y0;
      const outImg = buffers.get('outImage', w * h);
      const outPb = buffers.get('outPb', w * h);
      const t0 = performance.now();
      await pool.reproject(
        { planes: [imgRows, pbRows], nx: inp.image.nx, row0: need.row0, nrows: need.nrows, wcs: inp.wcs },
        { planes: [outImg, outPb], x0: region.x0, y0: region.y0, nx: w, ny: h, wcs: grid.wcs },
        { interpolation: opts.interpolation, threads: opts.threads },
      );
      reprojectMs += performance.now() - t0;
      reprojectedPixels += w * h;
      contributed[k]! += accumulate(opts.method, opts.pbCut, inp.sigmaJy, outImg, outPb, acc, region, band, nx);
      opts.onProgress?.(
        (b + (k + 1) / inputs.length) / nBands,
        `band ${b + 1}/${nBands}: image ${k + 1}/${inputs.length}`,
      );
    }
    // Finish the band: mosaic, effective noise and weight rows.
    const mos = rowsOut.mos.subarray(0, nx * rows);
    const noise = rowsOut.noise.subarray(0, nx * rows);
    const weights = rowsOut.weights.subarray(0, nx * rows);
    for (let i = 0; i < nx * rows; i++) {
      const d = acc.den[i]!;
      if (!(d > 0)) {
        mos[i] = noise[i] = Number.NaN;
        weights[i] = 0;
        continue;
      }
      mos[i] = acc.num[i]! / d;
      noise[i] = opts.method === 'pbweighted' ? 1 / Math.sqrt(d) : Math.sqrt(acc.v[i]!) / d;
      weights[i] = d;
      covered++;
      if (sampleIndex++ % noiseStride === 0) noiseSamples.push(noise[i]!);
      const y = band.y0 + Math.floor(i / nx);
      const p = Math.floor(y / factor) * pnx + Math.floor((i % nx) / factor);
      psum[p] = psum[p]! + mos[i]!;
      pcount[p] = pcount[p]! + 1;
    }
    out.mosaic.writeRows(mos);
    out.noise.writeRows(noise);
    out.weights.writeRows(weights);
  }
  const preview = new Float32Array(pnx * pny);
  for (let i = 0; i < preview.length; i++) preview[i] = pcount[i]! > 0 ? psum[i]! / pcount[i]! : Number.NaN;
  return {
    coveredPixels: covered,
    medianNoiseJy: median(Float64Array.from(noiseSamples)),
    preview: { nx: pnx, ny: pny, factor, data: preview },
    reprojectedPixels,
    reprojectSeconds: reprojectMs / 1000,
    contributed,
  };
}
