// Brute-force reference for the FFT tests: a separable direct DFT (rows, then columns) in
// float64, O(n^2) per line, with the same layout and sign/normalisation as the addon.

/** Twiddle table: cos and sin of 2*pi*q/n, q = 0..n-1, indexed with (j*k mod n) exactly. */
function table(n: number): { cos: Float64Array; sin: Float64Array } {
  const cos = new Float64Array(n);
  const sin = new Float64Array(n);
  for (let q = 0; q < n; q++) {
    cos[q] = Math.cos((2 * Math.PI * q) / n);
    sin[q] = Math.sin((2 * Math.PI * q) / n);
  }
  return { cos, sin };
}

/** Direct DFT of `n` complex values at data[offset + 2*stride*k] (interleaved), in place. */
function dft1d(
  data: Float64Array,
  offset: number,
  stride: number,
  n: number,
  sign: -1 | 1,
  tab: ReturnType<typeof table>,
): void {
  const inRe = new Float64Array(n);
  const inIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    inRe[k] = data[offset + 2 * stride * k]!;
    inIm[k] = data[offset + 2 * stride * k + 1]!;
  }
  for (let j = 0; j < n; j++) {
    let sr = 0;
    let si = 0;
    let q = 0; // j*k mod n, kept exact in integers
    for (let k = 0; k < n; k++) {
      const c = tab.cos[q]!;
      const s = sign * tab.sin[q]!;
      const xr = inRe[k]!;
      const xi = inIm[k]!;
      sr += xr * c - xi * s;
      si += xr * s + xi * c;
      q += j;
      if (q >= n) q -= n;
    }
    data[offset + 2 * stride * j] = sr;
    data[offset + 2 * stride * j + 1] = si;
  }
}

/**
 * Direct 2-D DFT of ny rows of nx interleaved complex values (x fastest), returned as a new
 * Float64Array. Forward: exp(-2*pi*i*(u*x/nx + v*y/ny)); inverse: + sign and 1/(nx*ny).
 */
export function dft2d(input: ArrayLike<number>, nx: number, ny: number, inverse = false): Float64Array {
  const out = Float64Array.from(input);
  const sign = inverse ? 1 : -1;
  const tx = table(nx);
  for (let y = 0; y < ny; y++) dft1d(out, 2 * y * nx, 1, nx, sign, tx);
  const ty = table(ny);
  for (let x = 0; x < nx; x++) dft1d(out, 2 * x, nx, ny, sign, ty);
  if (inverse) {
    const s = 1 / (nx * ny);
    for (let i = 0; i < out.length; i++) out[i]! *= s;
  }
  return out;
}

/** max |a - b| / max |b| over all real and imaginary parts: the tests' relative error. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relativeError: lengths differ (${a.length} vs ${b.length})`);
  let err = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    max = Math.max(max, Math.abs(b[i]!));
  }
  return max === 0 ? err : err / max;
}

/** Deterministic uniform values in [-1, 1) (mulberry32), so a failing size is reproducible. */
export function randomValues(length: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/**
 * The same 2-D DFT as dft2d at the output columns `us` only (every v of each), as a
 * Float64Array of us.length columns of ny interleaved values: O(nx*ny) per column instead of
 * O(nx*ny*(nx+ny)) for the whole plane, for the large sizes. A wrong twiddle or a misplaced
 * line shows in (almost) every output value, so whole columns at chosen u catch it too.
 */
export function dft2dColumns(input: ArrayLike<number>, nx: number, ny: number, us: readonly number[], inverse = false) {
  const sign = inverse ? 1 : -1;
  const tx = table(nx);
  const ty = table(ny);
  const out = new Float64Array(2 * ny * us.length);
  const col = new Float64Array(2 * ny);
  for (const [c, u] of us.entries()) {
    // Row transforms at frequency u: one value per row y.
    for (let y = 0; y < ny; y++) {
      let sr = 0;
      let si = 0;
      let q = 0; // u*x mod nx
      for (let x = 0; x < nx; x++) {
        const cs = tx.cos[q]!;
        const sn = sign * tx.sin[q]!;
        const xr = input[2 * (y * nx + x)]!;
        const xi = input[2 * (y * nx + x) + 1]!;
        sr += xr * cs - xi * sn;
        si += xr * sn + xi * cs;
        q += u;
        if (q >= nx) q -= nx;
      }
      col[2 * y] = sr;
      col[2 * y + 1] = si;
    }
    dft1d(col, 0, 1, ny, sign, ty);
    const s = inverse ? 1 / (nx * ny) : 1;
    for (let v = 0; v < ny; v++) {
      out[2 * (c * ny + v)] = col[2 * v]! * s;
      out[2 * (c * ny + v) + 1] = col[2 * v + 1]! * s;
    }
  }
  return out;
}

/** Columns `us` (every v) of an nx x ny interleaved plane, laid out as dft2dColumns returns them. */
export function columns(data: ArrayLike<number>, nx: number, ny: number, us: readonly number[]): Float64Array {
  const out = new Float64Array(2 * ny * us.length);
  for (const [c, u] of us.entries())
    for (let v = 0; v < ny; v++) {
      out[2 * (c * ny + v)] = data[2 * (v * nx + u)]!;
      out[2 * (c * ny + v) + 1] = data[2 * (v * nx + u) + 1]!;
    }
  return out;
}
