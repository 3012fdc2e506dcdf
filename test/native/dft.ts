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
