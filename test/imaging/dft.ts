// Brute-force reference for the gridder tests: the full measurement equation summed directly,
// in float64, with the project's conventions (native/src/gridder/wgridder.h):
//   G:   vis[k] = wgt[k] sum_{x,y} image[y,x] exp(+2 pi i (u l + v m + w (n - 1)))   (no 1/n)
//   G^H: dirty[y,x] = sum_k wgt[k] Re(vis[k] exp(-2 pi i (u l + v m + w (n - 1))))
// with u, v, w = uvw * f / c, l = -(x - floor(nx/2)) dl, m = (y - floor(ny/2)) dm and
// n - 1 = sqrt(1 - l^2 - m^2) - 1 (0 when the w term is off).

export const SPEED_OF_LIGHT = 299792458;

export interface DftGeometry {
  nx: number;
  ny: number;
  dl: number;
  dm: number;
  /** Include the w (n - 1) term. */
  wterm: boolean;
}

/** l, m, n - 1 of every pixel (y-major), n - 1 computed without cancellation. */
function pixelDirections(g: DftGeometry): Float64Array {
  const out = new Float64Array(3 * g.nx * g.ny);
  const cx = Math.floor(g.nx / 2);
  const cy = Math.floor(g.ny / 2);
  for (let y = 0; y < g.ny; y++) {
    for (let x = 0; x < g.nx; x++) {
      const l = -(x - cx) * g.dl;
      const m = (y - cy) * g.dm;
      const r2 = l * l + m * m;
      const i = 3 * (y * g.nx + x);
      out[i] = l;
      out[i + 1] = m;
      out[i + 2] = g.wterm ? -r2 / (1 + Math.sqrt(1 - r2)) : 0;
    }
  }
  return out;
}

/** u, v, w in wavelengths of every (row, channel). */
function visCoordinates(uvw: Float64Array, freqs: Float64Array): Float64Array {
  const nrows = uvw.length / 3;
  const nchan = freqs.length;
  const out = new Float64Array(3 * nrows * nchan);
  for (let r = 0; r < nrows; r++) {
    for (let c = 0; c < nchan; c++) {
      const s = freqs[c]! / SPEED_OF_LIGHT;
      const i = 3 * (r * nchan + c);
      out[i] = uvw[3 * r]! * s;
      out[i + 1] = uvw[3 * r + 1]! * s;
      out[i + 2] = uvw[3 * r + 2]! * s;
    }
  }
  return out;
}

/** G^H: the unnormalised dirty image (ny x nx). */
export function directDirty(
  uvw: Float64Array,
  freqs: Float64Array,
  vis: ArrayLike<number>,
  weights: ArrayLike<number>,
  g: DftGeometry,
): Float64Array {
  const dirs = pixelDirections(g);
  const coords = visCoordinates(uvw, freqs);
  const nvis = coords.length / 3;
  const npix = g.nx * g.ny;
  const out = new Float64Array(npix);
  for (let k = 0; k < nvis; k++) {
    const wt = weights[k]!;
    if (wt === 0) continue;
    const u = coords[3 * k]!;
    const v = coords[3 * k + 1]!;
    const w = coords[3 * k + 2]!;
    const vr = wt * vis[2 * k]!;
    const vi = wt * vis[2 * k + 1]!;
    for (let p = 0; p < npix; p++) {
      const ph = -2 * Math.PI * (u * dirs[3 * p]! + v * dirs[3 * p + 1]! + w * dirs[3 * p + 2]!);
      out[p] = out[p]! + vr * Math.cos(ph) - vi * Math.sin(ph);
    }
  }
  return out;
}

/** G: model visibilities (nrows x nchan complex interleaved); weights null = all 1. */
export function directVis(
  uvw: Float64Array,
  freqs: Float64Array,
  image: ArrayLike<number>,
  weights: ArrayLike<number> | null,
  g: DftGeometry,
): Float64Array {
  const dirs = pixelDirections(g);
  const coords = visCoordinates(uvw, freqs);
  const nvis = coords.length / 3;
  const npix = g.nx * g.ny;
  const out = new Float64Array(2 * nvis);
  for (let k = 0; k < nvis; k++) {
    const wt = weights ? weights[k]! : 1;
    if (wt === 0) continue;
    const u = coords[3 * k]!;
    const v = coords[3 * k + 1]!;
    const w = coords[3 * k + 2]!;
    let sr = 0;
    let si = 0;
    for (let p = 0; p < npix; p++) {
      const a = image[p]!;
      if (a === 0) continue;
      const ph = 2 * Math.PI * (u * dirs[3 * p]! + v * dirs[3 * p + 1]! + w * dirs[3 * p + 2]!);
      sr += a * Math.cos(ph);
      si += a * Math.sin(ph);
    }
    out[2 * k] = wt * sr;
    out[2 * k + 1] = wt * si;
  }
  return out;
}

/** ||a - b||_2 / ||b||_2. */
export function relativeL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    const d = a[i]! - b[i]!;
    e += d * d;
    n += b[i]! * b[i]!;
  }
  return Math.sqrt(e / n);
}
